/**
 * WorkspaceCommand through the real engine and chaser-local: the golden pipeline (workspace → commands → snapshot
 * → template → clones), bad input refused at preview with no write, a failing command that fails the up and
 * creates no dependent, triggers, update and delete commands, secrets that never show in plaintext, and an up of
 * 20 commands under 20% faults in which every command runs exactly once.
 */
import { Local, writesTo } from "../support/local";
import { runScenario } from "./support/scenario";
import { FLAVOURS, HEADER, headerOf, occurrences } from "./support/stack";

jest.setTimeout(900_000);

const local = Local.forSuite();

type Cmd = { seq: number; command: string; workspace: string | null; exit_code: number | null; via: string };
const history = async (): Promise<Cmd[]> => (await local.control<{ commands: Cmd[] }>("GET", "/commands")).commands;
const commandsRun = async () => (await history()).map((c) => c.command);
const scripts = (rules: unknown[]) => local.control("PUT", "/exec-scripts", { rules });
const activeSessions = async (name: string) => (await local.workspaces()).filter((w) => w.name === name && w.active_session_id).length;

const ENV_SECRET = "env-secret-Qx81kPz";
const STDIN_SECRET = "stdin-secret-Lm27vBw";

const pipeline = (opts: { trigger?: string; update?: string; failing?: boolean } = {}) => `${HEADER}
const ws = new chaser.Workspace("ws", { name: "golden", sessionType: "sandbox", image: "ubuntu:24.04" });
const toolchain = new chaser.WorkspaceCommand("toolchain", {
  workspace: ws.workspaceId,
  create: "install-toolchain --with-secret",
  delete: "uninstall-toolchain",
  environment: { TOKEN: pulumi.secret("${ENV_SECRET}"), MODE: "ci" },
  stdin: pulumi.secret("${STDIN_SECRET}"),
  triggers: ["${opts.trigger ?? "v1"}"],
});
const warm = new chaser.WorkspaceCommand("warm", {
  workspace: ws.workspaceId,
  create: "warm-caches",
  update: "${opts.update ?? "rewarm-caches v1"}",
  cwd: "/workspace",
  user: "ubuntu",
  timeoutMs: 120000,
}, { dependsOn: [toolchain] });
const snap = new chaser.Snapshot("prepared", { workspace: ws.workspaceId, name: "prepared" }, { dependsOn: [warm] });
${opts.failing ? `const tests = new chaser.WorkspaceCommand("tests", { workspace: ws.workspaceId, create: "run-tests" }, { dependsOn: [snap] });
new chaser.Snapshot("tested", { workspace: ws.workspaceId, name: "tested" }, { dependsOn: [tests] });` : ""}
const tpl = new chaser.Template("tpl", { workspace: ws.workspaceId }, { dependsOn: [snap] });
const clones = [1, 2, 3].map((i) => new chaser.Workspace("clone" + i, { name: "golden-clone-" + i, cloneFrom: tpl.workspaceId }));
exports.toolchainOutput = toolchain.output;
exports.exitCode = warm.exitCode;
exports.clones = clones.map((c) => c.name);`;

const CREATED = ["create ws", "create toolchain", "create warm", "create prepared", "create tpl", "create clone1", "create clone2", "create clone3"];

test("the golden pipeline: commands once and in order, then snapshot, template, clones; failures, triggers, update, delete; secrets never in plaintext", async () => {
  let outsideWeb = "";
  await runScenario(
    local,
    "golden",
    [
      {
        name: "up: workspace, two commands in order, snapshot, template, three clones",
        program: pipeline(),
        before: async () => {
          await scripts([{ pattern: "^install-toolchain", output: "installing\nTOKEN={{env.TOKEN}}\nSTDIN={{stdin}}\ndone" }]);
          await local.clearRequests();
        },
        up: CREATED,
        after: async (p) => {
          const h = await history();
          expect(h.map((c) => [c.command, c.workspace, c.exit_code])).toEqual([
            ["install-toolchain --with-secret", "golden", 0],
            ["warm-caches", "golden", 0],
          ]);
          // Every command ran as a job with an idempotency key; the session each attached was ended afterwards.
          expect(h.every((c) => c.via === "job")).toBe(true);
          expect(await activeSessions("golden")).toBe(0);
          expect(await local.count("POST", "/v1/exec")).toBe(0);
          const names = (await local.workspaces()).map((w) => [w.name, w.template]).sort();
          expect(names).toEqual([["golden", true], ["golden-clone-1", false], ["golden-clone-2", false], ["golden-clone-3", false]]);
          // No force anywhere: the snapshot and the clones were made without terminating anything.
          expect((await local.requests()).filter((r) => (r.query ?? "").includes("force=true"))).toEqual([]);
          expect((await p.outputs(false)).toolchainOutput).toBe("[secret]");
          expect((await p.outputs(true)).toolchainOutput).toContain(`TOKEN=${ENV_SECRET}`);
          expect((await p.outputs(true)).exitCode).toBe(0);
          const state = await p.exportState();
          const tool = state.resources.find((r) => r.urn.endsWith("::toolchain"))!;
          expect(tool.outputs.output).toHaveProperty("4dabf18193072939515e22adb298388d");
          const everything = [state.text, p.stateFilesText(), ...p.logs].join("\n");
          for (const s of [ENV_SECRET, STDIN_SECRET]) expect(occurrences(everything, s)).toBe("");
        },
      },
      {
        name: "bad input fails the preview naming the property and the rule, with no write: browser workspace, empty command, timeout out of range",
        before: async (p) => {
          outsideWeb = (await local.api<any>("POST", "/v1/workspaces", { name: "outside-web", session_type: "browser" })).body.id;
          const good = pipeline();
          const bad: Array<[string, RegExp]> = [
            [`new chaser.WorkspaceCommand("bad", { workspace: "outside-web", create: "ls" });`, /property workspace value \{outside-web\} has a problem: workspace: 'outside-web' is a browser workspace; commands run only in sandboxes \(session type 'sandbox'\)/],
            [`new chaser.WorkspaceCommand("bad", { workspace: ws.workspaceId, create: "   " });`, /property create value \{.*\} has a problem: create: must not be empty/],
            [`new chaser.WorkspaceCommand("bad", { workspace: ws.workspaceId, create: "ls", timeoutMs: 7200000 });`, /property timeoutMs value \{[^}]*\} has a problem: timeoutMs: must be at most 3600000 ms/],
          ];
          for (const [line, re] of bad) {
            await local.clearRequests();
            p.program(`${good}\n${line}`);
            const r = await p.preview();
            expect(r.code).not.toBe(0);
            expect(r.diagnostics.join("\n")).toMatch(re);
            expect(await writesTo(local)).toEqual([]);
          }
          p.program(good);
          await local.api("DELETE", `/v1/workspaces/${outsideWeb}`);
        },
        up: [],
        steady: false, // nothing changed since the last step's check
      },
      {
        name: "a failing command (exit 3) fails the up naming it, its exit code and its output's tail; no dependent is created",
        program: pipeline({ failing: true }),
        before: async () => {
          await scripts([{ pattern: "^run-tests$", exitCode: 3, output: `${"noise\n".repeat(50)}test_a ok\ntest_b FAILED: expected 2, got 3\n` }]);
          await local.clearRequests();
        },
        fails: /the create command `run-tests` in workspace 'golden' exited with code 3 \(job job_[0-9a-f-]+\); nothing was recorded as done, and the next up runs it again; the last lines of its output:\s*(\S.*\n)*.*test_b FAILED: expected 2, got 3/,
        after: async (p, up) => {
          expect(up.diagnostics.join("\n")).toMatch(/WorkspaceCommand resource 'tests'|tests/);
          const state = await p.exportState();
          expect(state.resources.map((r) => r.urn.split("::").pop())).not.toContain("tests");
          // its dependent was not created: nothing was written but the job and the end of its session
          expect(state.resources.map((r) => r.urn.split("::").pop())).not.toContain("tested");
          expect((await writesTo(local)).filter((w) => !/^POST \/v1\/jobs$|^DELETE \/v1\/sessions\//.test(w))).toEqual([]);
          expect((await commandsRun()).filter((c) => c === "run-tests")).toHaveLength(1);
          expect(await activeSessions("golden")).toBe(0);
        },
      },
      {
        name: "the script fixed: the next up runs it again and converges",
        before: async () => {
          await scripts([]);
        },
        up: ["create tests", "create tested"],
        after: async () => expect((await commandsRun()).filter((c) => c === "run-tests")).toHaveLength(2),
      },
      {
        name: "a changed trigger runs create again (replacement; the old one's delete command runs)",
        program: pipeline({ failing: true, trigger: "v2" }),
        before: async () => {
          await local.clearRequests();
        },
        up: ["create-replacement toolchain", "replace toolchain", "delete-replaced toolchain"],
        steady: false, // the steady checks of the steps before and the destroy after cover it
        after: async () => {
          const h = await commandsRun();
          expect(h.slice(-2)).toEqual(["install-toolchain --with-secret", "uninstall-toolchain"]);
          expect(h.filter((c) => c === "install-toolchain --with-secret")).toHaveLength(2);
        },
      },
      {
        name: "a change of update runs update in place",
        program: pipeline({ failing: true, trigger: "v2", update: "rewarm-caches v2" }),
        up: ["update warm"],
        steady: false,
        after: async () => {
          const h = await commandsRun();
          expect(h[h.length - 1]).toBe("rewarm-caches v2");
          expect(h.filter((c) => c.startsWith("warm-caches"))).toHaveLength(1);
        },
      },
    ],
    {
      empty: async (l) => {
        // destroy ran the delete command (once), and left nothing behind
        expect((await commandsRun()).filter((c) => c === "uninstall-toolchain")).toHaveLength(2);
        expect(await l.workspaces()).toEqual([]);
      },
    },
  );
});

// Both flavours: the plugin serves WorkspaceCommand from the same hooks (chaser:index:WorkspaceCommand).
test.each(FLAVOURS)("20 commands under 20%% faults (500, 503, 429, reset, drop): every command ran exactly once (%s)", async (flavour) => {
  const N = 20;
  await runScenario(local, `cmdfaults-${flavour}`, [
    {
      name: "up under faults",
      program: `${headerOf(flavour)}
const ws = new chaser.Workspace("ws", { name: "faulty", sessionType: "sandbox" });
const cmds = [];
for (let i = 0; i < ${N}; i++) cmds.push(new chaser.WorkspaceCommand("c" + i, { workspace: ws.workspaceId, create: "step-" + i }));`,
      faults: ["500", "503", "429", "reset", "drop"].map((kind) => ({ kind, rate: 0.045, path: "^/v1/", retryAfter: 0 }) as never),
      up: ["create ws", ...Array.from({ length: N }, (_, i) => `create c${i}`)],
      after: async () => {
        const fired = (await local.requests()).filter((r) => r.fault);
        expect(fired.length).toBeGreaterThan(0);
        const h = await commandsRun();
        expect(h.sort()).toEqual(Array.from({ length: N }, (_, i) => `step-${i}`).sort());
        expect(await activeSessions("faulty")).toBe(0);
      },
    },
  ], { flavour });
});
