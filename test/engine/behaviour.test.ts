/**
 * What users rely on beyond the happy path, through the real engine: drift detected by refresh and repaired by
 * one up, adoption of an existing workspace, secrets absent from state, logs and output, bad input failing the
 * preview with no write, deletion protection, and forced deletion of a workspace with a session attached.
 */
import { Local, writesTo } from "../support/local";
import { HEADER, Project, changes, expectOk, occurrences, projectFor } from "./support/stack";

jest.setTimeout(600_000);

const local = Local.forSuite();

const project = (name: string) => projectFor(local, name);
const writes = () => writesTo(local);

test("drift: deleted, renamed and revoked outside Pulumi; refresh detects, one up repairs", async () => {
  const p = await project("drift");
  try {
    p.program(`${HEADER}
const gone = new chaser.Workspace("gone", { name: "drift-gone", sessionType: "browser" });
const moved = new chaser.Workspace("moved", { name: "drift-moved", sessionType: "sandbox" });
const key = new chaser.ApiKey("key", { name: "drift-key", scopes: ["workspaces.read"] });
exports.keyId = key.keyId;`);
    expectOk(await p.up());
    const ws = Object.fromEntries((await local.workspaces()).map((w) => [w.name, w.id]));
    const { keyId } = await p.outputs();

    await local.api("DELETE", `/v1/workspaces/${ws["drift-gone"]}`);
    await local.api("PUT", `/v1/workspaces/${ws["drift-moved"]}/name`, { name: "renamed-by-hand" });
    await local.api("DELETE", `/v1/keys/${keyId}`);

    const r = await p.refresh();
    expectOk(r);
    expect(r.summary).toMatchObject({ delete: 2, update: 1 });
    const state = await p.exportState();
    const names = state.resources.filter((x) => x.type.startsWith("pulumi-nodejs:dynamic")).map((x) => x.urn.split("::").pop());
    expect(names).toEqual(["moved"]);
    expect(state.resources.find((x) => x.urn.endsWith("::moved"))!.outputs.name).toBe("renamed-by-hand");

    const up = await p.up();
    expectOk(up);
    expect(changes(up).sort()).toEqual(["create gone", "create key", "update moved"]);
    expect((await local.workspaces()).map((w) => w.name).sort()).toEqual(["drift-gone", "drift-moved"]);
    expect((await local.keys()).filter((k) => k.name === "drift-key" && !k.revoked_at)).toHaveLength(1);
    expect(changes(await p.preview())).toEqual([]);
    expectOk(await p.destroy());
  } finally {
    p.cleanup();
  }
});

test("adoption: a workspace created outside Pulumi is taken over with adoptExisting, then managed normally", async () => {
  const pre = await local.api<any>("POST", "/v1/workspaces", { name: "legacy-box", session_type: "sandbox" });
  const p = await project("adopt");
  try {
    // A mismatch is refused and changes nothing.
    p.program(`${HEADER}new chaser.Workspace("legacy", { name: "legacy-box", sessionType: "browser", adoptExisting: true });`);
    const bad = await p.up();
    expect(bad.code).not.toBe(0);
    expect(bad.stdout + bad.diagnostics.join("\n")).toMatch(/workspace 'legacy-box' \(.*\) exists in the personal account but cannot be adopted: sessionType is 'sandbox', not 'browser'/);

    await local.clearRequests();
    p.program(`${HEADER}const w = new chaser.Workspace("legacy", { name: "legacy-box", sessionType: "sandbox", adoptExisting: true });
exports.id = w.workspaceId;`);
    const up = await p.up();
    expectOk(up);
    expect(changes(up)).toEqual(["create legacy"]);
    expect((await p.outputs()).id).toBe(pre.body.id);
    expect(await writes()).toEqual([]); // adopted, not created
    expect(changes(await p.preview())).toEqual([]);

    p.program(`${HEADER}const w = new chaser.Workspace("legacy", { name: "legacy-box-managed", sessionType: "sandbox", adoptExisting: true });
exports.id = w.workspaceId;`);
    expect(changes(await p.up())).toEqual(["update legacy"]);
    expect((await local.workspaces()).map((w) => [w.id, w.name])).toEqual([[pre.body.id, "legacy-box-managed"]]);
    expectOk(await p.destroy());
    expect(await local.workspaces()).toEqual([]);
  } finally {
    p.cleanup();
  }
});

test("secrets: the provider key and every key secret never appear in state, output or logs", async () => {
  const p = await project("secrets");
  try {
    p.program(`${HEADER}
const a = new chaser.ApiKey("a", { name: "sec-a", scopes: ["sessions.read"] });
const b = new chaser.ApiKey("b", { name: "sec-b", fullAccess: true });
exports.a = a.key; exports.b = b.key; exports.prefix = a.keyPrefix;`);
    const up = await p.up(["--verbose=3", "--logtostderr"]);
    expectOk(up);
    const plain = await p.outputs(false);
    expect(plain.a).toBe("[secret]");
    const shown = await p.outputs(true);
    expect(shown.a).toMatch(/^sk_/);
    expect(shown.b).toMatch(/^sk_/);
    const secrets = [local.rootKey, shown.a as string, shown.b as string];

    // Refresh keeps the secret (carried forward, still encrypted) and still readable.
    const r = await p.refresh(["--verbose=3", "--logtostderr"]);
    expectOk(r);
    expect((await p.outputs(true)).a).toBe(shown.a);
    expect(changes(await p.preview())).toEqual([]);

    const exported = await p.exportState();
    const keyState = exported.resources.find((x) => x.urn.endsWith("::a"))!;
    expect(keyState.outputs.key).toMatchObject({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" });
    expect(keyState.additionalSecretOutputs ?? []).toContain("key");

    const d = await p.destroy(["--verbose=3", "--logtostderr"]);
    expectOk(d);
    const everything = [exported.text, p.stateFilesText(), ...p.logs].join("\n");
    expect(everything.length).toBeGreaterThan(10_000);
    for (const s of secrets) expect(occurrences(everything, s)).toBe("");
  } finally {
    p.cleanup();
  }
});

test("bad input fails the preview naming the property and the rule, and nothing reaches the server", async () => {
  const p = await project("badinput");
  try {
    // The engine stops at the first resource that fails its check: one bad resource per program.
    const cases: Array<[string, RegExp[]]> = [
      [
        `new chaser.Workspace("ws", { name: "has spaces", sessionType: "browser", image: "img:1" });`,
        [/Workspace resource 'ws': property name value \{has spaces\} has a problem: name: must contain only letters, digits/, /property image value \{img:1\} has a problem: image is only accepted for sandbox/],
      ],
      [`new chaser.ApiKey("key", { scopes: ["workspaces.read", "admin"] });`, [/ApiKey resource 'key': property scopes .* has a problem: scopes\[1\]: must be one of: sessions\.read/]],
      [`new chaser.ApiKey("key", {});`, [/scopes: a key without scopes has full access; .* set fullAccess: true/]],
      [`new chaser.Snapshot("snap", { name: "x".repeat(65) });`, [/property workspace .*is required/, /name: must be at most 64 characters/]],
    ];
    for (const [program, expected] of cases) {
      p.program(`${HEADER}${program}`);
      await local.clearRequests();
      for (const r of [await p.preview(), await p.up()]) {
        expect(r.code).not.toBe(0);
        const said = r.diagnostics.join("\n");
        for (const re of expected) expect(said).toMatch(re);
      }
      expect(await local.requests()).toEqual([]);
    }
  } finally {
    p.cleanup();
  }
});

test("deletion protection blocks destroy with a clear message; forceDelete removes a workspace with a session", async () => {
  const p = await project("protect");
  try {
    const program = (protect: boolean) => `${HEADER}
new chaser.Workspace("kept", { name: "protected-ws", sessionType: "sandbox", deletionProtection: ${protect} });
new chaser.Workspace("busy", { name: "busy-ws", sessionType: "browser", forceDelete: true });`;
    p.program(program(true));
    expectOk(await p.up());
    const sess = await local.api<any>("POST", "/v1/sessions", { workspace: "busy-ws" });
    expect(sess.status).toBeLessThan(300);

    const d = await p.destroy();
    expect(d.code).not.toBe(0);
    expect(d.diagnostics.join("\n")).toMatch(/workspace 'protected-ws' \(.*\) has deletionProtection: true, so it cannot be deleted\. Set deletionProtection: false, run `pulumi up`, then try again/);
    // The protected workspace stays; the other one was deleted despite its attached session (forceDelete).
    expect((await local.workspaces()).map((w) => w.name)).toEqual(["protected-ws"]);
    expect(await local.count("DELETE", /^\/v1\/workspaces\//)).toBe(1);

    await local.clearRequests();
    p.program(program(false));
    const up = changes(expectOk(await p.up()));
    expect(up.sort()).toEqual(["create busy", "update kept"]);
    expect(await writes()).toEqual(["POST /v1/workspaces"]); // the flag itself changes state only

    const d2 = await p.destroy();
    expectOk(d2);
    expect(await local.workspaces()).toEqual([]);
  } finally {
    p.cleanup();
  }
});

test("faults during up: lost create answers, 5xx and 429 still leave exactly one object each, and state is right", async () => {
  const p = await project("faults");
  try {
    p.program(`${HEADER}
const ws = new chaser.Workspace("ws", { name: "fault-ws", sessionType: "sandbox" });
const snap = new chaser.Snapshot("snap", { workspace: ws.workspaceId, name: "s1" });
const key = new chaser.ApiKey("key", { name: "fault-key", scopes: ["workspaces.read"] });
exports.key = key.key; exports.wsId = ws.workspaceId;`);
    await local.faults([
      { kind: "drop", method: "POST", path: "^/v1/workspaces$", count: 1 },
      { kind: "drop", method: "POST", path: "/snapshots$", count: 1 },
      { kind: "drop", method: "POST", path: "^/v1/keys$", count: 1 },
      { kind: "503", method: "GET", count: 2 },
      { kind: "429", method: "POST", count: 1, retryAfter: 1 },
    ]);
    const up = expectOk(await p.up());
    expect(changes(up).sort()).toEqual(["create key", "create snap", "create ws"]);
    const fired = (await local.requests()).filter((r) => r.fault).map((r) => `${r.fault} ${r.method}`);
    expect(fired.sort()).toEqual(["429 POST", "503 GET", "503 GET", "drop POST", "drop POST", "drop POST"]);
    await local.faults([]);
    const wsList = await local.workspaces();
    expect(wsList.map((w) => w.name)).toEqual(["fault-ws"]);
    const snaps = (await local.api<any[]>("GET", `/v1/workspaces/${wsList[0].id}/snapshots`)).body;
    expect(snaps.map((s) => s.name)).toEqual(["s1"]);
    const live = (await local.keys()).filter((k) => k.name === "fault-key" && !k.revoked_at);
    expect(live).toHaveLength(1);
    const out = await p.outputs(true);
    expect(out.wsId).toBe(wsList[0].id);
    expect((await local.api("GET", "/v1/workspaces", undefined, { key: out.key as string })).status).toBe(200);
    expect(changes(await p.preview())).toEqual([]);
    expectOk(await p.destroy());
  } finally {
    p.cleanup();
  }
});
