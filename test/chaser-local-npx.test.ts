/**
 * chaser-local started as the README shows, through `npx` (or an `npm run` script) in a project that installed the
 * packed package (test/support/pack.ts), and stopped by stopping the process the user started: a SIGTERM to `npx`
 * or `npm`, or even a SIGKILL, leaves the port free within 2 s and no chaser-local process behind (zombies count
 * as gone). npm forwards a signal only to the `sh -c` it runs the command in, which dash does not pass on; the
 * server watches that shell and npm (chaser-local/src/launcher.ts). The README's CI blocks (start in the
 * background, wait until ready, stop) run exactly as shown, by bash as GitHub Actions runs a step.
 * Needs the build (`make build`): the package is packed from dist.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { launcherGone, npmShell, Processes } from "../chaser-local/src/launcher";
import { installInto, REPO } from "./support/pack";
import { callApi } from "./support/local";
import { processesIn, Running, startProcess } from "./support/proc";

jest.setTimeout(120_000);

const KEY = "sk_npx_test_root_key_0001";
let dir = "";

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-npx-"));
  installInto(dir);
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "app", private: true, scripts: { local: `chaser-local --port 0 --root-key ${KEY}` } }, null, 2));
});

afterAll(() => {
  for (const p of processesIn(dir)) {
    try {
      process.kill(p.pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The chaser-local processes running in the project (npx, npm's shell and the server), zombies left out. */
const serverProcesses = () => processesIn(dir).filter((p) => /chaser-local/.test(p.command)).map((p) => `${p.pid} ${p.command}`);

/** Whether something accepts connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Looks until the port is free and no chaser-local process is left, for at most 2 s; what it saw last. */
async function afterStop(url: string): Promise<{ portFree: boolean; left: string[] }> {
  const port = Number(new URL(url).port);
  const deadline = Date.now() + 2000;
  for (;;) {
    const portFree = !(await listening(port));
    const left = serverProcesses();
    if ((portFree && left.length === 0) || Date.now() > deadline) return { portFree, left };
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function expectServing(r: Running | { url: string }): Promise<void> {
  expect((await callApi(r.url, "GET", "/v1/workspaces", undefined, { key: KEY })).status).toBe(200);
  // The server itself: a node process of the package's bin (npm's shell and npx around it).
  expect(serverProcesses().some((p) => /node \S*chaser-local/.test(p))).toBe(true);
}

test.each([
  ["npx chaser-local", "SIGTERM"],
  ["npx chaser-local", "SIGKILL"],
  ["npm run local", "SIGTERM"],
] as const)("%s, then %s to that process: the port is free within 2 s and no chaser-local process is left", async (command, signal) => {
  const argv = command === "npm run local" ? ["npm", "run", "--silent", "local"] : ["npx", "chaser-local", "--port", "0", "--root-key", KEY];
  const r = await startProcess(argv, {}, { cwd: dir });
  await expectServing(r);
  r.child.kill(signal);
  await r.exited;
  expect(await afterStop(r.url)).toEqual({ portFree: true, left: [] });
});

/** The README's sh blocks of its chaser-local section that use the pid file: the start, then the stop. */
function readmeBackgroundBlocks(): { start: string; stop: string } {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## chaser-local\n"), readme.indexOf("\n## ", readme.indexOf("\n## chaser-local\n") + 5));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.includes("chaser-local.pid"));
  expect(blocks.length).toBe(2);
  return { start: blocks[0], stop: blocks[1] };
}

/** Runs a block as a GitHub Actions `run:` step: a script file, `bash --noprofile --norc -eo pipefail`. */
function runStep(name: string, script: string, env: NodeJS.ProcessEnv): { status: number | null; out: string } {
  const file = path.join(dir, `${name}.sh`);
  fs.writeFileSync(file, script);
  const e = { ...process.env, ...env };
  delete e.CHASER_LOCAL_ROOT_KEY;
  const r = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], { cwd: dir, env: e, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

test("the README's CI blocks as shown: started in the background through npx, ready, serving; stopped by a SIGTERM to npx: port free, nothing left", async () => {
  const { start, stop } = readmeBackgroundBlocks();
  const githubEnv = path.join(dir, "github-env");
  fs.writeFileSync(githubEnv, "");
  const started = runStep("start", start, { CHASER_API_KEY: KEY, GITHUB_ENV: githubEnv });
  expect(started).toEqual({ status: 0, out: "" });
  // The step ended with the server ready: its URL is in the next steps' environment, and it answers the key.
  const url = /^CHASER_API_URL=(http:\/\/127\.0\.0\.1:\d+)$/m.exec(fs.readFileSync(githubEnv, "utf8"))?.[1];
  expect(url).toBeDefined();
  await expectServing({ url: url! });
  // The pid file names the npx process, which outlived the step (as a background process of a step does).
  const npx = Number(fs.readFileSync(path.join(dir, "chaser-local.pid"), "utf8"));
  expect(fs.readFileSync(`/proc/${npx}/cmdline`, "utf8")).toMatch(/^npm exec chaser-local|npx/);

  expect(runStep("stop", stop, {})).toEqual({ status: 0, out: "" });
  expect(await afterStop(url!)).toEqual({ portFree: true, left: [] });
});

test("the start block fails the step with chaser-local's log when it cannot start (the port is taken)", async () => {
  const { start } = readmeBackgroundBlocks();
  const taken = net.createServer();
  await new Promise<void>((r) => taken.listen(0, "127.0.0.1", () => r()));
  try {
    const port = (taken.address() as net.AddressInfo).port;
    const githubEnv = path.join(dir, "github-env-taken");
    fs.writeFileSync(githubEnv, "");
    const failed = runStep("start-taken", start.replace("--port 0", `--port ${port}`), { CHASER_API_KEY: KEY, GITHUB_ENV: githubEnv });
    expect(failed.status).toBe(1);
    expect(failed.out).toContain("chaser-local: could not start");
    expect(fs.readFileSync(githubEnv, "utf8")).toBe("");
    expect(serverProcesses()).toEqual([]);
  } finally {
    taken.close();
  }
});

describe("which launcher is watched (launcher.ts)", () => {
  /** A process table: pid -> [parent, command line]. */
  const table = (t: Record<number, [number, string[]]>): Processes => ({
    parentOf: (pid) => t[pid]?.[0],
    commandLine: (pid) => t[pid]?.[1],
  });
  const procs = table({ 10: [1, ["npm exec chaser-local --port 0"]], 20: [10, ["sh", "-c", "'chaser-local' --port 0"]] });

  test("npx: the parent is npm's shell running the command: that shell and npm are watched", () => {
    expect(npmShell({ npm_lifecycle_script: "'chaser-local'" }, 20, procs)).toEqual({ shell: 20, npm: 10 });
  });

  test("not watched: no npm, another parent, a script that backgrounds it, a shell running something else", () => {
    expect(npmShell({}, 20, procs)).toBeUndefined();
    // Inherited from an npm run around the test runner: the parent is not that script's shell.
    expect(npmShell({ npm_lifecycle_script: "jest --ci" }, 20, procs)).toBeUndefined();
    expect(npmShell({ npm_lifecycle_script: "'chaser-local'" }, 10, procs)).toBeUndefined();
    const bg = table({ 10: [1, ["npm run local"]], 20: [10, ["sh", "-c", "chaser-local --port 8787 &"]] });
    expect(npmShell({ npm_lifecycle_script: "chaser-local --port 8787 &" }, 20, bg)).toBeUndefined();
    const chained = table({ 10: [1, ["npm run local"]], 20: [10, ["sh", "-c", "chaser-local --port 8787 && echo done"]] });
    expect(npmShell({ npm_lifecycle_script: "chaser-local --port 8787 && echo done" }, 20, chained)).toEqual({ shell: 20, npm: 10 });
  });

  test("gone when the shell ends (re-parented, or a zombie) or npm ends (the shell re-parented)", () => {
    const launch = { shell: 20, npm: 10 };
    expect(launcherGone(launch, () => 20, procs)).toBeUndefined();
    expect(launcherGone(launch, () => 1, procs)).toMatch(/the shell npm started \(20\) ended/);
    expect(launcherGone(launch, () => 20, table({ 10: [1, []] }))).toMatch(/the shell npm started \(20\) ended/);
    expect(launcherGone(launch, () => 20, table({ 20: [1, ["sh", "-c", "'chaser-local'"]] }))).toMatch(/npm \(10\) ended/);
  });
});
