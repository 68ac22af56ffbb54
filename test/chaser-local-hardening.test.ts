/**
 * chaser-local as a server people can trust (issue 9): one test per guard, by class (crash and exhaustion,
 * durability with a full disk, kill -9 and corruption, auth, matching, bad input, memory bound, the controls'
 * guard). Each test fails when its guard is removed (docs/chaser-local.md, "Hardening", lists which were tried).
 * Most run against an in-process server; kill -9, real write limits and the lock run the CLI as a process
 * (transpiled from the sources, test/support/cli-build.ts).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ChaserLocal, ChaserLocalOptions, FileIo, startChaserLocal } from "../chaser-local/src/server";
import { LOG_LIMIT, PATH_LIMIT } from "../chaser-local/src/controls";
import { BODY_LIMIT, MAX_DEPTH } from "../chaser-local/src/request";
import { buildCli, ROOT } from "./support/cli-build";
import { Answer, CallOptions, callApi, callControl, controlAnswer } from "./support/local";
import { killAll, killProcess, rawHttp, Running, runProcess, startProcess } from "./support/proc";

jest.setTimeout(60_000);

type Any = Record<string, any>;
const KEY = "sk_hardening_root_key_0001";
let cli = "";
let cleanBuild = () => undefined as void;
const dirs: string[] = [];
const servers: ChaserLocal[] = [];

beforeAll(() => {
  const b = buildCli();
  cli = b.cli;
  cleanBuild = b.cleanup;
});
afterAll(async () => {
  killAll();
  for (const s of servers) await s.close().catch(() => undefined);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  cleanBuild();
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-local-hard-"));
  dirs.push(d);
  return d;
}

async function server(opts: ChaserLocalOptions = {}): Promise<ChaserLocal> {
  const s = await startChaserLocal({ port: 0, rootKey: KEY, ...opts });
  servers.push(s);
  return s;
}

type Res = Answer;
/** An API request to `srv` (sent once: a fault that cuts the connection rejects), with the root key unless `key` says otherwise. */
const call = (srv: { url: string }, method: string, p: string, body?: unknown, opts: CallOptions = {}): Promise<Res> =>
  callApi(srv.url, method, p, body, { ...opts, key: opts.key === undefined ? KEY : opts.key });
const control = (srv: { url: string }, method: string, p: string, body?: unknown) => callControl(srv.url, method, p, body);
const sc = (r: { status: number; body: any }) => [r.status, r.body?.error?.code];
const names = async (srv: { url: string }, key = KEY) => ((await call(srv, "GET", "/v1/workspaces", undefined, { key })).body as Any[]).map((w) => w.name);
const ws = (srv: { url: string }, name: string, key = KEY) => call(srv, "POST", "/v1/workspaces", { name, session_type: "browser" }, { key });
const hostOf = (srv: { url: string }) => new URL(srv.url).host;
const cliArgs = (...args: string[]) => [process.execPath, cli, "--port", "0", "--root-key", KEY, ...args];

/** An HTTP request as text (for rawHttp). */
function req(srv: { url: string }, method: string, target: string, headers: Record<string, string> = {}, body = ""): string {
  const h = { host: hostOf(srv), connection: "close", ...headers };
  return `${method} ${target} HTTP/1.1\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n${body}`;
}

function expectJsonError(a: { status: number; headers: Record<string, string>; body: any }, status: number, code: string) {
  expect([a.status, a.body?.error?.code]).toEqual([status, code]);
  expect(a.body).toEqual({ error: { code, message: expect.any(String) } });
  expect(a.headers["x-request-id"]).toMatch(/^req_\w+$/);
  expect(a.headers["content-type"]).toMatch(/application\/json/);
}

// ===============================================================================================================
describe("crash and exhaustion", () => {
  let srv: ChaserLocal;
  beforeAll(async () => (srv = await server()));

  test("a Content-Length over the limit is 413 payload_too_large at once, before a byte of the body is sent", async () => {
    const a = await rawHttp(srv.url, req(srv, "POST", "/v1/workspaces", { authorization: `Bearer ${KEY}`, "content-length": String(500 * 1024 * 1024) }), 5000);
    expectJsonError(a, 413, "payload_too_large");
    expect(a.headers.connection).toBe("close");
    // Unauthenticated too: the size is refused first, and nothing is read either way.
    const b = await rawHttp(srv.url, req(srv, "POST", "/v1/keys", { "content-length": String(BODY_LIMIT + 1) }), 5000);
    expectJsonError(b, 413, "payload_too_large");
  });

  test("a chunked body is counted while it streams: 413 past 1 MiB, and the connection is not read further", async () => {
    const u = new URL(srv.url);
    const s = net.connect(Number(u.port), u.hostname);
    let answer = "";
    let closed = false;
    s.on("data", (d) => (answer += d));
    s.on("close", () => (closed = true));
    s.on("error", () => undefined);
    s.write(`POST /v1/workspaces HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${KEY}\r\nTransfer-Encoding: chunked\r\n\r\n`);
    const chunk = `10000\r\n${"y".repeat(0x10000)}\r\n`;
    let accepted = 0; // bytes the kernel took from us: what the server read plus socket buffers
    const t0 = Date.now();
    while (!closed && !answer && Date.now() - t0 < 10_000) {
      if (s.write(chunk)) accepted += 0x10000;
      else await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setImmediate(r));
    }
    // The answer arrives while we are still sending; then the server reads nothing more: our writes stall.
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/"code":"payload_too_large"/);
    expect(answer).toMatch(/x-request-id: req_/i);
    const before = accepted;
    for (let i = 0; i < 200 && !closed; i++) {
      if (s.write(chunk)) accepted += 0x10000;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(accepted).toBeLessThan(32 * 1024 * 1024);
    expect(accepted - before).toBeLessThan(16 * 1024 * 1024);
    s.destroy();
    expect(await names(srv)).toEqual([]);
  });

  test("the key is checked before the body is read: 401 without waiting for the body", async () => {
    // The body is announced but never sent: an answer can only come from checks made before reading it.
    const a = await rawHttp(srv.url, req(srv, "POST", "/v1/workspaces", { "content-type": "application/json", "content-length": "1000" }), 3000);
    expectJsonError(a, 401, "unauthorized");
    const scoped = (await call(srv, "POST", "/v1/keys", { scopes: ["workspaces.read"] })).body.key;
    const b = await rawHttp(srv.url, req(srv, "POST", "/v1/workspaces", { authorization: `Bearer ${scoped}`, "content-length": "1000" }), 3000);
    expectJsonError(b, 403, "insufficient_scope");
    const c = await rawHttp(srv.url, req(srv, "POST", "/v1/workspaces", { authorization: `Bearer ${KEY}`, "x-chaser-account": "nope", "transfer-encoding": "chunked" }), 3000);
    expectJsonError(c, 404, "account_not_found");
  });

  test("Expect: 100-continue: the checks run before the client is told to send its body", async () => {
    const u = new URL(srv.url);
    const talk = (head: string, body?: string) =>
      new Promise<string>((resolve) => {
        const s = net.connect(Number(u.port), u.hostname);
        let got = "";
        s.on("data", (d) => {
          got += d;
          if (body !== undefined && got.startsWith("HTTP/1.1 100")) {
            s.write(body);
            body = undefined;
          }
          if (/\r\n\r\n[\s\S]*\}$/.test(got.replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, ""))) s.end();
        });
        s.on("close", () => resolve(got));
        s.write(head);
      });
    const big = await talk(`POST /v1/workspaces HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${KEY}\r\nExpect: 100-continue\r\nContent-Length: ${2 * BODY_LIMIT}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 413 [^]*payload_too_large/); // no 100 Continue: the body is never sent
    const anon = await talk(`POST /v1/workspaces HTTP/1.1\r\nHost: ${u.host}\r\nExpect: 100-continue\r\nContent-Length: 40\r\n\r\n`);
    expect(anon).toMatch(/^HTTP\/1\.1 401 /);
    const body = '{"name":"continued","session_type":"browser"}';
    const ok = await talk(`POST /v1/workspaces HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: ${body.length}\r\n\r\n`, body);
    expect(ok).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
    expect(await names(srv)).toEqual(["continued"]);
    await call(srv, "DELETE", "/v1/workspaces/continued");
  });

  test(`JSON nested deeper than ${MAX_DEPTH} levels is 400 (checked before JSON.parse), and the server goes on`, async () => {
    const deep = `{"name":${"[".repeat(200_000)}${"]".repeat(200_000)}}`;
    const r = await call(srv, "POST", "/v1/workspaces", undefined, { raw: deep });
    expect(sc(r)).toEqual([400, "invalid_request"]);
    expect(r.body.error.message).toMatch(/nests .* deeper than 32/);
    const obj = `${'{"a":'.repeat(MAX_DEPTH + 1)}1${"}".repeat(MAX_DEPTH + 1)}`;
    expect(sc(await call(srv, "PUT", "/_local/faults", undefined, { raw: obj, headers: { "x-chaser-local": "1" } }))).toEqual([400, "invalid_request"]);
    expect((await ws(srv, "alive")).status).toBe(201);
    await call(srv, "DELETE", "/v1/workspaces/alive");
  });

  test("oversized headers are 431 header_too_large with the JSON body and a request id", async () => {
    const a = await rawHttp(srv.url, req(srv, "GET", "/v1/workspaces", { authorization: `Bearer ${KEY}`, "x-big": "b".repeat(20_000) }));
    expectJsonError(a, 431, "header_too_large");
  });

  test("what Node cannot parse as HTTP is a JSON 400 with a request id", async () => {
    for (const bad of ["GARBAGE\r\n\r\n", "GET /v1/workspaces HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "BREW /v1/workspaces HTTP/1.1\r\n\r\n"]) {
      expectJsonError(await rawHttp(srv.url, bad), 400, "invalid_request");
    }
  });
});

// ===============================================================================================================
describe("durability: disk full, kill -9, corruption, upgrade, lock", () => {
  /** A FileIo whose journal writes fail on demand, like a full disk: half the bytes written, then ENOSPC. */
  function failingIo() {
    const ctl = { fail: undefined as undefined | "write" | "fsync" | "write+truncate", journalFd: -1 };
    const enospc = () => Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    const io: Partial<FileIo> = {
      openSync: (f, flags) => {
        const fd = fs.openSync(f, flags);
        if (f.endsWith("journal.jsonl")) ctl.journalFd = fd;
        return fd;
      },
      writeSync: (fd, buf, off, len) => {
        if (fd === ctl.journalFd && (ctl.fail === "write" || ctl.fail === "write+truncate")) {
          if (len > 1) return fs.writeSync(fd, buf, off, Math.floor(len / 2)); // a short write; the next call fails
          throw enospc();
        }
        return fs.writeSync(fd, buf, off, len);
      },
      fsyncSync: (fd) => {
        if (fd === ctl.journalFd && ctl.fail === "fsync") throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
        fs.fsyncSync(fd);
      },
      ftruncateSync: (fd, len) => {
        if (fd === ctl.journalFd && ctl.fail === "write+truncate") throw Object.assign(new Error("EIO: i/o error, ftruncate"), { code: "EIO" });
        fs.ftruncateSync(fd, len);
      },
    };
    return { ctl, io };
  }
  const journalOf = (dir: string) => fs.readFileSync(path.join(dir, "journal.jsonl"), "utf8");

  /** The files of a data directory, copied (to start on them as a killed server would have left them). */
  function copyData(dir: string): string {
    const to = tempDir();
    for (const f of ["state.json", "journal.jsonl"]) if (fs.existsSync(path.join(dir, f))) fs.copyFileSync(path.join(dir, f), path.join(to, f));
    return to;
  }

  test("a failed journal write (a short write, then ENOSPC) is 503 storage_unavailable and leaves nothing in memory or on disk", async () => {
    const dir = tempDir();
    const { ctl, io } = failingIo();
    const srv = await server({ dataDir: dir, fileIo: io });
    expect((await ws(srv, "before")).status).toBe(201);
    const onDisk = journalOf(dir);
    ctl.fail = "write";
    const r = await ws(srv, "refused");
    expect(sc(r)).toEqual([503, "storage_unavailable"]);
    expect(r.body.error.message).toMatch(/ENOSPC.*nothing was changed/);
    // A multi-record change too (a delete with snapshots): all or nothing.
    ctl.fail = undefined;
    expect((await call(srv, "POST", "/v1/workspaces/before/snapshots", { name: "s1" })).status).toBe(201);
    const onDisk2 = journalOf(dir);
    ctl.fail = "write";
    expect(sc(await call(srv, "DELETE", "/v1/workspaces/before"))).toEqual([503, "storage_unavailable"]);
    expect(journalOf(dir)).toBe(onDisk2); // the torn half line was cut off
    expect(onDisk2.startsWith(onDisk)).toBe(true);
    expect(await names(srv)).toEqual(["before"]); // and undone in memory
    expect((await call(srv, "GET", "/v1/workspaces/before/snapshots")).body.map((s: Any) => s.name)).toEqual(["s1"]);
    // Once there is room again, writes go on after the last good line; a restart sees exactly what was acknowledged.
    ctl.fail = undefined;
    expect((await ws(srv, "after")).status).toBe(201);
    const copy = copyData(dir); // as a kill -9 would leave it
    const again = await server({ dataDir: copy });
    expect(await names(again)).toEqual(["before", "after"]);
    expect(again.notes).toEqual([]);
  });

  test("a failed fsync is 503 and leaves nothing either", async () => {
    const dir = tempDir();
    const { ctl, io } = failingIo();
    const srv = await server({ dataDir: dir, fileIo: io });
    const onDisk = journalOf(dir);
    ctl.fail = "fsync";
    expect(sc(await ws(srv, "unsynced"))).toEqual([503, "storage_unavailable"]);
    expect(journalOf(dir)).toBe(onDisk);
    expect(await names(srv)).toEqual([]);
  });

  test("when a failed write cannot even be cut back, every later write is refused until a restart (nothing follows torn bytes)", async () => {
    const dir = tempDir();
    const { ctl, io } = failingIo();
    const srv = await server({ dataDir: dir, fileIo: io });
    expect((await ws(srv, "kept")).status).toBe(201);
    ctl.fail = "write+truncate";
    expect(sc(await ws(srv, "torn"))).toEqual([503, "storage_unavailable"]);
    ctl.fail = undefined; // the disk is fine again, but the journal ends in torn bytes
    const later = await ws(srv, "later");
    expect(sc(later)).toEqual([503, "storage_unavailable"]);
    expect(later.body.error.message).toMatch(/restart/i);
    expect(await names(srv)).toEqual(["kept"]); // reads go on
    const copy = copyData(dir); // what a kill -9 leaves: the torn bytes are the last ones
    expect(journalOf(copy).endsWith("\n")).toBe(false);
    const again = await server({ dataDir: copy });
    expect(await names(again)).toEqual(["kept"]);
    expect(again.notes.join("\n")).toMatch(/cut off an unfinished last write/);
  });

  test("a real kernel write limit (RLIMIT_FSIZE: a short write, then EFBIG): acknowledged writes survive kill -9, refused ones are absent", async () => {
    const dir = tempDir();
    // 64 blocks of 512 bytes for any file this process writes; SIGXFSZ ignored so writes fail instead of killing.
    const sh = `trap '' XFSZ; ulimit -f 64; exec "${process.execPath}" "${cli}" --port 0 --root-key ${KEY} --data "${dir}"`;
    const a = await startProcess(["/bin/sh", "-c", sh]);
    const acked: string[] = [];
    const refused: string[] = [];
    for (let i = 0; i < 400 && refused.length < 5; i++) {
      const r = await ws(a, `w${i}`);
      if (r.status === 201) acked.push(`w${i}`);
      else {
        expect(sc(r)).toEqual([503, "storage_unavailable"]);
        refused.push(`w${i}`);
      }
    }
    expect(acked.length).toBeGreaterThan(20);
    expect(refused.length).toBe(5);
    expect((await names(a)).length).toBe(acked.length); // memory holds exactly the acknowledged ones
    await killProcess(a);
    const b = await startProcess(cliArgs("--data", dir));
    try {
      expect(await names(b)).toEqual(acked);
    } finally {
      await killProcess(b);
    }
  });

  const canMount = process.platform === "linux" && process.getuid?.() === 0 && (() => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-local-mnt-"));
    const ok = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", d]).status === 0;
    if (ok) spawnSync("umount", [d]);
    fs.rmdirSync(d);
    return ok;
  })();
  (canMount ? test : test.skip)("a real full disk (a 64 KiB tmpfs, ENOSPC): 503, nothing lost after kill -9, and a start on the full disk works", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-local-full-"));
    expect(spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]).status).toBe(0);
    try {
      const a = await startProcess(cliArgs("--data", dir));
      const acked: string[] = [];
      let refused = 0;
      for (let i = 0; i < 1000 && refused < 5; i++) {
        const r = await ws(a, `w${i}`);
        if (r.status === 201) acked.push(`w${i}`);
        else {
          expect(sc(r)).toEqual([503, "storage_unavailable"]);
          expect(r.body.error.message).toMatch(/ENOSPC/);
          refused++;
        }
      }
      expect(refused).toBe(5);
      await killProcess(a);
      // The disk is still full: the start cannot compact, says so, and serves everything acknowledged.
      const b = await startProcess(cliArgs("--data", dir));
      try {
        expect(b.stderr()).toMatch(/could not compact/);
        expect(await names(b)).toEqual(acked);
        expect(sc(await ws(b, "still-full"))).toEqual([503, "storage_unavailable"]);
      } finally {
        await killProcess(b);
      }
    } finally {
      spawnSync("umount", [dir]);
      fs.rmdirSync(dir);
    }
  });

  test("kill -9 at an arbitrary moment under concurrent writes loses no acknowledged write", async () => {
    const dir = tempDir();
    const a = await startProcess(cliArgs("--data", dir));
    const acked: string[] = [];
    let next = 0;
    let killed = false;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (!killed && next < 300) {
          const name = `k${next++}`;
          try {
            if ((await ws(a, name)).status === 201) acked.push(name);
            if (acked.length >= 40 && !killed) {
              killed = true;
              a.child.kill("SIGKILL");
            }
          } catch {
            // died with the process: not acknowledged
          }
        }
      }),
    );
    await a.exited;
    const b = await startProcess(cliArgs("--data", dir));
    try {
      const have = new Set(await names(b));
      for (const n of acked) expect(have).toContain(n);
    } finally {
      await killProcess(b);
    }
  });

  /** A data directory with a few acknowledged changes over several journal lines (never compacted). */
  async function journaled(): Promise<{ dir: string; lines: string[] }> {
    const dir = tempDir();
    const a = await startProcess(cliArgs("--data", dir));
    for (const n of ["one", "two", "three", "four"]) expect((await ws(a, n)).status).toBe(201);
    await killProcess(a);
    return { dir, lines: journalOf(dir).split("\n").filter(Boolean) };
  }

  test("a damaged line in the middle of the journal refuses the start with the file, line, byte offset and what to do", async () => {
    const { dir, lines } = await journaled();
    const damaged = [...lines];
    damaged[2] = damaged[2].replace("[{", "[{#");
    fs.writeFileSync(path.join(dir, "journal.jsonl"), damaged.join("\n") + "\n");
    const before = fs.readFileSync(path.join(dir, "journal.jsonl"));
    const offset = Buffer.byteLength(lines.slice(0, 2).join("\n") + "\n");
    const r = runProcess(cliArgs("--data", dir));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${path.join(dir, "journal.jsonl")}: line 3 (byte offset ${offset}): not valid JSON`);
    expect(r.stderr).toMatch(/--repair/);
    expect(r.stdout).toBe("");
    expect(fs.readFileSync(path.join(dir, "journal.jsonl")).equals(before)).toBe(true); // never truncated
    // The option form refuses the same way.
    await expect(startChaserLocal({ port: 0, rootKey: KEY, dataDir: dir })).rejects.toThrow(/line 3 \(byte offset \d+\)/);
  });

  test.each([
    ["a change that is not a list", '{"c":"workspaces","id":"x"}', /line 3 .*: not a list of changes/],
    ["a record of the wrong shape", '[{"c":"workspaces","id":"x","v":{"id":"x","name":5}}]', /line 3 .*: change 1: workspaces record 'x' is ill-shaped \(accountId: /],
    ["an unknown collection", '[{"c":"widgets","id":"x","v":{}}]', /line 3 .*: change 1 is not \{c: COLLECTION, id, v\?\}/],
    ["a record under another id", '[{"c":"users","id":"u1","v":{"id":"u2","name":"x","personalAccountId":"a"}}]', /carries another id/],
  ])("an ill-shaped journal record (%s) refuses the start naming it, never 'is not iterable'", async (_what, line, message) => {
    const { dir, lines } = await journaled();
    fs.writeFileSync(path.join(dir, "journal.jsonl"), [...lines.slice(0, 2), line, ...lines.slice(2)].join("\n") + "\n");
    const r = runProcess(cliArgs("--data", dir));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/iterable|Cannot read/);
  });

  test("a damaged or ill-shaped state.json refuses the start with the file and byte offset", async () => {
    const { dir } = await journaled();
    const b = await startProcess(cliArgs("--data", dir)); // compacts everything into state.json
    await killProcess(b, "SIGTERM");
    const file = path.join(dir, "state.json");
    const good = fs.readFileSync(file, "utf8");
    const at = good.indexOf('"workspaces":') + '"workspaces":'.length;
    fs.writeFileSync(file, `${good.slice(0, at)}#${good.slice(at)}`);
    let r = runProcess(cliArgs("--data", dir));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${file}: byte offset ${at}: not valid JSON`);
    fs.writeFileSync(file, good.slice(0, 100)); // cut short
    r = runProcess(cliArgs("--data", dir));
    expect(r.stderr).toContain(`${file}: byte offset 100: not valid JSON`);
    const snap = JSON.parse(good);
    const wsId = Object.keys(snap.workspaces)[1];
    snap.workspaces[wsId].template = "yes";
    fs.writeFileSync(file, JSON.stringify(snap));
    r = runProcess(cliArgs("--data", dir));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`byte offset \\d+ \\(workspaces '${wsId}'\\): workspaces record '${wsId}' is ill-shaped \\(template: `));
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(good), keys: [] }));
    expect(runProcess(cliArgs("--data", dir)).stderr).toMatch(/keys is not an object of records/);
  });

  test("--repair keeps every intact record, before and after the damage, and copies the damaged files aside", async () => {
    const { dir, lines } = await journaled();
    // Damage a line in the journal, and one record of state.json.
    fs.writeFileSync(path.join(dir, "journal.jsonl"), [...lines.slice(0, 2), "[{oops", ...lines.slice(2)].join("\n") + "\n");
    const a = await startProcess(cliArgs("--data", dir, "--repair"));
    try {
      expect(a.stderr()).toMatch(/repair: .*journal\.jsonl: line 3 \(byte offset \d+\): not valid JSON.*dropped/);
      expect(a.stderr()).toMatch(/the damaged file is kept as .*journal\.jsonl\.damaged-/);
      expect(await names(a)).toEqual(["one", "two", "three", "four"]);
    } finally {
      await killProcess(a);
    }
    const aside = fs.readdirSync(dir).filter((f) => f.startsWith("journal.jsonl.damaged-"));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, aside[0]), "utf8")).toContain("[{oops");
    // Repaired: a plain start works and keeps everything.
    const b = await startProcess(cliArgs("--data", dir));
    expect(await names(b)).toEqual(["one", "two", "three", "four"]);
    await killProcess(b, "SIGTERM");
    // An ill-shaped record of state.json: only that record is dropped.
    const file = path.join(dir, "state.json");
    const snap = JSON.parse(fs.readFileSync(file, "utf8"));
    const bad = Object.values(snap.workspaces as Record<string, Any>).find((w) => w.name === "two")!;
    bad.session_type = 7;
    fs.writeFileSync(file, JSON.stringify(snap));
    expect(runProcess(cliArgs("--data", dir)).status).toBe(1);
    const c = await server({ dataDir: dir, repair: true });
    expect(await names(c)).toEqual(["one", "three", "four"]);
    expect(c.movedAside).toEqual([expect.stringMatching(/state\.json\.damaged-/)]);
    expect(c.notes.join("\n")).toMatch(/workspaces record '.*' is ill-shaped \(session_type: .*dropped/);
  });

  test("data written by release 0.1.0 (test/upgrade/0.1.0/chaser-local) still loads, with defaults for what is new", async () => {
    const dir = tempDir();
    for (const f of ["state.json", "journal.jsonl"]) fs.copyFileSync(path.join(ROOT, "test", "upgrade", "0.1.0", "chaser-local", f), path.join(dir, f));
    const fixture = JSON.parse(fs.readFileSync(path.join(ROOT, "test", "upgrade", "0.1.0", "fixture.json"), "utf8"));
    const srv = await server({ dataDir: dir, rootKey: fixture.rootKey });
    const key = fixture.rootKey as string;
    expect(srv.notes).toEqual([]);
    const listed = (await call(srv, "GET", "/v1/workspaces", undefined, { key })).body as Any[];
    expect(listed.map((w) => w.name).sort()).toEqual(["auto-38098e3", "clone-f6a7a97", "own-3fe14da", "repo-57eb513", "up-base"].sort());
    expect((await call(srv, "GET", "/v1/keys", undefined, { key })).body.keys.map((k: Any) => k.id)).toContain("key_root");
    const current = await call(srv, "GET", "/v1/accounts/current", undefined, { key });
    expect(current.body).toEqual({ id: "acct_personal_root", name: "root", kind: "personal", role: "owner", created_at: expect.any(String) });
    const members = await call(srv, "GET", "/v1/accounts/current/members", undefined, { key });
    expect(members.body).toEqual([{ user_id: "user_root", email: "root@chaser.local", role: "owner", created_at: current.body.created_at }]);
    expect((await call(srv, "GET", "/v1/ssh-keys", undefined, { key })).body).toEqual([]);
    expect((await call(srv, "POST", "/v1/workspaces", { name: "after-upgrade", session_type: "browser" }, { key })).status).toBe(201);
  });

  test("one server per data directory: a second is refused, also when several start at the same instant", async () => {
    const dir = tempDir();
    const first = await server({ dataDir: dir });
    await expect(startChaserLocal({ port: 0, rootKey: KEY, dataDir: dir })).rejects.toThrow(/in use by this process/);
    const byPath = path.join(dir, ".", "..", path.basename(dir)); // another path to the same directory
    await expect(startChaserLocal({ port: 0, rootKey: KEY, dataDir: byPath })).rejects.toThrow(/in use/);
    await first.close();
    for (let round = 0; round < 3; round++) {
      const shared = tempDir();
      const runs = await Promise.allSettled(Array.from({ length: 3 }, () => startProcess(cliArgs("--data", shared))));
      const up = runs.filter((r): r is PromiseFulfilledResult<Running> => r.status === "fulfilled");
      const down = runs.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect({ round, up: up.length }).toEqual({ round, up: 1 });
      for (const d of down) expect(String(d.reason)).toMatch(/exited \(1\).*in use by/s);
      await killProcess(up[0].value);
      // A killed owner leaves no lock behind: the next start works at once.
      const next = await startProcess(cliArgs("--data", shared));
      await killProcess(next);
    }
  });
});

// ===============================================================================================================
describe("auth", () => {
  let srv: ChaserLocal;
  beforeAll(async () => (srv = await server()));
  beforeEach(() => control(srv, "POST", "/reset"));
  const keyIds = async (key = KEY) => ((await call(srv, "GET", "/v1/keys", undefined, { key })).body.keys as Any[]).map((k) => k.id);
  const del = (id: string, key: string) => call(srv, "DELETE", `/v1/keys/${id}`, undefined, { key });
  const acme = async () => {
    const a = await control(srv, "POST", "/accounts", { name: "acme" });
    const owner = await control(srv, "POST", "/keys", { account: a.id });
    const admin = await control(srv, "POST", "/keys", { account: a.id, role: "admin" });
    const member = await control(srv, "POST", "/keys", { account: a.id, role: "member" });
    const member2 = await control(srv, "POST", "/keys", { account: a.id, role: "member" });
    const sa = await control(srv, "POST", `/accounts/${a.id}/service-accounts`, { name: "bot" });
    const saKey = (await call(srv, "POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, { scopes: ["keys.write", "keys.read"] }, { key: owner.key })).body;
    return { a, owner, admin, member, member2, sa, saKey };
  };

  test("a restart with another root key replaces it: the old one stops working, key_root is listed once, and revoking it stops the current one", async () => {
    const dir = tempDir();
    const first = await server({ dataDir: dir, rootKey: "sk_first_root_key_00000001" });
    await first.close();
    const second = await server({ dataDir: dir, rootKey: "sk_second_root_key_0000002" });
    expect(sc(await call(second, "GET", "/v1/keys", undefined, { key: "sk_first_root_key_00000001" }))).toEqual([401, "unauthorized"]);
    const keys = (await call(second, "GET", "/v1/keys", undefined, { key: "sk_second_root_key_0000002" })).body.keys as Any[];
    expect(keys.map((k) => [k.id, k.key_prefix])).toEqual([["key_root", "sk_second_"]]);
    expect((await call(second, "DELETE", "/v1/keys/key_root", undefined, { key: "sk_second_root_key_0000002" })).status).toBe(204);
    expect(sc(await call(second, "GET", "/v1/keys", undefined, { key: "sk_second_root_key_0000002" }))).toEqual([401, "unauthorized"]);
    await second.close();
    // Revoked stays revoked across a restart with the same key.
    const third = await server({ dataDir: dir, rootKey: "sk_second_root_key_0000002" });
    expect(sc(await call(third, "GET", "/v1/keys", undefined, { key: "sk_second_root_key_0000002" }))).toEqual([401, "unauthorized"]);
  });

  test("a member-role key revokes only its own user's keys (403 role_forbidden for the owner's, another member's, a service account's)", async () => {
    const o = await acme();
    const own = (await call(srv, "POST", "/v1/keys", { name: "mine" }, { key: o.member.key })).body;
    for (const target of [o.owner.id, o.admin.id, o.member2.id, o.saKey.id]) {
      const r = await del(target, o.member.key);
      expect({ target, sc: sc(r) }).toEqual({ target, sc: [403, "role_forbidden"] });
    }
    expect((await call(srv, "GET", "/v1/workspaces", undefined, { key: o.owner.key })).status).toBe(200); // still valid
    expect((await del(own.id, o.member.key)).status).toBe(204);
    expect((await del(o.member.id, o.member.key)).status).toBe(204); // its own key, itself included
    expect(sc(await call(srv, "GET", "/v1/keys", undefined, { key: o.member.key }))).toEqual([401, "unauthorized"]);
  });

  test("owners and admins revoke any key of the account", async () => {
    const o = await acme();
    expect((await del(o.member.id, o.admin.key)).status).toBe(204);
    expect((await del(o.saKey.id, o.admin.key)).status).toBe(204);
    expect((await del(o.admin.id, o.owner.key)).status).toBe(204);
    expect((await del(o.member2.id, o.owner.key)).status).toBe(204);
  });

  test("service-account keys: managed by owners and admins; a service-account key revokes only keys of its own service account", async () => {
    const o = await acme();
    const sibling = (await call(srv, "POST", "/v1/keys", { scopes: ["keys.read"] }, { key: o.saKey.key })).body; // belongs to the same SA
    const other = await control(srv, "POST", `/accounts/${o.a.id}/service-accounts`, { name: "other" });
    const otherKey = (await call(srv, "POST", `/v1/accounts/current/service-accounts/${other.id}/keys`, { scopes: ["keys.read"] }, { key: o.owner.key })).body;
    expect(sc(await del(otherKey.id, o.saKey.key))).toEqual([403, "role_forbidden"]);
    expect(sc(await del(o.member.id, o.saKey.key))).toEqual([403, "role_forbidden"]);
    expect(sc(await del(otherKey.id, o.member.key))).toEqual([403, "role_forbidden"]);
    expect((await del(sibling.id, o.saKey.key)).status).toBe(204);
    expect((await del(otherKey.id, o.admin.key)).status).toBe(204);
  });

  test("a scoped key revokes only keys whose scopes it holds; a full-access key only with a full-access key", async () => {
    const writer = (await call(srv, "POST", "/v1/keys", { scopes: ["keys.write"] })).body;
    const full = (await call(srv, "POST", "/v1/keys", { name: "full" })).body;
    const wider = (await call(srv, "POST", "/v1/keys", { scopes: ["keys.write", "workspaces.write"] })).body;
    const narrow = (await call(srv, "POST", "/v1/keys", { scopes: ["keys.write"] })).body;
    const r = await del(full.id, writer.key);
    expect(sc(r)).toEqual([403, "insufficient_scope"]);
    expect(r.body.error.message).toMatch(/full-access key/);
    expect(sc(await del("key_root", writer.key))).toEqual([403, "insufficient_scope"]);
    const w = await del(wider.id, writer.key);
    expect(sc(w)).toEqual([403, "insufficient_scope"]);
    expect(w.body.error.message).toContain("workspaces.write");
    expect((await del(narrow.id, writer.key)).status).toBe(204);
    expect((await del(full.id, KEY)).status).toBe(204);
    const listed = (await call(srv, "GET", "/v1/keys")).body.keys as Any[];
    expect(listed.find((k) => k.id === wider.id)!.revoked_at).toBeNull();
    expect(listed.find((k) => k.id === narrow.id)!.revoked_at).toEqual(expect.any(String));
  });

  test("root keys shorter than 20 characters are refused (option and CLI); key_prefix is never more than half a key", async () => {
    await expect(startChaserLocal({ port: 0, rootKey: "sk_short_key_1234" })).rejects.toThrow(/at least 20 characters/);
    await expect(startChaserLocal({ port: 0, rootKey: "sk_has a_space_in_it_0001" })).rejects.toThrow(/visible ASCII/);
    const r = runProcess([process.execPath, cli, "--root-key", "sk_0123456789abcdef"]);
    expect([r.status, r.stderr]).toEqual([2, expect.stringMatching(/--root-key must be at least 20 characters \(got 19\)/)]);
    const s = await server({ rootKey: "k".repeat(20) });
    expect((await call(s, "GET", "/v1/keys", undefined, { key: "k".repeat(20) })).body.keys[0].key_prefix).toBe("k".repeat(10));
    const made = (await call(srv, "POST", "/v1/keys", {})).body;
    expect(made.key_prefix.length * 2).toBeLessThanOrEqual(made.key.length);
  });

  test("a JSON body that is not an object creates nothing: POST /v1/keys with [] is 400, not a full-access key", async () => {
    const before = await keyIds();
    for (const raw of ["[]", "[{}]", "null", "1", '"x"']) expect(sc(await call(srv, "POST", "/v1/keys", undefined, { raw }))).toEqual([400, "invalid_request"]);
    expect(await keyIds()).toEqual(before);
  });
});

// ===============================================================================================================
describe("matching", () => {
  let srv: ChaserLocal;
  beforeAll(async () => (srv = await server()));
  beforeEach(() => control(srv, "POST", "/reset"));

  test("an empty or blank selector never matches: not a workspace whose name was cleared; bulk-delete [''] is 400", async () => {
    const w = (await ws(srv, "cleared")).body;
    expect((await call(srv, "PUT", `/v1/workspaces/${w.id}/name`, { name: null })).body.name).toBeNull();
    for (const ids of [[""], [" "], ["\t"]]) {
      expect(sc(await call(srv, "POST", "/v1/workspaces/bulk-delete", { workspace_ids: ids, force: true }))).toEqual([400, "invalid_request"]);
    }
    for (const sel of ["%20", "%09", "%20%20"]) {
      expect(sc(await call(srv, "DELETE", `/v1/workspaces/${sel}?force=true`))).toEqual([400, "invalid_request"]);
      expect(sc(await call(srv, "PUT", `/v1/workspaces/${sel}/template`, { template: true }))).toEqual([400, "invalid_request"]);
    }
    expect(sc(await call(srv, "POST", "/v1/sessions", { workspace: "" }))).toEqual([400, "invalid_request"]);
    expect(sc(await call(srv, "POST", "/v1/workspaces", { clone_from: " " }))).toEqual([400, "invalid_request"]);
    expect((await call(srv, "GET", "/v1/workspaces")).body.map((x: Any) => x.id)).toEqual([w.id]);
  });

  test("names are compared in ASCII only: the Kelvin sign (U+212A) is not 'k'", async () => {
    await ws(srv, "key");
    const kelvin = encodeURIComponent("\u212Aey");
    expect(sc(await call(srv, "PUT", `/v1/workspaces/${kelvin}/template`, { template: true }))).toEqual([404, "workspace_not_found"]);
    expect(sc(await call(srv, "POST", "/v1/workspaces/bulk-delete", { workspace_ids: ["\u212Aey"] }))).toEqual([200, undefined]);
    expect((await call(srv, "POST", "/v1/workspaces/bulk-delete", { workspace_ids: ["\u212Aey"] })).body.deleted).toEqual([]);
    expect(sc(await call(srv, "PUT", "/v1/workspaces/KEY/template", { template: true }))).toEqual([200, undefined]); // ASCII folds
    expect(await names(srv)).toEqual(["key"]);
  });

  test("UUIDs are matched in any case (workspaces, sessions)", async () => {
    const w = (await ws(srv, "upper")).body;
    const up = w.id.toUpperCase();
    expect((await call(srv, "PUT", `/v1/workspaces/${up}/template`, { template: true })).body).toMatchObject({ id: w.id, template: true });
    const s = (await call(srv, "POST", "/v1/sessions", { workspace: up })).body;
    expect((await call(srv, "GET", `/v1/sessions/${s.id.toUpperCase()}`)).body.id).toBe(s.id);
    expect((await call(srv, "POST", "/v1/workspaces/bulk-delete", { workspace_ids: [up], force: true })).body.deleted).toEqual([up]);
  });

  test("path parameters are percent-decoded exactly once, the same way on every route", async () => {
    const w = (await ws(srv, "a.b")).body;
    await call(srv, "POST", "/v1/workspaces/a.b/snapshots", { name: "s.1" });
    // %2E is '.', decoded once; %252E is '%2E' after one decoding, which names nothing.
    expect((await call(srv, "GET", "/v1/workspaces/a%2Eb/snapshots")).status).toBe(200);
    expect(sc(await call(srv, "GET", "/v1/workspaces/a%252Eb/snapshots"))).toEqual([404, "workspace_not_found"]);
    expect((await call(srv, "POST", "/v1/workspaces/a%2Eb/snapshots/s%2E1/restore", {})).status).toBe(200);
    expect(sc(await call(srv, "POST", "/v1/workspaces/a.b/snapshots/s%252E1/restore", {}))).toEqual([404, "snapshot_not_found"]);
    const k = (await call(srv, "POST", "/v1/keys", {})).body;
    expect(sc(await call(srv, "DELETE", `/v1/keys/${encodeURIComponent(encodeURIComponent(k.id)).replace(/_/g, "%255F")}`))).toEqual([404, "key_not_found"]);
    expect((await call(srv, "DELETE", `/v1/keys/${k.id.replace(/_/g, "%5F")}`)).status).toBe(204);
    const s = (await call(srv, "POST", "/v1/sessions", { workspace: "a.b" })).body;
    expect((await call(srv, "GET", `/v1/sessions/${s.id.replace(/-/g, "%2D")}`)).status).toBe(200);
    // An encoded slash is data, never a separator.
    expect(sc(await call(srv, "GET", "/v1/workspaces/a.b%2Fsnapshots"))).toEqual([405, "method_not_allowed"]);
    // Literal segments too: /v1/%77orkspaces is /v1/workspaces.
    expect((await call(srv, "GET", "/v1/%77orkspaces")).body.map((x: Any) => x.id)).toEqual([w.id]);
    // The controls decode the same way.
    const acme = await control(srv, "POST", "/accounts", { name: "Acme Co" });
    expect((await control(srv, "POST", "/accounts/Acme%20Co/service-accounts", { name: "bot" })).account_id).toBe(acme.id);
  });
});

// ===============================================================================================================
describe("bad input", () => {
  let srv: ChaserLocal;
  beforeAll(async () => (srv = await server()));
  beforeEach(() => control(srv, "POST", "/reset"));
  const auth = { authorization: `Bearer ${KEY}` };

  test("malformed percent-escapes and odd targets are 400 invalid_request with the JSON body and a request id", async () => {
    for (const target of ["/v1/workspaces/%zz/name", "/v1/workspaces/%E0%A4%A/snapshots", "/v1/keys/%", "//", "/v1//workspaces", "/v1/workspaces/", "*", "http://evil/v1/workspaces", "/_local//reset"]) {
      const a = await rawHttp(srv.url, req(srv, "PUT", target, { ...auth, "content-length": "2" }, "{}"));
      expect({ target, status: a.status }).toEqual({ target, status: 400 });
      expectJsonError(a, 400, "invalid_request");
    }
  });

  test("a body that is not JSON, not UTF-8 or not an object is 400 and applies nothing", async () => {
    for (const raw of ["{oops", "[1]", "true", Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])]) {
      const r = await call(srv, "POST", "/v1/workspaces", undefined, { raw });
      expect(sc(r)).toEqual([400, "invalid_request"]);
      expect(r.body.error.message).toMatch(/^the body /);
    }
    expect(await names(srv)).toEqual([]);
  });

  test("wrong-typed fields are 400 and never read as their default (force: 'yes' is not false)", async () => {
    await ws(srv, "t");
    await call(srv, "POST", "/v1/workspaces/t/snapshots", { name: "s" });
    const sess = (await call(srv, "POST", "/v1/sessions", { workspace: "t" })).body;
    for (const [method, p, body] of [
      ["POST", "/v1/workspaces/t/snapshots", { name: "s2", force: "yes" }],
      ["POST", "/v1/workspaces/t/snapshots/s/restore", { force: "true" }],
      ["POST", "/v1/workspaces/bulk-delete", { workspace_ids: ["t"], force: 1 }],
      ["PUT", "/v1/workspaces/t/template", { template: "yes" }],
      ["POST", "/v1/workspaces", { name: "x", session_type: "browser", template: 0 }],
      ["POST", "/v1/sessions", { ephemeral: "false", workspace: "t" }],
      ["POST", "/v1/keys", { scopes: "keys.read" }],
      ["POST", "/v1/keys", { name: 42 }],
    ] as Array<[string, string, unknown]>) {
      const r = await call(srv, method, p, body);
      expect({ p, body, sc: sc(r) }).toEqual({ p, body, sc: [400, "invalid_request"] });
      expect(r.body.error.message).toMatch(/^[a-z_.0-9]+: /);
    }
    expect(sc(await call(srv, "DELETE", "/v1/workspaces/t?force=yes"))).toEqual([400, "invalid_request"]);
    expect((await call(srv, "GET", `/v1/sessions/${sess.id}`)).body.status).toBe("running"); // nothing forced
  });

  test("over-long image, github_repo and names are 400", async () => {
    const long = [
      ["/v1/workspaces", { name: "x", session_type: "sandbox", image: `ghcr.io/${"a".repeat(600)}:1` }, /^image: must be at most 512/],
      ["/v1/workspaces/import", { github_repo: `${"o".repeat(40)}/repo` }, /^github_repo: /],
      ["/v1/workspaces/import", { github_repo: `octo/${"r".repeat(101)}` }, /^github_repo: /],
      ["/v1/workspaces", { name: "n".repeat(65), session_type: "browser" }, /^name: must be at most 64/],
      ["/v1/keys", { name: "k".repeat(129) }, /^name: must be at most 128/],
      ["/v1/accounts/organizations", { name: "o".repeat(65) }, /^name: must be at most 64/],
      ["/v1/ssh-keys", { public_key: `ssh-ed25519 ${"A".repeat(20_000)}` }, /^public_key: must be at most 16384/],
    ] as Array<[string, unknown, RegExp]>;
    for (const [p, body, message] of long) {
      const r = await call(srv, "POST", p, body);
      expect({ p, sc: sc(r) }).toEqual({ p, sc: [400, "invalid_request"] });
      expect(r.body.error.message).toMatch(message);
    }
  });

  test("bad fault rules ({rules: [null]}) and bad control bodies are 400, never 500", async () => {
    for (const body of [{ rules: [null] }, { rules: [[]] }, { rules: [{ kind: "500", path: "(" }] }, [], "x"]) {
      const r = await controlAnswer(srv.url, "PUT", "/faults", body);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
    }
    for (const body of [{ name: "" }, { name: 5 }, { name: "x", plan: "gold" }, { name: " x" }]) {
      const r = await controlAnswer(srv.url, "POST", "/accounts", body);
      expect({ body, status: r.status }).toEqual({ body, status: 400 });
    }
  });

  test("a blank X-Chaser-Account is 400, never the default account", async () => {
    for (const account of ["", " "]) {
      const a = await rawHttp(srv.url, req(srv, "GET", "/v1/workspaces", { ...auth, "x-chaser-account": account }));
      expectJsonError(a, 400, "invalid_request");
      expect(a.body.error.message).toMatch(/^X-Chaser-Account: /);
    }
  });

  test("a sweep of odd requests: every one a 4xx with the JSON error body and a request id, never a 5xx", async () => {
    const requests: string[] = [
      req(srv, "GET", "/", auth),
      req(srv, "GET", "/v1", auth),
      req(srv, "OPTIONS", "/v1/workspaces", auth),
      req(srv, "PATCH", "/v1/workspaces/x", { ...auth, "content-length": "2" }, "{}"),
      req(srv, "POST", "/v1/workspaces", { ...auth, "content-length": "5" }, "\u0000\u0000\u0000\u0000\u0000"),
      req(srv, "POST", "/v1/workspaces", { ...auth, "content-length": "4" }, "null"),
      req(srv, "POST", "/v1/workspaces", { ...auth, "content-length": "2" }, "[]"),
      req(srv, "GET", `/v1/workspaces/${"x".repeat(7000)}/snapshots`, auth),
      req(srv, "GET", "/v1/workspaces", { authorization: "Bearer" }),
      req(srv, "GET", "/v1/workspaces", { authorization: `Bearer ${"z".repeat(10_000)}` }),
      req(srv, "GET", "/v1/workspaces", { authorization: "Basic Zm9vOmJhcg==" }),
      req(srv, "GET", "/v1/workspaces", { ...auth, "x-chaser-account": "\u00ff\u00fe" }),
      req(srv, "DELETE", "/v1/workspaces/%00?force=true", auth),
      req(srv, "DELETE", "/v1/workspaces/x?force=%zz", auth),
      req(srv, "POST", "/v1/workspaces/bulk-delete", { ...auth, "content-length": "25" }, '{"workspace_ids":[null]} '),
      req(srv, "POST", "/v1/workspaces/bulk-delete", { ...auth, "content-length": "37" }, `{"workspace_ids":${JSON.stringify(Array(3).fill({}))}}`.padEnd(37)),
      req(srv, "POST", "/v1/accounts/current/members", { ...auth, "content-length": "2" }, "{}"),
      req(srv, "PATCH", "/v1/accounts/current/members/%FF", { ...auth, "content-length": "2" }, "{}"),
      req(srv, "POST", "/v1/ssh-keys", { ...auth, "content-length": "30" }, '{"public_key":"ssh-rsa AAAA"} '),
      req(srv, "GET", "/_local/counters", {}),
      req(srv, "POST", "/_local/keys", { "x-chaser-local": "1", "content-type": "application/json", "content-length": "16" }, '{"account":null}'.padEnd(16)),
      req(srv, "POST", "/_local/keys", { "x-chaser-local": "1", "content-type": "application/json", "content-length": "17" }, '{"email":"a@b.c"}'),
      req(srv, "GET", "/_local/nothing/here", { "x-chaser-local": "1" }),
      req(srv, "GET", "/v1/workspaces", { ...auth, "content-length": "-1" }),
      req(srv, "POST", "/v1/workspaces", { ...auth, "transfer-encoding": "chunked" }, "zz\r\n"),
    ];
    const statuses: number[] = [];
    for (const r of requests) {
      let a;
      try {
        a = await rawHttp(srv.url, r, 5000);
      } catch (e) {
        throw new Error(`${r.split("\r\n")[0]}: ${e}`);
      }
      statuses.push(a.status);
      expect({ request: r.split("\r\n")[0], ok: a.status < 500 }).toEqual({ request: r.split("\r\n")[0], ok: true });
      if (a.status >= 400) expect(a.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
      expect(a.headers["x-request-id"]).toMatch(/^req_/);
    }
    expect(statuses.filter((s) => s >= 400).length).toBeGreaterThanOrEqual(requests.length - 2);
  });
});

// ===============================================================================================================
describe("memory bound", () => {
  test(`requests to ${LOG_LIMIT + 2000} distinct paths: the log keeps ${LOG_LIMIT} entries with clipped paths, the counters one key per route template`, async () => {
    const srv = await server();
    const total = LOG_LIMIT + 2000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          const i = next++;
          const p = i % 2 ? `/v1/workspaces/w-${i}-${"p".repeat(300)}/snapshots` : `/v1/unknown/${i}/${"q".repeat(300)}`;
          await call(srv, "GET", `${p}?i=${i}&${"z".repeat(400)}`);
        }
      }),
    );
    const counters = await control(srv, "GET", "/counters");
    expect(counters).toEqual({ "GET /v1/workspaces/:ws/snapshots": total / 2, "GET (unknown path)": total / 2 });
    const { requests } = await control(srv, "GET", "/requests");
    expect(requests).toHaveLength(LOG_LIMIT);
    expect(requests[requests.length - 1].seq - requests[0].seq).toBe(LOG_LIMIT - 1);
    for (const r of requests) {
      expect(r.path.length).toBeLessThanOrEqual(PATH_LIMIT);
      expect(r.query.length).toBeLessThanOrEqual(PATH_LIMIT);
    }
    expect(requests.some((r: Any) => r.path.endsWith("…"))).toBe(true);
  });
});

// ===============================================================================================================
describe("the /_local/ controls' guard", () => {
  let srv: ChaserLocal;
  beforeAll(async () => (srv = await server()));
  const port = () => new URL(srv.url).port;
  const ctl = (headers: Record<string, string>, method = "POST", target = "/_local/reset", body = "") =>
    rawHttp(srv.url, `${method} ${target} HTTP/1.1\r\n${Object.entries({ connection: "close", ...(body ? { "content-length": String(body.length) } : {}), ...headers }).map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n${body}`);

  test("only a loopback Host with the server's port (DNS rebinding is refused)", async () => {
    for (const host of [`evil.example:${port()}`, `127.0.0.1:${Number(port()) + 1}`, "127.0.0.1", `localhost.evil:${port()}`, `0.0.0.0:${port()}`]) {
      const a = await ctl({ host, "x-chaser-local": "1" });
      expect({ host, status: a.status }).toEqual({ host, status: 403 });
      expectJsonError(a, 403, "control_forbidden");
    }
    const noHost = await rawHttp(srv.url, "POST /_local/reset HTTP/1.0\r\nX-Chaser-Local: 1\r\n\r\n");
    expect(noHost.status).toBe(403);
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`, `LOCALHOST:${port()}`, `[::1]:${port()}`]) {
      expect({ host, status: (await ctl({ host, "x-chaser-local": "1" })).status }).toEqual({ host, status: 200 });
    }
  });

  test("the header X-Chaser-Local: 1 is required on every control request", async () => {
    for (const [method, target] of [["POST", "/_local/reset"], ["GET", "/_local/requests"], ["GET", "/_local/counters"], ["GET", "/_local/faults"]]) {
      expectJsonError(await ctl({ host: hostOf(srv) }, method, target), 403, "control_forbidden");
      expectJsonError(await ctl({ host: hostOf(srv), "x-chaser-local": "yes" }, method, target), 403, "control_forbidden");
    }
  });

  test("an Origin that is not loopback, or a cross-site fetch, is refused", async () => {
    for (const origin of ["https://evil.example", "null", "http://127.0.0.1.evil.example", "file://"]) {
      expectJsonError(await ctl({ host: hostOf(srv), "x-chaser-local": "1", origin }), 403, "control_forbidden");
    }
    expectJsonError(await ctl({ host: hostOf(srv), "x-chaser-local": "1", "sec-fetch-site": "cross-site" }), 403, "control_forbidden");
    expect((await ctl({ host: hostOf(srv), "x-chaser-local": "1", origin: `http://localhost:${port()}` })).status).toBe(200);
  });

  test("bodies must be JSON (Content-Type: application/json): a form post is refused", async () => {
    const body = '{"name":"formed"}';
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]) {
      expectJsonError(await ctl({ host: hostOf(srv), "x-chaser-local": "1", "content-type": type }, "POST", "/_local/accounts", body), 403, "control_forbidden");
    }
    expectJsonError(await ctl({ host: hostOf(srv), "x-chaser-local": "1" }, "POST", "/_local/accounts", body), 403, "control_forbidden");
    expect((await ctl({ host: hostOf(srv), "x-chaser-local": "1", "content-type": "application/json; charset=utf-8" }, "POST", "/_local/accounts", body)).status).toBe(201);
  });
});

// ===============================================================================================================
test("chaser-local --version prints the version of package.json", () => {
  const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
  const r = runProcess([process.execPath, cli, "--version"]);
  expect([r.status, r.stdout]).toEqual([0, `chaser-local ${version}\n`]);
});
