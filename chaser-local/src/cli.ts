/**
 * `chaser-local` command line. When ready it prints exactly one line `chaser-local listening on http://HOST:PORT`
 * on stdout, preceded by the lines `root key: sk_…` and `session token: …` (root's user session) when the root key
 * was generated. `chaser-local session-token` prints a user session token for a root key. A bad flag prints an error
 * on stderr and exits 2; a failure to start (port in use, data directory locked or damaged) exits 1. SIGTERM and
 * SIGINT stop it cleanly (exit 0), and so does the end of the npm process that started it (`npx chaser-local`:
 * see launcher.ts).
 */
import { parseArgs } from "node:util";
import { packageVersion } from "../../contract/version";
import { FAULT_KINDS, FaultRule, parseFaultFlag } from "./faults";
import { watchLauncher } from "./launcher";
import { startChaserLocal } from "./server";
import { SessionTokens } from "./session-token";
import { ROOT_EMAIL } from "./records";
import { ROOT_KEY_MIN, rootKeyProblem } from "./startup";

export const HELP = `chaser-local: an offline server of the Chaser Core API (workspaces, snapshots, keys, sessions)

Usage: chaser-local [flags]
       chaser-local session-token [--email EMAIL] [--root-key KEY]

  --port N            port to listen on (0 picks a free one)                          default 8787
  --host ADDR         address to listen on                                            default 127.0.0.1
  --data DIR          keep state in DIR: every acknowledged change is journaled and fsync'd,
                      so it survives restarts and kills; default: in memory
  --repair            with --data: when the data directory is damaged, keep every intact record,
                      copy the damaged file aside (FILE.damaged-TIME) and start (without it a damaged
                      directory refuses the start, naming the file, the line or byte offset)
  --root-key KEY      the personal account's full-access root key (at least ${ROOT_KEY_MIN} visible ASCII
                      characters); default: env CHASER_LOCAL_ROOT_KEY, else a generated key, printed
                      once on its own line "root key: sk_…" before the listening line, followed by
                      "session token: …", root's user session token (see session-token below)
  --latency MS        latency added to every API request                              default 0
  --fault KIND:RATE[:COUNT]
                      inject a fault into API requests (repeatable). KIND: ${FAULT_KINDS.join(", ")}
                      (500/503: error answer; 429: with Retry-After and X-RateLimit-*; reset: connection
                      reset before handling; drop: applied, then the connection closes without an answer;
                      delay: answered 1 s late). RATE: probability 0..1. COUNT: fire at most COUNT times.
                      Or a JSON rule with filters, e.g.
                      --fault '{"kind":"429","method":"POST","path":"^/v1/workspaces$","count":2,"retryAfter":5}'
  --version           print the version and exit
  -h, --help          this text

Ready: prints "chaser-local listening on http://HOST:PORT" (one line) on stdout.
Stop: SIGTERM or SIGINT; started through npx (npm exec, npm run), also the end of that npm process.

session-token: prints a user session token (what the real API gets from an OAuth sign-in), for the user
with --email (default root@chaser.local), signed for the server started with --root-key KEY (default env
CHASER_LOCAL_ROOT_KEY); valid 24 hours. It acts as that user with full access and may select any of the
user's accounts with X-Chaser-Account, e.g. to create an organization's first key:
  curl -X POST URL/v1/keys -H "Authorization: Bearer TOKEN" -H "X-Chaser-Account: Acme" \\
       -H "Content-Type: application/json" -d '{"name":"ci"}'

Test controls (not part of the real API; loopback Host and the header "X-Chaser-Local: 1" required):
POST /_local/reset, GET|DELETE /_local/requests, GET /_local/counters, GET|PUT /_local/faults,
POST /_local/accounts, POST /_local/accounts/ID/service-accounts, POST /_local/keys. See docs/chaser-local.md.
`;

class UsageError extends Error {}

export interface CliOptions {
  port: number;
  host: string;
  dataDir?: string;
  rootKey?: string;
  latencyMs: number;
  faults: FaultRule[];
  repair: boolean;
  help: boolean;
  version: boolean;
}

/** Parses the flags; throws UsageError with a message for a bad one. */
export function parseCli(argv: string[], env: NodeJS.ProcessEnv = process.env): CliOptions {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        data: { type: "string" },
        "root-key": { type: "string" },
        latency: { type: "string" },
        fault: { type: "string", multiple: true },
        repair: { type: "boolean" },
        version: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const str = (k: string) => values[k] as string | undefined;
  const num = (flag: string, raw: string | undefined, dflt: number, ok: (n: number) => boolean, what: string): number => {
    if (raw === undefined) return dflt;
    const n = raw.trim() === "" ? NaN : Number(raw);
    if (!ok(n)) throw new UsageError(`--${flag} must be ${what}, got '${raw}'`);
    return n;
  };
  const port = num("port", str("port"), 8787, (n) => Number.isInteger(n) && n >= 0 && n <= 65535, "a port number (0-65535)");
  const latencyMs = num("latency", str("latency"), 0, (n) => Number.isFinite(n) && n >= 0, "a number of milliseconds >= 0");
  const host = str("host") ?? "127.0.0.1";
  if (host.trim() === "") throw new UsageError("--host must be an address, e.g. 127.0.0.1");
  const dataDir = str("data");
  if (dataDir !== undefined && dataDir.trim() === "") throw new UsageError("--data must be a directory");
  const rootKey = str("root-key") ?? (env.CHASER_LOCAL_ROOT_KEY || undefined);
  const keyProblem = rootKey === undefined ? undefined : rootKeyProblem(rootKey);
  if (keyProblem) throw new UsageError(`${str("root-key") !== undefined ? "--root-key" : "CHASER_LOCAL_ROOT_KEY"} ${keyProblem}`);
  if (values.repair === true && dataDir === undefined) throw new UsageError("--repair needs --data DIR: only a data directory can be damaged");
  const faults: FaultRule[] = [];
  for (const spec of (values.fault as string[] | undefined) ?? []) {
    try {
      faults.push(parseFaultFlag(spec));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  return { port, host, dataDir, rootKey, latencyMs, faults, repair: values.repair === true, help: values.help === true, version: values.version === true };
}

/** `chaser-local session-token [--email EMAIL] [--root-key KEY]`: the token, or a UsageError. */
export function sessionTokenCommand(argv: string[], env: NodeJS.ProcessEnv = process.env): string {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: { email: { type: "string" }, "root-key": { type: "string" } }, strict: true, allowPositionals: false }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const rootKey = (values["root-key"] as string | undefined) ?? (env.CHASER_LOCAL_ROOT_KEY || undefined);
  if (rootKey === undefined) throw new UsageError("session-token needs the server's root key: --root-key KEY or CHASER_LOCAL_ROOT_KEY");
  const problem = rootKeyProblem(rootKey);
  if (problem) throw new UsageError(`${values["root-key"] !== undefined ? "--root-key" : "CHASER_LOCAL_ROOT_KEY"} ${problem}`);
  const email = (values.email as string | undefined) ?? ROOT_EMAIL;
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError(`--email must be an email address, got '${email.slice(0, 100)}'`);
  return new SessionTokens(rootKey).issue(email);
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  if (argv[0] === "session-token") {
    try {
      process.stdout.write(`${sessionTokenCommand(argv.slice(1))}\n`);
      return;
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      process.stderr.write(`chaser-local: ${e.message}\nRun 'chaser-local --help' for the flags.\n`);
      process.exit(2);
    }
  }
  let o: CliOptions;
  try {
    o = parseCli(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`chaser-local: ${e.message}\nRun 'chaser-local --help' for the flags.\n`);
    process.exit(2);
  }
  if (o.help) {
    process.stdout.write(HELP);
    return;
  }
  if (o.version) {
    process.stdout.write(`chaser-local ${packageVersion()}\n`);
    return;
  }
  let srv;
  try {
    srv = await startChaserLocal({ port: o.port, host: o.host, dataDir: o.dataDir, rootKey: o.rootKey, latencyMs: o.latencyMs, faults: o.faults, repair: o.repair });
  } catch (e) {
    process.stderr.write(`chaser-local: could not start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  for (const note of srv.notes) process.stderr.write(`chaser-local: ${note}\n`);
  for (const file of srv.movedAside) process.stderr.write(`chaser-local: repair: the damaged file is kept as ${file}\n`);
  if (srv.generatedRootKey) process.stdout.write(`root key: ${srv.rootKey}\nsession token: ${srv.sessionToken()}\n`);
  process.stdout.write(`chaser-local listening on ${srv.url}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    srv.close().then(
      () => process.exit(0),
      (e) => {
        process.stderr.write(`chaser-local: error while stopping on ${signal}: ${(e as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // Started by `npx`/`npm exec`/`npm run`: npm forwards a signal only to the shell it runs us in, which dash does
  // not pass on. Stop when that shell or npm ends (launcher.ts).
  watchLauncher((why) => {
    process.stderr.on("error", () => undefined); // whoever read it may be gone with npm
    process.stderr.write(`chaser-local: stopping: ${why}\n`);
    stop("the end of npm");
  });
}

if (require.main === module) void main();
