/**
 * A provider whose engine is gone stops (provider/lifeline.ts): a process that looks like the dynamic-provider
 * host (`…/dynamic-provider ENGINE_ADDRESS`, the built dist loaded as the engine loads it), with a write to the
 * API in flight, is left alone while its engine (a gRPC server here) lives, and aborts the write and exits
 * within seconds once the engine stops listening, or once its parent process ends.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { inProviderHost, watcher } from "../provider/lifeline";
import { REPO } from "./support/pack";

jest.setTimeout(60_000);

const grpc = require(require.resolve("@grpc/grpc-js", { paths: [require.resolve("@pulumi/pulumi")] }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("the watcher needs two bad looks in a row: a changed parent, or an engine that refuses connections", () => {
  let ppid = 10;
  let engine: "up" | "down" | "unknown" = "unknown";
  const look = watcher({ ppid: () => ppid, engine: () => engine });
  expect(look()).toBeUndefined();
  engine = "down";
  expect(look()).toBeUndefined(); // one look is not enough
  engine = "up";
  expect(look()).toBeUndefined(); // and it was a fluke
  engine = "down";
  expect(look()).toBeUndefined();
  expect(look()).toBe("its engine no longer answers");
  const second = watcher({ ppid: () => ppid, engine: () => "up" });
  ppid = 1;
  expect(second()).toBeUndefined();
  expect(second()).toBe("its parent process 10 ended");
  expect(inProviderHost(["node", "/x/node_modules/@pulumi/pulumi/cmd/dynamic-provider", "127.0.0.1:34567"])).toBe(true);
  expect(inProviderHost(["node", "/x/node_modules/@pulumi/pulumi/cmd/run", "--monitor", "127.0.0.1:1"])).toBe(false);
  expect(inProviderHost(["node", "/x/jest"])).toBe(false);
});

interface Fixture {
  dir: string;
  engine: { address: string; stop: () => Promise<void> };
  api: { url: string; opened: () => number; closed: () => number; stop: () => Promise<void> };
}

async function fixture(): Promise<Fixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-lifeline-"));
  // The fake host: loads the package's dist the way the serialized provider does, is configured (the engine's
  // first call), then sends a POST that the API below never answers through the client a hook gets (context.ts:
  // its signal is the lifeline's), and stays up like the real host.
  fs.writeFileSync(
    path.join(dir, "dynamic-provider.js"),
    `const dist = ${JSON.stringify(path.join(REPO, "dist", "provider"))};
require(dist + "/settings.js").configure({ get: () => undefined });
const { client } = require(dist + "/context.js").contextFor();
client.jobs.create({ kind: "sandbox.exec", input: { workspace: "w", command: "true" }, idempotency_key: "lifeline" }).catch(() => undefined);
setInterval(() => undefined, 1000);
`,
  );
  const server = new grpc.Server();
  const port: number = await new Promise((res, rej) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e: Error | null, p: number) => (e ? rej(e) : res(p))));
  let opened = 0;
  let closed = 0;
  const api = http.createServer(() => undefined); // never answers
  api.on("connection", (s) => {
    opened++;
    s.on("close", () => closed++);
  });
  await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
  const apiPort = (api.address() as { port: number }).port;
  return {
    dir,
    engine: { address: `127.0.0.1:${port}`, stop: async () => void server.forceShutdown() },
    api: {
      url: `http://127.0.0.1:${apiPort}`,
      opened: () => opened,
      closed: () => closed,
      stop: () => new Promise<void>((r) => {
        api.closeAllConnections();
        api.close(() => r());
      }),
    },
  };
}

/** The fake host's environment: the API below and a key (what the stack's config would give). */
const hostEnv = (f: Fixture) => ({ ...process.env, CHASER_API_URL: f.api.url, CHASER_API_KEY: "sk_test_lifeline_0000000000", CHASER_ACCOUNT: "" });

/** Whether a process runs (an exited one that its new parent has not reaped yet counts as gone). */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** Resolves with the time it took once `pid` has ended (polled: it may not be our child). */
function exitOf(pid: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (running(pid)) return;
      clearInterval(t);
      resolve(Date.now() - started);
    }, 50);
  });
}

test("with a write in flight: left alone while the engine lives; the write aborted and the process gone within 3 s once the engine stops listening", async () => {
  const f = await fixture();
  const child = spawn(process.execPath, [path.join(f.dir, "dynamic-provider.js"), f.engine.address], { env: hostEnv(f), stdio: "ignore" });
  try {
    for (let i = 0; i < 100 && f.api.opened() === 0; i++) await sleep(50);
    expect(f.api.opened()).toBe(1);
    await sleep(2_500);
    expect({ running: child.exitCode === null && child.signalCode === null, closed: f.api.closed() }).toEqual({ running: true, closed: 0 });
    await f.engine.stop();
    const took = await exitOf(child.pid!);
    console.log(`engine stopped: the provider exited after ${took} ms`);
    expect(took).toBeLessThan(3_000);
    expect(f.api.closed()).toBe(1);
  } finally {
    child.kill("SIGKILL");
    await f.engine.stop();
    await f.api.stop();
    fs.rmSync(f.dir, { recursive: true, force: true });
  }
});

test("its parent ends (the engine was its parent and died) while the address still answers: gone within 3 s", async () => {
  const f = await fixture();
  // A parent that starts the host, reports its pid and exits after a second.
  const parent = spawn(
    process.execPath,
    ["-e", `const c = require("node:child_process").spawn(process.execPath, process.argv.slice(1), { stdio: "ignore", detached: true, env: process.env }); console.log(c.pid); setTimeout(() => process.exit(0), 1000);`, path.join(f.dir, "dynamic-provider.js"), f.engine.address],
    { env: hostEnv(f), stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  parent.stdout!.on("data", (d) => (out += d));
  const parentExit = new Promise((r) => parent.on("exit", r));
  let pid = 0;
  try {
    for (let i = 0; i < 100 && !/\d+\n/.test(out); i++) await sleep(50);
    pid = Number(out.trim());
    await parentExit;
    const took = await exitOf(pid);
    console.log(`parent ended: the provider exited after ${took} ms`);
    expect(took).toBeLessThan(3_000);
  } finally {
    try {
      if (pid) process.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
    await f.engine.stop();
    await f.api.stop();
    fs.rmSync(f.dir, { recursive: true, force: true });
  }
});

test("chaser-recover stops a provider of the project whose engine is gone, and no other", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-strays-"));
  // An older provider (no lifeline): the host script does nothing but stay up.
  const host = path.join(root, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider");
  fs.mkdirSync(host, { recursive: true });
  fs.writeFileSync(path.join(host, "index.js"), "setInterval(() => undefined, 1000);\n");
  const project = path.join(root, "project");
  const other = path.join(root, "other");
  for (const d of [project, path.join(project, "src"), other]) fs.mkdirSync(d, { recursive: true });
  const live = new (await import("node:net")).Server();
  await new Promise<void>((r) => live.listen(0, "127.0.0.1", r));
  const dead = new (await import("node:net")).Server();
  await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
  const deadAddress = `127.0.0.1:${(dead.address() as { port: number }).port}`;
  await new Promise((r) => dead.close(r));
  const start = (cwd: string, engine: string) => spawn(process.execPath, [host, engine], { cwd, stdio: "ignore" });
  const stray = start(path.join(project, "src"), deadAddress);
  const inUse = start(project, `127.0.0.1:${(live.address() as { port: number }).port}`);
  const elsewhere = start(other, deadAddress);
  try {
    await sleep(300);
        const { stopStrayProviders } = require(path.join(REPO, "dist", "cli", "recover.js"));
    const said: string[] = [];
    expect(await stopStrayProviders(project, (s: string) => said.push(s))).toBe(1);
    expect(said).toEqual([`stopped a Chaser provider process left running by the interrupted update (pid ${stray.pid}; its engine at ${deadAddress} is gone): it could still have been sending API requests`]);
    await sleep(100);
    expect({ stray: running(stray.pid!), inUse: running(inUse.pid!), elsewhere: running(elsewhere.pid!) }).toEqual({ stray: false, inUse: true, elsewhere: true });
  } finally {
    for (const c of [stray, inUse, elsewhere]) c.kill("SIGKILL");
    live.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
