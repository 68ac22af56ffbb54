/**
 * chaser-local started through npm (`npx chaser-local`, `npm exec`, an `npm run` script) stops with the npm
 * process that started it.
 *
 * npm runs the command through `sh -c '<command> <args>'` and, on SIGTERM or SIGINT, forwards the signal to that
 * shell only. dash (/bin/sh on Debian and Ubuntu, GitHub's Ubuntu runners included) does not `exec` the command:
 * it stays chaser-local's parent, dies of the forwarded signal, npm exits, and chaser-local, which never got a
 * signal, runs on re-parented, holding its port. (Where /bin/sh is bash, the shell execs the single command and
 * chaser-local gets npm's forwarded signal itself; Ctrl-C in a terminal signals the whole foreground group.)
 *
 * So when chaser-local's parent is the shell npm started for it, it watches that shell and the npm process
 * above it, and stops as on SIGTERM when either is gone: the shell killed (npm got SIGTERM or SIGINT) or npm
 * killed (even with SIGKILL, which npm cannot forward). A script that puts chaser-local in the background
 * (`"local": "chaser-local &"`) is left alone: its shell ends at once by design, and the server is meant to stay.
 * Linux only (it reads /proc); elsewhere nothing is watched.
 */
import * as fs from "node:fs";

/** What the watch needs to know of processes (from /proc; injectable for tests). */
export interface Processes {
  /** The parent of `pid`, or undefined when it is gone (or a zombie). */
  parentOf(pid: number): number | undefined;
  /** The command line of `pid`, or undefined. */
  commandLine(pid: number): string[] | undefined;
}

export const procfs: Processes = {
  parentOf(pid) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      // "PID (COMM) STATE PPID …": COMM may hold spaces and parentheses; the last ')' ends it.
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return state === "Z" || state === "X" ? undefined : Number(ppid);
    } catch {
      return undefined;
    }
  },
  commandLine(pid) {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").slice(0, -1);
    } catch {
      return undefined;
    }
  },
};

/** A single `&` (not `&&`) in a script: something in it runs in the background. */
const BACKGROUND = /(^|[^&])&($|[^&])/;

/**
 * The shell npm started for this process and the npm process above it, when this process's parent is that
 * shell and runs it in the foreground; else undefined.
 */
export function npmShell(env: NodeJS.ProcessEnv, ppid: number, procs: Processes): { shell: number; npm: number } | undefined {
  const script = env.npm_lifecycle_script;
  if (!script || BACKGROUND.test(script)) return undefined;
  const argv = procs.commandLine(ppid);
  // npm spawns [scriptShell, "-c", script + " " + the escaped arguments].
  if (!argv || argv.length !== 3 || argv[1] !== "-c" || !argv[2].startsWith(script)) return undefined;
  const npm = procs.parentOf(ppid);
  if (npm === undefined || npm <= 1) return undefined;
  return { shell: ppid, npm };
}

/**
 * One look: why the launcher is gone (our parent shell ended, or the npm process above it), or undefined while
 * both run.
 */
export function launcherGone(launch: { shell: number; npm: number }, ppid: () => number, procs: Processes): string | undefined {
  if (ppid() !== launch.shell || procs.parentOf(launch.shell) === undefined) return `the shell npm started (${launch.shell}) ended`;
  if (procs.parentOf(launch.shell) !== launch.npm) return `npm (${launch.npm}) ended`;
  return undefined;
}

/** How often the launcher is looked at (ms). */
const PERIOD_MS = 200;

/**
 * Calls `onGone` once when this process was started through npm's shell and that shell or npm ends; does
 * nothing otherwise. The timer never keeps the process alive. Returns what was found (for the log).
 */
export function watchLauncher(onGone: (why: string) => void, opts: { env?: NodeJS.ProcessEnv; procs?: Processes } = {}): { shell: number; npm: number } | undefined {
  if (process.platform !== "linux") return undefined;
  const procs = opts.procs ?? procfs;
  const launch = npmShell(opts.env ?? process.env, process.ppid, procs);
  if (!launch) return undefined;
  const timer = setInterval(() => {
    const why = launcherGone(launch, () => process.ppid, procs);
    if (!why) return;
    clearInterval(timer);
    onGone(why);
  }, PERIOD_MS);
  timer.unref();
  return launch;
}
