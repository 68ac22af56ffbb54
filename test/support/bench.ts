/**
 * The benchmarks at smoke size (`--smoke`), as the suite runs them: each script as a child process on the built
 * dist/, which must exit 0 and print its result lines. A benchmark that no longer loads (a module moved, a function
 * gone) then fails the suite instead of rotting unseen until someone runs `make bench`.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { REPO } from "./pack";

export const BENCH_DIR = path.join(REPO, "bench");

/** Every bench/*.js by role: run at smoke size by the unit suite, by the engine suite, by the release test, or a helper the others require. */
export const BENCHES = {
  unit: ["list-workspaces.js", "shared-listing.js", "chaser-local-adversarial.js"],
  engine: ["large-stack.js"],
  /** Run at smoke size by test/engine/release.test.ts, on the release build's executable. */
  release: ["plugin-start.js"],
  helpers: ["chaser-local-process.js"],
};

export function benchScripts(): string[] {
  return fs.readdirSync(BENCH_DIR).filter((f) => f.endsWith(".js")).sort();
}

export interface BenchRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs `node bench/<script> --smoke ...args`, killed after `timeoutMs`. */
export function runBench(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<BenchRun> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const e = { ...process.env, ...env };
    for (const k of ["N", "ROUNDS", "REQUESTS", "TRIALS", "WORKSPACES", "CONNECTIONS", "CHASER_API_KEY", "CHASER_API_URL", "CHASER_ACCOUNT"]) if (!(k in env)) delete e[k];
    const child = spawn(process.execPath, [path.join(BENCH_DIR, script), "--smoke", ...args], { cwd: REPO, env: e, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, seconds: (Date.now() - t0) / 1000 });
    });
  });
}

/** What a failed run showed, for the assertion message. */
export function shown(r: BenchRun): string {
  return `exit ${r.code ?? r.signal} after ${r.seconds.toFixed(1)} s\n--- stdout\n${r.stdout.slice(-4000)}\n--- stderr\n${r.stderr.slice(-4000)}`;
}
