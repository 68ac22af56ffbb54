/**
 * Every resource through the real Pulumi engine (CLI 3.248.0, file backend, offline): up → preview shows no
 * changes → refresh shows no changes → an in-place update reported as update → a replacing change reported as
 * replace, in the right order → destroy leaves nothing on the server. Assertions: the operations the engine
 * reported (its event log), what chaser-local holds, and which requests it received.
 */
import { Local, writesTo } from "../support/local";
import { HEADER, Project, changes, expectOk, projectFor } from "./support/stack";

jest.setTimeout(600_000);

const local = Local.forSuite();

const project = (name: string) => projectFor(local, name);

const writes = () => writesTo(local);

/** up must succeed, then preview and refresh must both report nothing to change. */
async function upAndSteady(p: Project, expected: string[]) {
  const up = expectOk(await p.up());
  // Independent resources are created in parallel: compare as sets; orderings that matter are asserted apart.
  expect(changes(up).sort()).toEqual([...expected].sort());
  const preview = await p.preview();
  expectOk(preview);
  expect(changes(preview)).toEqual([]);
  const refresh = await p.refresh();
  expectOk(refresh);
  expect(refresh.summary.update ?? 0).toBe(0);
  expect(refresh.summary.delete ?? 0).toBe(0);
  return up;
}

test("Workspace: create, steady, rename in place, replace with a fixed name deletes first, destroy", async () => {
  const p = await project("ws-life");
  try {
    p.program(`${HEADER}const ws = new chaser.Workspace("ws", { name: "life-ws", sessionType: "sandbox", image: "ghcr.io/x/dev:1" });
exports.id = ws.workspaceId; exports.name = ws.name; exports.type = ws.sessionType;`);
    const preview = await p.preview();
    expectOk(preview);
    expect(changes(preview)).toEqual(["create ws"]);
    expect(await writes()).toEqual([]); // a preview never writes

    await upAndSteady(p, ["create ws"]);
    const out1 = await p.outputs();
    expect(out1).toMatchObject({ name: "life-ws", type: "sandbox" });
    expect((await local.workspaces()).map((w) => w.name)).toEqual(["life-ws"]);

    // In-place rename.
    await local.clearRequests();
    p.program(`${HEADER}const ws = new chaser.Workspace("ws", { name: "life-ws-2", sessionType: "sandbox", image: "ghcr.io/x/dev:1" });
exports.id = ws.workspaceId; exports.name = ws.name; exports.type = ws.sessionType;`);
    await upAndSteady(p, ["update ws"]);
    expect(await writes()).toEqual([`PUT /v1/workspaces/${out1.id}/name`]);
    expect((await p.outputs()).id).toBe(out1.id);

    // Replacement keeping the fixed name: the old workspace must go first.
    await local.clearRequests();
    p.program(`${HEADER}const ws = new chaser.Workspace("ws", { name: "life-ws-2", sessionType: "browser" });
exports.id = ws.workspaceId; exports.name = ws.name; exports.type = ws.sessionType;`);
    const rp = changes(await p.preview());
    expect(rp.sort()).toEqual(["create-replacement ws", "delete-replaced ws", "replace ws"]);
    const up = changes(expectOk(await p.up()));
    expect(up.indexOf("delete-replaced ws")).toBeGreaterThanOrEqual(0);
    expect(up.indexOf("delete-replaced ws")).toBeLessThan(up.indexOf("create-replacement ws"));
    await upAndSteady(p, []);
    expect(await writes()).toEqual([`DELETE /v1/workspaces/${out1.id}`, "POST /v1/workspaces"]);
    const ws = await local.workspaces();
    expect(ws.map((w) => [w.name, w.session_type])).toEqual([["life-ws-2", "browser"]]);

    const d = await p.destroy();
    expectOk(d);
    expect(changes(d)).toEqual(["delete ws"]);
    expect(await local.workspaces()).toEqual([]);
  } finally {
    p.cleanup();
  }
});

test("Template: flag and own modes, drift of the flag repaired, replace, destroy keeps only what it should", async () => {
  const p = await project("tpl-life");
  try {
    const program = (ownType: string, withClone = true) => `${HEADER}const base = new chaser.Workspace("base", { name: "tpl-base", sessionType: "browser" });
const flag = new chaser.Template("flag", { workspace: base.workspaceId });
const own = new chaser.Template("own", { sessionType: "${ownType}" });
exports.ownName = own.name;
${withClone ? 'const clone = new chaser.Workspace("clone", { name: "from-own", cloneFrom: own.workspaceId }); exports.cloneType = clone.sessionType;' : ""}`;
    p.program(program("sandbox"));
    await upAndSteady(p, ["create base", "create flag", "create own", "create clone"]);
    const flagged = () => local.workspaces().then((ws) => Object.fromEntries(ws.map((w) => [w.name, w.template])));
    const out = await p.outputs();
    expect(out.cloneType).toBe("sandbox");
    expect(await flagged()).toEqual({ "tpl-base": true, [out.ownName as string]: true, "from-own": false });

    // The flag cleared outside Pulumi: refresh shows it, one up repairs it.
    const base = (await local.workspaces()).find((w) => w.name === "tpl-base")!;
    await local.api("PUT", `/v1/workspaces/${base.id}/template`, { template: false });
    const r = await p.refresh();
    expectOk(r);
    expect(r.summary.update).toBeGreaterThanOrEqual(1);
    await upAndSteady(p, ["update flag"]);
    expect((await flagged())["tpl-base"]).toBe(true);

    // Replacing the own-mode template (auto-named: the new one is created first). The clone goes first.
    p.program(program("sandbox", false));
    expect(changes(await p.up())).toEqual(["delete clone"]);
    p.program(program("browser", false));
    const re = changes(expectOk(await p.up()));
    expect(re.indexOf("create-replacement own")).toBeGreaterThanOrEqual(0);
    expect(re.indexOf("create-replacement own")).toBeLessThan(re.indexOf("delete-replaced own"));
    await upAndSteady(p, []);
    expect(Object.values(await flagged()).filter(Boolean)).toHaveLength(2);

    const d = await p.destroy();
    expectOk(d);
    expect(await local.workspaces()).toEqual([]);
  } finally {
    p.cleanup();
  }
});

test("Snapshot: create, steady, restore in place via restoreTrigger, replace on rename, destroy", async () => {
  const p = await project("snap-life");
  try {
    const program = (trigger: string, name = "before") => `${HEADER}const ws = new chaser.Workspace("ws", { name: "snap-ws", sessionType: "sandbox" });
const snap = new chaser.Snapshot("snap", { workspace: ws.workspaceId, name: "${name}", restoreTrigger: "${trigger}" });
exports.snap = snap.name; exports.restoredAt = snap.restoredAt;`;
    p.program(program("0"));
    await upAndSteady(p, ["create ws", "create snap"]);
    const wsId = (await local.workspaces())[0].id;

    await local.clearRequests();
    p.program(program("1"));
    await upAndSteady(p, ["update snap"]);
    expect(await writes()).toEqual([`POST /v1/workspaces/${wsId}/snapshots/before/restore`]);
    expect((await p.outputs()).restoredAt).toEqual(expect.any(String));

    await local.clearRequests();
    p.program(program("1", "after"));
    const re = changes(expectOk(await p.up()));
    expect(re.indexOf("create-replacement snap")).toBeLessThan(re.indexOf("delete-replaced snap"));
    await upAndSteady(p, []);
    expect(await writes()).toEqual([`POST /v1/workspaces/${wsId}/snapshots`, `DELETE /v1/workspaces/${wsId}/snapshots/before`]);

    const d = await p.destroy();
    expect(changes(d)).toEqual(["delete snap", "delete ws"]);
    expect(await local.workspaces()).toEqual([]);
  } finally {
    p.cleanup();
  }
});

test("ApiKey: create, steady, rotation creates the new key before revoking the old, destroy revokes", async () => {
  const p = await project("key-life");
  try {
    const program = (rotation: string) => `${HEADER}const key = new chaser.ApiKey("key", { name: "ci", scopes: ["workspaces.read", "sessions.write"], rotationTriggers: { r: "${rotation}" } });
exports.key = key.key; exports.keyId = key.keyId; exports.prefix = key.keyPrefix;`;
    p.program(program("1"));
    await upAndSteady(p, ["create key"]);
    const first = await p.outputs(true);
    expect((await local.api("GET", "/v1/workspaces", undefined, { key: first.key as string })).status).toBe(200);

    await local.clearRequests();
    p.program(program("2"));
    expect(changes(await p.preview()).sort()).toEqual(["create-replacement key", "delete-replaced key", "replace key"]);
    const rot = changes(expectOk(await p.up()));
    expect(rot.indexOf("create-replacement key")).toBeLessThan(rot.indexOf("delete-replaced key"));
    await upAndSteady(p, []);
    const second = await p.outputs(true);
    expect(second.keyId).not.toBe(first.keyId);
    const w = await writes();
    expect(w.indexOf("POST /v1/keys")).toBeLessThan(w.indexOf(`DELETE /v1/keys/${first.keyId}`));
    expect((await local.api("GET", "/v1/workspaces", undefined, { key: first.key as string })).status).toBe(401);
    expect((await local.api("GET", "/v1/workspaces", undefined, { key: second.key as string })).status).toBe(200);

    const d = await p.destroy();
    expect(changes(d)).toEqual(["delete key"]);
    expect((await local.keys()).filter((k) => !k.revoked_at).map((k) => k.name)).not.toContain("ci");
  } finally {
    p.cleanup();
  }
});
