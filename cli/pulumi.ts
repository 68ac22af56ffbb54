/**
 * The Pulumi CLI as the package's commands run it (chaser-recover, chaser-sweep): `pulumi` from PATH in the
 * project's directory, with the environment the user gave (the backend's settings, the passphrase) and the update
 * check off; the exit code and both outputs are kept, never thrown away.
 */
import { execFile } from "node:child_process";

export interface PulumiRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pulumi args` in `cwd` with this environment, `env` added (an undefined value: left out). */
export function runPulumi(args: string[], cwd: string | undefined, env: Record<string, string | undefined> = {}): Promise<PulumiRun> {
  const full: NodeJS.ProcessEnv = { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true", ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete full[k];
  return new Promise((resolve) => {
    execFile("pulumi", args, { cwd, maxBuffer: 1024 * 1024 * 1024, env: full }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code as number) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** What a failed run said: its last `lines` non-blank lines (stderr first), or the whole when `lines` is not given. */
export function failureText(r: PulumiRun, lines?: number): string {
  const all = `${r.stderr}\n${r.stdout}`.split("\n").filter((l) => l.trim() !== "");
  return (lines === undefined ? all : all.slice(-lines)).join("\n");
}
