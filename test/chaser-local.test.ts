/**
 * chaser-local conformance at the HTTP level: every documented rule of the Chaser Core API (status and error
 * code; each test fails if its rule is removed), the wire shapes, and the /_local/ test controls. One in-memory
 * server on port 0 for the file, reset before each test. The command line and durability are in
 * chaser-local-cli.test.ts.
 */
import type { Plan } from "../contract";
import { Answer, CallOptions, callApi, controlAnswer, Local } from "./support/local";

type Any = Record<string, any>;
type Res = Answer;

const local = Local.forSuite();

const SCOPES = [
  "sessions.read", "sessions.write", "workspaces.read", "workspaces.write", "exec.write", "files.read", "files.write",
  "keys.read", "keys.write", "billing.read", "billing.write", "audit.read", "webhooks.read", "webhooks.write",
];
const WORKSPACE_FIELDS = [
  "active_session_id", "assistant_home", "created_at", "github_repo", "id", "image", "last_session_id", "name", "node_endpoint",
  "persistence", "session_type", "source_workspace_id", "status", "template",
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

/** An API request, sent once (faults that cut the connection reject), with the root key unless `key` says otherwise. */
const call = (method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<Res> =>
  callApi(local.url, method, path, body, { ...opts, key: opts.key === undefined ? local.rootKey : opts.key });
const control = <T = any>(method: string, path: string, body?: unknown) => local.control<T>(method, path, body);
const controlRaw = (method: string, path: string, body?: unknown) => controlAnswer(local.url, method, path, body);

/** [status, error code] of an answer, for one-line assertions. */
const sc = (r: Res) => [r.status, r.body?.error?.code];
const ws = (name: string | undefined, extra: Any = {}, opts?: CallOptions) =>
  call("POST", "/v1/workspaces", { ...(name === undefined ? {} : { name }), session_type: "sandbox", ...extra }, opts);
const list = async (opts?: CallOptions): Promise<Any[]> => {
  const r = await call("GET", "/v1/workspaces", undefined, opts);
  expect(r.status).toBe(200);
  return r.body;
};
const find = async (name: string, opts?: CallOptions) => (await list(opts)).find((w) => w.name === name);
const newKey = async (body: Any = {}, opts?: CallOptions): Promise<Any> => {
  const r = await call("POST", "/v1/keys", body, opts);
  expect(r.status).toBe(201);
  return r.body;
};
const org = async (name = "acme", plan: Plan = "pro") => {
  const a = await control<{ id: string; name: string; plan: string }>("POST", "/accounts", { name, plan });
  const k = await control<{ id: string; key: string; account_id: string }>("POST", "/keys", { account: a.id });
  return { ...a, key: k.key };
};

// ---------------------------------------------------------------------------------------------------------------
describe("authentication", () => {
  test("401 unauthorized without a key, with a malformed header, and with an unknown key", async () => {
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: null }))).toEqual([401, "unauthorized"]);
    const basic = await call("GET", "/v1/workspaces", undefined, { key: null, headers: { authorization: `Basic ${local.rootKey}` } });
    expect(basic.status).toBe(401);
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: "sk_not_a_key_at_all" }))).toEqual([401, "unauthorized"]);
    expect(sc(await call("POST", "/v1/workspaces", { session_type: "browser" }, { key: null }))).toEqual([401, "unauthorized"]);
    expect(await list()).toEqual([]); // nothing was created
  });

  test("a revoked key gets 401 at once; revoking is DELETE /v1/keys/{id} → 204", async () => {
    const k = await newKey({ name: "tmp" });
    expect((await call("GET", "/v1/workspaces", undefined, { key: k.key })).status).toBe(200);
    const del = await call("DELETE", `/v1/keys/${k.id}`);
    expect([del.status, del.body]).toEqual([204, undefined]);
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: k.key }))).toEqual([401, "unauthorized"]);
    expect(sc(await call("POST", "/v1/keys", {}, { key: k.key }))).toEqual([401, "unauthorized"]);
    const listed = (await call("GET", "/v1/keys")).body.keys.find((x: Any) => x.id === k.id);
    expect(listed.revoked_at).toMatch(ISO);
    // Revoking again is harmless; an unknown id is 404.
    expect((await call("DELETE", `/v1/keys/${k.id}`)).status).toBe(204);
    expect(sc(await call("DELETE", "/v1/keys/key_missing"))).toEqual([404, "key_not_found"]);
  });
});

describe("scopes", () => {
  /** Every endpoint and the scope it needs. */
  const ENDPOINTS: Array<[string, string, string, unknown?]> = [
    ["GET", "/v1/workspaces", "workspaces.read"],
    ["POST", "/v1/workspaces", "workspaces.write", { name: "made", session_type: "browser" }],
    ["POST", "/v1/workspaces/import", "workspaces.write", { github_repo: "octo/app" }],
    ["PUT", "/v1/workspaces/target/name", "workspaces.write", { name: "target" }],
    ["PUT", "/v1/workspaces/target/template", "workspaces.write", { template: true }],
    ["POST", "/v1/workspaces/bulk-delete", "workspaces.write", { workspace_ids: [] }],
    ["DELETE", "/v1/workspaces/gone", "workspaces.write"],
    ["GET", "/v1/workspaces/target/snapshots", "workspaces.read"],
    ["POST", "/v1/workspaces/target/snapshots", "workspaces.write", { name: "snap" }],
    ["POST", "/v1/workspaces/target/snapshots/base/restore", "workspaces.write", {}],
    ["DELETE", "/v1/workspaces/target/snapshots/base", "workspaces.write"],
    ["GET", "/v1/keys", "keys.read"],
    ["POST", "/v1/keys", "keys.write", { scopes: ["keys.write"] }],
    ["DELETE", "/v1/keys/key_missing", "keys.write"],
    ["POST", "/v1/accounts/current/service-accounts/sa_missing/keys", "keys.write", { scopes: ["keys.write"] }],
    ["GET", "/v1/sessions", "sessions.read"],
    ["GET", "/v1/sessions/00000000-0000-0000-0000-000000000000", "sessions.read"],
    ["POST", "/v1/sessions", "sessions.write", { ephemeral: true }],
    ["DELETE", "/v1/sessions/00000000-0000-0000-0000-000000000000", "sessions.write"],
  ];

  beforeEach(async () => {
    expect((await ws("target")).status).toBe(201);
    expect((await ws("gone")).status).toBe(201);
    expect((await call("POST", "/v1/workspaces/target/snapshots", { name: "base" })).status).toBe(201);
  });

  // Rows of four (body last, possibly undefined): jest would take a missing fourth argument for `done`.
  test.each(ENDPOINTS.map(([m, p, s, b]) => [m, p, s, b] as [string, string, string, unknown]))("%s %s needs %s: 403 insufficient_scope without it, allowed with it alone", async (method, path, scope, body) => {
    const without = await newKey({ scopes: SCOPES.filter((s) => s !== scope) });
    const r = await call(method, path, body, { key: without.key });
    expect(sc(r)).toEqual([403, "insufficient_scope"]);
    expect(r.body.error.message).toContain(scope);
    const only = await newKey({ scopes: [scope] });
    const ok = await call(method, path, body, { key: only.key });
    expect(ok.body?.error?.code).not.toBe("insufficient_scope");
    expect(ok.status).not.toBe(401);
  });

  test("a key with no scopes has full access", async () => {
    const full = await newKey({ name: "full" });
    expect([full.scopes, full.full_access]).toEqual([[], true]);
    const empty = await newKey({ scopes: [] });
    expect(empty.full_access).toBe(true);
    for (const [method, path, , body] of ENDPOINTS) {
      const r = await call(method, path, body, { key: full.key });
      expect({ method, path, code: r.body?.error?.code }).not.toEqual({ method, path, code: "insufficient_scope" });
    }
  });

  test("a scoped key cannot create a key with a scope it lacks, nor a full-access key (our decision)", async () => {
    const k = await newKey({ scopes: ["keys.write", "workspaces.read"] });
    const wider = await call("POST", "/v1/keys", { scopes: ["workspaces.read", "workspaces.write"] }, { key: k.key });
    expect(sc(wider)).toEqual([403, "insufficient_scope"]);
    expect(wider.body.error.message).toContain("workspaces.write");
    expect(sc(await call("POST", "/v1/keys", {}, { key: k.key }))).toEqual([403, "insufficient_scope"]);
    expect(sc(await call("POST", "/v1/keys", { scopes: [] }, { key: k.key }))).toEqual([403, "insufficient_scope"]);
    const narrower = await call("POST", "/v1/keys", { scopes: ["workspaces.read"] }, { key: k.key });
    expect([narrower.status, narrower.body.scopes]).toEqual([201, ["workspaces.read"]]);
  });

  test("unknown scopes are 400 invalid_request naming the scopes field", async () => {
    const r = await call("POST", "/v1/keys", { scopes: ["workspaces.read", "root"] });
    expect(sc(r)).toEqual([400, "invalid_request"]);
    expect(r.body.error.message).toMatch(/^scopes\.1: 'root' is not a scope; did you mean '[a-z.]+'\? The scopes are sessions\.read, /);
    expect(sc(await call("POST", "/v1/keys", { scopes: "workspaces.read" }))).toEqual([400, "invalid_request"]);
  });
});

describe("accounts", () => {
  test("X-Chaser-Account takes the account id, its exact name, or personal; omitted means the key's account", async () => {
    const acme = await org("Acme Engineering");
    expect((await ws("org-ws", {}, { key: acme.key, account: "Acme Engineering" })).status).toBe(201);
    expect((await list({ key: acme.key, account: acme.id })).map((w) => w.name)).toEqual(["org-ws"]);
    expect((await list({ key: acme.key })).map((w) => w.name)).toEqual(["org-ws"]);
    expect((await ws("mine", {}, { account: "personal" })).status).toBe(201);
    expect((await list()).map((w) => w.name)).toEqual(["mine"]);
    // Exact name: another case is another (unknown) account.
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: acme.key, account: "acme engineering" }))).toEqual([404, "account_not_found"]);
    expect(sc(await call("GET", "/v1/workspaces", undefined, { account: "nope" }))).toEqual([404, "account_not_found"]);
  });

  test("a key is bound to the account active at its creation: another account is 403 account_forbidden", async () => {
    const acme = await org("acme");
    // The root key belongs to the personal account.
    expect(sc(await call("GET", "/v1/workspaces", undefined, { account: "acme" }))).toEqual([403, "account_forbidden"]);
    expect(sc(await call("GET", "/v1/workspaces", undefined, { account: acme.id }))).toEqual([403, "account_forbidden"]);
    // An organization key cannot act on its user's personal account.
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: acme.key, account: "personal" }))).toEqual([403, "account_forbidden"]);
    // A key created while the organization is active is bound to it, and listed there only.
    const made = await newKey({ name: "org-made" }, { key: acme.key, account: "acme" });
    expect((await call("GET", "/v1/workspaces", undefined, { key: made.key })).status).toBe(200);
    expect((await call("GET", "/v1/workspaces", undefined, { key: made.key, account: "acme" })).status).toBe(200);
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: made.key, account: "personal" }))).toEqual([403, "account_forbidden"]);
    expect((await call("GET", "/v1/keys", undefined, { key: acme.key })).body.keys.map((k: Any) => k.id)).toContain(made.id);
    expect((await call("GET", "/v1/keys")).body.keys.map((k: Any) => k.id)).not.toContain(made.id);
    // And a key made by the root key belongs to the personal account.
    const personal = await newKey({});
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: personal.key, account: "acme" }))).toEqual([403, "account_forbidden"]);
  });

  test("resources are invisible across accounts; names are unique per account only", async () => {
    const acme = await org("acme");
    const o = { key: acme.key };
    const orgWs = (await ws("shared", {}, o)).body;
    expect((await ws("shared")).status).toBe(201); // the same name in another account is fine
    const mine = (await list()).map((w) => w.name);
    expect(mine).toEqual(["shared"]);
    expect((await list()).map((w) => w.id)).not.toContain(orgWs.id);
    expect(sc(await call("PUT", `/v1/workspaces/${orgWs.id}/template`, { template: true }))).toEqual([404, "workspace_not_found"]);
    expect(sc(await call("GET", `/v1/workspaces/${orgWs.id}/snapshots`))).toEqual([404, "workspace_not_found"]);
    expect(sc(await call("DELETE", `/v1/workspaces/${orgWs.id}`))).toEqual([404, "workspace_not_found"]);
    expect(sc(await call("POST", "/v1/workspaces", { clone_from: orgWs.id }))).toEqual([404, "workspace_not_found"]);
    expect(sc(await call("POST", "/v1/sessions", { workspace: orgWs.id }))).toEqual([404, "workspace_not_found"]);
    const sess = (await call("POST", "/v1/sessions", { workspace: "shared" }, o)).body;
    expect(sc(await call("GET", `/v1/sessions/${sess.id}`))).toEqual([404, "session_not_found"]);
    expect(sc(await call("DELETE", `/v1/sessions/${sess.id}`))).toEqual([404, "session_not_found"]);
    expect((await call("GET", "/v1/sessions")).body).toEqual([]);
    const orgKey = await newKey({}, o);
    expect(sc(await call("DELETE", `/v1/keys/${orgKey.id}`))).toEqual([404, "key_not_found"]);
    expect((await call("GET", "/v1/keys")).body.keys.map((k: Any) => k.id)).not.toContain(orgKey.id);
    const bulk = await call("POST", "/v1/workspaces/bulk-delete", { workspace_ids: [orgWs.id], force: true });
    expect(bulk.body).toEqual({ deleted: [], failed: [{ id: orgWs.id, error: { code: "workspace_not_found", message: expect.any(String) } }] });
    expect((await list(o)).map((w) => w.id)).toEqual([orgWs.id]);
  });

  test("free-plan accounts cannot create workspaces: 403 plan_limit (fresh, clone, import)", async () => {
    const free = await org("hobby", "free");
    const o = { key: free.key };
    expect(sc(await call("POST", "/v1/workspaces", { name: "w", session_type: "browser" }, o))).toEqual([403, "plan_limit"]);
    expect(sc(await call("POST", "/v1/workspaces", { clone_from: "anything" }, o))).toEqual([403, "plan_limit"]);
    expect(sc(await call("POST", "/v1/workspaces/import", { github_repo: "octo/app" }, o))).toEqual([403, "plan_limit"]);
    expect(await list(o)).toEqual([]);
    const pro = await org("paying", "pro");
    expect((await call("POST", "/v1/workspaces", { name: "w", session_type: "browser" }, { key: pro.key })).status).toBe(201);
  });
});

describe("service-account keys", () => {
  test("owners and admins of an organization create them; the answer adds service_account; listed without the secret", async () => {
    const acme = await control("POST", "/accounts", { name: "acme" });
    const sa = await control("POST", `/accounts/${acme.id}/service-accounts`, { name: "deployer" });
    const path = `/v1/accounts/current/service-accounts/${sa.id}/keys`;
    for (const role of ["owner", "admin"]) {
      const k = (await control("POST", "/keys", { account: acme.id, role })).key;
      const made = await call("POST", path, { name: `ci-${role}`, scopes: ["sessions.write"] }, { key: k });
      expect(made.status).toBe(201);
      expect(Object.keys(made.body).sort()).toEqual(["created_at", "full_access", "id", "key", "key_prefix", "name", "scopes", "service_account"]);
      expect(made.body).toMatchObject({ key: expect.stringMatching(/^sk_/), name: `ci-${role}`, scopes: ["sessions.write"], full_access: false, service_account: { id: sa.id, name: "deployer" } });
      // The new key works in the organization, within its scopes, and is bound to it.
      expect((await call("GET", "/v1/sessions", undefined, { key: made.body.key })).status).toBe(403);
      expect((await call("POST", "/v1/sessions", { ephemeral: true }, { key: made.body.key })).status).toBe(200);
      expect(sc(await call("GET", "/v1/sessions", undefined, { key: made.body.key, account: "personal" }))).toEqual([403, "account_forbidden"]);
      const listed = await call("GET", "/v1/keys", undefined, { key: k });
      expect(listed.body.keys.map((x: Any) => x.id)).toContain(made.body.id);
      expect(JSON.stringify(listed.body)).not.toContain(made.body.key);
    }
  });

  test("members, personal accounts and other organizations' service accounts are refused", async () => {
    const acme = await control("POST", "/accounts", { name: "acme" });
    const other = await control("POST", "/accounts", { name: "other" });
    const sa = await control("POST", `/accounts/${acme.id}/service-accounts`, { name: "deployer" });
    const foreign = await control("POST", `/accounts/${other.id}/service-accounts`, { name: "theirs" });
    const member = (await control("POST", "/keys", { account: acme.id, role: "member" })).key;
    const owner = (await control("POST", "/keys", { account: acme.id, role: "owner" })).key;
    expect(sc(await call("POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, {}, { key: member }))).toEqual([403, "role_forbidden"]);
    expect(sc(await call("POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, {}))).toEqual([403, "account_forbidden"]);
    expect(sc(await call("POST", `/v1/accounts/current/service-accounts/${foreign.id}/keys`, {}, { key: owner }))).toEqual([404, "service_account_not_found"]);
    expect(sc(await call("POST", "/v1/accounts/current/service-accounts/sa_missing/keys", {}, { key: owner }))).toEqual([404, "service_account_not_found"]);
    // A member still makes ordinary keys.
    expect((await call("POST", "/v1/keys", {}, { key: member })).status).toBe(201);
  });
});

describe("workspaces", () => {
  test("create answers 201 with a WorkspaceInfo carrying every documented field", async () => {
    const r = await ws("fields", { image: "ghcr.io/x/y:1", template: true });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body).sort()).toEqual(WORKSPACE_FIELDS);
    expect(r.body).toMatchObject({
      id: expect.stringMatching(UUID), name: "fields", created_at: expect.stringMatching(ISO), persistence: true, session_type: "sandbox",
      status: expect.any(String), image: "ghcr.io/x/y:1", template: true, github_repo: null, active_session_id: null, last_session_id: null,
      source_workspace_id: null,
    });
    const b = (await call("POST", "/v1/workspaces", { session_type: "browser" })).body;
    expect([b.template, b.image, b.session_type]).toEqual([false, null, "browser"]);
  });

  test("the listing is a plain JSON array of WorkspaceInfo in creation order", async () => {
    for (const n of ["c", "a", "b"]) await ws(n);
    await call("PUT", "/v1/workspaces/a/template", { template: true }); // an update keeps the order
    const r = await call("GET", "/v1/workspaces");
    expect(Array.isArray(r.body)).toBe(true);
    expect(r.body.map((w: Any) => w.name)).toEqual(["c", "a", "b"]);
    for (const w of r.body) expect(Object.keys(w).sort()).toEqual(WORKSPACE_FIELDS);
  });

  test("there is no get-one workspace endpoint", async () => {
    const w = (await ws("solo")).body;
    for (const p of [`/v1/workspaces/${w.id}`, "/v1/workspaces/solo"]) {
      const r = await call("GET", p);
      expect(sc(r)).toEqual([405, "method_not_allowed"]);
    }
    expect(sc(await call("PATCH", `/v1/workspaces/${w.id}`, { name: "x" }))).toEqual([405, "method_not_allowed"]);
    expect(sc(await call("GET", "/v1/nothing"))).toEqual([404, "not_found"]);
  });

  test("names: at most 64 characters", async () => {
    expect((await ws("a".repeat(64))).status).toBe(201);
    const long = await ws("b".repeat(65));
    expect(sc(long)).toEqual([400, "invalid_request"]);
    expect(long.body.error.message).toMatch(/name.*64/);
    expect(sc(await call("PUT", `/v1/workspaces/${"a".repeat(64)}/name`, { name: "c".repeat(65) }))).toEqual([400, "invalid_request"]);
  });

  test("names are slugs: letters, digits, '-', '_', '.', starting with a letter or digit", async () => {
    for (const good of ["Project.One_2", "9lives", "a", "x-y_z.w"]) expect({ good, status: (await ws(good)).status }).toEqual({ good, status: 201 });
    for (const badName of ["-dash", ".dot", "_under", "has space", "slash/y", "émoji", "", "a:b"]) {
      const r = await ws(badName);
      expect({ badName, sc: sc(r) }).toEqual({ badName, sc: [400, "invalid_request"] });
      expect(r.body.error.message).toMatch(/^name: /);
    }
    expect(sc(await ws(42 as unknown as string))).toEqual([400, "invalid_request"]);
    expect(sc(await call("POST", "/v1/workspaces/import", { github_repo: "o/r", name: "bad name" }))).toEqual([400, "invalid_request"]);
    expect(sc(await call("PUT", "/v1/workspaces/a/name", { name: "bad name" }))).toEqual([400, "invalid_request"]);
  });

  test("names are unique per account case-insensitively: 409 workspace_name_taken (create, clone, import, rename)", async () => {
    expect((await ws("Project")).status).toBe(201);
    expect(sc(await ws("project"))).toEqual([409, "workspace_name_taken"]);
    expect(sc(await ws("PROJECT", { session_type: "browser" }))).toEqual([409, "workspace_name_taken"]);
    expect(sc(await call("POST", "/v1/workspaces", { clone_from: "Project", name: "pRoJeCt" }))).toEqual([409, "workspace_name_taken"]);
    expect(sc(await call("POST", "/v1/workspaces/import", { github_repo: "octo/app", name: "project" }))).toEqual([409, "workspace_name_taken"]);
    const other = (await ws("other")).body;
    expect(sc(await call("PUT", `/v1/workspaces/${other.id}/name`, { name: "PROJECT" }))).toEqual([409, "workspace_name_taken"]);
    // Renaming a workspace to its own name in another case is fine.
    expect((await call("PUT", "/v1/workspaces/project/name", { name: "PROJECT" })).body.name).toBe("PROJECT");
    expect((await list()).map((w) => w.name)).toEqual(["PROJECT", "other"]);
    // Once cleared, the name is free again.
    await call("PUT", "/v1/workspaces/project/name", { name: null });
    expect((await ws("project")).status).toBe(201);
  });

  test("a name is generated when omitted (fresh, clone, import)", async () => {
    const a = (await call("POST", "/v1/workspaces", { session_type: "browser" })).body;
    const b = (await call("POST", "/v1/workspaces", { session_type: "browser", name: null })).body;
    const c = (await call("POST", "/v1/workspaces", { clone_from: a.id })).body;
    const d = (await call("POST", "/v1/workspaces/import", { github_repo: "octo/app" })).body;
    const names = [a.name, b.name, c.name, d.name];
    for (const n of names) expect(n).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(4);
  });

  test("selectors take the name (case-insensitively) or the UUID", async () => {
    const a = (await ws("alpha")).body;
    expect((await call("PUT", "/v1/workspaces/ALPHA/template", { template: true })).body).toMatchObject({ id: a.id, template: true });
    expect((await call("PUT", `/v1/workspaces/${a.id}/template`, { template: false })).body).toMatchObject({ id: a.id, template: false });
    expect((await call("GET", "/v1/workspaces/AlPhA/snapshots")).status).toBe(200);
    expect(sc(await call("PUT", "/v1/workspaces/nope/template", { template: true }))).toEqual([404, "workspace_not_found"]);
    expect(sc(await call("PUT", "/v1/workspaces/00000000-0000-0000-0000-000000000000/template", { template: true }))).toEqual([404, "workspace_not_found"]);
  });

  test("a selector that is one workspace's name and another's id is 409 workspace_name_ambiguous", async () => {
    const a = (await ws("alpha")).body;
    const twin = (await ws(a.id)).body; // a workspace named after alpha's id
    for (const [method, path, body] of [
      ["PUT", `/v1/workspaces/${a.id}/template`, { template: true }],
      ["PUT", `/v1/workspaces/${a.id}/name`, { name: "x" }],
      ["DELETE", `/v1/workspaces/${a.id}`, undefined],
      ["GET", `/v1/workspaces/${a.id}/snapshots`, undefined],
      ["POST", `/v1/workspaces/${a.id}/snapshots`, { name: "s" }],
      ["POST", "/v1/workspaces", { clone_from: a.id }],
      ["POST", "/v1/sessions", { workspace: a.id }],
      ["POST", "/v1/workspaces/bulk-delete", { workspace_ids: [a.id] }],
    ] as Array<[string, string, unknown]>) {
      const r = await call(method, path, body);
      const code = method === "POST" && path.endsWith("bulk-delete") ? [r.status, r.body.failed[0].error.code] : sc(r);
      expect({ method, path, code }).toEqual({ method, path, code: method === "POST" && path.endsWith("bulk-delete") ? [200, "workspace_name_ambiguous"] : [409, "workspace_name_ambiguous"] });
    }
    expect((await list()).length).toBe(2);
    // Once the twin is renamed, the id resolves.
    await call("PUT", `/v1/workspaces/${twin.id}/name`, { name: "twin" });
    expect((await call("PUT", `/v1/workspaces/${a.id}/template`, { template: true })).status).toBe(200);
  });

  test("rename answers 200 with the WorkspaceInfo; null clears the name; the name field is required", async () => {
    const a = (await ws("one")).body;
    const r = await call("PUT", `/v1/workspaces/${a.id}/name`, { name: "uno" });
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(WORKSPACE_FIELDS);
    expect([r.body.id, r.body.name]).toEqual([a.id, "uno"]);
    expect(sc(await call("PUT", "/v1/workspaces/one/template", { template: true }))).toEqual([404, "workspace_not_found"]);
    const cleared = await call("PUT", "/v1/workspaces/uno/name", { name: null });
    expect([cleared.status, cleared.body.name]).toEqual([200, null]);
    expect((await list())[0].name).toBeNull();
    expect(sc(await call("PUT", "/v1/workspaces/uno/template", { template: true }))).toEqual([404, "workspace_not_found"]);
    const missing = await call("PUT", `/v1/workspaces/${a.id}/name`, {});
    expect(sc(missing)).toEqual([400, "invalid_request"]);
    expect(missing.body.error.message).toMatch(/^name: /);
  });

  test("template: PUT …/template answers 200 with the WorkspaceInfo; the flag must be a boolean", async () => {
    await ws("tpl");
    const r = await call("PUT", "/v1/workspaces/tpl/template", { template: true });
    expect([r.status, r.body.template, Object.keys(r.body).length]).toEqual([200, true, WORKSPACE_FIELDS.length]);
    expect((await find("tpl"))!.template).toBe(true);
    for (const body of [{}, { template: "yes" }, { template: null }]) {
      const bad = await call("PUT", "/v1/workspaces/tpl/template", body);
      expect(sc(bad)).toEqual([400, "invalid_request"]);
      expect(bad.body.error.message).toMatch(/^template: /);
    }
    expect(sc(await ws("t2", { template: "yes" }))).toEqual([400, "invalid_request"]);
  });

  test("session_type is required for a fresh workspace and must be browser or sandbox", async () => {
    const none = await call("POST", "/v1/workspaces", { name: "x" });
    expect(sc(none)).toEqual([400, "invalid_request"]);
    expect(none.body.error.message).toMatch(/^session_type: /);
    expect(sc(await call("POST", "/v1/workspaces", { name: "x", session_type: "vm" }))).toEqual([400, "invalid_request"]);
    expect(sc(await call("POST", "/v1/workspaces", { name: "x", session_type: 1 }))).toEqual([400, "invalid_request"]);
    expect(await list()).toEqual([]);
  });

  test("image only for sandbox workspaces (400)", async () => {
    const img = await call("POST", "/v1/workspaces", { name: "x", session_type: "browser", image: "img:1" });
    expect(sc(img)).toEqual([400, "invalid_request"]);
    expect(img.body.error.message).toMatch(/^image: .*sandbox/);
    expect(sc(await call("POST", "/v1/workspaces", { name: "x", session_type: "sandbox", image: 5 }))).toEqual([400, "invalid_request"]);
    expect((await call("POST", "/v1/workspaces", { name: "x", session_type: "sandbox", image: "img:1" })).body.image).toBe("img:1");
  });

  test("a clone inherits session type, image and repository, and records its source", async () => {
    const src = (await ws("src", { image: "ghcr.io/x/dev:2" })).body;
    const c = await call("POST", "/v1/workspaces", { clone_from: "SRC", name: "copy" });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ name: "copy", session_type: "sandbox", image: "ghcr.io/x/dev:2", source_workspace_id: src.id, template: false });
    expect(c.body.id).not.toBe(src.id);
    const imported = (await call("POST", "/v1/workspaces/import", { github_repo: "octo/app", name: "imp" })).body;
    expect((await call("POST", "/v1/workspaces", { clone_from: imported.id, name: "imp2" })).body).toMatchObject({ github_repo: "octo/app", session_type: "sandbox" });
    // Type and image cannot be changed by cloning.
    expect(sc(await call("POST", "/v1/workspaces", { clone_from: "src", name: "c2", session_type: "browser" }))).toEqual([409, "workspace_type_locked"]);
    const img = await call("POST", "/v1/workspaces", { clone_from: "src", name: "c3", image: "other:1" });
    expect(sc(img)).toEqual([400, "invalid_request"]);
    expect(img.body.error.message).toMatch(/^image: /);
    expect(sc(await call("POST", "/v1/workspaces", { clone_from: "missing" }))).toEqual([404, "workspace_not_found"]);
  });

  test("cloning is refused (409 workspace_busy) while the source has an active session", async () => {
    await ws("src");
    const s = await call("POST", "/v1/sessions", { workspace: "src" });
    expect(s.status).toBe(200);
    expect(sc(await call("POST", "/v1/workspaces", { clone_from: "src", name: "copy" }))).toEqual([409, "workspace_busy"]);
    expect((await find("copy"))).toBeUndefined();
    expect((await call("DELETE", `/v1/sessions/${s.body.id}`)).status).toBe(204);
    expect((await call("POST", "/v1/workspaces", { clone_from: "src", name: "copy" })).status).toBe(201);
  });

  test("templates: any workspace can be flagged and cloned; clones survive the template's deletion", async () => {
    await ws("base-tpl", { template: true });
    const clone = (await call("POST", "/v1/workspaces", { clone_from: "base-tpl", name: "from-tpl" })).body;
    expect(clone.template).toBe(false);
    expect((await call("DELETE", "/v1/workspaces/base-tpl")).status).toBe(204);
    expect((await list()).map((w) => [w.name, w.source_workspace_id])).toEqual([["from-tpl", clone.source_workspace_id]]);
  });

  test("import from GitHub: 201, a sandbox workspace keeping the repository selector; github_repo is required", async () => {
    const r = await call("POST", "/v1/workspaces/import", { github_repo: "octo/app", name: "app" });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body).sort()).toEqual(WORKSPACE_FIELDS);
    expect(r.body).toMatchObject({ github_repo: "octo/app", name: "app", session_type: "sandbox", source_workspace_id: null });
    for (const body of [{}, { github_repo: "not-a-repo" }, { github_repo: "a/b/c" }, { github_repo: 7 }]) {
      const bad = await call("POST", "/v1/workspaces/import", body);
      expect(sc(bad)).toEqual([400, "invalid_request"]);
      expect(bad.body.error.message).toMatch(/^github_repo: /);
    }
  });

  test("delete: 204; refused (409 workspace_busy) with an attached session unless ?force=true, which terminates it", async () => {
    const w = (await ws("busy")).body;
    await call("POST", "/v1/workspaces/busy/snapshots", { name: "s" });
    const s = (await call("POST", "/v1/sessions", { workspace: "busy" })).body;
    expect(sc(await call("DELETE", `/v1/workspaces/${w.id}`))).toEqual([409, "workspace_busy"]);
    expect(sc(await call("DELETE", `/v1/workspaces/${w.id}?force=false`))).toEqual([409, "workspace_busy"]);
    expect((await call("GET", `/v1/sessions/${s.id}`)).body.status).toBe("running");
    expect(sc(await call("DELETE", `/v1/workspaces/${w.id}?force=maybe`))).toEqual([400, "invalid_request"]);
    const del = await call("DELETE", "/v1/workspaces/busy?force=true");
    expect([del.status, del.body]).toEqual([204, undefined]);
    expect((await call("GET", `/v1/sessions/${s.id}`)).body.status).toBe("terminated");
    expect(await list()).toEqual([]);
    expect(sc(await call("DELETE", `/v1/workspaces/${w.id}`))).toEqual([404, "workspace_not_found"]);
    // Its snapshots went with it.
    await ws("busy");
    expect((await call("GET", "/v1/workspaces/busy/snapshots")).body).toEqual([]);
    // Without a session, no force is needed.
    expect((await call("DELETE", "/v1/workspaces/busy")).status).toBe(204);
  });

  test("bulk delete: {workspace_ids, force}; each id deleted or reported", async () => {
    const a = (await ws("a")).body;
    const b = (await ws("b")).body;
    const s = (await call("POST", "/v1/sessions", { workspace: "b" })).body;
    const r = await call("POST", "/v1/workspaces/bulk-delete", { workspace_ids: [a.id, b.id, "missing"], force: false });
    expect(r.status).toBe(200);
    expect(r.body.deleted).toEqual([a.id]);
    expect(r.body.failed.map((f: Any) => [f.id, f.error.code])).toEqual([[b.id, "workspace_busy"], ["missing", "workspace_not_found"]]);
    expect((await list()).map((w) => w.id)).toEqual([b.id]);
    expect((await call("POST", "/v1/workspaces/bulk-delete", { workspace_ids: [b.id], force: true })).body).toEqual({ deleted: [b.id], failed: [] });
    expect((await call("GET", `/v1/sessions/${s.id}`)).body.status).toBe("terminated");
    expect(await list()).toEqual([]);
    for (const body of [{}, { workspace_ids: "a" }, { workspace_ids: [1] }, { workspace_ids: [], force: "yes" }]) {
      const bad = await call("POST", "/v1/workspaces/bulk-delete", body);
      expect(sc(bad)).toEqual([400, "invalid_request"]);
      expect(bad.body.error.message).toMatch(/^(workspace_ids|force)(\.\d+)?: /);
    }
  });
});

describe("sessions", () => {
  test("POST /v1/sessions {workspace} answers a SessionInfo, attaches it, and reuses the live VM", async () => {
    await ws("vm");
    const r = await call("POST", "/v1/sessions", { workspace: "VM" });
    expect(r.status).toBe(200);
    const s1 = r.body;
    expect(Object.keys(s1).sort()).toEqual(["active_connection_leases", "created_at", "endpoints", "id", "persistence", "session_type", "status", "workspace_id"]);
    const w = (await find("vm"))!;
    expect(s1).toMatchObject({ id: expect.stringMatching(UUID), session_type: "sandbox", status: "running", created_at: expect.stringMatching(ISO), endpoints: { control: expect.any(String) }, workspace_id: w.id, persistence: true });
    expect(w).toMatchObject({ active_session_id: s1.id, last_session_id: s1.id });
    const s2 = (await call("POST", "/v1/sessions", { workspace: w.id, session_type: "sandbox" })).body;
    expect(s2.id).toBe(s1.id);
    expect((await call("GET", "/v1/sessions")).body.map((s: Any) => s.id)).toEqual([s1.id]);
    expect((await call("GET", `/v1/sessions/${s1.id}`)).body).toEqual(s1);
  });

  test("a workspace is locked to its session type: 409 workspace_type_locked", async () => {
    await ws("sb");
    await call("POST", "/v1/workspaces", { name: "br", session_type: "browser" });
    expect(sc(await call("POST", "/v1/sessions", { workspace: "sb", session_type: "browser" }))).toEqual([409, "workspace_type_locked"]);
    expect(sc(await call("POST", "/v1/sessions", { workspace: "br", session_type: "sandbox" }))).toEqual([409, "workspace_type_locked"]);
    expect((await call("GET", "/v1/sessions")).body).toEqual([]);
    expect((await call("POST", "/v1/sessions", { workspace: "br" })).body.session_type).toBe("browser");
    // Also while a session of the right type is live.
    expect(sc(await call("POST", "/v1/sessions", { workspace: "br", session_type: "sandbox" }))).toEqual([409, "workspace_type_locked"]);
  });

  test("DELETE terminates (204); once terminated it is 409 session_not_open; the workspace is free again", async () => {
    await ws("vm");
    const s = (await call("POST", "/v1/sessions", { workspace: "vm" })).body;
    expect((await find("vm"))!.status).toBe("attached");
    expect((await call("DELETE", `/v1/sessions/${s.id}`)).status).toBe(204);
    expect((await call("GET", `/v1/sessions/${s.id}`)).body.status).toBe("terminated");
    expect((await find("vm"))!).toMatchObject({ active_session_id: null, last_session_id: s.id, status: "ready" });
    expect(sc(await call("DELETE", `/v1/sessions/${s.id}`))).toEqual([409, "session_not_open"]);
    const again = (await call("POST", "/v1/sessions", { workspace: "vm" })).body;
    expect(again.id).not.toBe(s.id);
    expect(sc(await call("GET", "/v1/sessions/nope"))).toEqual([404, "session_not_found"]);
    expect(sc(await call("DELETE", "/v1/sessions/nope"))).toEqual([404, "session_not_found"]);
  });

  test("ephemeral sessions have no workspace; image only for ephemeral sandbox sessions; workspace required otherwise", async () => {
    const e = await call("POST", "/v1/sessions", { ephemeral: true });
    expect([e.status, e.body.workspace_id, e.body.persistence, e.body.status]).toEqual([200, null, false, "running"]);
    expect((await call("POST", "/v1/sessions", { ephemeral: true, image: "img:1" })).body.session_type).toBe("sandbox");
    expect(sc(await call("POST", "/v1/sessions", { ephemeral: true, session_type: "browser", image: "img:1" }))).toEqual([400, "invalid_request"]);
    await ws("vm");
    const img = await call("POST", "/v1/sessions", { workspace: "vm", image: "img:1" });
    expect(sc(img)).toEqual([400, "invalid_request"]);
    expect(img.body.error.message).toMatch(/^image: /);
    const none = await call("POST", "/v1/sessions", {});
    expect(sc(none)).toEqual([400, "invalid_request"]);
    expect(none.body.error.message).toMatch(/^workspace: /);
    expect(sc(await call("POST", "/v1/sessions", { workspace: "missing" }))).toEqual([404, "workspace_not_found"]);
    expect(sc(await call("POST", "/v1/sessions", { ephemeral: "yes" }))).toEqual([400, "invalid_request"]);
    expect(sc(await call("POST", "/v1/sessions", { workspace: "vm", session_type: "vm" }))).toEqual([400, "invalid_request"]);
  });
});

describe("snapshots", () => {
  test("create (201), list, restore (200), delete (204)", async () => {
    const w = (await ws("snap")).body;
    const s = await call("POST", "/v1/workspaces/snap/snapshots", { name: "before" });
    expect(s.status).toBe(201);
    expect(s.body).toEqual({ name: "before", workspace_id: w.id, created_at: expect.stringMatching(ISO), size_bytes: expect.any(Number) });
    await call("POST", `/v1/workspaces/${w.id}/snapshots`, { name: "after" });
    const l = await call("GET", "/v1/workspaces/SNAP/snapshots");
    expect([l.status, l.body.map((x: Any) => x.name)]).toEqual([200, ["before", "after"]]);
    const r = await call("POST", "/v1/workspaces/snap/snapshots/before/restore", {});
    expect(r.status).toBe(200);
    expect(sc(await call("POST", "/v1/workspaces/snap/snapshots/nope/restore", {}))).toEqual([404, "snapshot_not_found"]);
    expect((await call("DELETE", "/v1/workspaces/snap/snapshots/before")).status).toBe(204);
    expect(sc(await call("DELETE", "/v1/workspaces/snap/snapshots/before"))).toEqual([404, "snapshot_not_found"]);
    expect((await call("GET", "/v1/workspaces/snap/snapshots")).body.map((x: Any) => x.name)).toEqual(["after"]);
    expect(sc(await call("GET", "/v1/workspaces/missing/snapshots"))).toEqual([404, "workspace_not_found"]);
  });

  test("snapshot names are unique per workspace: 409 snapshot_name_taken", async () => {
    await ws("one");
    await ws("two");
    expect((await call("POST", "/v1/workspaces/one/snapshots", { name: "base" })).status).toBe(201);
    expect(sc(await call("POST", "/v1/workspaces/one/snapshots", { name: "base" }))).toEqual([409, "snapshot_name_taken"]);
    expect(sc(await call("POST", "/v1/workspaces/one/snapshots", { name: "base", force: true }))).toEqual([409, "snapshot_name_taken"]);
    expect((await call("POST", "/v1/workspaces/two/snapshots", { name: "base" })).status).toBe(201);
    expect((await call("GET", "/v1/workspaces/one/snapshots")).body).toHaveLength(1);
  });

  test("snapshot names and force are validated (400 naming the field)", async () => {
    await ws("v");
    for (const body of [{}, { name: "" }, { name: "has space" }, { name: "x".repeat(65) }]) {
      const r = await call("POST", "/v1/workspaces/v/snapshots", body);
      expect(sc(r)).toEqual([400, "invalid_request"]);
      expect(r.body.error.message).toMatch(/^name: /);
    }
    const f = await call("POST", "/v1/workspaces/v/snapshots", { name: "ok", force: "yes" });
    expect(sc(f)).toEqual([400, "invalid_request"]);
    expect(f.body.error.message).toMatch(/^force: /);
  });

  test("create and restore are refused (409 workspace_busy) while a session is attached", async () => {
    await ws("att");
    await call("POST", "/v1/workspaces/att/snapshots", { name: "s0" });
    const sess = (await call("POST", "/v1/sessions", { workspace: "att" })).body;
    expect(sc(await call("POST", "/v1/workspaces/att/snapshots", { name: "s1" }))).toEqual([409, "workspace_busy"]);
    expect(sc(await call("POST", "/v1/workspaces/att/snapshots", { name: "s1", force: false }))).toEqual([409, "workspace_busy"]);
    expect(sc(await call("POST", "/v1/workspaces/att/snapshots/s0/restore", {}))).toEqual([409, "workspace_busy"]);
    expect((await call("GET", "/v1/workspaces/att/snapshots")).body.map((x: Any) => x.name)).toEqual(["s0"]);
    expect((await call("GET", `/v1/sessions/${sess.id}`)).body.status).toBe("running");
    // Deleting a snapshot is not blocked.
    await call("POST", "/v1/workspaces/att/snapshots", { name: "s2", force: true });
    const sess2 = (await call("POST", "/v1/sessions", { workspace: "att" })).body;
    expect((await call("DELETE", "/v1/workspaces/att/snapshots/s2")).status).toBe(204);
    expect((await call("GET", `/v1/sessions/${sess2.id}`)).body.status).toBe("running");
  });

  test("force terminates the attached session first (status terminated, active_session_id null)", async () => {
    await ws("att");
    await call("POST", "/v1/workspaces/att/snapshots", { name: "s0" });
    const s1 = (await call("POST", "/v1/sessions", { workspace: "att" })).body;
    const restored = await call("POST", "/v1/workspaces/att/snapshots/s0/restore", { force: true });
    expect(restored.status).toBe(200);
    expect((await call("GET", `/v1/sessions/${s1.id}`)).body.status).toBe("terminated");
    expect((await find("att"))!).toMatchObject({ active_session_id: null, last_session_id: s1.id });
    const s2 = (await call("POST", "/v1/sessions", { workspace: "att" })).body;
    expect((await call("POST", "/v1/workspaces/att/snapshots", { name: "s1", force: true })).status).toBe(201);
    expect((await call("GET", `/v1/sessions/${s2.id}`)).body.status).toBe("terminated");
    expect((await find("att"))!.active_session_id).toBeNull();
  });
});

describe("keys", () => {
  test("create answers 201 {id, key, key_prefix, scopes, full_access, name, created_at}", async () => {
    const r = await call("POST", "/v1/keys", { name: "ci", scopes: ["sessions.read", "sessions.read"] });
    expect(r.status).toBe(201);
    expect(Object.keys(r.body).sort()).toEqual(["created_at", "full_access", "id", "key", "key_prefix", "name", "scopes"]);
    expect(r.body).toEqual({ id: expect.any(String), key: expect.stringMatching(/^sk_\S{20,}$/), key_prefix: r.body.key.slice(0, 10), scopes: ["sessions.read"], full_access: false, name: "ci", created_at: expect.stringMatching(ISO) });
    expect((await call("POST", "/v1/keys", {})).body.name).toBeNull();
    expect(sc(await call("POST", "/v1/keys", { name: 5 }))).toEqual([400, "invalid_request"]);
  });

  test("GET /v1/keys lists {keys: [...]} with the documented fields and never a secret", async () => {
    const k = await newKey({ name: "ci", scopes: ["sessions.read"] });
    const r = await call("GET", "/v1/keys");
    expect(r.status).toBe(200);
    expect(Object.keys(r.body)).toEqual(["keys"]);
    for (const entry of r.body.keys) {
      expect(Object.keys(entry).sort()).toEqual(["created_at", "full_access", "id", "key_prefix", "last_used_at", "name", "revoked_at", "scopes", "service_account_id"]);
    }
    expect(r.body.keys.find((x: Any) => x.id === k.id)).toEqual({ id: k.id, name: "ci", key_prefix: k.key_prefix, scopes: ["sessions.read"], full_access: false, created_at: k.created_at, last_used_at: null, revoked_at: null, service_account_id: null });
    const text = JSON.stringify(r.body);
    expect(text).not.toContain(k.key);
    expect(text).not.toContain(local.rootKey);
    await call("GET", "/v1/sessions", undefined, { key: k.key });
    expect((await call("GET", "/v1/keys")).body.keys.find((x: Any) => x.id === k.id).last_used_at).toMatch(ISO);
  });
});

describe("errors and request ids", () => {
  test("every answer carries a distinct X-Request-Id; errors are exactly {error: {code, message}}", async () => {
    await ws("w");
    const answers = [
      await call("GET", "/v1/workspaces"), // 200
      await ws("x"), // 201
      await call("DELETE", "/v1/workspaces/x"), // 204
      await call("POST", "/v1/workspaces", undefined, { raw: "{oops" }), // 400
      await call("GET", "/v1/workspaces", undefined, { key: null }), // 401
      await call("GET", "/v1/workspaces", undefined, { account: "acme" }), // 404 account
      await call("GET", "/v1/workspaces/w"), // 405
      await ws("w"), // 409
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 201, 204, 400, 401, 404, 405, 409]);
    const ids = answers.map((a) => a.headers.get("x-request-id"));
    for (const id of ids) expect(id).toMatch(/^req_\w+$/);
    expect(new Set(ids).size).toBe(ids.length);
    for (const a of answers.filter((x) => x.status >= 400)) {
      expect(a.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
      expect(a.headers.get("content-type")).toMatch(/application\/json/);
    }
    const ctl = await controlRaw("GET", "/counters");
    expect(ctl.headers.get("x-request-id")).toMatch(/^req_/);
  });

  test("a body that is not a JSON object is 400 invalid_request", async () => {
    for (const raw of ["{oops", "[1,2]", "42", "null", '"text"']) {
      const r = await call("POST", "/v1/workspaces", undefined, { raw });
      expect({ raw, sc: sc(r) }).toEqual({ raw, sc: [400, "invalid_request"] });
      expect(r.body.error.message).toMatch(/^the body /);
    }
    expect(await list()).toEqual([]);
  });

  test("a body over 1 MiB is 413 payload_too_large, and nothing is applied", async () => {
    const r = await call("POST", "/v1/workspaces", undefined, { raw: JSON.stringify({ name: "big", session_type: "browser", pad: "x".repeat(1100 * 1024) }) });
    expect(sc(r)).toEqual([413, "payload_too_large"]);
    expect(await list()).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("test controls", () => {
  const get = (path: string, key = local.rootKey) => call("GET", path, undefined, { key });

  test("a fault fires exactly COUNT times, only for its method and path; GET shows what is left", async () => {
    await control("PUT", "/faults", { rules: [{ kind: "503", method: "get", path: "^/v1/workspaces$", count: 2 }] });
    expect((await get("/v1/keys")).status).toBe(200); // path filter
    expect((await ws("w")).status).toBe(201); // method filter
    expect((await get("/v1/workspaces")).status).toBe(503);
    expect((await control("GET", "/faults")).rules).toEqual([{ kind: "503", method: "GET", path: "^/v1/workspaces$", count: 1 }]);
    const second = await get("/v1/workspaces");
    expect(second.status).toBe(503);
    expect(second.body).toEqual({ error: { code: "service_unavailable", message: expect.any(String) } });
    expect((await get("/v1/workspaces")).status).toBe(200); // used up
    expect((await get("/v1/workspaces")).status).toBe(200);
    const log = await control("GET", "/requests");
    expect(log.requests.map((r: Any) => [r.method, r.path, r.status, r.fault])).toEqual([
      ["GET", "/v1/keys", 200, null], ["POST", "/v1/workspaces", 201, null], ["GET", "/v1/workspaces", 503, "503"],
      ["GET", "/v1/workspaces", 503, "503"], ["GET", "/v1/workspaces", 200, null], ["GET", "/v1/workspaces", 200, null],
    ]);
  });

  test("rate: 0 never fires, 1 always; the first matching rule wins", async () => {
    await control("PUT", "/faults", { rules: [{ kind: "500", rate: 0 }, { kind: "503", rate: 1, count: 1 }] });
    expect((await get("/v1/workspaces")).status).toBe(503);
    for (let i = 0; i < 20; i++) expect((await get("/v1/workspaces")).status).toBe(200);
    const rate = await control("PUT", "/faults", { rules: [{ kind: "500", rate: 0.5 }] });
    expect(rate.rules[0].rate).toBe(0.5);
    const statuses = await Promise.all(Array.from({ length: 60 }, () => get("/v1/workspaces").then((r) => r.status)));
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(5);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(5);
  });

  test("500 and 429 answers; 429 carries Retry-After and X-RateLimit-Limit/Remaining/Reset/Scope", async () => {
    await control("PUT", "/faults", { rules: [{ kind: "500", count: 1 }, { kind: "429", count: 1, retryAfter: 7, scope: "account" }, { kind: "429", count: 1 }] });
    const e = await get("/v1/workspaces");
    expect([e.status, e.body.error.code]).toEqual([500, "internal_error"]);
    const r = await get("/v1/workspaces");
    expect([r.status, r.body.error.code]).toEqual([429, "rate_limited"]);
    expect(r.headers.get("retry-after")).toBe("7");
    expect(r.headers.get("x-ratelimit-limit")).toMatch(/^\d+$/);
    expect(r.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(Number(r.headers.get("x-ratelimit-reset"))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 6);
    expect(r.headers.get("x-ratelimit-scope")).toBe("account");
    expect(r.headers.get("x-request-id")).toMatch(/^req_/);
    const d = await get("/v1/workspaces");
    expect([d.status, d.headers.get("retry-after"), d.headers.get("x-ratelimit-scope")]).toEqual([429, "1", "principal"]);
  });

  test("faulted writes are not applied (500, 503, 429, reset)", async () => {
    for (const kind of ["500", "503", "429"]) {
      await control("PUT", "/faults", { rules: [{ kind, method: "POST", count: 1 }] });
      expect((await ws(`w-${kind}`)).status).toBe(Number(kind));
    }
    await control("PUT", "/faults", { rules: [{ kind: "reset", method: "POST", count: 1 }] });
    await expect(ws("w-reset")).rejects.toThrow();
    expect(await list()).toEqual([]);
    const log = (await control("GET", "/requests")).requests.filter((r: Any) => r.method === "POST");
    expect(log.map((r: Any) => [r.status, r.fault])).toEqual([[500, "500"], [503, "503"], [429, "429"], [0, "reset"]]);
  });

  test("drop applies the request, then closes the connection without an answer", async () => {
    await control("PUT", "/faults", { rules: [{ kind: "drop", method: "POST", path: "^/v1/workspaces$", count: 1 }] });
    await expect(ws("dropped")).rejects.toThrow();
    expect((await list()).map((w) => w.name)).toEqual(["dropped"]);
    const entry = (await control("GET", "/requests")).requests.find((r: Any) => r.method === "POST");
    expect([entry.status, entry.fault]).toEqual([201, "drop"]);
    // A dropped request that fails is not applied either.
    await control("PUT", "/faults", { rules: [{ kind: "drop", count: 1 }] });
    await expect(ws("dropped")).rejects.toThrow();
    expect((await list()).length).toBe(1);
  });

  test("delay answers that request late; latency delays every API request but not the controls", async () => {
    await control("PUT", "/faults", { rules: [{ kind: "delay", ms: 600, path: "^/v1/keys$", count: 1 }] });
    let t0 = Date.now();
    expect((await get("/v1/keys")).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(590);
    t0 = Date.now();
    await get("/v1/keys");
    await get("/v1/workspaces");
    expect(Date.now() - t0).toBeLessThan(500);
    await control("PUT", "/faults", { latencyMs: 400, rules: [] });
    t0 = Date.now();
    expect((await get("/v1/workspaces")).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    t0 = Date.now();
    await control("GET", "/counters");
    expect(Date.now() - t0).toBeLessThan(350);
    expect((await control("GET", "/faults")).latencyMs).toBe(400);
  });

  test("faults never hit the controls", async () => {
    await control("PUT", "/faults", { rules: [{ kind: "500" }] });
    expect((await control("GET", "/counters"))).toEqual({});
    expect((await get("/v1/workspaces")).status).toBe(500);
  });

  test("PUT /_local/faults validates its rules (400 invalid_request naming the field)", async () => {
    for (const [body, field] of [
      [{ rules: [{ kind: "boom" }] }, "kind"],
      [{ rules: [{ kind: "500", rate: 2 }] }, "rate"],
      [{ rules: [{ kind: "500", count: -1 }] }, "count"],
      [{ rules: [{ kind: "500", count: 1.5 }] }, "count"],
      [{ rules: [{ kind: "500", path: "(" }] }, "path"],
      [{ rules: [{ kind: "500", retry_after: 3 }] }, "retry_after"],
      [{ rules: "500" }, "rules"],
      [{ latencyMs: -5 }, "latencyMs"],
    ] as Array<[unknown, string]>) {
      const r = await controlRaw("PUT", "/faults", body);
      const b = r.body as Any;
      expect({ body, status: r.status, code: b.error.code }).toEqual({ body, status: 400, code: "invalid_request" });
      expect(b.error.message).toContain(field);
    }
    expect(await control("GET", "/faults")).toEqual({ latencyMs: 0, rules: [] });
  });

  test("the request log: seq, method, path without query, query, status, account, fault, at; DELETE clears it", async () => {
    const acme = await org("acme");
    await call("GET", "/v1/workspaces?x=1&y=2");
    await call("GET", "/v1/workspaces", undefined, { key: acme.key });
    await call("GET", "/v1/workspaces", undefined, { key: null });
    await control("GET", "/counters"); // controls are not logged
    const { requests } = await control("GET", "/requests");
    expect(requests).toEqual([
      { seq: expect.any(Number), method: "GET", path: "/v1/workspaces", query: "x=1&y=2", status: 200, account: "acct_personal_root", fault: null, at: expect.stringMatching(ISO) },
      { seq: expect.any(Number), method: "GET", path: "/v1/workspaces", query: "", status: 200, account: acme.id, fault: null, at: expect.stringMatching(ISO) },
      { seq: expect.any(Number), method: "GET", path: "/v1/workspaces", query: "", status: 401, account: null, fault: null, at: expect.stringMatching(ISO) },
    ]);
    expect(requests[1].seq).toBe(requests[0].seq + 1);
    expect(requests[2].seq).toBe(requests[1].seq + 1);
    expect(await control("DELETE", "/requests")).toEqual({ cleared: true });
    expect((await control("GET", "/requests")).requests).toEqual([]);
    await call("GET", "/v1/keys");
    expect((await control("GET", "/requests")).requests.map((r: Any) => r.path)).toEqual(["/v1/keys"]);
  });

  test("counters count every API request by method and route template, faulted ones included", async () => {
    const w = (await ws("c")).body;
    await call("GET", "/v1/workspaces");
    await control("PUT", "/faults", { rules: [{ kind: "503", count: 1 }] });
    await call("GET", "/v1/workspaces");
    await call("PUT", `/v1/workspaces/${w.id}/template`, { template: true });
    await call("PUT", "/v1/workspaces/c/template", { template: true });
    expect(await control("GET", "/counters")).toEqual({
      "POST /v1/workspaces": 1, "GET /v1/workspaces": 2, "PUT /v1/workspaces/:ws/template": 2,
    });
  });

  test("reset forgets everything but the root user, its account and root key; clears log, counters and faults", async () => {
    const acme = await org("acme");
    const k = await newKey({});
    await ws("x");
    await call("DELETE", "/v1/keys/key_root"); // even a revoked root key comes back
    expect((await call("GET", "/v1/workspaces")).status).toBe(401);
    await control("PUT", "/faults", { latencyMs: 5, rules: [{ kind: "500", path: "^/v1/keys$" }] });
    expect(await control("POST", "/reset")).toEqual({ reset: true });
    expect(await control("GET", "/faults")).toEqual({ latencyMs: 0, rules: [] });
    expect((await control("GET", "/requests")).requests).toEqual([]);
    expect(await control("GET", "/counters")).toEqual({});
    expect(await list()).toEqual([]);
    expect((await call("GET", "/v1/keys")).body.keys.map((x: Any) => x.id)).toEqual(["key_root"]);
    expect((await call("GET", "/v1/workspaces", undefined, { key: k.key })).status).toBe(401);
    expect((await call("GET", "/v1/workspaces", undefined, { key: acme.key })).status).toBe(401);
    expect((await controlRaw("POST", "/keys", { account: "acme" })).status).toBe(404);
    expect((await ws("x")).status).toBe(201);
  });

  test("POST /_local/accounts makes organization accounts (plan free|pro) owned by root", async () => {
    const a = await controlRaw("POST", "/accounts", { name: "Acme Engineering" });
    expect(a.status).toBe(201);
    const body = a.body as Any;
    expect(body).toEqual({ id: expect.any(String), name: "Acme Engineering", plan: "pro" });
    expect((await control("POST", "/accounts", { name: "hobby", plan: "free" })).plan).toBe("free");
    expect((await controlRaw("POST", "/accounts", { name: "Acme Engineering" })).status).toBe(409);
    for (const bad of [{}, { name: "" }, { name: "x", plan: "gold" }, { name: "personal" }]) {
      expect((await controlRaw("POST", "/accounts", bad)).status).toBe(400);
    }
    // Root owns it: a default key for it is root's and may manage service accounts.
    const sa = await control("POST", `/accounts/${encodeURIComponent("Acme Engineering")}/service-accounts`, { name: "bot" });
    expect(sa).toEqual({ id: expect.any(String), name: "bot", account_id: body.id });
    const k = await control("POST", "/keys", { account: "Acme Engineering" });
    expect(k).toEqual({ id: expect.any(String), key: expect.stringMatching(/^sk_/), account_id: body.id, user_id: "user_root", email: "root@chaser.local" });
    expect((await call("POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, {}, { key: k.key })).status).toBe(201);
  });

  test("POST /_local/keys: a key for any account, with a role and scopes; bad input is 400/404", async () => {
    const acme = await control("POST", "/accounts", { name: "acme" });
    const personal = await control("POST", "/keys", { name: "p", scopes: ["workspaces.read"] });
    expect(personal.account_id).toBe("acct_personal_root");
    expect(sc(await call("POST", "/v1/workspaces", { session_type: "browser" }, { key: personal.key }))).toEqual([403, "insufficient_scope"]);
    const member = await control("POST", "/keys", { account: acme.id, role: "member" });
    expect(member.account_id).toBe(acme.id);
    expect((await call("GET", "/v1/workspaces", undefined, { key: member.key })).status).toBe(200);
    expect((await controlRaw("POST", "/keys", { account: "nope" })).status).toBe(404);
    expect((await controlRaw("POST", "/keys", { account: acme.id, role: "boss" })).status).toBe(400);
    expect((await controlRaw("POST", "/keys", { scopes: ["root"] })).status).toBe(400);
    expect((await controlRaw("POST", "/accounts/nope/service-accounts", { name: "x" })).status).toBe(404);
    expect((await controlRaw("POST", "/accounts/acct_personal_root/service-accounts", { name: "x" })).status).toBe(400);
    expect((await controlRaw("GET", "/nothing")).status).toBe(404);
  });
});
