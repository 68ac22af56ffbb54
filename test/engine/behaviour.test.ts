/**
 * What users rely on beyond the happy path, through the real engine, as lists of steps: drift detected by
 * refresh and repaired by one up, adoption of an existing workspace, secrets absent from state, logs and output,
 * bad input failing the preview with no write, deletion protection, forced deletion of a workspace with a
 * session attached, and faults during up.
 */
import { parsePreview, render, summarize } from "../../cli/preview-summary";
import { Local, writesTo } from "../support/local";
import { runScenario } from "./support/scenario";
import { FLAVOURS, HEADER as DYNAMIC_HEADER, expectOk, headerOf, occurrences } from "./support/stack";

jest.setTimeout(600_000);

const local = Local.forSuite();
const writes = () => writesTo(local);

const HEADER = DYNAMIC_HEADER;

test.each(FLAVOURS)("drift: deleted, renamed and revoked outside Pulumi; refresh detects, one up repairs; get of a missing id fails (%s)", async (flavour) => {
  const HEADER = headerOf(flavour);
  const program = `${HEADER}
const gone = new chaser.Workspace("gone", { name: "drift-gone", sessionType: "browser" });
const moved = new chaser.Workspace("moved", { name: "drift-moved", sessionType: "sandbox" });
const key = new chaser.ApiKey("key", { name: "drift-key", scopes: ["workspaces.read"] });
exports.keyId = key.keyId;`;
  const withGet = `${program}
const seen = chaser.Workspace.get("seen", new pulumi.Config().require("seenId"));
exports.seenName = seen.name;`;
  const MISSING = "00000000-0000-0000-0000-00000000dead";
  const missingGet = /no workspace with id '00000000-0000-0000-0000-00000000dead' in the personal account: Workspace\.get and `pulumi import` need the id of an existing workspace/;
  let outsideId = "";
  await runScenario(local, "drift", [
    {
      name: "create",
      program,
      up: ["create gone", "create moved", "create key"],
    },
    {
      name: "changed outside: refresh drops the deleted and revoked, records the rename; up repairs all three",
      before: async (p) => {
        const ws = Object.fromEntries((await local.workspaces()).map((w) => [w.name, w.id]));
        const { keyId } = await p.outputs();
        await local.api("DELETE", `/v1/workspaces/${ws["drift-gone"]}`);
        await local.api("PUT", `/v1/workspaces/${ws["drift-moved"]}/name`, { name: "renamed-by-hand" });
        await local.api("DELETE", `/v1/keys/${keyId}`);
        const r = expectOk(await p.refresh());
        expect(r.summary).toMatchObject({ delete: 2, update: 1 });
        const state = await p.exportState();
        const names = state.resources.filter((x) => /^(pulumi-nodejs:dynamic|chaser:index:)/.test(x.type)).map((x) => x.urn.split("::").pop());
        expect(names).toEqual(["moved"]);
        expect(state.resources.find((x) => x.urn.endsWith("::moved"))!.outputs.name).toBe("renamed-by-hand");
      },
      up: ["create gone", "create key", "update moved"],
      after: async () => {
        expect((await local.workspaces()).map((w) => w.name).sort()).toEqual(["drift-gone", "drift-moved"]);
        expect((await local.keys()).filter((k) => k.name === "drift-key" && !k.revoked_at)).toHaveLength(1);
      },
    },
    {
      name: "get of an id that does not exist fails the preview and the up naming the id; nothing written or kept",
      program: withGet,
      config: { seenId: MISSING },
      before: async (p) => {
        await local.clearRequests();
        const r = await p.preview();
        expect(r.code).not.toBe(0);
        expect(r.diagnostics.join("\n")).toMatch(missingGet);
      },
      fails: missingGet,
      after: async (p) => {
        expect(await writes()).toEqual([]);
        expect((await p.exportState()).resources.map((x) => x.urn.split("::").pop())).not.toContain("seen");
      },
    },
    {
      name: "get of an existing id reads it",
      before: async (p) => {
        outsideId = (await local.api<any>("POST", "/v1/workspaces", { name: "made-outside", session_type: "browser" })).body.id;
        await p.ok(["config", "set", "seenId", outsideId]);
      },
      up: ["read seen"],
      after: async (p) => expect((await p.outputs()).seenName).toBe("made-outside"),
    },
    {
      name: "the object read by get vanishes: refresh drops it",
      program,
      config: { seenId: null },
      before: async (p) => {
        await local.api("DELETE", `/v1/workspaces/${outsideId}`);
        const r = expectOk(await p.refresh());
        expect(r.summary.delete).toBe(1);
        expect((await p.exportState()).resources.map((x) => x.urn.split("::").pop())).not.toContain("seen");
      },
      up: [],
    },
  ], { flavour });
});

test("adoption: a workspace created outside Pulumi is taken over with adoptExisting, then managed normally", async () => {
  const pre = await local.api<any>("POST", "/v1/workspaces", { name: "legacy-box", session_type: "sandbox" });
  await local.clearRequests();
  const adopt = (name: string, type: string) =>
    `${HEADER}const w = new chaser.Workspace("legacy", { name: "${name}", sessionType: "${type}", adoptExisting: true });\nexports.id = w.workspaceId;`;
  await runScenario(local, "adopt", [
    {
      name: "a mismatch is refused at preview, per fixed property with both values, and changes nothing",
      program: adopt("legacy-box", "browser"),
      before: async (p) => {
        const r = await p.preview();
        expect(r.code).not.toBe(0);
        expect(r.diagnostics.join("\n")).toMatch(
          /property sessionType value \{browser\} has a problem: sessionType: adoptExisting: the existing workspace 'legacy-box' \(id [0-9a-f-]+\) in the personal account has sessionType 'sandbox', the program says 'browser'/,
        );
        expect(await writes()).toEqual([]);
      },
      fails: /the existing workspace 'legacy-box' \(id [0-9a-f-]+\) in the personal account has sessionType 'sandbox', the program says 'browser'/,
      after: async () => {
        expect(await writes()).toEqual([]);
        await local.clearRequests();
      },
    },
    {
      name: "adopted, not created: said beside the resource at preview and up, and in the PR summary",
      program: adopt("legacy-box", "sandbox"),
      before: async (p) => {
        const r = expectOk(await p.preview());
        const said = `will adopt the existing workspace 'legacy-box' (id ${pre.body.id}) instead of creating one`;
        expect(r.diagnostics.map((d) => d.trim())).toContain(said);
        const md = render(summarize(parsePreview(r.events)));
        expect(md).toContain("| 🟢 | `legacy` | chaser:Workspace | **adopt** (no create) |");
        expect(md).toContain(`> - \`legacy\` (chaser:Workspace) – ${said}`);
        expect(await writes()).toEqual([]);
      },
      up: ["create legacy"],
      after: async (p, up) => {
        expect((await p.outputs()).id).toBe(pre.body.id);
        expect(await writes()).toEqual([]);
        expect(up.diagnostics.map((d) => d.trim())).toContain(`adopted the existing workspace 'legacy-box' (id ${pre.body.id}) instead of creating one`);
      },
    },
    {
      name: "then managed: renamed in place",
      program: adopt("legacy-box-managed", "sandbox"),
      up: ["update legacy"],
      after: async () => expect((await local.workspaces()).map((w) => [w.id, w.name])).toEqual([[pre.body.id, "legacy-box-managed"]]),
    },
  ]);
});

test.each(FLAVOURS)("secrets: the provider key and every key secret never appear in state, output or logs (%s)", async (flavour) => {
  const HEADER = headerOf(flavour);
  let secrets: string[] = [];
  let exported = "";
  const project = await runScenario(
    local,
    "secrets",
    [
      {
        name: "two keys, with verbose engine logs",
        program: `${HEADER}
const a = new chaser.ApiKey("a", { name: "sec-a", scopes: ["sessions.read"] });
const b = new chaser.ApiKey("b", { name: "sec-b", fullAccess: true });
exports.a = a.key; exports.b = b.key; exports.prefix = a.keyPrefix;`,
        upArgs: ["--verbose=3", "--logtostderr"],
        up: ["create a", "create b"],
        after: async (p) => {
          expect((await p.outputs(false)).a).toBe("[secret]");
          const shown = await p.outputs(true);
          expect(shown.a).toMatch(/^sk_/);
          expect(shown.b).toMatch(/^sk_/);
          secrets = [local.rootKey, shown.a as string, shown.b as string];
          // Refresh keeps the secret (carried forward, still encrypted) and still readable.
          expectOk(await p.refresh(["--verbose=3", "--logtostderr"]));
          expect((await p.outputs(true)).a).toBe(shown.a);
          const state = await p.exportState();
          const keyState = state.resources.find((x) => x.urn.endsWith("::a"))!;
          expect(keyState.outputs.key).toMatchObject({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" });
          expect(keyState.additionalSecretOutputs ?? []).toContain("key");
          exported = state.text;
          expectOk(await p.destroy(["--verbose=3", "--logtostderr"]));
          const everything = [exported, p.stateFilesText(), ...p.logs].join("\n");
          expect(everything.length).toBeGreaterThan(10_000);
          for (const s of secrets) expect(occurrences(everything, s)).toBe("");
        },
      },
    ],
    { noDestroy: true, flavour },
  );
  expect(project.logs.length).toBeGreaterThan(5);
});

test.each(FLAVOURS)("bad input fails the preview naming the property and the rule, and nothing reaches the server (%s)", async (flavour) => {
  const HEADER = headerOf(flavour);
  // The engine stops at the first resource that fails its check: one bad resource per program.
  const cases: Array<[string, RegExp[]]> = [
    [
      `new chaser.Workspace("ws", { name: "has spaces", sessionType: "browser", image: "img:1" });`,
      [/Workspace resource 'ws': property name value \{has spaces\} has a problem: name: must contain only letters, digits/, /property image value \{img:1\} has a problem: image is only accepted for sandbox/],
    ],
    [`new chaser.Workspace("ws", { githubRepo: "octo/.." });`, [/property githubRepo value \{octo\/\.\.\} has a problem: githubRepo: must be a GitHub repository as 'owner\/repo'/]],
    [`new chaser.Workspace("ws", { cloneFrom: "   " });`, [/property cloneFrom .* has a problem: cloneFrom: must name a workspace \(its name or id\), not be blank/]],
    [`new chaser.ApiKey("key", { scopes: ["workspaces.read", "admin"] });`, [/ApiKey resource 'key' has a problem: scopes\[1\]: 'admin' is not a scope; did you mean 'audit\.read'\? The scopes are sessions\.read, sessions\.write, /]],
    [`new chaser.ApiKey("key", {});`, [/scopes: a key without scopes has full access; .* set fullAccess: true/]],
    [`new chaser.Snapshot("snap", { name: "x".repeat(65) });`, [/property workspace .*is required/, /name: must be at most 64 characters/]],
  ];
  await runScenario(
    local,
    "badinput",
    cases.map(([program, expected], i) => ({
      name: `bad input ${i + 1}`,
      program: `${HEADER}${program}`,
      before: async (p) => {
        await local.clearRequests();
        const r = await p.preview();
        expect(r.code).not.toBe(0);
        for (const re of expected) expect(r.diagnostics.join("\n")).toMatch(re);
      },
      fails: expected[0],
      after: async () => expect(await local.requests()).toEqual([]),
    })),
    { flavour },
  );
});

test("deletion protection blocks destroy with a clear message; forceDelete removes a workspace with a session", async () => {
  const program = (protect: boolean) => `${HEADER}
new chaser.Workspace("kept", { name: "protected-ws", sessionType: "sandbox", deletionProtection: ${protect} });
new chaser.Workspace("busy", { name: "busy-ws", sessionType: "browser", forceDelete: true });`;
  await runScenario(local, "protect", [
    {
      name: "protected, and a session on the other",
      program: program(true),
      up: ["create kept", "create busy"],
      after: async (p) => {
        expect((await local.api<any>("POST", "/v1/sessions", { workspace: "busy-ws" })).status).toBeLessThan(300);
        const d = await p.destroy();
        expect(d.code).not.toBe(0);
        expect(d.diagnostics.join("\n")).toMatch(/workspace 'protected-ws' \(.*\) has deletionProtection: true, so it cannot be deleted\. Set deletionProtection: false, run `pulumi up`, then try again/);
        // The protected workspace stays; the other one was deleted despite its attached session (forceDelete).
        expect((await local.workspaces()).map((w) => w.name)).toEqual(["protected-ws"]);
        expect(await local.count("DELETE", /^\/v1\/workspaces\//)).toBe(1);
        await local.clearRequests();
      },
    },
    {
      name: "protection lifted: the flag itself changes state only",
      program: program(false),
      up: ["create busy", "update kept"],
      after: async () => expect(await writes()).toEqual(["POST /v1/workspaces"]),
    },
  ]);
});

test("faults during up: lost create answers, 5xx and 429 still leave exactly one object each, and state is right", async () => {
  await runScenario(local, "faults", [
    {
      name: "up under faults",
      program: `${HEADER}
const ws = new chaser.Workspace("ws", { name: "fault-ws", sessionType: "sandbox" });
const snap = new chaser.Snapshot("snap", { workspace: ws.workspaceId, name: "s1" });
const key = new chaser.ApiKey("key", { name: "fault-key", scopes: ["workspaces.read"] });
exports.key = key.key; exports.wsId = ws.workspaceId;`,
      faults: [
        { kind: "drop", method: "POST", path: "^/v1/workspaces$", count: 1 },
        { kind: "drop", method: "POST", path: "/snapshots$", count: 1 },
        { kind: "drop", method: "POST", path: "^/v1/keys$", count: 1 },
        { kind: "503", method: "GET", count: 2 },
        { kind: "429", method: "POST", count: 1, retryAfter: 1 },
      ],
      up: ["create key", "create snap", "create ws"],
      after: async (p) => {
        const fired = (await local.requests()).filter((r) => r.fault).map((r) => `${r.fault} ${r.method}`);
        expect(fired.sort()).toEqual(["429 POST", "503 GET", "503 GET", "drop POST", "drop POST", "drop POST"]);
        const wsList = await local.workspaces();
        expect(wsList.map((w) => w.name)).toEqual(["fault-ws"]);
        const snaps = (await local.api<any[]>("GET", `/v1/workspaces/${wsList[0].id}/snapshots`)).body;
        expect(snaps.map((s) => s.name)).toEqual(["s1"]);
        expect((await local.keys()).filter((k) => k.name === "fault-key" && !k.revoked_at)).toHaveLength(1);
        const out = await p.outputs(true);
        expect(out.wsId).toBe(wsList[0].id);
        expect((await local.api("GET", "/v1/workspaces", undefined, { key: out.key as string })).status).toBe(200);
      },
    },
  ]);
});
