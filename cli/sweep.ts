/**
 * chaser-sweep: destroys and removes the per-pull-request stacks (`pr-<number>`) that should no longer exist: those
 * whose pull request is closed, and those whose expiry (the stack tag `chaser:expires`, an RFC 3339 time, set by the
 * pr-environment workflow) has passed. Run in the Pulumi project's directory with the backend's settings in the
 * environment, as any `pulumi` command; what is open comes from the caller (the GitHub API in the shipped
 * workflow, `gh` anywhere), so the command itself needs no network but the backend and the Chaser API:
 *
 *   npx chaser-sweep --open-command "gh pr list --state open --limit 1000 --json number --jq '.[].number'"
 *   npx chaser-sweep --open 12,15        # those two are open; every other pr-N is closed
 *
 * A stack whose name is not `pr-<number>` is never touched. Each sweep reports what it removed, kept and failed
 * to remove; a second sweep finds nothing more to do (idempotent). A stack whose destroy fails is kept (its stack
 * remains for the next sweep) and makes the exit status 1.
 *
 * Exit status: 0 when every stack due was removed (or none was due), 1 when a removal failed or the open pull
 * requests could not be listed, 2 for a bad command line.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { failureText, runPulumi } from "./pulumi";

const run = promisify(execFile);

export const EXPIRES_TAG = "chaser:expires";
/** `pr-<number>`, alone or as the last part of `org/project/pr-<number>`. */
const PER_PR = /^(?:.*\/)?pr-(\d+)$/;

export const USAGE = `Usage: chaser-sweep (--open NUMBERS | --open-command COMMAND) [--dry-run] [--cwd DIR]

Destroys and removes every per-pull-request stack (named pr-<number>) of the Pulumi project in the current
directory whose pull request is closed or whose expiry (stack tag ${EXPIRES_TAG}) has passed, and reports what
it removed. Stacks with other names are never touched. Run it with the backend's settings in the environment
(PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE, ...) and the dependencies of the program installed.

  --open NUMBERS          the open pull requests, separated by commas or spaces ("" when none is open)
  --open-command COMMAND  a shell command printing the open pull requests' numbers, e.g.
                          gh pr list --state open --limit 1000 --json number --jq '.[].number'
  --dry-run               report what would be removed, change nothing
  --cwd DIR               the project directory (default: the current directory)
  -h, --help              this text

Exit status: 0 when every stack due was removed (or none was due); 1 when a removal failed or the open pull
requests could not be listed; 2 for a bad command line.
`;

export interface SweepOptions {
  /** The open pull requests' numbers. */
  open: Set<number>;
  dryRun?: boolean;
  cwd?: string;
  now?: Date;
  /** Runs `pulumi <args>` (tests and callers may replace it); resolves stdout, rejects with the output on failure. */
  pulumi?: (args: string[]) => Promise<string>;
  log?: (line: string) => void;
}

export interface SweepResult {
  removed: Array<{ stack: string; reason: string }>;
  kept: Array<{ stack: string; reason: string }>;
  failed: Array<{ stack: string; reason: string; error: string }>;
}

/** Why a per-PR stack is due for removal, or undefined when it stays. */
export function dueReason(pr: number, open: Set<number>, expires: string | undefined, now: Date): string | undefined {
  if (!open.has(pr)) return `pull request #${pr} is closed`;
  if (expires !== undefined) {
    const t = Date.parse(expires);
    if (Number.isFinite(t) && t <= now.getTime()) return `expired at ${expires}`;
  }
  return undefined;
}

function pulumiIn(cwd: string | undefined) {
  return async (args: string[]): Promise<string> => {
    const r = await runPulumi(args, cwd);
    if (r.code !== 0) throw new Error(failureText(r, 8) || `pulumi ${args.join(" ")} failed (exit ${r.code})`);
    return r.stdout;
  };
}

const lastLines = (s: string, n: number) => s.split("\n").filter((l) => l.trim() !== "").slice(-n).join("\n");

/** Sweeps the project's per-PR stacks: see the module comment. */
export async function sweep(opts: SweepOptions): Promise<SweepResult> {
  const pulumi = opts.pulumi ?? pulumiIn(opts.cwd);
  const log = opts.log ?? (() => undefined);
  const now = opts.now ?? new Date();
  const result: SweepResult = { removed: [], kept: [], failed: [] };
  const stacks = JSON.parse((await pulumi(["stack", "ls", "--json"])) || "[]") as Array<{ name: string }>;
  for (const { name } of stacks) {
    const m = PER_PR.exec(name);
    if (!m) continue; // not a per-PR stack: never touched
    const pr = Number(m[1]);
    const tags = JSON.parse((await pulumi(["stack", "tag", "ls", "--stack", name, "--json"])) || "{}") as Record<string, string>;
    const expires = tags[EXPIRES_TAG];
    const reason = dueReason(pr, opts.open, expires, now);
    if (!reason) {
      result.kept.push({ stack: name, reason: `pull request #${pr} is open${expires ? `, expires at ${expires}` : ""}` });
      log(`kept ${name}: pull request #${pr} is open${expires ? `, expires at ${expires}` : ""}`);
      continue;
    }
    if (opts.dryRun) {
      result.removed.push({ stack: name, reason });
      log(`would remove ${name}: ${reason}`);
      continue;
    }
    try {
      await pulumi(["destroy", "--stack", name, "--yes", "--non-interactive", "--skip-preview"]);
      await pulumi(["stack", "rm", name, "--yes", "--non-interactive"]);
      result.removed.push({ stack: name, reason });
      log(`removed ${name}: ${reason}; its resources destroyed and the stack removed`);
    } catch (e) {
      const error = (e as Error).message;
      result.failed.push({ stack: name, reason, error });
      log(`FAILED to remove ${name} (${reason}): ${error.replace(/\n/g, "\n    ")}`);
    }
  }
  const n = (k: number) => (k === 1 ? "1 stack" : `${k} stacks`);
  log(`chaser-sweep: ${opts.dryRun ? "would remove" : "removed"} ${n(result.removed.length)}, kept ${n(result.kept.length)}${result.failed.length ? `, failed to remove ${n(result.failed.length)}` : ""}`);
  return result;
}

/** The numbers in a list or a command's output ("12, 15", "12\n15\n"). */
export function parseNumbers(text: string): Set<number> | string {
  const parts = text.split(/[\s,]+/).filter((s) => s !== "");
  const bad = parts.find((s) => !/^#?\d+$/.test(s));
  if (bad !== undefined) return `'${bad.slice(0, 40)}' is not a pull request number`;
  return new Set(parts.map((s) => Number(s.replace(/^#/, ""))));
}

/** Runs the command; returns the exit status. */
export async function main(argv = process.argv.slice(2), out = (s: string) => process.stdout.write(s), err = (s: string) => process.stderr.write(s)): Promise<number> {
  let open: string | undefined;
  let openCommand: string | undefined;
  let dryRun = false;
  let cwd: string | undefined;
  const usage = (m: string) => (err(`chaser-sweep: ${m}\n\n${USAGE}`), 2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf("=");
    const flag = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const value = () => (a.startsWith("--") && eq > 0 ? a.slice(eq + 1) : argv[++i]);
    if (flag === "-h" || flag === "--help") {
      out(USAGE);
      return 0;
    } else if (flag === "--open") {
      open = value();
      if (open === undefined) return usage("--open needs a value");
    } else if (flag === "--open-command") {
      openCommand = value();
      if (!openCommand) return usage("--open-command needs a command");
    } else if (flag === "--dry-run") {
      dryRun = true;
    } else if (flag === "--cwd") {
      cwd = value();
      if (!cwd) return usage("--cwd needs a directory");
    } else {
      return usage(`unknown argument '${a}'`);
    }
  }
  if ((open === undefined) === (openCommand === undefined)) return usage("give exactly one of --open and --open-command: which pull requests are open decides which stacks go");
  let text = open ?? "";
  if (openCommand !== undefined) {
    try {
      text = (await run("sh", ["-c", openCommand], { cwd, maxBuffer: 16 * 1024 * 1024 })).stdout;
    } catch (e) {
      const x = e as { stderr?: string; message: string };
      err(`chaser-sweep: the command listing the open pull requests failed, nothing was removed: ${lastLines(x.stderr || x.message, 5)}\n`);
      return 1;
    }
  }
  const numbers = parseNumbers(text);
  if (typeof numbers === "string") {
    err(`chaser-sweep: the open pull requests could not be read (${numbers}), nothing was removed\n`);
    return openCommand !== undefined ? 1 : 2;
  }
  try {
    const r = await sweep({ open: numbers, dryRun, cwd, log: (l) => out(`${l}\n`) });
    return r.failed.length > 0 ? 1 : 0;
  } catch (e) {
    err(`chaser-sweep: ${(e as Error).message}\n`);
    return 1;
  }
}
