/**
 * Every resource through the real Pulumi engine (CLI 3.248.0, file backend, offline), as a list of steps: each
 * step's `up` reports the expected operations, then a preview and a refresh find nothing to change; at the end
 * destroy leaves nothing on the server. Each resource's list runs twice: on the dynamic resources and on the
 * `chaser` provider plugin (`pulumi-chaser/plugin`). Assertions: the operations the engine reported (its event
 * stream), what chaser-local holds, and which requests it received.
 */
import { parsePreview, render, summarize } from "../../cli/preview-summary";
import { Local, writesTo } from "../support/local";
import { runScenario } from "./support/scenario";
import * as fs from "node:fs";
import * as path from "node:path";
import { FLAVOURS, Project, changes, expectOk, headerOf, readmeTypeScriptProject } from "./support/stack";

jest.setTimeout(600_000);

const local = Local.forSuite();
const writes = () => writesTo(local);
const clear = async () => {
  await local.clearRequests();
};
/** Operations in the order the engine ran them. */
const order = (ops: string[], first: string, then: string) => {
  expect(ops.indexOf(first)).toBeGreaterThanOrEqual(0);
  expect(ops.indexOf(first)).toBeLessThan(ops.indexOf(then));
};

test.each(FLAVOURS)("Workspace: create, rename in place, replace with a fixed name deletes first, destroy (%s)", async (flavour) => {
  const HEADER = headerOf(flavour);
  const program = (name: string, rest: string) =>
    `${HEADER}const ws = new chaser.Workspace("ws", { name: "${name}", ${rest} });\nexports.id = ws.workspaceId; exports.name = ws.name; exports.type = ws.sessionType;`;
  let firstId = "";
  await runScenario(local, "ws-life", [
    {
      name: "create",
      program: program("life-ws", `sessionType: "sandbox", image: "ghcr.io/x/dev:1"`),
      preview: ["create ws"],
      up: ["create ws"],
      after: async (p) => {
        const out = await p.outputs();
        expect(out).toMatchObject({ name: "life-ws", type: "sandbox" });
        firstId = out.id as string;
        expect((await local.workspaces()).map((w) => w.name)).toEqual(["life-ws"]);
        await clear();
      },
    },
    {
      name: "rename in place",
      program: program("life-ws-2", `sessionType: "sandbox", image: "ghcr.io/x/dev:1"`),
      up: ["update ws"],
      after: async (p) => {
        expect(await writes()).toEqual([`PUT /v1/workspaces/${firstId}/name`]);
        expect((await p.outputs()).id).toBe(firstId);
        await clear();
      },
    },
    {
      name: "replace keeping the fixed name: the old workspace goes first",
      program: program("life-ws-2", `sessionType: "browser"`),
      preview: ["create-replacement ws", "delete-replaced ws", "replace ws"],
      up: ["create-replacement ws", "delete-replaced ws", "replace ws"],
      after: async (_p, up) => {
        order(changes(up), "delete-replaced ws", "create-replacement ws");
        expect(await writes()).toEqual([`DELETE /v1/workspaces/${firstId}`, "POST /v1/workspaces"]);
        expect((await local.workspaces()).map((w) => [w.name, w.session_type])).toEqual([["life-ws-2", "browser"]]);
      },
    },
  ], { flavour });
});

test.each(FLAVOURS)("Template: flag and own modes, drift of the flag repaired, replace keeps the clones' disks, destroy keeps only what it should (%s)", async (flavour) => {
  const HEADER = headerOf(flavour);
  const program = (ownType: string, withClone = true, reclone = false) => `${HEADER}const base = new chaser.Workspace("base", { name: "tpl-base", sessionType: "browser" });
const flag = new chaser.Template("flag", { workspace: base.workspaceId });
const own = new chaser.Template("own", { sessionType: "${ownType}" });
exports.ownName = own.name;
${withClone ? `const clone = new chaser.Workspace("clone", { name: "from-own", cloneFrom: own.workspaceId${reclone ? ", recloneOnSourceChange: true" : ""} }); exports.cloneType = clone.sessionType; exports.cloneId = clone.workspaceId;` : ""}`;
  let cloneId = "";
  const kept = /cloneFrom changes from '[0-9a-f-]+' to (a value known only after apply|'[0-9a-f-]+'): the workspace keeps its disk and is not cloned again \(a clone's source matters only at creation\)\. To re-clone it from the new source \(its disk and snapshots replaced\), set recloneOnSourceChange: true/;
  const flagged = () => local.workspaces().then((ws) => Object.fromEntries(ws.map((w) => [w.name, w.template])));
  await runScenario(local, "tpl-life", [
    {
      name: "flag an existing workspace, own a flagged one, clone it",
      program: program("sandbox"),
      up: ["create base", "create flag", "create own", "create clone"],
      after: async (p) => {
        const out = await p.outputs();
        expect(out.cloneType).toBe("sandbox");
        expect(await flagged()).toEqual({ "tpl-base": true, [out.ownName as string]: true, "from-own": false });
      },
    },
    {
      name: "the flag cleared outside Pulumi: refresh shows it, one up repairs it",
      before: async (p) => {
        const base = (await local.workspaces()).find((w) => w.name === "tpl-base")!;
        await local.api("PUT", `/v1/workspaces/${base.id}/template`, { template: false });
        const r = expectOk(await p.refresh());
        expect(r.summary.update).toBeGreaterThanOrEqual(1);
      },
      up: ["update flag"],
      after: async (p) => {
        expect((await flagged())["tpl-base"]).toBe(true);
        cloneId = (await p.outputs()).cloneId as string;
        await local.clearRequests();
      },
    },
    {
      name: "the template's session type changes: the template is replaced, the clone keeps its id and its disk (an update that calls no API)",
      program: program("browser"),
      before: async (p) => {
        const r = expectOk(await p.preview());
        expect(changes(r).sort()).toEqual(["create-replacement own", "delete-replaced own", "replace own", "update clone"]);
        expect(r.diagnostics.join("\n")).toMatch(kept);
        const md = render(summarize(parsePreview(r.events)));
        expect(md).toMatch(/> - `own` \(chaser:Template\) is replaced because sessionType changes \(fixed at creation\): its disk and its snapshots are deleted/);
        expect(md).not.toMatch(/`clone` \(chaser:Workspace\) is (replaced|deleted)/);
        expect(await writes()).toEqual([]);
      },
      up: ["create-replacement own", "delete-replaced own", "replace own", "update clone"],
      after: async (p, up) => {
        expect(up.diagnostics.join("\n")).toMatch(kept);
        expect((await p.outputs()).cloneId).toBe(cloneId);
        expect((await local.workspaces()).map((w) => w.id)).toContain(cloneId);
        expect((await writes()).filter((w) => w.includes(cloneId))).toEqual([]);
        expect((await writes()).filter((w) => w.startsWith("DELETE"))).toHaveLength(1); // the old template only
      },
    },
    {
      name: "with recloneOnSourceChange: true, a source change replaces the clone",
      program: program("sandbox", true, true),
      up: ["create-replacement own", "delete-replaced own", "replace own", "create-replacement clone", "delete-replaced clone", "replace clone"],
      after: async (p) => {
        const now = (await p.outputs()).cloneId as string;
        expect(now).not.toBe(cloneId);
        expect((await local.workspaces()).map((w) => w.id)).not.toContain(cloneId);
      },
    },
    { name: "the clone goes", program: program("sandbox", false), up: ["delete clone"] },
    {
      name: "replacing the own template (auto-named): the new one is created first, under a new name",
      program: program("browser", false),
      up: ["replace own", "create-replacement own", "delete-replaced own"],
      after: async (p, up) => {
        order(changes(up), "create-replacement own", "delete-replaced own");
        expect(Object.values(await flagged()).filter(Boolean)).toHaveLength(2);
      },
    },
  ], { flavour });
});

test.each(FLAVOURS)("Snapshot: create, restore in place via restoreTrigger, replace on rename, destroy (%s)", async (flavour) => {
  const HEADER = headerOf(flavour);
  const program = (trigger: string, name = "before") => `${HEADER}const ws = new chaser.Workspace("ws", { name: "snap-ws", sessionType: "sandbox" });
const snap = new chaser.Snapshot("snap", { workspace: ws.workspaceId, name: "${name}", restoreTrigger: "${trigger}" });
exports.snap = snap.name; exports.restoredAt = snap.restoredAt;`;
  let wsId = "";
  await runScenario(local, "snap-life", [
    {
      name: "create",
      program: program("0"),
      up: ["create ws", "create snap"],
      after: async () => {
        wsId = (await local.workspaces())[0].id;
        await clear();
      },
    },
    {
      name: "a new trigger restores in place: the rollback is said beside the snapshot at preview and up, and in the PR summary",
      program: program("1"),
      before: async (p) => {
        const r = expectOk(await p.preview());
        expect(changes(r)).toEqual(["update snap"]);
        const said = "will roll back workspace 'snap-ws' to snapshot 'before': the changes on its disk since the snapshot are lost";
        expect(r.diagnostics.map((d) => d.trim())).toContain(said);
        expect(render(summarize(parsePreview(r.events)))).toContain(`> [!CAUTION]\n> **Data on workspace disks is lost:**\n> - \`snap\` (chaser:Snapshot) – ${said}`);
      },
      up: ["update snap"],
      after: async (p, up) => {
        expect(up.diagnostics.map((d) => d.trim())).toContain("rolled back workspace 'snap-ws' to snapshot 'before': the changes on its disk since the snapshot are gone");
        expect(await writes()).toEqual([`POST /v1/workspaces/${wsId}/snapshots/before/restore`]);
        expect((await p.outputs()).restoredAt).toEqual(expect.any(String));
        await clear();
      },
    },
    {
      name: "a new name replaces, the new snapshot first",
      program: program("1", "after"),
      up: ["replace snap", "create-replacement snap", "delete-replaced snap"],
      after: async (_p, up) => {
        order(changes(up), "create-replacement snap", "delete-replaced snap");
        expect(await writes()).toEqual([`POST /v1/workspaces/${wsId}/snapshots`, `DELETE /v1/workspaces/${wsId}/snapshots/before`]);
      },
    },
  ], { flavour });
});

// Dynamic only: on the plugin, an ApiKey is created by the secrets and team scenarios, and an auto-named resource's
// replacement (new first, then the old deleted) by the Template's (keeps the plugin flavour within its time budget).
test("ApiKey: create, rotation creates the new key before revoking the old, destroy revokes", async () => {
  const HEADER = headerOf("dynamic");
  const program = (rotation: string) => `${HEADER}const key = new chaser.ApiKey("key", { name: "ci", scopes: ["workspaces.read", "sessions.write"], rotationTriggers: { r: "${rotation}" } });
exports.key = key.key; exports.keyId = key.keyId; exports.prefix = key.keyPrefix;`;
  let first: Record<string, unknown> = {};
  const works = async (key: unknown) => (await local.api("GET", "/v1/workspaces", undefined, { key: key as string })).status;
  await runScenario(local, "key-life", [
    {
      name: "create: the key works",
      program: program("1"),
      up: ["create key"],
      after: async (p) => {
        first = await p.outputs(true);
        expect(await works(first.key)).toBe(200);
        await clear();
      },
    },
    {
      name: "rotation: new key first, then the old one revoked",
      program: program("2"),
      preview: ["create-replacement key", "delete-replaced key", "replace key"],
      up: ["create-replacement key", "delete-replaced key", "replace key"],
      after: async (p, up) => {
        order(changes(up), "create-replacement key", "delete-replaced key");
        const second = await p.outputs(true);
        expect(second.keyId).not.toBe(first.keyId);
        const w = await writes();
        expect(w.indexOf("POST /v1/keys")).toBeLessThan(w.indexOf(`DELETE /v1/keys/${first.keyId}`));
        expect(await works(first.key)).toBe(401);
        expect(await works(second.key)).toBe(200);
      },
    },
  ]);
});

/** Whether `version` is in the caret range `range` (`^1.2.3`: 1.x from 1.2.3; `^0.3.0`: 0.3.x from 0.3.0). */
function inCaret(version: string, range: string): boolean {
  const m = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!m) return false;
  const [a, b, c] = m.slice(1).map(Number);
  const [x, y, z] = version.split(".").map(Number);
  if (x !== a) return false;
  return a === 0 ? y === b && z >= c : y > b || (y === b && z >= c);
}

test("the README's TypeScript project as shown (Pulumi.yaml, package.json, tsconfig.json, index.ts) on TypeScript 6.0.3: preview, up, destroy with no warning; npm init's main warns, the older tsconfig fails (TS5107)", async () => {
  const files = readmeTypeScriptProject();
  const noise = /Could not find entry point|DeprecationWarning|DEP0128/;
  await runScenario(
    local,
    "chaser-ts",
    [
      {
        name: "the README's four files",
        before: async (p) => {
          // What the project installed is what the README's package.json asks for (TypeScript 6.0.3 included).
          const pkg = JSON.parse(files["package.json"]);
          for (const [name, range] of Object.entries<string>({ ...pkg.dependencies, ...pkg.devDependencies })) {
            const installed = JSON.parse(fs.readFileSync(path.join(p.dir, "node_modules", name, "package.json"), "utf8")).version;
            expect({ name, installed, range, ok: inCaret(installed, range) }).toEqual({ name, installed, range, ok: true });
          }
          expect(JSON.parse(fs.readFileSync(path.join(p.dir, "node_modules", "typescript", "package.json"), "utf8")).version).toBe("6.0.3");
          // `npm init -y`'s package.json (main: index.js) and the older tsconfig, in one preview: Pulumi's warning and
          // Node's DEP0128 from the main, then TS5107 from the tsconfig on TypeScript 6; nothing sent.
          fs.writeFileSync(path.join(p.dir, "package.json"), JSON.stringify({ ...pkg, main: "index.js", type: "commonjs" }, null, 2));
          fs.writeFileSync(path.join(p.dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, target: "ES2020", module: "commonjs", moduleResolution: "node", esModuleInterop: true, skipLibCheck: true }, files: ["index.ts"] }));
          await local.clearRequests();
          const old = await p.preview();
          expect(old.code).not.toBe(0);
          const said = `${old.diagnostics.join("\n")}\n${old.stderr}`;
          expect(said).toContain("Could not find entry point 'index.js' specified in package.json");
          expect(said).toMatch(/\[DEP0128\] DeprecationWarning: Invalid 'main' field in '[^']*package\.json' of 'index\.js'/);
          expect(said).toMatch(/TS5107/);
          expect(await writes()).toEqual([]);
          fs.writeFileSync(path.join(p.dir, "package.json"), files["package.json"]);
          fs.writeFileSync(path.join(p.dir, "tsconfig.json"), files["tsconfig.json"]);
        },
        preview: ["create dev"],
        up: ["create dev"],
        after: async (p, up) => {
          expect(`${up.diagnostics.join("\n")}\n${up.stderr}`).not.toMatch(noise);
          const out = await p.outputs();
          expect((await local.workspaces()).map((w) => w.id)).toContain(out.devId);
        },
      },
    ],
    {
      project: async () => {
        const p = Project.create("chaser-ts", { typescript: true, compiler: "typescript6" });
        for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(p.dir, file), text);
        await p.init({ "chaser:apiUrl": local.url }, { "chaser:apiKey": local.rootKey });
        return p;
      },
    },
  );
});
