/**
 * chaser-local as a process: the command line (output, flags, exit codes, signals) and durability with --data
 * (SIGKILL right after acknowledgements and at an arbitrary moment, torn and damaged journals, the directory
 * lock). The sources are transpiled once into a temporary directory, so these tests run the current code
 * without a build; one test runs bin/chaser-local.js, which needs the build (`npx tsc -p tsconfig.json`).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { buildCli } from "./support/cli-build";
import { callApi, callControl } from "./support/local";
import { killAll, killProcess, Running, runProcess, startProcess } from "./support/proc";

jest.setTimeout(60_000);

type Any = Record<string, any>;
const ROOT = path.resolve(__dirname, "..");
const KEY = "sk_cli_test_root_key_0001";
let cleanBuild = () => undefined as void;
let cli = "";
const dirs: string[] = [];

beforeAll(() => {
  const built = buildCli();
  cli = built.cli;
  cleanBuild = built.cleanup;
});

afterAll(() => {
  killAll();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  cleanBuild();
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-local-data-"));
  dirs.push(d);
  return d;
}

/** Starts the CLI (or `script`); resolves once it prints its listening line. */
const start = (args: string[], opts: { env?: NodeJS.ProcessEnv; script?: string } = {}): Promise<Running> =>
  startProcess([process.execPath, opts.script ?? cli, ...args], opts.env);
const kill = killProcess;
/** Runs the CLI to completion (for flags that exit at once). */
const run = (args: string[], script = cli) => runProcess([process.execPath, script, ...args]);

/** An API request to the server at `url` (sent once: a fault that cuts the connection rejects). */
const api = (url: string, method: string, p: string, body?: unknown, key = KEY) => callApi(url, method, p, body, { key });
const control = (url: string, method: string, p: string, body?: unknown) => callControl(url, method, p, body);
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

// ---------------------------------------------------------------------------------------------------------------
describe("durability with --data", () => {
  test("a SIGKILL right after the acknowledgements loses nothing; secrets are stored hashed only", async () => {
    const dir = tempDir();
    const a = await start(["--port", "0", "--data", dir, "--root-key", KEY]);
    const u = a.url;
    // Concurrent creates, then one of each kind of write.
    const made = await Promise.all(Array.from({ length: 30 }, (_, i) => api(u, "POST", "/v1/workspaces", { name: `w${i}`, session_type: i % 2 ? "browser" : "sandbox" })));
    expect(made.map((r) => r.status)).toEqual(Array(30).fill(201));
    expect((await api(u, "PUT", "/v1/workspaces/w0/name", { name: "renamed" })).status).toBe(200);
    expect((await api(u, "PUT", "/v1/workspaces/w1/template", { template: true })).status).toBe(200);
    expect((await api(u, "POST", "/v1/workspaces/w2/snapshots", { name: "snap" })).status).toBe(201);
    const sess = await api(u, "POST", "/v1/sessions", { workspace: "w3" });
    expect(sess.status).toBe(200);
    expect((await api(u, "DELETE", "/v1/workspaces/w4")).status).toBe(204);
    expect((await api(u, "POST", "/v1/workspaces/bulk-delete", { workspace_ids: ["w5", "w6"] })).body.deleted).toEqual(["w5", "w6"]);
    expect((await api(u, "POST", "/v1/workspaces", { clone_from: "w2", name: "clone" })).status).toBe(201);
    const kept = await api(u, "POST", "/v1/keys", { name: "kept", scopes: ["workspaces.read"] });
    const revoked = await api(u, "POST", "/v1/keys", { name: "revoked" });
    expect((await api(u, "DELETE", `/v1/keys/${revoked.body.id}`)).status).toBe(204);
    const acme = await control(u, "POST", "/accounts", { name: "acme" });
    const acmeKey = await control(u, "POST", "/keys", { account: acme.id });
    const sa = await control(u, "POST", `/accounts/${acme.id}/service-accounts`, { name: "bot" });
    const saKey = await api(u, "POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, { name: "bot-key" }, acmeKey.key);
    expect(saKey.status).toBe(201);
    const last = await api(u, "POST", "/v1/workspaces", { name: "last", session_type: "browser" }, acmeKey.key);
    expect(last.status).toBe(201);
    await kill(a); // at once, after the last acknowledgement

    // Nothing but hashes on disk.
    const onDisk = fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), "utf8")).join("\n");
    for (const secret of [KEY, kept.body.key, revoked.body.key, acmeKey.key, saKey.body.key]) expect(onDisk).not.toContain(secret);
    for (const secret of [KEY, kept.body.key, acmeKey.key, saKey.body.key]) expect(onDisk).toContain(sha256(secret));

    const b = await start(["--port", "0", "--data", dir, "--root-key", KEY]);
    try {
      const list = (await api(b.url, "GET", "/v1/workspaces")).body as Any[];
      const expected = ["renamed", ...Array.from({ length: 29 }, (_, i) => `w${i + 1}`).filter((n) => !["w4", "w5", "w6"].includes(n)), "clone"];
      expect(list.map((w) => w.name).sort()).toEqual(expected.sort());
      expect(list.find((w) => w.name === "w1")!.template).toBe(true);
      expect(list.find((w) => w.name === "w3")!.active_session_id).toBe(sess.body.id);
      expect(list.find((w) => w.name === "clone")!.source_workspace_id).toBe(list.find((w) => w.name === "w2")!.id);
      expect((await api(b.url, "GET", "/v1/workspaces/w2/snapshots")).body.map((s: Any) => s.name)).toEqual(["snap"]);
      expect((await api(b.url, "GET", `/v1/sessions/${sess.body.id}`)).body.status).toBe("running");
      expect((await api(b.url, "GET", "/v1/workspaces", undefined, kept.body.key)).status).toBe(200);
      expect((await api(b.url, "POST", "/v1/workspaces", { session_type: "browser" }, kept.body.key)).status).toBe(403);
      expect((await api(b.url, "GET", "/v1/workspaces", undefined, revoked.body.key)).status).toBe(401);
      expect((await api(b.url, "GET", "/v1/workspaces", undefined, acmeKey.key)).body.map((w: Any) => w.name)).toEqual(["last"]);
      expect((await api(b.url, "GET", "/v1/workspaces", undefined, saKey.body.key)).status).toBe(200);
      // Compacted at start: the snapshot holds everything, no temporary file is left; the journal holds only what
      // happened since: the audit log's event of the refused POST above (a failure is recorded too).
      const journal = fs.readFileSync(path.join(dir, "journal.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Any[]);
      expect(journal.flat().map((c) => [c.c, c.v?.action, c.v?.status])).toEqual([["auditEvents", "workspace.create", "failure"]]);
      expect(JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")).workspaces).toBeDefined();
      expect(fs.readdirSync(dir).sort()).toEqual(["journal.jsonl", "lock", "state.json"]);
    } finally {
      await kill(b);
    }
  });

  test("a SIGKILL at an arbitrary moment under load loses no acknowledged write", async () => {
    const dir = tempDir();
    const a = await start(["--port", "0", "--data", dir, "--root-key", KEY]);
    const acked: string[] = [];
    let next = 0;
    let killed = false;
    const worker = async () => {
      while (!killed && next < 400) {
        const name = `load-${next++}`;
        try {
          const r = await api(a.url, "POST", "/v1/workspaces", { name, session_type: "browser" });
          if (r.status === 201) acked.push(name);
          if (acked.length >= 60 && !killed) {
            killed = true;
            a.child.kill("SIGKILL"); // while other requests are in flight
          }
        } catch {
          // the connection died with the process: not acknowledged
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await a.exited;
    const b = await start(["--port", "0", "--data", dir, "--root-key", KEY]);
    try {
      const names = new Set(((await api(b.url, "GET", "/v1/workspaces")).body as Any[]).map((w) => w.name));
      for (const n of acked) expect(names).toContain(n);
      expect(names.size).toBeGreaterThanOrEqual(acked.length);
      expect(names.size).toBeLessThanOrEqual(next);
    } finally {
      await kill(b);
    }
  });

  test("drop applies the write durably although no answer arrives", async () => {
    const dir = tempDir();
    const a = await start(["--port", "0", "--data", dir, "--root-key", KEY, "--fault", '{"kind":"drop","method":"POST","path":"^/v1/workspaces$","count":1}']);
    await expect(api(a.url, "POST", "/v1/workspaces", { name: "dropped", session_type: "browser" })).rejects.toThrow();
    await kill(a);
    const b = await start(["--port", "0", "--data", dir, "--root-key", KEY]);
    try {
      expect((await api(b.url, "GET", "/v1/workspaces")).body.map((w: Any) => w.name)).toEqual(["dropped"]);
    } finally {
      await kill(b);
    }
  });

  test("a torn last journal line is ignored; a damaged earlier line refuses the start", async () => {
    const dir = tempDir();
    const a = await start(["--port", "0", "--data", dir, "--root-key", KEY]);
    await api(a.url, "POST", "/v1/workspaces", { name: "ok", session_type: "browser" });
    await kill(a);
    const journal = path.join(dir, "journal.jsonl");
    const good = fs.readFileSync(journal, "utf8");
    fs.appendFileSync(journal, '[{"c":"workspaces","id":"x","v":{"na');
    const b = await start(["--port", "0", "--data", dir, "--root-key", KEY]);
    expect((await api(b.url, "GET", "/v1/workspaces")).body.map((w: Any) => w.name)).toEqual(["ok"]);
    await api(b.url, "POST", "/v1/workspaces", { name: "after", session_type: "browser" });
    await kill(b);
    const c = await start(["--port", "0", "--data", dir, "--root-key", KEY]);
    expect((await api(c.url, "GET", "/v1/workspaces")).body.map((w: Any) => w.name)).toEqual(["ok", "after"]);
    await kill(c);
    // Damage before the last line is not a torn write: refuse rather than drop acknowledged changes.
    fs.writeFileSync(journal, `${good}[{"c":"workspaces"\n${good}`);
    const r = run(["--port", "0", "--data", dir, "--root-key", KEY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/journal\.jsonl: line \d+ \(byte offset \d+\): not valid JSON/);
    expect(r.stderr).toMatch(/--repair/);
  });

  test("a clean stop (SIGTERM, SIGINT) exits 0, keeps everything, and releases the directory", async () => {
    const dir = tempDir();
    const used: Any[] = [];
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      const a = await start(["--port", "0", "--data", dir, "--root-key", KEY]);
      expect((await api(a.url, "POST", "/v1/workspaces", { name: `by-${signal}`, session_type: "browser" })).status).toBe(201);
      const k = (await api(a.url, "POST", "/v1/keys", { name: signal })).body;
      expect((await api(a.url, "GET", "/v1/sessions", undefined, k.key)).status).toBe(200);
      used.push(k);
      expect(await kill(a, signal)).toEqual({ code: 0, signal: null });
      expect(fs.existsSync(path.join(dir, "lock"))).toBe(false);
    }
    const b = await start(["--port", "0", "--data", dir, "--root-key", KEY]);
    try {
      expect((await api(b.url, "GET", "/v1/workspaces")).body.map((w: Any) => w.name)).toEqual(["by-SIGTERM", "by-SIGINT"]);
      // last_used_at is kept in memory only, and written by a clean stop.
      const keys = (await api(b.url, "GET", "/v1/keys")).body.keys as Any[];
      for (const k of used) expect(keys.find((x) => x.id === k.id)?.last_used_at).toEqual(expect.any(String));
    } finally {
      await kill(b);
    }
  });

  test("a second server on the same directory is refused (exit 1) while the first runs", async () => {
    const dir = tempDir();
    const a = await start(["--port", "0", "--data", dir, "--root-key", KEY]);
    const r = run(["--port", "0", "--data", dir, "--root-key", KEY]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/in use by process \d+/);
    expect(r.stdout).toBe("");
    await kill(a);
    const b = await start(["--port", "0", "--data", dir, "--root-key", KEY]); // a dead owner's lock is stale
    await kill(b);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("command line", () => {
  test("a generated root key is printed once, on its own line, with root's session token, before the one listening line", async () => {
    const a = await start(["--port", "0"]);
    await new Promise((r) => setTimeout(r, 100));
    const lines = a.stdout().split("\n").filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^root key: sk_\S{20,}$/);
    expect(lines[1]).toMatch(/^session token: eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(lines[2]).toMatch(/^chaser-local listening on http:\/\/127\.0\.0\.1:\d+$/);
    const key = lines[0].slice("root key: ".length);
    expect((await api(a.url, "GET", "/v1/keys", undefined, key)).body.keys[0]).toMatchObject({ full_access: true, key_prefix: key.slice(0, 10) });
    const token = lines[1].slice("session token: ".length);
    expect((await api(a.url, "GET", "/v1/accounts/current", undefined, token)).body).toMatchObject({ id: "acct_personal_root", role: "owner" });
    await kill(a, "SIGTERM");
  });

  test("session-token prints a user session token for the server's root key (offline); bad input exits 2", async () => {
    const a = await start(["--port", "0", "--root-key", KEY]);
    const org = (await api(a.url, "POST", "/v1/accounts/organizations", { name: "Acme" })).body;
    const r = run(["session-token", "--root-key", KEY]);
    expect(r.status).toBe(0);
    const token = r.stdout.trim();
    expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    // It mints the organization's first key: the session selects any account its user belongs to.
    const made = await fetch(`${a.url}/v1/keys`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "x-chaser-account": "Acme", "content-type": "application/json" },
      body: JSON.stringify({ name: "first" }),
    });
    expect(made.status).toBe(201);
    const key = ((await made.json()) as { key: string }).key;
    expect((await api(a.url, "GET", "/v1/accounts/current", undefined, key)).body).toMatchObject({ id: org.id });
    // Signed for another root key: refused.
    const other = run(["session-token", "--root-key", "sk_another_root_key_000001"]).stdout.trim();
    expect((await api(a.url, "GET", "/v1/workspaces", undefined, other)).status).toBe(401);
    await kill(a);
    expect(run(["session-token"]).status).toBe(2);
    expect(run(["session-token", "--root-key", KEY, "--email", "not an email"]).status).toBe(2);
    expect(run(["session-token", "--root-key", KEY, "--nope"]).status).toBe(2);
  });

  test("--root-key, or CHASER_LOCAL_ROOT_KEY, gives the key: then only the listening line is printed", async () => {
    const a = await start(["--port", "0", "--root-key", KEY]);
    await new Promise((r) => setTimeout(r, 100));
    expect(a.stdout()).toBe(`chaser-local listening on ${a.url}\n`);
    expect((await api(a.url, "GET", "/v1/workspaces")).status).toBe(200);
    await kill(a);
    const b = await start(["--port", "0"], { env: { CHASER_LOCAL_ROOT_KEY: "sk_from_environment_1" } });
    await new Promise((r) => setTimeout(r, 100));
    expect(b.stdout()).toBe(`chaser-local listening on ${b.url}\n`);
    expect((await api(b.url, "GET", "/v1/workspaces", undefined, "sk_from_environment_1")).status).toBe(200);
    await kill(b);
    const c = await start(["--port", "0", "--root-key", KEY], { env: { CHASER_LOCAL_ROOT_KEY: "sk_from_environment_1" } });
    expect((await api(c.url, "GET", "/v1/workspaces")).status).toBe(200);
    expect((await api(c.url, "GET", "/v1/workspaces", undefined, "sk_from_environment_1")).status).toBe(401);
    await kill(c);
  });

  test("--help lists every flag and exits 0", () => {
    const r = run(["--help"]);
    expect(r.status).toBe(0);
    for (const f of ["--port", "--host", "--data", "--root-key", "--latency", "--fault", "--repair", "--version", "--help", "CHASER_LOCAL_ROOT_KEY", "root key: sk_", "chaser-local listening on", "X-Chaser-Local: 1"]) {
      expect(r.stdout).toContain(f);
    }
    expect(run(["-h"]).stdout).toBe(r.stdout);
  });

  test.each([
    [["--bogus"]], [["--port", "x"]], [["--port", "70000"]], [["--port"]], [["--latency", "-1"]], [["--latency=-1"]], [["--latency", "soon"]],
    [["--fault", "boom:1"]], [["--fault", "500:2"]], [["--fault", "500"]], [["--fault", "500:1:x"]], [["--fault", "500:1:2:3"]],
    [["--fault", '{"kind":"500","rate":3}']], [["--fault", '{"kind":"500",']], [["--root-key", "short"]], [["--root-key", "sk_nineteen_chars_x"]],
    [["--root-key", "sk_with a space_in_the_key"]], [["--repair"]], [["positional"]],
  ])("a bad flag %j prints an error on stderr and exits 2", (args) => {
    const r = run(args as string[]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^chaser-local: [\s\S]+\nRun 'chaser-local --help' for the flags\.\n$/);
    expect(r.stdout).toBe("");
  });

  test("--fault and --latency apply from the start", async () => {
    const a = await start(["--port", "0", "--root-key", KEY, "--fault", "503:1:1", "--fault", '{"kind":"429","path":"^/v1/keys$","count":1,"retryAfter":9}', "--latency", "150"]);
    try {
      expect(await control(a.url, "GET", "/faults")).toEqual({ latencyMs: 150, rules: [{ kind: "503", rate: 1, count: 1 }, { kind: "429", path: "^/v1/keys$", count: 1, retryAfter: 9 }] });
      const t0 = Date.now();
      expect((await api(a.url, "GET", "/v1/workspaces")).status).toBe(503);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
      expect((await api(a.url, "GET", "/v1/workspaces")).status).toBe(200);
      const limited = await api(a.url, "GET", "/v1/keys");
      expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "9"]);
      expect((await api(a.url, "GET", "/v1/keys")).status).toBe(200);
    } finally {
      await kill(a);
    }
  });

  test("a port in use is a start failure: exit 1", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = run(["--port", String(port), "--root-key", KEY]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/could not start: .*EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });

  test("bin/chaser-local.js runs the built CLI", async () => {
    const bin = path.join(ROOT, "bin", "chaser-local.js");
    expect(fs.readFileSync(bin, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
    expect(fs.statSync(bin).mode & 0o111).not.toBe(0);
    const built = path.join(ROOT, "dist", "chaser-local", "src", "cli.js");
    if (!fs.existsSync(built)) throw new Error("dist/chaser-local/src/cli.js is missing: run `npx tsc -p tsconfig.json` first");
    const a = await start(["--port", "0", "--root-key", KEY], { script: bin });
    try {
      expect((await api(a.url, "GET", "/v1/workspaces")).status).toBe(200);
    } finally {
      await kill(a, "SIGTERM");
    }
  });
});
