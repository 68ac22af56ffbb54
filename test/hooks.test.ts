/**
 * The provider hooks called directly, as the engine would, against chaser-local. Each test asserts what a user
 * sees (results, failures, error messages) and what the server received (and did not receive).
 */
import { SCOPES } from "../contract";
import { forgetClients } from "../provider/context";
import { outputFields } from "../provider/model";
import { UNKNOWN } from "../provider/values";
import { WorkspaceModel } from "../provider/models/workspace";
import * as apikey from "../provider/resources/apikey";
import * as snapshot from "../provider/resources/snapshot";
import * as template from "../provider/resources/template";
import * as workspace from "../provider/resources/workspace";
import * as settings from "../provider/settings";
import * as member from "../provider/resources/member";
import * as serviceaccount from "../provider/resources/serviceaccount";
import * as sshkey from "../provider/resources/sshkey";
import { Local, writesTo } from "./support/local";

const local = Local.forSuite();

function configureWith(key: string, account?: string) {
  const cfg: Record<string, string | undefined> = { "chaser:apiKey": key, "chaser:apiUrl": local.url, "chaser:account": account };
  settings.configure({ get: (k) => cfg[k] });
}

afterAll(() => settings.resetSettings());
beforeEach(() => configureWith(local.rootKey));

const failuresOf = async (hooks: { check: (o: any, n: any) => Promise<{ failures: { property: string; reason: string }[] }> }, news: Record<string, unknown>, olds = {}) =>
  (await hooks.check(olds, { __logicalName: "res", ...news })).failures;

async function createWs(name: string, extra: Record<string, unknown> = {}) {
  const { inputs } = await workspace.check({}, { __logicalName: name, name, sessionType: "sandbox", ...extra });
  return workspace.create(inputs);
}

describe("Workspace", () => {
  test("check: bad input fails per property with the rule, and makes no API call", async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ name: "x".repeat(65), sessionType: "browser" }, "name", /at most 64/],
      [{ name: "-bad name", sessionType: "browser" }, "name", /letters, digits/],
      [{ sessionType: "vm" }, "sessionType", /'browser' or 'sandbox'/],
      [{}, "sessionType", /required for a fresh workspace/],
      [{ sessionType: "browser", image: "img:1" }, "image", /only accepted for sandbox/],
      [{ cloneFrom: "a", githubRepo: "o/r" }, "githubRepo", /cannot both be set/],
      [{ githubRepo: "not a repo" }, "githubRepo", /owner\/repo/],
      [{ cloneFrom: "src", image: "img" }, "image", /inherits the image/],
      [{ sessionType: "sandbox", adoptExisting: true }, "adoptExisting", /explicit name/],
      [{ sessionType: "sandbox", deletionProtection: "yes" }, "deletionProtection", /true or false/],
      [{ githubRepo: "octo/.." }, "githubRepo", /^githubRepo: must be a GitHub repository as 'owner\/repo'/],
      [{ githubRepo: "octo/." }, "githubRepo", /owner\/repo/],
      [{ cloneFrom: "   " }, "cloneFrom", /^cloneFrom: must name a workspace \(its name or id\), not be blank/],
      [{ sessionType: "sandbox", image: "x".repeat(513) }, "image", /^image: must be at most 512 characters/],
      [{ sessionType: "sandbox", account: " " }, "account", /^account: must name an account/],
    ];
    for (const [news, prop, reason] of cases) {
      const f = await failuresOf(workspace, news);
      expect({ news, props: f.map((x) => x.property) }).toEqual({ news, props: expect.arrayContaining([prop]) });
      expect(f.find((x) => x.property === prop)!.reason).toMatch(reason);
    }
    expect(await local.requests()).toEqual([]);
  });

  test("check: unknown values during preview are skipped, then validated once known", async () => {
    expect(await failuresOf(workspace, { name: UNKNOWN, sessionType: UNKNOWN, image: UNKNOWN })).toEqual([]);
    expect(await failuresOf(workspace, { cloneFrom: UNKNOWN })).toEqual([]);
  });

  test("check: auto-names from the resource's identity, the same on every run, and keeps a name it has", async () => {
    const first = await workspace.check({}, { __logicalName: "dev box", __urn: "urn:test:seed-1", sessionType: "browser" });
    expect(first.inputs.name).toMatch(/^dev-box-[0-9a-f]{7}$/);
    // Another run (a preview, then the up) names it the same; another stack (another seed) differently.
    expect((await workspace.check({}, { __logicalName: "dev box", __urn: "urn:test:seed-1", sessionType: "browser" })).inputs.name).toBe(first.inputs.name);
    expect((await workspace.check({}, { __logicalName: "dev box", __urn: "urn:test:seed-2", sessionType: "browser" })).inputs.name).not.toBe(first.inputs.name);
    const again = await workspace.check(first.inputs, { __logicalName: "dev box", __urn: "urn:test:seed-1", sessionType: "browser" });
    expect(again.inputs.name).toBe(first.inputs.name);
    // A name kept in state (a random one of 0.1.0, or under an alias's new logical name) stays.
    const old = { __logicalName: "dev box", __autoNamed: true, name: "dev-box-1a2b3c4", sessionType: "browser" };
    expect((await workspace.check(old, { __logicalName: "renamed", __urn: "urn:test:seed-3", sessionType: "browser" })).inputs.name).toBe("dev-box-1a2b3c4");
  });

  test("check: a replacement (checked again without the old inputs, after diff) gets the next name", async () => {
    const news = { __logicalName: "box", __urn: "urn:test:seed-r", sessionType: "browser" };
    const first = (await workspace.check({}, news)).inputs;
    const d = await workspace.diff("id", { ...first, workspaceId: "id" }, { ...first, sessionType: "sandbox" });
    expect(d).toMatchObject({ replaces: ["sessionType"], deleteBeforeReplace: false });
    const replacement = (await workspace.check({}, { ...news, sessionType: "sandbox" })).inputs;
    expect(replacement.name).toMatch(/^box-[0-9a-f]{7}$/);
    expect(replacement.name).not.toBe(first.name);
  });

  test("create fresh, clone and import; outputs carry every WorkspaceInfo field", async () => {
    const fresh = await createWs("src", { image: "ghcr.io/x/dev:1" });
    expect(fresh.outs).toMatchObject({ workspaceId: fresh.id, name: "src", sessionType: "sandbox", image: "ghcr.io/x/dev:1" });
    // Every output the model declares, null when the API has no value: an output missing from state would be
    // "known after apply" in the next preview.
    for (const f of outputFields(WorkspaceModel)) expect(fresh.outs).toHaveProperty(f.key);
    expect(fresh.outs).toMatchObject({ githubRepo: null, sourceWorkspaceId: null });

    const { inputs } = await workspace.check({}, { __logicalName: "clone", name: "clone", cloneFrom: "src" });
    const clone = await workspace.create(inputs);
    expect(clone.outs).toMatchObject({ sessionType: "sandbox", image: "ghcr.io/x/dev:1", sourceWorkspaceId: fresh.id });

    const imp = await workspace.create((await workspace.check({}, { __logicalName: "imp", name: "imp", githubRepo: "octo/app" })).inputs);
    expect(imp.outs.githubRepo).toBe("octo/app");
    expect((await local.workspaces()).map((w) => w.name).sort()).toEqual(["clone", "imp", "src"]);
  });

  test("read: present, drifted (renamed outside), vanished", async () => {
    const c = await createWs("r1");
    const same = await workspace.read(c.id, c.outs);
    expect(same.id).toBe(c.id);
    expect(same.props).toMatchObject({ name: "r1" });

    await local.api("PUT", `/v1/workspaces/${c.id}/name`, { name: "renamed-outside" });
    forgetClients();
    const drifted = await workspace.read(c.id, c.outs);
    expect(drifted.props).toMatchObject({ name: "renamed-outside" });
    expect(drifted.inputs).toMatchObject({ name: "renamed-outside", sessionType: "sandbox" });
    // The program still says r1: the next diff is an in-place rename back.
    const d = await workspace.diff(c.id, drifted.props!, c.outs);
    expect(d).toEqual({ changes: true, diffs: ["name"], replaces: [], deleteBeforeReplace: false });

    await local.api("DELETE", `/v1/workspaces/${c.id}`);
    forgetClients();
    expect(await workspace.read(c.id, c.outs)).toEqual({ id: "" });
  });

  test("update: a rename is one PUT; a delete-time flag changes state only", async () => {
    const c = await createWs("u1");
    await local.clearRequests();
    const news = { ...(await workspace.check(c.outs, { __logicalName: "u1", name: "u2", sessionType: "sandbox" })).inputs };
    expect(await workspace.diff(c.id, c.outs, news)).toMatchObject({ changes: true, replaces: [], deleteBeforeReplace: false });
    const u = await workspace.update(c.id, c.outs, news);
    expect(u.outs).toMatchObject({ name: "u2", workspaceId: c.id });
    expect(await local.calls()).toEqual([`PUT /v1/workspaces/${c.id}/name`]);

    await local.clearRequests();
    const flags = { ...news, forceDelete: true, deletionProtection: true };
    const d = await workspace.diff(c.id, u.outs, flags);
    expect(d.replaces).toEqual([]);
    const u2 = await workspace.update(c.id, u.outs, flags);
    expect(u2.outs).toMatchObject({ forceDelete: true, deletionProtection: true, name: "u2" });
    expect(await local.requests()).toEqual([]);
  });

  test("diff: fixed properties replace; a fixed name deletes first, an auto-name does not", async () => {
    const olds = { name: "fixed", __autoNamed: false, sessionType: "sandbox" };
    expect(await workspace.diff("id", olds, { ...olds, sessionType: "browser" })).toMatchObject({ changes: true, replaces: ["sessionType"], deleteBeforeReplace: true });
    const auto = { name: "a-1234567", __autoNamed: true, sessionType: "sandbox" };
    expect(await workspace.diff("id", auto, { ...auto, sessionType: "browser" })).toMatchObject({ changes: true, replaces: ["sessionType"], deleteBeforeReplace: false });
    // A clone's inherited type is not an input: no diff.
    expect(await workspace.diff("id", { name: "c", cloneFrom: "s", sessionType: "sandbox" }, { name: "c", cloneFrom: "s" })).toMatchObject({ changes: false });
    // Unknown during preview: a possible replacement.
    expect((await workspace.diff("id", olds, { ...olds, sessionType: UNKNOWN })).replaces).toEqual(["sessionType"]);
  });

  test("deletionProtection blocks delete and replacement with a message saying how to proceed; no DELETE sent", async () => {
    const c = await createWs("prot", { deletionProtection: true });
    await local.clearRequests();
    await expect(workspace.remove(c.id, c.outs)).rejects.toThrow(/deletionProtection: true.*Set deletionProtection: false, run `pulumi up`/);
    await expect(workspace.diff(c.id, c.outs, { ...c.outs, sessionType: "browser" })).rejects.toThrow(/cannot be replaced \(sessionType changed\)/);
    expect(await local.requests()).toEqual([]);
    expect(await local.workspaces()).toHaveLength(1);
  });

  test("delete: refused with an attached session unless forceDelete; 404 is success; old state shapes work", async () => {
    const c = await createWs("busy");
    const sess = await local.api<any>("POST", "/v1/sessions", { workspace: "busy" });
    expect(sess.status).toBeLessThan(300);
    const refused = await workspace.remove(c.id, c.outs).catch((e) => e);
    // The flag is applied by `up`: the message says so, in the provider's words (not the API's `force=true`).
    expect(refused.message).toMatch(/^workspace 'busy': a session is attached .* set forceDelete: true and run `pulumi up` first/);
    expect(refused.message).not.toMatch(/force=true/);
    expect(refused.message.match(/HTTP 409/g)).toHaveLength(1);
    await workspace.remove(c.id, { ...c.outs, forceDelete: true });
    expect(await local.workspaces()).toEqual([]);
    await expect(workspace.remove(c.id, c.outs)).resolves.toBeUndefined();
    await expect(workspace.remove(c.id, {})).resolves.toBeUndefined();
  });

  test("adoptExisting takes over a matching workspace without creating; a mismatch is refused", async () => {
    const pre = await local.api<any>("POST", "/v1/workspaces", { name: "legacy", session_type: "sandbox" });
    await local.clearRequests();
    const adopted = await workspace.create((await workspace.check({}, { __logicalName: "l", name: "LEGACY", sessionType: "sandbox", adoptExisting: true })).inputs);
    expect(adopted.id).toBe(pre.body.id);
    expect(await local.count("POST", "/v1/workspaces")).toBe(0);
    const bad = workspace.create((await workspace.check({}, { __logicalName: "l", name: "legacy", sessionType: "browser", adoptExisting: true })).inputs);
    await expect(bad).rejects.toThrow(/workspace 'legacy' \(.*\) exists in the personal account but cannot be adopted: sessionType is 'sandbox', not 'browser'/);
  });

  test("adoptExisting at preview (check): a mismatch fails per fixed property with both values, a match is no failure; reads only", async () => {
    const pre = await local.api<any>("POST", "/v1/workspaces", { name: "seen-early", session_type: "sandbox", image: "ghcr.io/x/a:1" });
    await local.clearRequests();
    const bad = await failuresOf(workspace, { name: "seen-early", sessionType: "browser", adoptExisting: true });
    expect(bad).toEqual([
      { property: "sessionType", reason: `sessionType: adoptExisting: the existing workspace 'seen-early' (id ${pre.body.id}) in the personal account has sessionType 'sandbox', the program says 'browser'; fixed properties must match to adopt it: change the program, or choose another name` },
      { property: "image", reason: expect.stringMatching(/^image: adoptExisting: .* has image 'ghcr\.io\/x\/a:1', the program says none;/) },
    ]);
    expect(await failuresOf(workspace, { name: "seen-early", sessionType: "sandbox", image: "ghcr.io/x/a:1", adoptExisting: true })).toEqual([]);
    // Unknown values (preview) are not compared; a workspace in state (old inputs) is not looked up again.
    expect(await failuresOf(workspace, { name: "seen-early", sessionType: UNKNOWN, image: UNKNOWN, adoptExisting: true })).toEqual([]);
    await local.clearRequests();
    expect(await failuresOf(workspace, { name: "seen-early", sessionType: "browser", adoptExisting: true }, { name: "seen-early", sessionType: "sandbox" })).toEqual([]);
    expect(await local.requests()).toEqual([]);
  });

  test("a clone keeps its disk when its source changes (state only); recloneOnSourceChange replaces it", async () => {
    const src = await createWs("src-a");
    await createWs("src-b");
    const { inputs } = await workspace.check({}, { __logicalName: "cl", name: "cl", cloneFrom: src.id });
    const clone = await workspace.create(inputs);
    const moved = (await workspace.check(clone.outs, { __logicalName: "cl", name: "cl", cloneFrom: "src-b" })).inputs;
    expect(await workspace.diff(clone.id, clone.outs, moved)).toMatchObject({ changes: true, replaces: [], deleteBeforeReplace: false });
    await local.clearRequests();
    const u = await workspace.update(clone.id, clone.outs, moved);
    expect(await local.requests()).toEqual([]);
    expect(u.outs).toMatchObject({ cloneFrom: "src-b", sourceWorkspaceId: src.id, workspaceId: clone.id });
    const asked = { ...moved, cloneFrom: src.id, recloneOnSourceChange: true };
    expect(await workspace.diff(clone.id, u.outs, asked)).toMatchObject({ replaces: ["cloneFrom"] });
    expect(await template.diff(clone.id, { ...u.outs, template: true }, { ...asked, template: true })).toMatchObject({ replaces: ["cloneFrom"] });
  });

  test("a taken name is a clear error, no retry", async () => {
    await createWs("taken");
    await local.clearRequests();
    await expect(createWs("TAKEN")).rejects.toThrow(/^workspace 'TAKEN': the name 'TAKEN' is taken in the personal account.*adoptExisting: true.*\(POST \/v1\/workspaces: HTTP 409 workspace_name_taken, request id \S+\)$/);
    expect(await local.count("POST", "/v1/workspaces")).toBe(1);
  });

  test("a wrong key says how to set it, for every resource, for reads and writes alike", async () => {
    configureWith("sk_wrong_key_0123456789abcdef");
    const errors = [
      await createWs("wrongkey").catch((e) => e),
      await apikey.create((await apikey.check({}, { __logicalName: "k", scopes: ["keys.read"] })).inputs).catch((e) => e),
      await workspace.read("00000000-0000-0000-0000-000000000000", { name: "x" }).catch((e) => e),
    ];
    for (const e of errors) {
      expect(e.message).toMatch(/refused the API key used for the personal account .*pulumi config set --secret chaser:apiKey/);
      expect(e.message.match(/HTTP 401/g)).toHaveLength(1);
    }
    // A read (refresh, destroy) also says where that key comes from.
    expect(errors[2].message).toMatch(/pulumi refresh --run-program/);
  });

  test("a missing key says how to set it", async () => {
    settings.resetSettings();
    const saved = process.env.CHASER_API_KEY;
    delete process.env.CHASER_API_KEY;
    try {
      await expect(createWs("nokey")).rejects.toThrow(/pulumi config set --secret chaser:apiKey/);
    } finally {
      if (saved !== undefined) process.env.CHASER_API_KEY = saved;
    }
  });
});

describe("Template", () => {
  test("flag mode: flags, shows an unflag done outside as drift, repairs it, and clearing keeps the workspace", async () => {
    const ws = await createWs("base");
    const { inputs, failures } = await template.check({}, { __logicalName: "t", workspace: ws.id });
    expect(failures).toEqual([]);
    const t = await template.create(inputs);
    expect(t.id).toBe(ws.id);
    expect((await local.workspaces())[0].template).toBe(true);

    await local.api("PUT", `/v1/workspaces/${ws.id}/template`, { template: false });
    forgetClients();
    const r = await template.read(t.id, t.outs);
    expect(r.props).toMatchObject({ template: false });
    const news = (await template.check(r.inputs!, { __logicalName: "t", workspace: ws.id })).inputs;
    const d = await template.diff(t.id, r.props!, news);
    expect(d).toMatchObject({ changes: true, replaces: [] });
    await local.clearRequests();
    const u = await template.update(t.id, r.props!, news);
    expect(u.outs).toMatchObject({ template: true });
    expect(await local.calls()).toEqual([`PUT /v1/workspaces/${ws.id}/template`]);

    await template.remove(t.id, u.outs);
    const after = await local.workspaces();
    expect(after).toHaveLength(1);
    expect(after[0].template).toBe(false);
  });

  test("own mode: creates a flagged workspace and deletes it", async () => {
    const { inputs } = await template.check({}, { __logicalName: "golden", name: "golden", sessionType: "browser" });
    const t = await template.create(inputs);
    expect((await local.workspaces()).map((w) => [w.name, w.template])).toEqual([["golden", true]]);
    const clone = await workspace.create((await workspace.check({}, { __logicalName: "c", name: "c", cloneFrom: "golden" })).inputs);
    expect(clone.outs.sessionType).toBe("browser");
    await template.remove(t.id, t.outs);
    expect((await local.workspaces()).map((w) => w.name)).toEqual(["c"]);
  });

  test("flag mode refuses workspace-creation inputs", async () => {
    const f = await failuresOf(template, { workspace: "x", sessionType: "browser" });
    expect(f).toEqual([{ property: "sessionType", reason: expect.stringMatching(/cannot be set with workspace/) }]);
  });
});

describe("get (a read by id alone)", () => {
  const GET_PROPS = { __provider: "exports.handler = …", __urn: "urn:pulumi:s::p::pulumi-nodejs:dynamic/chaser:X::got" };
  test("a missing id fails naming the kind, the id and the account, for every resource; a refresh still drops it", async () => {
    const missing = "00000000-0000-0000-0000-00000000dead";
    const cases: Array<[{ read: typeof workspace.read }, string, string]> = [
      [workspace, "workspace", "Workspace"],
      [template, "template", "Template"],
      [snapshot, "snapshot", "Snapshot"],
      [apikey, "API key", "ApiKey"],
      [serviceaccount, "service account", "ServiceAccount"],
      [sshkey, "SSH key", "SshKey"],
    ];
    for (const [hooks, noun, cls] of cases) {
      const id = cls === "Snapshot" ? `${missing}/s` : missing;
      await expect(hooks.read(id, GET_PROPS)).rejects.toThrow(`no ${noun} with id '${id}' in the personal account: ${cls}.get and \`pulumi import\` need the id of an existing ${noun}`);
      // A refresh passes the state's outputs: a vanished object is dropped.
      expect(await hooks.read(id, { ...GET_PROPS, name: "x" })).toEqual({ id: "" });
    }
    await expect(member.read(missing, GET_PROPS)).rejects.toThrow(/OrganizationMember\.get and `pulumi import` need the id of an existing organization member|members belong to organizations/);
    const present = await createWs("got-me");
    await local.clearRequests();
    expect(await workspace.read(present.id, GET_PROPS)).toMatchObject({ id: present.id, props: { name: "got-me" } });
    expect(await writesTo(local)).toEqual([]);
  });
});

describe("Snapshot", () => {
  test("create, read, restore in place, delete", async () => {
    const ws = await createWs("snap-ws");
    const { inputs, failures } = await snapshot.check({}, { __logicalName: "s", workspace: "snap-ws", name: "before" });
    expect(failures).toEqual([]);
    const s = await snapshot.create(inputs);
    expect(s.id).toBe(`${ws.id}/before`);
    expect(s.outs).toMatchObject({ name: "before", workspaceId: ws.id });

    expect((await snapshot.read(s.id, s.outs)).id).toBe(s.id);

    await local.clearRequests();
    const news = { ...inputs, force: true };
    expect(await snapshot.diff(s.id, s.outs, news)).toMatchObject({ replaces: [] });
    await snapshot.update(s.id, s.outs, news);
    expect(await local.requests()).toEqual([]); // force alone: state only

    const restore = { ...news, restoreTrigger: "v2" };
    expect(await snapshot.diff(s.id, s.outs, restore)).toMatchObject({ changes: true, replaces: [] });
    const u = await snapshot.update(s.id, s.outs, restore);
    expect(u.outs.restoredAt).toEqual(expect.any(String));
    expect(await writesTo(local)).toEqual([`POST /v1/workspaces/${ws.id}/snapshots/before/restore`]);

    await snapshot.remove(s.id, u.outs);
    forgetClients();
    expect(await snapshot.read(s.id, u.outs)).toEqual({ id: "" });
    await expect(snapshot.remove(s.id, u.outs)).resolves.toBeUndefined();
  });

  test("an attached session blocks create unless force, which terminates it", async () => {
    const ws = await createWs("att");
    const sess = (await local.api<any>("POST", "/v1/sessions", { workspace: "att" })).body;
    const { inputs } = await snapshot.check({}, { __logicalName: "s", workspace: ws.id, name: "s1" });
    await expect(snapshot.create(inputs)).rejects.toThrow(/force: true/);
    const s = await snapshot.create({ ...inputs, force: true });
    expect(s.outs.name).toBe("s1");
    const after = (await local.api<any>("GET", `/v1/sessions/${sess.id}`)).body;
    expect(after.status).toBe("terminated");
  });

  test("vanished with its workspace: dropped from state", async () => {
    const ws = await createWs("gone");
    const s = await snapshot.create((await snapshot.check({}, { __logicalName: "s", workspace: ws.id, name: "x" })).inputs);
    await local.api("DELETE", `/v1/workspaces/${ws.id}?force=true`);
    forgetClients();
    expect(await snapshot.read(s.id, s.outs)).toEqual({ id: "" });
  });

  test("adoptExisting takes over the snapshot of that name (no POST); it needs an explicit name", async () => {
    const ws = await createWs("adopt-ws");
    await local.api("POST", `/v1/workspaces/${ws.id}/snapshots`, { name: "kept" });
    await local.clearRequests();
    const s = await snapshot.create((await snapshot.check({}, { __logicalName: "s", workspace: ws.id, name: "kept", adoptExisting: true })).inputs);
    expect(s.id).toBe(`${ws.id}/kept`);
    expect(await local.count("POST", /snapshots/)).toBe(0);
    expect((await failuresOf(snapshot, { workspace: ws.id, adoptExisting: true })).map((f) => f.property)).toEqual(["adoptExisting"]);
    // Without it, the taken name says how to take it over.
    await expect(snapshot.create((await snapshot.check({}, { __logicalName: "s", workspace: ws.id, name: "kept" })).inputs)).rejects.toThrow(/set adoptExisting: true/);
  });

  test("bad input: missing workspace, bad name; a fixed name replaced in place deletes first", async () => {
    const f = await failuresOf(snapshot, { name: "bad name" });
    expect(f.map((x) => x.property).sort()).toEqual(["name", "workspace"]);
    expect(f.find((x) => x.property === "workspace")!.reason).toMatch(/required/);
    const olds = { workspace: "w", name: "n", __autoNamed: false };
    expect(await snapshot.diff("w/n", olds, { ...olds, account: "other" })).toMatchObject({ replaces: ["account"], deleteBeforeReplace: false });
    expect(await snapshot.diff("w/n", { ...olds, restoreTrigger: 1 }, { ...olds, name: "n", restoreTrigger: 1 })).toMatchObject({ changes: false });
  });
});

describe("ApiKey", () => {
  test("check: unknown scopes list the valid ones; no scopes needs fullAccess; scopes are a set", async () => {
    const f = await failuresOf(apikey, { scopes: ["workspaces.read", "admin"] });
    // One element of the list: the reason names it, and no property goes to the engine (which would print the whole
    // list Go-formatted before the reason). The allowed scopes are listed plainly, the nearest one suggested.
    expect(f[0]).toEqual({ property: "", reason: `scopes[1]: 'admin' is not a scope; did you mean 'audit.read'? The scopes are ${SCOPES.join(", ")}` });
    expect((await failuresOf(apikey, { scopes: ["workspace.read"] }))[0].reason).toMatch(/^scopes\[0\]: 'workspace\.read' is not a scope; did you mean 'workspaces\.read'\? The scopes are sessions\.read, sessions\.write, /);
    expect((await failuresOf(apikey, {}))[0]).toEqual({ property: "scopes", reason: expect.stringMatching(/fullAccess: true/) });
    expect((await failuresOf(apikey, { scopes: ["keys.read"], fullAccess: true }))[0].property).toBe("fullAccess");
    expect(await failuresOf(apikey, { fullAccess: true })).toEqual([]);
    const { inputs } = await apikey.check({}, { __logicalName: "k", scopes: ["workspaces.write", "keys.read", "keys.read"] });
    expect(inputs.scopes).toEqual(["keys.read", "workspaces.write"]);
    expect(await local.requests()).toEqual([]);
  });

  test("create returns the secret once; read carries it forward; revoked outside drops from state", async () => {
    const { inputs } = await apikey.check({}, { __logicalName: "ci", name: "ci", scopes: ["workspaces.read"] });
    const k = await apikey.create(inputs);
    expect(k.outs.key).toMatch(/^sk_/);
    expect(k.outs).toMatchObject({ keyId: k.id, scopes: ["workspaces.read"], fullAccess: false });
    expect((await local.api("GET", "/v1/workspaces", undefined, { key: k.outs.key as string })).status).toBe(200);
    const listed = JSON.stringify(await local.keys());
    expect(listed).not.toContain(k.outs.key as string);

    const r = await apikey.read(k.id, k.outs);
    expect(r.props!.key).toBe(k.outs.key);

    await local.api("DELETE", `/v1/keys/${k.id}`);
    forgetClients();
    expect(await apikey.read(k.id, k.outs)).toEqual({ id: "" });
  });

  test("rotation: a trigger change replaces, new key first; delete revokes", async () => {
    const { inputs } = await apikey.check({}, { __logicalName: "r", name: "r", fullAccess: true, rotationTriggers: { at: "1" } });
    const k = await apikey.create(inputs);
    const d = await apikey.diff(k.id, k.outs, { ...inputs, rotationTriggers: { at: "2" } });
    expect(d).toEqual({ changes: true, diffs: ["rotationTriggers"], replaces: ["rotationTriggers"], deleteBeforeReplace: false });
    await apikey.remove(k.id, k.outs);
    expect((await local.api("GET", "/v1/workspaces", undefined, { key: k.outs.key as string })).status).toBe(401);
    await expect(apikey.remove(k.id, k.outs)).resolves.toBeUndefined();
  });

  test("service-account key in an organization account", async () => {
    const acme = await local.createAccount("acme");
    const sa = await local.createServiceAccount(acme.id, "deployer");
    const owner = await local.createKey({ account: acme.id, role: "owner" });
    configureWith(owner.key, "acme");
    const { inputs } = await apikey.check({}, { __logicalName: "sa", name: "sa-key", scopes: ["sessions.write"], serviceAccountId: sa.id });
    const k = await apikey.create(inputs);
    expect(k.outs).toMatchObject({ serviceAccountId: sa.id, scopes: ["sessions.write"] });
    expect((await apikey.read(k.id, k.outs)).id).toBe(k.id);
  });
});
