/**
 * A provider whose engine is gone stops. The engine runs each plugin in a process group of its own, so a killed
 * `pulumi up` (a cancelled CI job, `kill -9` of the CLI's process group) leaves the dynamic-provider process
 * running, and it would go on sending the API writes it had in flight or queued, for nobody: their results can
 * no longer be recorded. In the dynamic-provider process only (never in the program's, a test's or
 * chaser-recover's), a timer started at the first hook call (unref'd: it never keeps a process alive) notices
 * that the engine is gone, aborts every request in flight or queued (the provider's clients are made with
 * `stopped` as their signal: context.ts, and lookup.ts for the plugin's invokes) and exits.
 *
 * "Gone" is one of, seen twice in a row half a second apart (a false alarm would end a live deployment, which the
 * engine reports as a provider that exited prematurely):
 * - the parent changed: the engine (or the shell that launched us) died and we were re-parented;
 * - the engine's gRPC address (the host's first argument) refuses connections: nothing listens there any more
 *   (what `pulumi-resource-pulumi-nodejs` as shipped by @pulumi/pulumi shows, where a shell stays our parent).
 */
import { engineConnectivity } from "./engine-log";

const controller = new AbortController();
/** Aborted once the engine is gone: requests in flight are cancelled and new ones refused. */
export const stopped: AbortSignal = controller.signal;

/** How often the engine is looked at (ms). */
const PERIOD_MS = 500;
let started = false;

export interface Probe {
  /** The current parent process id. */
  ppid(): number;
  /** The engine connection's state: "up", "down" (refused: nobody listens), or "unknown". */
  engine(): "up" | "down" | "unknown";
}

/** Decides from successive looks whether the engine is gone (two bad looks in a row). */
export function watcher(probe: Probe): () => string | undefined {
  const parent = probe.ppid();
  let strikes = 0;
  return () => {
    const ppid = probe.ppid();
    const why = ppid !== parent ? `its parent process ${parent} ended` : probe.engine() === "down" ? "its engine no longer answers" : undefined;
    strikes = why ? strikes + 1 : 0;
    return strikes >= 2 ? why : undefined;
  };
}

/** True in the process the engine starts for dynamic providers (`…/cmd/dynamic-provider ENGINE_ADDRESS`). */
export function inProviderHost(argv = process.argv): boolean {
  return /dynamic-provider/.test(argv[1] ?? "") && /^[\w.[\]:-]+:\d+$/.test(argv[2] ?? "");
}

/**
 * Starts watching the engine, once, in the dynamic-provider process (or, `host: true`, in the provider plugin,
 * which told engine-log its engine's address); elsewhere does nothing.
 */
export function startLifeline(opts: { host?: boolean } = {}): void {
  if (started || !(opts.host === true || inProviderHost())) return;
  started = true;
  const look = watcher({ ppid: () => process.ppid, engine: engineConnectivity });
  const timer = setInterval(() => {
    const why = look();
    if (!why) return;
    clearInterval(timer);
    // Nothing is written to stdout/stderr: they are pipes to the engine that is gone.
    controller.abort(new Error(`the Pulumi engine is gone (${why}): the provider stops`));
    setImmediate(() => process.exit(1));
  }, PERIOD_MS);
  timer.unref();
}
