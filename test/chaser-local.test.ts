/**
 * chaser-local conformance: each documented rule of the Chaser Core API at the HTTP level (status and error
 * code), the test controls, durability across SIGKILL, and the command line.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Local } from "./support/local";

const local = Local.forSuite();

type Any = Record<string, any>;
const api = <T = Any>(method: string, p: string, body?: unknown, opts?: { key?: string; account?: string }) => local.api<T>(method, p, body, opts);
const ws = (name: string, extra: Any = {}) => api("POST", "/v1/workspaces", { name, session_type: "sandbox", ...extra });
const errCode = (r: { body: Any }) => r.body?.error?.code;

describe("authentication and scopes", () => {
  test("401 without a key, with an unknown key, and with a revoked key", async () => {
    const res = await fetch(`${local.url}/v1/workspaces`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as Any).error.code).toBe("unauthorized");
    expect((await api("GET", "/v1/workspaces", undefined, { key: "sk_not_a_key_at_all" })).status).toBe(401);
    const k = (await api("POST", "/v1/keys", { name: "tmp" })).body;
    expect((await api("GET", "/v1/workspaces", undefined, { key: k.key })).status).toBe(200);
    expect((await api("DELETE", `/v1/keys/${k.id}`)).status).toBe(204);
    const r = await api("GET", "/v1/workspaces", undefined, { key: k.key });
    expect([r.status, errCode(r)]).toEqual([401, "unauthorized"]);
  });

  test("403 insufficient_scope outside a key's scopes; no scopes means full access", async () => {
    const ro = (await api("POST", "/v1/keys", { name: "ro", scopes: ["workspaces.read"] })).body;
    expect((await api("GET", "/v1/workspaces", undefined, { key: ro.key })).status).toBe(200);
    const w = await api("POST", "/v1/workspaces", { session_type: "browser" }, { key: ro.key });
    expect([w.status, errCode(w)]).toEqual([403, "insufficient_scope"]);
    expect((await api("GET", "/v1/keys", undefined, { key: ro.key })).status).toBe(403);
    expect((await api("POST", "/v1/sessions", { ephemeral: true }, { key: ro.key })).status).toBe(403);
    const full = (await api("POST", "/v1/keys", { name: "full" })).body;
    expect(full.full_access).toBe(true);
    expect((await api("POST", "/v1/workspaces", { session_type: "browser" }, { key: full.key })).status).toBe(201);
  });

  test("a scoped key cannot mint a key with scopes it lacks (our decision)", async () => {
    const k = (await api("POST", "/v1/keys", { scopes: ["keys.write", "workspaces.read"] })).body;
    const wider = await api("POST", "/v1/keys", { scopes: ["workspaces.write"] }, { key: k.key });
    expect([wider.status, errCode(wider)]).toEqual([403, "insufficient_scope"]);
    const full = await api("POST", "/v1/keys", {}, { key: k.key });
    expect(full.status).toBe(403);
    expect((await api("POST", "/v1/keys", { scopes: ["workspaces.read"] }, { key: k.key })).status).toBe(201);
  });

  test("unknown scopes are refused with the list of valid ones", async () => {
    const r = await api("POST", "/v1/keys", { scopes: ["workspaces.read", "root"] });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/root.*valid scopes: sessions\.read/);
  });
});

describe("accounts", () => {
  test("X-Chaser-Account selects by id, exact name or personal; keys are bound to their account", async () => {
    const acme = await local.createAccount("Acme Engineering");
    const acmeKey = (await local.createKey({ account: acme.id })).key;
    expect((await api("POST", "/v1/workspaces", { name: "org-ws", session_type: "browser" }, { key: acmeKey, account: "Acme Engineering" })).status).toBe(201);
    expect((await api<Any[]>("GET", "/v1/workspaces", undefined, { key: acmeKey, account: acme.id })).body.map((w) => w.name)).toEqual(["org-ws"]);
    // Resources are invisible across accounts.
    expect((await api<Any[]>("GET", "/v1/workspaces")).body).toEqual([]);
    expect((await api("GET", "/v1/workspaces", undefined, { account: "personal" })).status).toBe(200);
    // The root key is bound to the personal account; the org key to the org.
    const cross = await api("GET", "/v1/workspaces", undefined, { account: "Acme Engineering" });
    expect([cross.status, errCode(cross)]).toEqual([403, "account_forbidden"]);
    const back = await api("GET", "/v1/workspaces", undefined, { key: acmeKey, account: "personal" });
    expect(back.status).toBe(403);
    const unknown = await api("GET", "/v1/workspaces", undefined, { account: "nope" });
    expect([unknown.status, errCode(unknown)]).toEqual([404, "account_not_found"]);
  });

  test("free-plan accounts cannot create workspaces", async () => {
    const free = await local.createAccount("hobby", "free");
    const key = (await local.createKey({ account: free.id })).key;
    const r = await api("POST", "/v1/workspaces", { session_type: "browser" }, { key });
    expect([r.status, errCode(r)]).toEqual([403, "plan_limit"]);
    expect((await api("POST", "/v1/workspaces/import", { github_repo: "o/r" }, { key })).status).toBe(403);
  });

  test("service-account keys: organizations only, owners and admins only; listed, never with the secret", async () => {
    const acme = await local.createAccount("acme");
    const sa = await local.createServiceAccount(acme.id, "deployer");
    const owner = (await local.createKey({ account: acme.id, role: "owner" })).key;
    const member = (await local.createKey({ account: acme.id, role: "member" })).key;
    const admin = (await local.createKey({ account: acme.id, role: "admin" })).key;
    const p = `/v1/accounts/current/service-accounts/${sa.id}/keys`;
    const made = await api("POST", p, { name: "ci", scopes: ["sessions.write"] }, { key: owner });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ key: expect.stringMatching(/^sk_/), service_account: { id: sa.id, name: "deployer" }, scopes: ["sessions.write"] });
    expect((await api("POST", p, { scopes: ["sessions.write"] }, { key: admin })).status).toBe(201);
    const m = await api("POST", p, { scopes: ["sessions.write"] }, { key: member });
    expect([m.status, errCode(m)]).toEqual([403, "account_forbidden"]);
    const personal = await api("POST", p, {});
    expect(personal.status).toBe(403);
    const missing = await api("POST", "/v1/accounts/current/service-accounts/sa_missing/keys", {}, { key: owner });
    expect([missing.status, errCode(missing)]).toEqual([404, "service_account_not_found"]);
    const listed = await api("GET", "/v1/keys", undefined, { key: owner });
    expect(listed.body.keys.map((k: Any) => k.id)).toContain(made.body.id);
    expect(JSON.stringify(listed.body)).not.toContain(made.body.key);
  });
});

describe("workspaces", () => {
  test("names: at most 64 characters, a slug, unique per account case-insensitively, generated when omitted", async () => {
    expect((await ws("a".repeat(64))).status).toBe(201);
    const long = await ws("b".repeat(65));
    expect([long.status, errCode(long)]).toEqual([400, "invalid_request"]);
    expect(long.body.error.message).toMatch(/name.*64/);
    expect((await ws("-starts-with-dash")).status).toBe(400);
    expect((await ws("has space")).status).toBe(400);
    expect((await ws("Project.One_2")).status).toBe(201);
    const dup = await ws("project.one_2");
    expect([dup.status, errCode(dup)]).toEqual([409, "workspace_name_taken"]);
    const gen = await api("POST", "/v1/workspaces", { session_type: "browser" });
    expect(gen.body.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);
  });

  test("WorkspaceInfo carries every documented field; there is no get-one endpoint", async () => {
    const w = (await ws("fields", { image: "ghcr.io/x/y:1", template: true })).body;
    for (const k of ["id", "name", "created_at", "persistence", "session_type", "status", "image", "template", "github_repo", "active_session_id", "last_session_id", "source_workspace_id", "node_endpoint", "assistant_home"]) {
      expect(w).toHaveProperty(k);
    }
    expect(w).toMatchObject({ persistence: true, template: true, image: "ghcr.io/x/y:1" });
    expect((await api("GET", `/v1/workspaces/${w.id}`)).status).toBeGreaterThanOrEqual(404);
    expect((await api("GET", "/v1/workspaces/fields")).status).toBeGreaterThanOrEqual(404);
  });

  test("session_type is required and closed; image only for sandbox", async () => {
    expect(errCode(await api("POST", "/v1/workspaces", { name: "x" }))).toBe("invalid_request");
    expect((await api("POST", "/v1/workspaces", { name: "x", session_type: "vm" })).status).toBe(400);
    const img = await api("POST", "/v1/workspaces", { name: "x", session_type: "browser", image: "img:1" });
    expect([img.status, img.body.error.message]).toEqual([400, expect.stringMatching(/sandbox/)]);
  });

  test("selectors: name (case-insensitive) or id; ambiguity is refused", async () => {
    const a = (await ws("alpha")).body;
    expect((await api("PUT", "/v1/workspaces/ALPHA/template", { template: true })).body.template).toBe(true);
    expect((await api("PUT", `/v1/workspaces/${a.id}/template`, { template: false })).body.template).toBe(false);
    // A workspace named after another's id.
    await ws(a.id);
    const amb = await api("PUT", `/v1/workspaces/${a.id}/template`, { template: true });
    expect([amb.status, errCode(amb)]).toEqual([409, "workspace_name_ambiguous"]);
    const missing = await api("PUT", "/v1/workspaces/nope/template", { template: true });
    expect([missing.status, errCode(missing)]).toEqual([404, "workspace_not_found"]);
  });

  test("rename in place, clear the name, uniqueness applies", async () => {
    const a = (await ws("one")).body;
    await ws("two");
    const r = await api("PUT", `/v1/workspaces/${a.id}/name`, { name: "uno" });
    expect([r.status, r.body.id, r.body.name]).toEqual([200, a.id, "uno"]);
    expect(errCode(await api("PUT", `/v1/workspaces/${a.id}/name`, { name: "TWO" }))).toBe("workspace_name_taken");
    expect((await api("PUT", `/v1/workspaces/${a.id}/name`, { name: null })).body.name).toBeNull();
  });

  test("clone inherits type and image; refused while the source has an active session", async () => {
    await ws("src", { image: "ghcr.io/x/dev:2" });
    const c = await api("POST", "/v1/workspaces", { clone_from: "SRC", name: "copy" });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ session_type: "sandbox", image: "ghcr.io/x/dev:2", source_workspace_id: expect.any(String) });
    const s = await api("POST", "/v1/sessions", { workspace: "src" });
    expect(s.status).toBe(200);
    const busy = await api("POST", "/v1/workspaces", { clone_from: "src", name: "copy2" });
    expect([busy.status, errCode(busy)]).toEqual([409, "workspace_busy"]);
    await api("DELETE", `/v1/sessions/${s.body.id}`);
    expect((await api("POST", "/v1/workspaces", { clone_from: "src", name: "copy2" })).status).toBe(201);
  });

  test("import from GitHub keeps the repository selector", async () => {
    const r = await api("POST", "/v1/workspaces/import", { github_repo: "octo/app", name: "app" });
    expect([r.status, r.body.github_repo, r.body.name]).toEqual([201, "octo/app", "app"]);
    expect((await api("POST", "/v1/workspaces/import", { github_repo: "not-a-repo" })).status).toBe(400);
  });

  test("delete is refused with an attached session unless force, which terminates it", async () => {
    const w = (await ws("busy")).body;
    const s = (await api("POST", "/v1/sessions", { workspace: "busy" })).body;
    const r = await api("DELETE", `/v1/workspaces/${w.id}`);
    expect([r.status, errCode(r)]).toEqual([409, "workspace_busy"]);
    expect((await api("DELETE", `/v1/workspaces/${w.id}?force=true`)).status).toBe(204);
    expect((await api("GET", `/v1/sessions/${s.id}`)).body.status).toBe("terminated");
    expect((await api("DELETE", `/v1/workspaces/${w.id}`)).status).toBe(404);
  });

  test("bulk delete reports each id", async () => {
    const a = (await ws("a")).body;
    const b = (await ws("b")).body;
    await api("POST", "/v1/sessions", { workspace: "b" });
    const r = await api("POST", "/v1/workspaces/bulk-delete", { workspace_ids: [a.id, b.id, "missing"], force: false });
    expect(r.body.deleted).toEqual([a.id]);
    expect(r.body.failed.map((f: Any) => [f.id, f.error.code])).toEqual([[b.id, "workspace_busy"], ["missing", "workspace_not_found"]]);
    expect((await api("POST", "/v1/workspaces/bulk-delete", { workspace_ids: [b.id], force: true })).body.deleted).toEqual([b.id]);
  });
});

describe("sessions", () => {
  test("a workspace-backed session is reused while live; the workspace is locked to its type", async () => {
    await ws("vm");
    const s1 = (await api("POST", "/v1/sessions", { workspace: "vm" })).body;
    const s2 = (await api("POST", "/v1/sessions", { workspace: "vm", session_type: "sandbox" })).body;
    expect(s2.id).toBe(s1.id);
    expect(s1).toMatchObject({ session_type: "sandbox", status: "running", endpoints: { control: expect.any(String) } });
    const locked = await api("POST", "/v1/sessions", { workspace: "vm", session_type: "browser" });
    expect([locked.status, errCode(locked)]).toEqual([409, "workspace_type_locked"]);
    expect((await api("POST", "/v1/sessions", { workspace: "vm", image: "x" })).status).toBe(400);
    expect((await api("DELETE", `/v1/sessions/${s1.id}`)).status).toBe(204);
    const again = await api("DELETE", `/v1/sessions/${s1.id}`);
    expect([again.status, errCode(again)]).toEqual([409, "session_not_open"]);
    expect((await api("GET", "/v1/sessions/nope")).status).toBe(404);
  });
});

describe("snapshots", () => {
  test("create, list, restore, delete; names unique per workspace", async () => {
    const w = (await ws("snap")).body;
    const s = await api("POST", "/v1/workspaces/snap/snapshots", { name: "before" });
    expect(s.status).toBe(201);
    expect(s.body).toMatchObject({ name: "before", workspace_id: w.id, created_at: expect.any(String), size_bytes: expect.any(Number) });
    const dup = await api("POST", `/v1/workspaces/${w.id}/snapshots`, { name: "before" });
    expect([dup.status, errCode(dup)]).toEqual([409, "snapshot_name_taken"]);
    await ws("other");
    expect((await api("POST", "/v1/workspaces/other/snapshots", { name: "before" })).status).toBe(201);
    expect((await api<Any[]>("GET", "/v1/workspaces/snap/snapshots")).body.map((x) => x.name)).toEqual(["before"]);
    expect((await api("POST", "/v1/workspaces/snap/snapshots/before/restore", {})).status).toBe(200);
    expect(errCode(await api("POST", "/v1/workspaces/snap/snapshots/nope/restore", {}))).toBe("snapshot_not_found");
    expect((await api("DELETE", "/v1/workspaces/snap/snapshots/before")).status).toBe(204);
    expect((await api("DELETE", "/v1/workspaces/snap/snapshots/before")).status).toBe(404);
  });

  test("create and restore refused while a session is attached unless force, which terminates it first", async () => {
    await ws("att");
    await api("POST", "/v1/workspaces/att/snapshots", { name: "s0" });
    const sess = (await api("POST", "/v1/sessions", { workspace: "att" })).body;
    const c = await api("POST", "/v1/workspaces/att/snapshots", { name: "s1" });
    expect([c.status, errCode(c)]).toEqual([409, "workspace_busy"]);
    const r = await api("POST", "/v1/workspaces/att/snapshots/s0/restore", {});
    expect([r.status, errCode(r)]).toEqual([409, "workspace_busy"]);
    expect((await api("POST", "/v1/workspaces/att/snapshots/s0/restore", { force: true })).status).toBe(200);
    expect((await api("GET", `/v1/sessions/${sess.id}`)).body.status).toBe("terminated");
    const ws2 = (await api<Any[]>("GET", "/v1/workspaces")).body.find((x) => x.name === "att")!;
    expect(ws2.active_session_id).toBeNull();
    const sess2 = (await api("POST", "/v1/sessions", { workspace: "att" })).body;
    expect((await api("POST", "/v1/workspaces/att/snapshots", { name: "s1", force: true })).status).toBe(201);
    expect((await api("GET", `/v1/sessions/${sess2.id}`)).body.status).toBe("terminated");
  });
});

describe("keys", () => {
  test("the secret is returned once and never listed; revocation is immediate", async () => {
    const k = (await api("POST", "/v1/keys", { name: "ci", scopes: ["sessions.read"] })).body;
    expect(k).toMatchObject({ id: expect.any(String), key: expect.stringMatching(/^sk_/), key_prefix: k.key.slice(0, 10), scopes: ["sessions.read"], full_access: false, name: "ci" });
    const listed = (await api("GET", "/v1/keys")).body.keys;
    const entry = listed.find((x: Any) => x.id === k.id);
    expect(Object.keys(entry).sort()).toEqual(["created_at", "full_access", "id", "key_prefix", "last_used_at", "name", "revoked_at", "scopes"]);
    expect(JSON.stringify(listed)).not.toContain(k.key);
    expect((await api("DELETE", `/v1/keys/${k.id}`)).status).toBe(204);
    expect((await api("GET", "/v1/keys")).body.keys.find((x: Any) => x.id === k.id).revoked_at).toEqual(expect.any(String));
    expect(errCode(await api("DELETE", "/v1/keys/key_missing"))).toBe("key_not_found");
  });
});

describe("errors and request ids", () => {
  test("every answer carries X-Request-Id; errors are {error: {code, message}}", async () => {
    const ok = await fetch(`${local.url}/v1/workspaces`, { headers: { authorization: `Bearer ${local.rootKey}` } });
    expect(ok.headers.get("x-request-id")).toMatch(/^req_/);
    const bad = await fetch(`${local.url}/v1/workspaces`, { method: "POST", headers: { authorization: `Bearer ${local.rootKey}`, "content-type": "application/json" }, body: "{oops" });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("x-request-id")).toMatch(/^req_/);
    expect(await bad.json()).toEqual({ error: { code: "invalid_request", message: expect.any(String) } });
  });
});

describe("test controls", () => {
  test("faults fire for the given count and filter; 429 carries the rate-limit headers", async () => {
    await local.faults([{ kind: "429", method: "GET", path: "^/v1/workspaces$", count: 2, retryAfter: 7 }]);
    const r1 = await fetch(`${local.url}/v1/workspaces`, { headers: { authorization: `Bearer ${local.rootKey}` } });
    expect(r1.status).toBe(429);
    expect(r1.headers.get("retry-after")).toBe("7");
    for (const h of ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-ratelimit-scope"]) expect(r1.headers.get(h)).not.toBeNull();
    expect((await api("GET", "/v1/keys")).status).toBe(200); // path filter
    expect((await api("GET", "/v1/workspaces")).status).toBe(429);
    expect((await api("GET", "/v1/workspaces")).status).toBe(200); // count used up
    const log = await local.requests();
    expect(log.map((r) => [r.path, r.status, r.fault])).toEqual([
      ["/v1/workspaces", 429, "429"], ["/v1/keys", 200, null], ["/v1/workspaces", 429, "429"], ["/v1/workspaces", 200, null],
    ]);
  });

  test("drop applies the write and then gives no answer; reset closes the connection unapplied", async () => {
    await local.faults([{ kind: "drop", method: "POST", count: 1 }]);
    await expect(ws("dropped")).rejects.toThrow();
    expect((await api<Any[]>("GET", "/v1/workspaces")).body.map((w) => w.name)).toEqual(["dropped"]);
    await local.faults([{ kind: "reset", method: "POST", count: 1 }]);
    await expect(ws("reset")).rejects.toThrow();
    expect((await api<Any[]>("GET", "/v1/workspaces")).body.map((w) => w.name)).toEqual(["dropped"]);
    await local.faults([{ kind: "503", count: 1 }]);
    expect((await api("GET", "/v1/workspaces")).status).toBe(503);
  });

  test("latency delays answers; counters count; reset forgets everything but the root key", async () => {
    await local.faults([], 150);
    const t0 = Date.now();
    await api("GET", "/v1/workspaces");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await local.faults([]);
    await ws("x");
    const counters = await local.control<Any>("GET", "/counters");
    expect(counters).toMatchObject({ "GET /v1/workspaces": 1, "POST /v1/workspaces": 1 });
    await local.reset();
    expect((await api<Any[]>("GET", "/v1/workspaces")).body).toEqual([]);
    expect(await local.requests()).toHaveLength(1);
  });
});

describe("durability and the command line", () => {
  const bin = path.resolve(__dirname, "..", "bin", "chaser-local.js");
  const start = (args: string[]): Promise<{ child: ChildProcess; url: string; out: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [bin, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout!.on("data", (d) => {
        out += d;
        const m = /chaser-local listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve({ child, url: m[1], out });
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
    });

  test("a SIGKILL right after acknowledgements loses nothing; the root key is kept", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-local-data-"));
    const key = "sk_durable_root_key_0001";
    const call = (url: string, method: string, p: string, body?: unknown) =>
      fetch(`${url}${p}`, { method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    try {
      const a = await start(["--port", "0", "--data", dir, "--root-key", key]);
      const acked: string[] = [];
      for (let i = 0; i < 20; i++) {
        const r = await call(a.url, "POST", "/v1/workspaces", { name: `w${i}`, session_type: "browser" });
        if (r.status === 201) acked.push(`w${i}`);
      }
      await call(a.url, "POST", "/v1/workspaces/w0/snapshots", { name: "s" });
      const k = (await (await call(a.url, "POST", "/v1/keys", { name: "kept" })).json()) as Any;
      a.child.kill("SIGKILL");
      await new Promise((r) => a.child.once("exit", r));
      const b = await start(["--port", "0", "--data", dir, "--root-key", key]);
      try {
        const names = ((await (await call(b.url, "GET", "/v1/workspaces")).json()) as Any[]).map((w) => w.name);
        expect(names).toEqual(acked);
        expect(((await (await call(b.url, "GET", "/v1/workspaces/w0/snapshots")).json()) as Any[]).map((x) => x.name)).toEqual(["s"]);
        const viaKept = await fetch(`${b.url}/v1/workspaces`, { headers: { authorization: `Bearer ${k.key}` } });
        expect(viaKept.status).toBe(200);
        expect(fs.readFileSync(path.join(dir, "state.json"), "utf8")).not.toContain(k.key); // keys are stored hashed
      } finally {
        b.child.kill("SIGKILL");
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a torn last journal line is ignored at start", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-local-torn-"));
    try {
      const a = await start(["--port", "0", "--data", dir, "--root-key", "sk_torn_root_key_01"]);
      await fetch(`${a.url}/v1/workspaces`, { method: "POST", headers: { authorization: "Bearer sk_torn_root_key_01", "content-type": "application/json" }, body: JSON.stringify({ name: "ok", session_type: "browser" }) });
      a.child.kill("SIGKILL");
      await new Promise((r) => a.child.once("exit", r));
      fs.appendFileSync(path.join(dir, "journal.jsonl"), '[{"c":"workspaces","id":"x","v":{"na');
      const b = await start(["--port", "0", "--data", dir, "--root-key", "sk_torn_root_key_01"]);
      const list = (await (await fetch(`${b.url}/v1/workspaces`, { headers: { authorization: "Bearer sk_torn_root_key_01" } })).json()) as Any[];
      expect(list.map((w) => w.name)).toEqual(["ok"]);
      b.child.kill("SIGKILL");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("prints the generated root key and one listening line; --help lists every flag; bad flags exit 2", async () => {
    const a = await start(["--port", "0"]);
    a.child.kill("SIGTERM");
    const lines = a.out.trim().split("\n");
    expect(lines[0]).toMatch(/^root key: sk_\S+$/);
    expect(lines[1]).toMatch(/^chaser-local listening on http:\/\/127\.0\.0\.1:\d+$/);
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    for (const f of ["--port", "--host", "--data", "--root-key", "--latency", "--fault", "--help"]) expect(help.stdout).toContain(f);
    for (const bad of [["--bogus"], ["--port", "x"], ["--fault", "boom:1"], ["--fault", "500:2"]]) {
      const r = spawnSync(process.execPath, [bin, ...bad], { encoding: "utf8" });
      expect({ bad, status: r.status }).toEqual({ bad, status: 2 });
      expect(r.stderr).toMatch(/chaser-local: /);
    }
    const withFault = await start(["--port", "0", "--root-key", "sk_cli_fault_key_1", "--fault", "503:1:1"]);
    const first = await fetch(`${withFault.url}/v1/workspaces`, { headers: { authorization: "Bearer sk_cli_fault_key_1" } });
    const second = await fetch(`${withFault.url}/v1/workspaces`, { headers: { authorization: "Bearer sk_cli_fault_key_1" } });
    expect([first.status, second.status]).toEqual([503, 200]);
    withFault.child.kill("SIGKILL");
  });
});
