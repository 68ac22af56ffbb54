/**
 * chaser-local as a process (start, run to completion, kill) and raw HTTP over a socket, for tests that need
 * what fetch will not send (odd targets, bad escapes, huge headers, endless chunked bodies) or a real kill -9.
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";

export interface Running {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
/** Kills every process started here that is still running (for afterAll). */
export function killAll(): void {
  for (const c of children) c.kill("SIGKILL");
}

/**
 * Starts `argv` (a command and its arguments; in `cwd`, default the test's); resolves once it prints chaser-local's
 * listening line.
 */
export function startProcess(argv: string[], env: NodeJS.ProcessEnv = {}, opts: { cwd?: string } = {}): Promise<Running> {
  return new Promise((resolve, reject) => {
    const e = { ...process.env, ...env };
    if (!("CHASER_LOCAL_ROOT_KEY" in env)) delete e.CHASER_LOCAL_ROOT_KEY;
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"], env: e, cwd: opts.cwd });
    children.add(child);
    let out = "";
    let err = "";
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.once("exit", (code, signal) => {
        children.delete(child);
        res({ code, signal });
      }),
    );
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /^chaser-local listening on (http:\/\/\S+)$/m.exec(out);
      if (m) resolve({ child, url: m[1], stdout: () => out, stderr: () => err, exited });
    });
    child.stderr!.on("data", (d) => (err += d));
    void exited.then(({ code, signal }) => reject(new Error(`exited (${code ?? signal}) before listening: ${out}${err}`)));
  });
}

export async function killProcess(r: Running, signal: NodeJS.Signals = "SIGKILL") {
  r.child.kill(signal);
  return r.exited;
}

export function runProcess(argv: string[]) {
  const env = { ...process.env };
  delete env.CHASER_LOCAL_ROOT_KEY;
  return spawnSync(argv[0], argv.slice(1), { encoding: "utf8", env, timeout: 30_000 });
}

/**
 * Processes (not zombies) whose working directory is `dir` or below it: the engine's plugins and the program, a
 * server started through npx there.
 */
export function processesIn(dir: string): Array<{ pid: number; command: string }> {
  const real = fs.realpathSync(dir);
  const found: Array<{ pid: number; command: string }> = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      if (cwd !== real && !cwd.startsWith(real + path.sep)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      if (stat[stat.lastIndexOf(")") + 2] === "Z") continue;
      found.push({ pid: Number(entry), command: fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim() });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
  text: string;
}

/** Sends `request` as is on a new connection and reads one answer (up to its Content-Length, or the close). */
export function rawHttp(url: string, request: string | Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = net.connect(Number(u.port), u.hostname);
    let buf = Buffer.alloc(0);
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const finish = (e?: Error) => {
      if (settled) return;
      const parsed = parse(buf);
      if (!parsed && !e) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      if (parsed) resolve(parsed);
      else reject(e);
    };
    s.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      if (complete(buf)) finish();
    });
    s.on("end", () => finish(new Error(`connection closed without a full answer: ${buf.toString()}`)));
    s.on("close", () => finish(new Error(`connection closed without a full answer: ${buf.toString()}`)));
    s.on("error", (e) => finish(e));
    s.write(request);
  });
}

function complete(buf: Buffer): boolean {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return false;
  const m = /content-length:\s*(\d+)/i.exec(buf.subarray(0, end).toString("latin1"));
  return m !== null && buf.length >= end + 4 + Number(m[1]);
}

function parse(buf: Buffer): RawAnswer | undefined {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine, ...lines] = buf.subarray(0, end).toString("latin1").split("\r\n");
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(":");
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const text = buf.subarray(end + 4).toString("utf8");
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: Number(statusLine.split(" ")[1]), headers, body, text };
}
