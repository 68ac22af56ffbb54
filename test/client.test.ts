/**
 * The API client against chaser-local with injected faults. Every assertion is about what the server received
 * (its request log) or what a caller sees (results, error messages, log lines).
 */
import { MockAgent } from "undici";
import { ChaserClient } from "../provider/client";
import { ChaserApiError, ChaserConfigError, ConflictError, ForbiddenError, InvalidResponseError } from "../provider/client/errors";
import { setDispatcher } from "../provider/client/transport";
import { Local } from "./support/local";

const local = Local.forSuite();
const fast = { backoffMs: 5, attemptTimeoutMs: 2_000, deadlineMs: 10_000 };
const client = (extra: Record<string, unknown> = {}) => new ChaserClient({ apiUrl: local.url, apiKey: local.rootKey, ...fast, ...extra });


describe("retries happen where they should", () => {
  test("GET is retried on 503 and succeeds", async () => {
    await local.faults([{ kind: "503", method: "GET", path: "^/v1/workspaces$", count: 2 }]);
    await expect(client().workspaces.list()).resolves.toEqual([]);
    expect(await local.count("GET", "/v1/workspaces")).toBe(3);
  });

  test("PUT is retried after a connection reset", async () => {
    const w = await client().workspaces.create({ name: "r1", session_type: "browser" });
    await local.clearRequests();
    await local.faults([{ kind: "reset", method: "PUT", count: 1 }]);
    const renamed = await client().workspaces.rename({ id: w.id }, "r2");
    expect(renamed.name).toBe("r2");
    expect(await local.count("PUT", `/v1/workspaces/${w.id}/name`)).toBe(2);
  });

  test("DELETE is retried on 500", async () => {
    const w = await client().workspaces.create({ name: "d1", session_type: "browser" });
    await local.faults([{ kind: "500", method: "DELETE", count: 1 }]);
    await expect(client().workspaces.delete({ id: w.id })).resolves.toBe(true);
    expect(await local.count("DELETE", `/v1/workspaces/${w.id}`)).toBe(2);
    expect(await local.workspaces()).toEqual([]);
  });

  test("429 is retried for POST too, honouring Retry-After", async () => {
    await local.faults([{ kind: "429", method: "POST", count: 1, retryAfter: 1 }]);
    const t0 = Date.now();
    const w = await client().workspaces.create({ name: "rl", session_type: "sandbox" });
    const elapsed = Date.now() - t0;
    expect(w.name).toBe("rl");
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(await local.calls()).toEqual(["POST /v1/workspaces", "POST /v1/workspaces"]);
  });

  test("a Retry-After longer than the cap is capped", async () => {
    await local.faults([{ kind: "429", method: "GET", count: 1, retryAfter: 3600 }]);
    const t0 = Date.now();
    await client({ maxRetryAfterMs: 100 }).workspaces.list();
    expect(Date.now() - t0).toBeLessThan(3_000);
    expect(await local.count("GET", "/v1/workspaces")).toBe(2);
  });
});

describe("and not elsewhere", () => {
  test("4xx answers are not retried", async () => {
    await client().workspaces.create({ name: "dup", session_type: "browser" });
    await local.clearRequests();
    const err = await client().workspaces.create({ name: "DUP", session_type: "browser" }).catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toMatch(/workspace name 'DUP' is taken .*\(POST \/v1\/workspaces: HTTP 409 workspace_name_taken, request id [^)]+\)$/);
    // The request's facts appear once.
    expect(err.message.match(/HTTP 409/g)).toHaveLength(1);
    expect(await local.calls()).toEqual(["POST /v1/workspaces"]);
  });

  test("a POST that got a 500 is not replayed blindly: the client looks first", async () => {
    await local.faults([{ kind: "500", method: "POST", count: 1 }]);
    const w = await client().workspaces.create({ name: "p500", session_type: "browser" });
    expect(w.name).toBe("p500");
    expect(await local.calls()).toEqual(["POST /v1/workspaces", "GET /v1/workspaces", "POST /v1/workspaces"]);
    expect((await local.workspaces()).map((x) => x.name)).toEqual(["p500"]);
  });

  test("gives up with a clear error when the deadline passes", async () => {
    await local.faults([{ kind: "503", method: "GET" }]);
    const err = await client({ deadlineMs: 400, backoffMs: 50 }).workspaces.list().catch((e) => e);
    expect(err).toBeInstanceOf(ChaserApiError);
    expect(err.status).toBe(503);
    const n = await local.count("GET", "/v1/workspaces");
    expect(n).toBeGreaterThan(1);
    expect(n).toBeLessThan(20);
  });
});

describe("a create whose answer is lost yields exactly one object", () => {
  test("workspace: dropped response, then found by name", async () => {
    await local.faults([{ kind: "drop", method: "POST", path: "^/v1/workspaces$", count: 1 }]);
    const w = await client().workspaces.create({ name: "dropped", session_type: "sandbox" });
    expect(w.name).toBe("dropped");
    expect(await local.calls()).toEqual(["POST /v1/workspaces", "GET /v1/workspaces"]);
    expect((await local.workspaces()).filter((x) => x.name === "dropped")).toHaveLength(1);
  });

  test("imported workspace: dropped response, then found by name", async () => {
    await local.faults([{ kind: "drop", method: "POST", path: "^/v1/workspaces/import$", count: 1 }]);
    const w = await client().workspaces.import({ github_repo: "octo/app", name: "imp" });
    expect(w.github_repo).toBe("octo/app");
    expect(await local.count("POST", "/v1/workspaces/import")).toBe(1);
    expect(await local.workspaces()).toHaveLength(1);
  });

  test("snapshot: dropped response, then found in its workspace", async () => {
    const w = await client().workspaces.create({ name: "snapws", session_type: "sandbox" });
    await local.faults([{ kind: "drop", method: "POST", path: "/snapshots$", count: 1 }]);
    const s = await client().snapshots.create(w.id, { name: "s1" });
    expect(s.name).toBe("s1");
    expect(await local.count("POST", `/v1/workspaces/${w.id}/snapshots`)).toBe(1);
    const list = await local.api<any>("GET", `/v1/workspaces/${w.id}/snapshots`);
    const snaps = Array.isArray(list.body) ? list.body : list.body.snapshots;
    expect(snaps).toHaveLength(1);
  });

  test("API key: the orphan whose secret was lost is revoked; exactly one live key, and it works", async () => {
    await local.faults([{ kind: "drop", method: "POST", path: "^/v1/keys$", count: 1 }]);
    const k = await client().keys.create({ name: "ci", scopes: ["workspaces.read"] });
    const live = (await local.keys()).filter((x) => x.name === "ci" && !x.revoked_at);
    expect(live.map((x) => x.id)).toEqual([k.id]);
    expect(await local.count("POST", "/v1/keys")).toBe(2);
    expect(await local.count("DELETE", /^\/v1\/keys\//)).toBe(1);
    const use = await local.api("GET", "/v1/workspaces", undefined, { key: k.key });
    expect(use.status).toBe(200);
  });

  test("API key: a rotation (same name, old key live) never revokes the old key", async () => {
    const old = await client().keys.create({ name: "rot", scopes: ["workspaces.read"] });
    await local.faults([{ kind: "drop", method: "POST", path: "^/v1/keys$", count: 1 }]);
    const fresh = await client().keys.create({ name: "rot", scopes: ["workspaces.read"] });
    const live = (await local.keys()).filter((x) => x.name === "rot" && !x.revoked_at).map((x) => x.id).sort();
    expect(live).toEqual([old.id, fresh.id].sort());
  });
});

describe("shared listings", () => {
  test("100 concurrent reads of different workspaces through one client make at most a handful of list calls", async () => {
    const c = client();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push((await local.api<any>("POST", "/v1/workspaces", { name: `w${i}`, session_type: "browser" })).body.id);
    await local.clearRequests();
    const found = await Promise.all(ids.map((id) => c.workspaces.find({ id })));
    expect(found.map((w) => w?.id)).toEqual(ids);
    const lists = await local.count("GET", "/v1/workspaces");
    expect(lists).toBeLessThanOrEqual(3);
    // A write forgets the shared listing: the next read sees the change.
    await c.workspaces.rename({ id: ids[0] }, "renamed");
    expect((await c.workspaces.find({ id: ids[0] }))?.name).toBe("renamed");
  });
});

describe("the client's abort signal (the provider passes its lifeline's)", () => {
  test("once aborted: a request in flight and a wait for a retry end at once, nothing is sent again, and nothing more is sent", async () => {
    await local.faults([
      { kind: "delay", ms: 30_000, method: "POST", path: "^/v1/jobs$" },
      { kind: "429", retryAfter: 20, method: "GET", path: "^/v1/workspaces$" },
    ]);
    const stop = new AbortController();
    const c = client({ signal: stop.signal, attemptTimeoutMs: 60_000, deadlineMs: 60_000 });
    const create = c.jobs.create({ kind: "sandbox.exec", input: { workspace: "w", command: "true" }, idempotency_key: "abort-1" }).catch((e: Error) => e);
    const list = c.workspaces.list().catch((e: Error) => e);
    for (let i = 0; i < 200 && (await local.calls()).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    stop.abort(new Error("the Pulumi engine is gone (test): the provider stops"));
    // Within the test's 5 s, though the POST's answer is 30 s away and the GET's retry 20 s.
    const [created, listed] = await Promise.all([create, list]);
    const later = await c.keys.list().catch((e: Error) => e);
    expect([created, listed, later].map((e) => e instanceof ChaserApiError)).toEqual([true, true, true]);
    expect((later as Error).message).toContain("not sent: the Pulumi engine is gone (test): the provider stops");
    await local.faults([]);
    expect((await local.calls()).sort()).toEqual(["GET /v1/workspaces", "POST /v1/jobs"]);
  });
});

describe("configuration and accounts", () => {
  test("sends X-Chaser-Account when an account is set, and the server scopes by it", async () => {
    const acme = await local.createAccount("acme");
    const key = await local.createKey({ account: acme.id });
    const c = new ChaserClient({ apiUrl: local.url, apiKey: key.key, account: "acme", ...fast });
    await c.workspaces.create({ name: "org-ws", session_type: "browser" });
    const reqs = await local.requests();
    expect(reqs.at(-1)?.account).toBe(acme.id);
    expect((await local.workspaces()).map((w) => w.name)).not.toContain("org-ws");
    const inOrg = await local.api<any[]>("GET", "/v1/workspaces", undefined, { key: key.key, account: "acme" });
    expect(inOrg.body.map((w) => w.name)).toEqual(["org-ws"]);
  });

  test("a key used with another account gets a message about account binding", async () => {
    await local.createAccount("other");
    const c = new ChaserClient({ apiUrl: local.url, apiKey: local.rootKey, account: "other", ...fast });
    const err = await c.workspaces.create({ name: "x", session_type: "browser" }).catch((e) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err.status).toBe(403);
    expect(err.message).toMatch(/bound to account/);
  });

  test("refuses plain http to a non-loopback host, saying why", () => {
    expect(() => new ChaserClient({ apiUrl: "http://api.example.com", apiKey: "sk_test_1234567890" })).toThrow(/unencrypted/);
    expect(() => new ChaserClient({ apiUrl: "http://127.0.0.1:9", apiKey: "sk_test_1234567890" })).not.toThrow();
    expect(() => new ChaserClient({ apiUrl: "http://[::1]:9", apiKey: "sk_test_1234567890" })).not.toThrow();
  });

  test("falls back to CHASER_API_URL / CHASER_API_KEY / CHASER_ACCOUNT; a missing key says how to set it", () => {
    const saved = { ...process.env };
    try {
      process.env.CHASER_API_URL = "http://localhost:1";
      process.env.CHASER_API_KEY = "sk_from_env_123456";
      process.env.CHASER_ACCOUNT = "acme";
      const c = new ChaserClient();
      expect(c.config).toMatchObject({ apiUrl: "http://localhost:1", apiKey: "sk_from_env_123456", account: "acme" });
      delete process.env.CHASER_API_KEY;
      expect(() => new ChaserClient()).toThrow(ChaserConfigError);
      expect(() => new ChaserClient()).toThrow(/pulumi config set --secret chaser:apiKey/);
    } finally {
      process.env = saved;
    }
  });
});

describe("the key never appears in errors or logs", () => {
  test("errors and debug lines of failing and succeeding calls", async () => {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: any) => {
      lines.push(String(chunk));
      return true;
    });
    process.env.CHASER_DEBUG = "1";
    const errors: string[] = [];
    try {
      const bad = "sk_wrong_key_0123456789abcdef";
      errors.push(String(await new ChaserClient({ apiUrl: local.url, apiKey: bad, ...fast }).workspaces.list().catch((e) => `${e.message} ${e.stack}`)));
      errors.push(String(await new ChaserClient({ apiUrl: "http://127.0.0.1:1", apiKey: local.rootKey, ...fast, deadlineMs: 300 }).workspaces.list().catch((e) => `${e.message} ${e.stack}`)));
      await local.faults([{ kind: "503", method: "GET", count: 1 }]);
      await client().workspaces.list();
      const k = await client().keys.create({ name: "log", scopes: ["keys.read"] });
      errors.push(String(await new ChaserClient({ apiUrl: local.url, apiKey: k.key, ...fast }).workspaces.create({ name: "n", session_type: "browser" }).catch((e) => e.message)));
      const all = [...errors, ...lines].join("\n");
      expect(lines.length).toBeGreaterThan(3);
      expect(errors[0]).toMatch(/401/);
      expect(errors[2]).toMatch(/scope/);
      for (const secret of [bad, local.rootKey, k.key]) expect(all).not.toContain(secret);
      expect(all).not.toMatch(/Bearer sk_/);
    } finally {
      delete process.env.CHASER_DEBUG;
      spy.mockRestore();
    }
  });
});

describe("tolerant parsing (undici MockAgent)", () => {
  let mock: MockAgent;
  beforeEach(() => {
    mock = new MockAgent();
    mock.disableNetConnect();
    setDispatcher(mock);
  });
  afterEach(async () => {
    setDispatcher(undefined);
    await mock.close();
  });
  const mc = () => new ChaserClient({ apiUrl: "https://api.chaser.test", apiKey: "sk_mock_0123456789", ...fast });

  test("unknown fields are kept, nulls and missing optional fields accepted, status is open", async () => {
    mock.get("https://api.chaser.test").intercept({ path: "/v1/workspaces", method: "GET" }).reply(200, [
      { id: "a", name: "x", created_at: "2026-01-01T00:00:00Z", persistence: true, status: "hibernating", brand_new_field: { nested: 1 } },
      { id: "b", name: null, session_type: null },
    ]);
    const list = await mc().workspaces.list();
    expect(list[0]).toMatchObject({ id: "a", status: "hibernating", brand_new_field: { nested: 1 } });
    expect(list[1].name).toBeNull();
  });

  test("an answer missing what the provider relies on fails with invalid_response", async () => {
    mock.get("https://api.chaser.test").intercept({ path: "/v1/workspaces", method: "POST" }).reply(201, { name: "no-id" });
    const err = await mc().workspaces.create({ name: "no-id", session_type: "browser" }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidResponseError);
    expect(err.code).toBe("invalid_response");
    expect(err.message).toMatch(/id/);
  });

  test("an error body of another shape still gives a readable message", async () => {
    mock.get("https://api.chaser.test").intercept({ path: "/v1/keys", method: "GET" }).reply(403, { detail: "plan does not include keys" }, { headers: { "x-request-id": "req-42" } });
    const err = await mc().keys.list().catch((e) => e);
    expect(err.message).toMatch(/plan does not include keys/);
    expect(err.requestId).toBe("req-42");
    expect(err.message).toMatch(/req-42/);
  });
});
