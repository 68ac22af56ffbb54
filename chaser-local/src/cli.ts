/**
 * `chaser-local` command line. Prints exactly one line `chaser-local listening on http://HOST:PORT` on stdout
 * when ready (preceded by `root key: sk_…` when the key was generated). Bad flags exit 2.
 */
import { parseArgs } from "node:util";
import { FaultKind, FaultRule, startChaserLocal } from "./server";

const HELP = `chaser-local: an offline server of the Chaser Core API (workspaces, snapshots, keys, sessions)

Usage: chaser-local [flags]

  --port N            port to listen on (0 picks a free one)             default 8787
  --host ADDR         address to listen on                               default 127.0.0.1
  --data DIR          keep state in DIR (journaled, fsync'd, survives restarts and kills); default: in memory
  --root-key KEY      the personal account's first full-access key (or env CHASER_LOCAL_ROOT_KEY);
                      without either, one is generated and printed once as "root key: sk_…"
  --latency MS        added latency for every API request                default 0
  --fault KIND:RATE[:COUNT]
                      inject a fault into API requests (repeatable); KIND is 500, 503, 429, reset
                      (connection reset before handling), drop (applied, then no answer) or delay;
                      RATE is 0..1; COUNT limits it to the next COUNT requests
  --help              this text

Test controls (no auth, not part of the real API): POST /_local/reset, GET|DELETE /_local/requests,
GET /_local/counters, GET|PUT /_local/faults, POST /_local/accounts, POST /_local/accounts/ID/service-accounts,
POST /_local/keys. See docs/chaser-local.md.
`;

function fail(message: string): never {
  process.stderr.write(`chaser-local: ${message}\nRun 'chaser-local --help' for the flags.\n`);
  process.exit(2);
}

function parseFault(spec: string): FaultRule {
  const [kind, rate, count] = spec.split(":");
  if (!["500", "503", "429", "reset", "drop", "delay"].includes(kind)) fail(`--fault ${spec}: unknown kind '${kind}' (500, 503, 429, reset, drop, delay)`);
  const r = rate === undefined ? 1 : Number(rate);
  if (!Number.isFinite(r) || r < 0 || r > 1) fail(`--fault ${spec}: RATE must be a number from 0 to 1`);
  const rule: FaultRule = { kind: kind as FaultKind, rate: r };
  if (count !== undefined) {
    const c = Number(count);
    if (!Number.isInteger(c) || c < 0) fail(`--fault ${spec}: COUNT must be a whole number`);
    rule.count = c;
  }
  return rule;
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  let values: Record<string, unknown>;
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
        help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const port = values.port === undefined ? 8787 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a port number (0-65535), got '${values.port}'`);
  const latency = values.latency === undefined ? 0 : Number(values.latency);
  if (!Number.isFinite(latency) || latency < 0) fail(`--latency must be a number of milliseconds, got '${values.latency}'`);
  const rootKey = (values["root-key"] as string | undefined) ?? process.env.CHASER_LOCAL_ROOT_KEY ?? undefined;
  if (rootKey !== undefined && rootKey.length < 8) fail("--root-key must be at least 8 characters");
  const faults = ((values.fault as string[] | undefined) ?? []).map(parseFault);

  let srv;
  try {
    srv = await startChaserLocal({ port, host: (values.host as string) ?? "127.0.0.1", dataDir: values.data as string | undefined, rootKey, latencyMs: latency, faults });
  } catch (e) {
    process.stderr.write(`chaser-local: could not start: ${(e as Error).message}\n`);
    process.exit(1);
  }
  if (srv.generatedRootKey) process.stdout.write(`root key: ${srv.rootKey}\n`);
  process.stdout.write(`chaser-local listening on ${srv.url}\n`);
  const stop = () => {
    srv.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (require.main === module) void main();
