/** The lookups users call from programs, against chaser-local, with credentials from options or the environment. */
import { invokeLookup, lookupNamed } from "../provider/lookups";
import { resolveSettings } from "../provider/settings";
import { getWorkspace, listApiKeys, listAuditEvents, listSnapshots, listWorkspaces } from "../sdk/nodejs";
import { Local } from "./support/local";

const local = Local.forSuite();
let opts: { apiUrl: string; apiKey: string };
beforeEach(() => {
  opts = { apiUrl: local.url, apiKey: local.rootKey };
});

test("getWorkspace by name (case-insensitive) or id; a missing one is a clear error", async () => {
  const w = (await local.api<any>("POST", "/v1/workspaces", { name: "Api-Dev", session_type: "sandbox" })).body;
  expect((await getWorkspace({ name: "api-dev" }, opts)).workspaceId).toBe(w.id);
  expect((await getWorkspace({ id: w.id }, opts)).name).toBe("Api-Dev");
  await expect(getWorkspace({ name: "nope" }, opts)).rejects.toThrow(/no workspace named 'nope' in the personal account/);
});

test("listWorkspaces filters templates; listSnapshots and listApiKeys never show secrets", async () => {
  await local.api("POST", "/v1/workspaces", { name: "tpl", session_type: "browser", template: true });
  await local.api("POST", "/v1/workspaces", { name: "plain", session_type: "browser" });
  await local.api("POST", "/v1/workspaces/tpl/snapshots", { name: "s1" });
  const k = (await local.api<any>("POST", "/v1/keys", { name: "ci", scopes: ["sessions.read"] })).body;
  expect((await listWorkspaces({ template: true }, opts)).map((w) => w.name)).toEqual(["tpl"]);
  expect((await listWorkspaces({ template: false }, opts)).map((w) => w.name)).toEqual(["plain"]);
  expect((await listWorkspaces({}, opts)).length).toBe(2);
  expect((await listSnapshots({ workspace: "tpl" }, opts)).map((s) => s.name)).toEqual(["s1"]);
  const keys = await listApiKeys(opts);
  expect(keys.map((x) => x.name)).toContain("ci");
  expect(JSON.stringify(keys)).not.toContain(k.key);
});

test("credentials fall back to CHASER_API_URL / CHASER_API_KEY", async () => {
  const saved = { ...process.env };
  try {
    process.env.CHASER_API_URL = local.url;
    process.env.CHASER_API_KEY = local.rootKey;
    expect(await listWorkspaces()).toEqual([]);
  } finally {
    process.env = saved;
  }
});

test("listAuditEvents: the documented filters, camelCase results, pages followed past 500; as the plugin invokes it", async () => {
  const w = (await local.api<any>("POST", "/v1/workspaces", { name: "api-dev", session_type: "browser" })).body;
  await local.api("PUT", `/v1/workspaces/${w.id}/name`, { name: "api-tmp" });
  await local.api("PUT", `/v1/workspaces/${w.id}/name`, { name: "API-TMP2" });
  await local.api("POST", "/v1/workspaces", { name: "api-tmp2", session_type: "browser" }); // 409: a failure
  const renames = await listAuditEvents({ resourceId: w.id, action: "workspace.name.update" }, opts);
  expect(renames.map((e) => [e.action, e.metadata?.from, e.metadata?.to, e.actorType, e.actorId, e.resourceType, e.status])).toEqual([
    ["workspace.name.update", "api-tmp", "API-TMP2", "user", "user_root", "workspace", "success"],
    ["workspace.name.update", "api-dev", "api-tmp", "user", "user_root", "workspace", "success"],
  ]);
  expect(Object.keys(renames[0]).sort()).toEqual(["action", "actorId", "actorType", "createdAt", "eventId", "metadata", "resourceId", "resourceType", "status", "summary"]);
  expect((await listAuditEvents({ status: "failure" }, opts)).map((e) => [e.action, e.metadata?.error_code])).toEqual([["workspace.create", "workspace_name_taken"]]);
  expect(await listAuditEvents({ resourceType: "snapshot" }, opts)).toEqual([]);
  // since / before bound the time; limit the count (over 500: the pages are followed)
  expect((await listAuditEvents({ since: renames[1].createdAt }, opts)).map((e) => e.metadata?.to ?? e.action)).toEqual(["workspace.create", "API-TMP2"]);
  expect((await listAuditEvents({ before: renames[1].createdAt, action: "workspace.create" }, opts)).map((e) => e.resourceId)).toEqual([w.id]);
  for (let i = 0; i < 510; i += 30) {
    await Promise.all(Array.from({ length: 30 }, (_, j) => local.api("PUT", `/v1/workspaces/${w.id}/template`, { template: (i + j) % 2 === 0 })));
  }
  expect((await listAuditEvents({ limit: 505 }, opts)).length).toBe(505);
  await expect(listAuditEvents({ limit: 0 }, opts)).rejects.toThrow(/limit must be a whole number from 1 to 5000/);
  await expect(listAuditEvents({ since: "yesterday" }, opts)).rejects.toThrow(/since must be an RFC 3339 time/);
  // As the plugin's Invoke calls it (the provider's settings as the stack's): untyped arguments, those not of their type left out
  const invoked = (await invokeLookup(lookupNamed("listAuditEvents")!, { action: "workspace.create", limit: 1, resourceType: 7 }, opts)) as { items: Array<{ action: string }> };
  expect(invoked.items.map((e) => e.action)).toEqual(["workspace.create"]);
}, 60_000);

test("listAuditEvents: a key without audit.read is refused with the scope named", async () => {
  const k = (await local.api<any>("POST", "/v1/keys", { name: "reader", scopes: ["workspaces.read"] })).body.key;
  await expect(listAuditEvents({}, { ...opts, apiKey: k })).rejects.toThrow(/audit\.read/);
});

test("an argument's rule is checked in the same words for the main entry and the plugin's invoke, before any request", async () => {
  await local.clearRequests();
  const invoke = (name: string, raw: Record<string, unknown>) => invokeLookup(lookupNamed(name)!, raw, opts);
  await expect(listAuditEvents({ status: "bogus" as "success" }, opts)).rejects.toThrow("listAuditEvents: status must be success or failure (got 'bogus')");
  await expect(invoke("listAuditEvents", { status: "bogus" })).rejects.toThrow("listAuditEvents: status must be success or failure (got 'bogus')");
  await expect(invoke("listAuditEvents", { limit: 5001 })).rejects.toThrow("listAuditEvents: limit must be a whole number from 1 to 5000 (got 5001)");
  await expect(invoke("listAuditEvents", { before: "soon" })).rejects.toThrow("listAuditEvents: before must be an RFC 3339 time (got 'soon')");
  // TypeScript requires a workspace; an invoke without one (schema.json keeps it optional) is refused, naming it.
  await expect(invoke("listSnapshots", {})).rejects.toThrow("listSnapshots: workspace is required: The workspace (id or name).");
  expect(await local.calls()).toEqual([]);
});

test("settings resolve explicit > stack config > environment > default, a blank value giving nothing", () => {
  const env = { CHASER_API_URL: "http://127.0.0.1:1", CHASER_API_KEY: "sk_env", CHASER_ACCOUNT: "from-env" };
  const stack = { apiKey: "sk_stack", account: " ", accountKeys: { Acme: "sk_acme" } };
  const r = resolveSettings({ account: "Acme" }, stack, env);
  expect([r.apiKey, r.apiUrl, r.account, r.from]).toEqual(["sk_stack", "http://127.0.0.1:1", "Acme", { apiKey: "chaser:apiKey", apiUrl: "CHASER_API_URL", account: "explicit", accountKeys: "chaser:accountKeys" }]);
  expect(resolveSettings({}, stack, env).account).toBe("from-env");
  expect(resolveSettings({}, {}, {})).toEqual({ apiUrl: "https://api.chaser.sh", from: { apiUrl: "default" } });
});
