/**
 * chaser-local's exec and jobs at the HTTP level: `POST /v1/exec`, `POST /v1/sessions/{id}/exec`, jobs
 * (`sandbox.exec`, `pipeline.run`, idempotency keys, durations), the command history and the scripts controls.
 * Nothing runs on the host: results are recorded and scripted.
 */
import { Answer, CallOptions, callApi, Local } from "./support/local";

type Any = Record<string, any>;
const local = Local.forSuite();

const call = (method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<Answer> =>
  callApi(local.url, method, path, body, { ...opts, key: opts.key === undefined ? local.rootKey : opts.key });
const control = <T = any>(method: string, path: string, body?: unknown) => local.control<T>(method, path, body);
const sc = (r: Answer) => [r.status, r.body?.error?.code];
const ws = async (name: string, type = "sandbox"): Promise<Any> => {
  const r = await call("POST", "/v1/workspaces", { name, session_type: type });
  expect(r.status).toBe(201);
  return r.body;
};
const history = async (): Promise<Any[]> => (await control<{ commands: Any[] }>("GET", "/commands")).commands;
const workspaceNamed = async (name: string): Promise<Any> => ((await call("GET", "/v1/workspaces")).body as Any[]).find((w) => w.name === name)!;

test("POST /v1/exec runs nothing on the host: exit 0, empty output, recorded in the workspace's history, with a session spawned and then reused", async () => {
  await ws("box");
  const r = await call("POST", "/v1/exec", { workspace: "box", command: "touch /tmp/chaser-local-must-not-exist", env: { TOKEN: "s3cret-value" }, stdin: "hidden" });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ command: "touch /tmp/chaser-local-must-not-exist", exit_code: 0, output: "", output_truncated: false, background: false, ephemeral: false, status: "completed", workspace: "box" });
  expect(require("node:fs").existsSync("/tmp/chaser-local-must-not-exist")).toBe(false);
  const w = await workspaceNamed("box");
  expect(w.active_session_id).toBe(r.body.session_id);
  const again = await call("POST", "/v1/exec", { workspace: "box", command: "true" });
  expect(again.body.session_id).toBe(r.body.session_id);
  const h = await history();
  expect(h.map((c) => [c.seq, c.command, c.workspace, c.exit_code])).toEqual([[1, "touch /tmp/chaser-local-must-not-exist", "box", 0], [2, "true", "box", 0]]);
  expect(h[0]).toMatchObject({ env_keys: ["TOKEN"], stdin_chars: 6 });
  expect(JSON.stringify(h)).not.toContain("s3cret-value");
  // the attached session now blocks a snapshot without force
  expect(sc(await call("POST", "/v1/workspaces/box/snapshots", { name: "s1" }))).toEqual([409, "workspace_busy"]);
});

test("exec refuses a browser workspace (400 unsupported_session_type), an unknown one (404), an empty command and a timeout out of range (400), and needs exec.write", async () => {
  await ws("web", "browser");
  const refused = await call("POST", "/v1/exec", { workspace: "web", command: "ls" });
  expect(sc(refused)).toEqual([400, "unsupported_session_type"]);
  // The contract's rule: the provider refuses a WorkspaceCommand on it at preview with the same words.
  expect(refused.body.error.message).toBe("workspace: 'web' is a browser workspace; commands run only in sandboxes (session type 'sandbox')");
  expect(sc(await call("POST", "/v1/exec", { workspace: "nope", command: "ls" }))).toEqual([404, "workspace_not_found"]);
  await ws("box");
  expect(sc(await call("POST", "/v1/exec", { workspace: "box", command: "  " }))).toEqual([400, "invalid_request"]);
  expect(sc(await call("POST", "/v1/exec", { workspace: "box", command: "ls", timeout_ms: 3_600_001 }))).toEqual([400, "invalid_request"]);
  const scoped = await control("POST", "/keys", { scopes: ["workspaces.read"] });
  expect(sc(await call("POST", "/v1/exec", { workspace: "box", command: "ls" }, { key: scoped.key }))).toEqual([403, "insufficient_scope"]);
  expect(sc(await call("POST", "/v1/jobs", { kind: "sandbox.exec", input: { workspace: "box", command: "ls" } }, { key: scoped.key }))).toEqual([403, "insufficient_scope"]);
  expect(await history()).toEqual([]);
});

test("POST /v1/sessions/{id}/exec runs on that session; a terminated one is 409 session_not_open; an ephemeral exec spawns and ends its own sandbox", async () => {
  await ws("box");
  const s = (await call("POST", "/v1/sessions", { workspace: "box" })).body;
  const r = await call("POST", `/v1/sessions/${s.id}/exec`, { command: "echo hi", cwd: "/workspace", user: "ubuntu" });
  expect(r.status).toBe(200);
  expect(r.body).toMatchObject({ session_id: s.id, workspace_id: s.workspace_id, exit_code: 0 });
  expect((await history())[0]).toMatchObject({ cwd: "/workspace", user: "ubuntu", via: "session" });
  expect((await call("DELETE", `/v1/sessions/${s.id}`)).status).toBe(204);
  expect(sc(await call("POST", `/v1/sessions/${s.id}/exec`, { command: "echo hi" }))).toEqual([409, "session_not_open"]);
  const e = await call("POST", "/v1/exec", { ephemeral: true, image: "ubuntu:24.04", command: "uname" });
  expect(e.body).toMatchObject({ ephemeral: true, workspace_id: null, exit_code: 0 });
  expect((await call("GET", `/v1/sessions/${e.body.session_id}`)).body.status).toBe("terminated");
});

test("scripts give exit code, output (with {{env.X}} and {{stdin}}), truncation, a count, and a duration that times out", async () => {
  await ws("box");
  await control("PUT", "/exec-scripts", {
    rules: [
      { pattern: "^make test", exitCode: 3, output: "line1\nFAILED: {{env.WHO}} {{stdin}}", count: 1 },
      { pattern: "big", output: "x", truncated: true },
      { pattern: "slow", durationMs: 5_000 },
    ],
  });
  const f = await call("POST", "/v1/exec", { workspace: "box", command: "make test", env: { WHO: "me" }, stdin: "in" });
  expect(f.body).toMatchObject({ exit_code: 3, output: "line1\nFAILED: me in" });
  expect((await call("POST", "/v1/exec", { workspace: "box", command: "make test" })).body.exit_code).toBe(0); // count used up
  expect((await call("POST", "/v1/exec", { workspace: "box", command: "big" })).body.output_truncated).toBe(true);
  expect((await call("POST", "/v1/exec", { workspace: "box", command: "slow", timeout_ms: 100 })).body).toMatchObject({ status: "timed_out", exit_code: null });
  await expect(control("PUT", "/exec-scripts", { rules: [{ pattern: "(" }] })).rejects.toMatchObject({ status: 400 });
  expect((await control("GET", "/exec-scripts")).rules).toHaveLength(2);
  await control("POST", "/reset");
  expect((await control("GET", "/exec-scripts")).rules).toHaveLength(0);
});

test("jobs: sandbox.exec answers the job (201); the same idempotency_key answers it again (200) and runs nothing; GET /v1/jobs/{id}; kinds", async () => {
  await ws("box");
  const body = { kind: "sandbox.exec", input: { workspace: "box", command: "apt-get install -y jq", env: { K: "secret-env" }, stdin: "secret-stdin" }, idempotency_key: "k-1" };
  const a = await call("POST", "/v1/jobs", body);
  expect(a.status).toBe(201);
  expect(a.body).toMatchObject({ kind: "sandbox.exec", status: "succeeded", idempotency_key: "k-1", result: { exit_code: 0, command: "apt-get install -y jq" } });
  expect(JSON.stringify(a.body)).not.toContain("secret-");
  const b = await call("POST", "/v1/jobs", body);
  expect(b.status).toBe(200);
  expect(b.body.id).toBe(a.body.id);
  expect(await history()).toHaveLength(1);
  expect((await call("GET", `/v1/jobs/${a.body.id}`)).body).toEqual(a.body);
  expect(sc(await call("GET", "/v1/jobs/job_nope"))).toEqual([404, "job_not_found"]);
  const kinds = (await call("GET", "/v1/jobs/kinds")).body.kinds as Any[];
  expect(kinds.map((k) => k.kind)).toEqual(["sandbox.exec", "pipeline.run"]);
  expect(kinds[0].input_schema.properties.command).toBeDefined();
  // another account does not see the job, and its key names another job
  const other = await control("POST", "/keys", { account: (await control("POST", "/accounts", { name: "acme" })).id });
  expect(sc(await call("GET", `/v1/jobs/${a.body.id}`, undefined, { key: other.key }))).toEqual([404, "job_not_found"]);
  expect(sc(await call("POST", "/v1/jobs", { kind: "nope", input: {} }))).toEqual([400, "invalid_request"]);
  expect(sc(await call("POST", "/v1/jobs", { kind: "sandbox.exec", input: { workspace: "box", command: "" } }))).toEqual([400, "invalid_request"]);
});

test("a job with a scripted duration answers running, then its result; a failing command fails the job", async () => {
  await ws("box");
  await control("PUT", "/exec-scripts", { rules: [{ pattern: "sleepy", durationMs: 400 }, { pattern: "broken", exitCode: 2, output: "boom" }] });
  const a = await call("POST", "/v1/jobs", { kind: "sandbox.exec", input: { workspace: "box", command: "sleepy" } });
  expect(a.body).toMatchObject({ status: "running", result: null, finished_at: null });
  await new Promise((r) => setTimeout(r, 500));
  expect((await call("GET", `/v1/jobs/${a.body.id}`)).body).toMatchObject({ status: "succeeded", result: { exit_code: 0 } });
  const f = await call("POST", "/v1/jobs", { kind: "sandbox.exec", input: { workspace: "box", command: "broken" } });
  expect(f.body).toMatchObject({ status: "failed", result: { exit_code: 2, output: "boom" } });
});

test("pipeline.run runs its steps in order on one workspace and stops at the first failure", async () => {
  await ws("box");
  await control("PUT", "/exec-scripts", { rules: [{ pattern: "^two$", exitCode: 1 }] });
  const p = await call("POST", "/v1/jobs", { kind: "pipeline.run", input: { workspace: "box", steps: [{ command: "one" }, { command: "two" }, { command: "three" }] } });
  expect(p.status).toBe(201);
  expect(p.body.status).toBe("failed");
  expect((p.body.result as Any[]).map((r) => [r.command, r.exit_code])).toEqual([["one", 0], ["two", 1]]);
  expect((await history()).map((c) => c.command)).toEqual(["one", "two"]);
});

test("history and jobs are durable across a restart on the same data directory", async () => {
  const dir = require("node:fs").mkdtempSync(require("node:path").join(require("node:os").tmpdir(), "chaser-exec-"));
  const { startChaserLocal } = await import("../chaser-local/src/server");
  let srv = await startChaserLocal({ port: 0, dataDir: dir, rootKey: "sk_test_root_key_0123456789" });
  const c = (m: string, p: string, b?: unknown) => callApi(srv.url, m, p, b, { key: srv.rootKey });
  await c("POST", "/v1/workspaces", { name: "box", session_type: "sandbox" });
  const j = await c("POST", "/v1/jobs", { kind: "sandbox.exec", input: { workspace: "box", command: "make" }, idempotency_key: "durable" });
  await srv.close();
  srv = await startChaserLocal({ port: 0, dataDir: dir, rootKey: "sk_test_root_key_0123456789" });
  try {
    const again = await c("POST", "/v1/jobs", { kind: "sandbox.exec", input: { workspace: "box", command: "make" }, idempotency_key: "durable" });
    expect([again.status, again.body.id]).toEqual([200, j.body.id]);
    expect((await callApi(srv.url, "GET", "/_local/commands", undefined, { key: null, headers: { "x-chaser-local": "1" } })).body.commands).toHaveLength(1);
  } finally {
    await srv.close();
  }
});
