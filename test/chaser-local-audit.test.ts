/**
 * chaser-local's audit log (issue 21; docs/chaser-local.md "Audit log"): `GET /v1/audit/events` with an event per
 * documented action (and the account actions under analogous names), the actor (user or service account, key
 * prefix), success and failure, the documented filters, cursor `before`, `limit` ≤ 500, `audit.read` for scoped
 * keys, per account, durable across a restart and bounded in memory.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AUDIT_KEEP, AuditLog } from "../chaser-local/src/audit";
import { Store } from "../chaser-local/src/store";
import { Local } from "./support/local";

type Any = Record<string, any>;
const srv = Local.forSuite();
const call = (method: string, p: string, body?: unknown, opts: { key?: string; account?: string } = {}) => srv.api<any>(method, p, body, opts);
const events = async (query = "", key?: string): Promise<Any[]> => {
  const r = await call("GET", `/v1/audit/events${query}`, undefined, { key });
  expect(r.status).toBe(200);
  return r.body.events;
};
const ISO_MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** An organization with root as owner (root's key for it), and alice@acme.dev as a member with her own key. */
async function acme() {
  const made = await call("POST", "/v1/accounts/organizations", { name: "Acme" });
  const owner = (await srv.control<Any>("POST", "/keys", { account: made.body.id })).key as string;
  expect((await call("POST", "/v1/accounts/current/members", { email: "alice@acme.dev", role: "member" }, { key: owner })).status).toBe(201);
  const alice = await srv.control<Any>("POST", "/keys", { account: made.body.id, email: "alice@acme.dev" });
  return { id: made.body.id as string, owner, alice: alice.key as string, aliceId: alice.user_id as string };
}

test("a rename by a member: who (user id, key prefix), what (from, to), when; newest first; the event shape", async () => {
  const org = await acme();
  const ws = (await call("POST", "/v1/workspaces", { session_type: "browser", name: "api-dev" }, { key: org.owner })).body;
  expect((await call("PUT", `/v1/workspaces/${ws.id}/name`, { name: "api-tmp" }, { key: org.alice })).status).toBe(200);
  const [rename, create] = await events(`?resource_id=${ws.id}`, org.owner);
  expect(Object.keys(rename).sort()).toEqual(["action", "actor_id", "actor_type", "created_at", "id", "metadata", "resource_id", "resource_type", "status", "summary"]);
  expect(rename).toMatchObject({
    actor_type: "user", actor_id: org.aliceId, action: "workspace.name.update", resource_type: "workspace", resource_id: ws.id, status: "success",
    metadata: { from: "api-dev", to: "api-tmp", key_prefix: org.alice.slice(0, rename.metadata.key_prefix.length) },
  });
  expect(rename.metadata.key_prefix.length).toBeGreaterThanOrEqual(6);
  expect(rename.created_at).toMatch(ISO_MICRO);
  expect(create).toMatchObject({ action: "workspace.create", metadata: { name: "api-dev" } });
  expect(create.created_at < rename.created_at).toBe(true);
  // Per account: root's personal account (where root acted) saw the organization made, none of the rest.
  expect((await events()).map((e) => [e.action, e.resource_id])).toEqual([["account.organization.create", org.id]]);
});

test("failures are recorded (status failure, the error code) and change nothing; a refused scope too", async () => {
  const ws1 = (await call("POST", "/v1/workspaces", { session_type: "browser", name: "one" })).body;
  await call("POST", "/v1/workspaces", { session_type: "browser", name: "two" });
  const taken = await call("PUT", `/v1/workspaces/${ws1.id}/name`, { name: "TWO" });
  expect(taken.status).toBe(409);
  const reader = (await srv.control<Any>("POST", "/keys", { scopes: ["workspaces.read"] })).key as string;
  expect((await call("DELETE", `/v1/workspaces/one`, undefined, { key: reader })).status).toBe(403);
  const failed = await events("?status=failure");
  expect(failed.map((e) => [e.action, e.resource_id, e.metadata.error_code])).toEqual([
    ["workspace.delete", ws1.id, "insufficient_scope"],
    ["workspace.name.update", ws1.id, "workspace_name_taken"],
  ]);
  expect(failed[0].metadata.key_prefix).toBe(reader.slice(0, failed[0].metadata.key_prefix.length));
  expect((await srv.workspaces()).map((w) => w.name)).toEqual(["one", "two"]);
  expect((await events("?status=success")).map((e) => e.action)).toEqual(["workspace.create", "workspace.create"]);
});

test("scoped keys need audit.read (403 insufficient_scope otherwise)", async () => {
  const without = (await srv.control<Any>("POST", "/keys", { scopes: ["workspaces.read", "keys.read"] })).key as string;
  const withAudit = (await srv.control<Any>("POST", "/keys", { scopes: ["audit.read"] })).key as string;
  const refused = await call("GET", "/v1/audit/events", undefined, { key: without });
  expect([refused.status, refused.body.error.code]).toEqual([403, "insufficient_scope"]);
  expect(refused.body.error.message).toContain("audit.read");
  expect((await call("GET", "/v1/audit/events", undefined, { key: withAudit })).status).toBe(200);
});

test("filters (action, resource_type, resource_id, status), cursor before and limit page through without gaps or repeats", async () => {
  for (let i = 0; i < 7; i++) await call("POST", "/v1/workspaces", { session_type: "browser", name: `w${i}` });
  await call("POST", "/v1/workspaces/w0/snapshots", { name: "s1" });
  const all = await events("?action=workspace.create");
  expect(all.map((e) => e.metadata.name)).toEqual(["w6", "w5", "w4", "w3", "w2", "w1", "w0"]);
  const seen: string[] = [];
  let before: string | null = null;
  let pages = 0;
  do {
    const r = await call("GET", `/v1/audit/events?action=workspace.create&limit=3${before ? `&before=${encodeURIComponent(before)}` : ""}`);
    seen.push(...r.body.events.map((e: Any) => e.metadata.name));
    before = r.body.next_before;
    pages++;
  } while (before);
  expect([seen, pages]).toEqual([["w6", "w5", "w4", "w3", "w2", "w1", "w0"], 3]);
  const snaps = await events("?resource_type=snapshot");
  expect(snaps.map((e) => [e.action, e.resource_id])).toEqual([["workspace.snapshot.create", `${all[6].resource_id}/s1`]]);
  // before compares times in any RFC 3339 form (an offset, no fraction)
  expect(await events(`?before=${encodeURIComponent("2000-01-01T01:00:00+01:00")}`)).toEqual([]);
  expect((await events(`?before=2999-01-01T00:00:00Z`)).length).toBe(8);
  for (const [q, field] of [["limit=501", "limit"], ["limit=0", "limit"], ["limit=x", "limit"], ["status=ok", "status"], ["before=yesterday", "before"]]) {
    const bad = await call("GET", `/v1/audit/events?${q}`);
    expect([q, bad.status, bad.body.error.code]).toEqual([q, 400, "invalid_request"]);
    expect(bad.body.error.message).toContain(field);
  }
  expect((await call("GET", "/v1/audit/events?limit=500")).status).toBe(200);
});

test("every documented action chaser-local serves, and the account actions, with service-account actors", async () => {
  const org = await acme();
  const k = { key: org.owner };
  const ws = (await call("POST", "/v1/workspaces", { session_type: "sandbox", name: "box" }, k)).body;
  await call("POST", "/v1/workspaces/import", { github_repo: "acme/app", name: "imported" }, k);
  await call("PUT", `/v1/workspaces/${ws.id}/template`, { template: true }, k);
  await call("PUT", `/v1/workspaces/${ws.id}/name`, { name: "box2" }, k);
  await call("POST", `/v1/workspaces/box2/snapshots`, { name: "s" }, k);
  await call("POST", `/v1/workspaces/box2/snapshots/s/restore`, {}, k);
  await call("DELETE", `/v1/workspaces/box2/snapshots/s`, undefined, k);
  const session = (await call("POST", "/v1/sessions", { workspace: "box2" }, k)).body;
  await call("DELETE", `/v1/sessions/${session.id}`, undefined, k);
  await call("POST", "/v1/workspaces/bulk-delete", { workspace_ids: ["imported"] }, k);
  await call("DELETE", `/v1/workspaces/box2?force=true`, undefined, k);
  const made = (await call("POST", "/v1/keys", { name: "ci" }, k)).body;
  await call("DELETE", `/v1/keys/${made.id}`, undefined, k);
  const sa = (await call("POST", "/v1/accounts/current/service-accounts", { name: "deployer" }, k)).body;
  const saKey = (await call("POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, { name: "deployer-key" }, k)).body;
  const saKey2 = (await call("POST", "/v1/keys", { name: "second" }, { key: saKey.key })).body;
  expect((await call("DELETE", `/v1/keys/${saKey2.id}`, undefined, { key: saKey.key })).status).toBe(204);
  const bob = (await call("POST", "/v1/accounts/current/members", { email: "bob@acme.dev", role: "member" }, k)).body;
  await call("PATCH", `/v1/accounts/current/members/${bob.user_id}`, { role: "admin" }, k);
  await call("DELETE", `/v1/accounts/current/members/${bob.user_id}`, undefined, k);
  await call("DELETE", `/v1/accounts/current/service-accounts/${sa.id}`, undefined, k);
  const actions = new Set((await events("?limit=500", org.owner)).filter((e) => e.status === "success").map((e) => e.action));
  expect([...actions].sort()).toEqual([
    "account.member.add", "account.member.remove", "account.member.role.update", "account.service_account.create", "account.service_account.delete",
    "api_key.create", "api_key.revoke", "session.create", "session.terminate", "workspace.create", "workspace.delete",
    "workspace.name.update", "workspace.snapshot.create", "workspace.snapshot.delete", "workspace.snapshot.restore", "workspace.template.update",
  ]);
  const [revoke] = await events(`?action=api_key.revoke&resource_id=${saKey2.id}`, org.owner);
  expect(revoke).toMatchObject({ actor_type: "service_account", actor_id: sa.id, metadata: { name: "second", key_prefix: saKey.key.slice(0, revoke.metadata.key_prefix.length) } });
  const [template] = await events("?action=workspace.template.update", org.owner);
  expect(template.metadata).toMatchObject({ from: false, to: true });
});

test("durable across a restart (the data directory) and bounded: each account keeps its newest AUDIT_KEEP events", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-audit-"));
  try {
    const a = await Local.start({ dataDir: dir });
    await a.api("POST", "/v1/workspaces", { session_type: "browser", name: "kept" });
    await a.close();
    const b = await Local.start({ dataDir: dir, rootKey: a.rootKey });
    const r = await b.api<any>("GET", "/v1/audit/events");
    await b.close();
    expect(r.body.events.map((e: Any) => [e.action, e.metadata.name])).toEqual([["workspace.create", "kept"]]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const store = new Store();
  const log = new AuditLog(store);
  const actor = { id: "k", hash: "", prefix: "sk_abc", name: null, scopes: [], accountId: "a", userId: "u", serviceAccountId: null, createdAt: "", lastUsedAt: null, revokedAt: null };
  for (let i = 0; i < AUDIT_KEEP + 25; i++) log.record(i % 2 ? "a" : "b", actor, { action: "workspace.create", resourceType: "workspace", resourceId: `w${i}`, summary: "" });
  store.commit();
  expect(store.data.auditEvents.size).toBe(AUDIT_KEEP + 25); // each account below its bound
  for (let i = 0; i < AUDIT_KEEP; i++) log.record("a", actor, { action: "workspace.delete", resourceType: "workspace", resourceId: `x${i}`, summary: "" });
  store.commit();
  const first = log.query("a", new URLSearchParams("limit=500"));
  expect(first.events[0].resource_id).toBe(`x${AUDIT_KEEP - 1}`);
  expect([...store.data.auditEvents.values()].filter((e) => e.accountId === "a").length).toBe(AUDIT_KEEP);
  expect(log.query("a", new URLSearchParams("action=workspace.create")).events).toEqual([]);
  expect([...store.data.auditEvents.values()].filter((e) => e.accountId === "b").length).toBe(Math.ceil((AUDIT_KEEP + 25) / 2));
});

test("every command run is a session.exec event (exec, a session's exec, each step of a job), never its environment or stdin; a replayed job adds none", async () => {
  const ws = (await call("POST", "/v1/workspaces", { session_type: "sandbox", name: "runner" })).body;
  const ran = await call("POST", "/v1/exec", { workspace: "runner", command: "make seed", env: { DB_PASSWORD: "hunter2-env-value" }, stdin: "stdin-secret-text" });
  expect(ran.status).toBe(200);
  const session = (await call("POST", "/v1/sessions", { workspace: "runner" })).body;
  expect((await call("POST", `/v1/sessions/${session.id}/exec`, { command: "ls" })).status).toBe(200);
  const job = { kind: "pipeline.run", input: { workspace: ws.id, steps: [{ command: "step one" }, { command: "step two" }] }, idempotency_key: "audit-once" };
  expect((await call("POST", "/v1/jobs", job)).status).toBe(201);
  expect((await call("POST", "/v1/jobs", job)).status).toBe(200); // the same job: nothing runs, nothing recorded
  const execs = await events("?action=session.exec");
  expect(execs.map((e) => [e.resource_type, e.status, e.summary])).toEqual([
    ["session", "success", "ran `step two` in workspace 'runner' (exit 0)"],
    ["session", "success", "ran `step one` in workspace 'runner' (exit 0)"],
    ["session", "success", "ran `ls` in workspace 'runner' (exit 0)"],
    ["session", "success", "ran `make seed` in workspace 'runner' (exit 0)"],
  ]);
  expect(execs[2]).toMatchObject({ resource_id: session.id, metadata: { workspace_id: ws.id, exit_code: 0 } });
  expect(execs[3]).toMatchObject({ resource_id: ran.body.session_id, metadata: { command_id: ran.body.command_id, workspace_id: ws.id, exit_code: 0 } });
  const text = JSON.stringify(await events("?limit=500"));
  expect(text).not.toContain("hunter2-env-value");
  expect(text).not.toContain("stdin-secret-text");
});
