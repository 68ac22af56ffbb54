/**
 * The entry of `plugin/pulumi-resource-chaser`: starts the gRPC server on a free loopback port and prints the port
 * on stdout (the engine reads that first line), as every Pulumi plugin does. The engine passes its own address
 * as the last argument (before it, optional flags such as `--logtostderr`, `-v=9`, `--tracing <url>`): messages
 * beside resources go to it, and the plugin stops when that engine is gone. Run by hand (no address, a flag it does
 * not know) it prints its usage and exits 2; `--version` prints its version.
 */
import { packageVersion } from "../../contract/version";
import { debug } from "../client/debug";
import { PLUGIN_DOWNLOAD_URL } from "../../contract/version";
import { useEngine } from "../engine-log";
import { startLifeline } from "../lifeline";
import { ChaserProvider, loadProtos, service } from "./server";

const ADDRESS = /^[\w.[\]:-]+:\d+$/;

/** What `--help`, a run by hand without the engine's address and a flag the plugin does not know print. */
export function usage(): string {
  const v = packageVersion();
  return [
    `usage: pulumi-resource-chaser [--logtostderr] [-v=N] [--tracing URL] ENGINE_ADDRESS`,
    `       pulumi-resource-chaser --version | --help`,
    ``,
    `The \`chaser\` Pulumi provider plugin, version ${v}. The Pulumi engine starts it, with the engine's gRPC address`,
    `(host:port) as the last argument; it then prints the port it listens on. It is not meant to be run by hand.`,
    ``,
    `Install it for the engine with:`,
    `  pulumi plugin install resource chaser ${v} --server ${PLUGIN_DOWNLOAD_URL}`,
    `or, offline, from the release archive for this machine:`,
    `  pulumi plugin install resource chaser ${v} --file pulumi-resource-chaser-v${v}-<os>-<arch>.tar.gz`,
    ``,
  ].join("\n");
}

/**
 * The command line: the flags the engine passes to providers (`--logtostderr`, `-v=N`, `--tracing URL`) and its
 * address, last. Anything else is a mistake of a person running the executable by hand.
 */
export function parseArgs(args: string[]): { engine: string } | { help: true } | { version: true } | { error: string } {
  let engine: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--help" || a === "-h") return { help: true };
    if (a === "--version") return { version: true };
    if (/^--?logtostderr(=(true|false))?$/.test(a) || /^--?v=\d+$/.test(a) || /^--?tracing=.+$/.test(a)) continue;
    if (a === "--tracing" || a === "-tracing") {
      if (i + 1 >= args.length) return { error: `${a} needs a URL` };
      i++;
      continue;
    }
    if (a.startsWith("-")) return { error: `unknown flag ${a}` };
    if (!ADDRESS.test(a)) return { error: `'${a}' is not an engine address (host:port)` };
    if (engine) return { error: `two engine addresses (${engine}, ${a})` };
    engine = a;
  }
  return engine ? { engine } : { error: "no engine address: the Pulumi engine starts this plugin" };
}

export async function main(args: string[]): Promise<void> {
  const parsed = parseArgs(args);
  if ("help" in parsed) {
    process.stdout.write(usage());
    return;
  }
  if ("version" in parsed) {
    process.stdout.write(`${packageVersion()}\n`);
    return;
  }
  if ("error" in parsed) {
    process.stderr.write(`pulumi-resource-chaser: ${parsed.error}\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  const engine = parsed.engine;
  useEngine(engine);
  startLifeline({ host: true });
  const p = loadProtos();
  // Channelz (gRPC's call statistics, kept per call) is off: nothing reads it, and the engine calls Check and Diff
  // once per resource, one after the other.
  const server = new p.grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024, "grpc.enable_channelz": 0 });
  server.addService(p.services.ResourceProviderService, service(p, new ChaserProvider(p)) as never);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", p.grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  process.stdout.write(`${port}\n`);
  debug(`chaser provider plugin ${packageVersion()} listening on 127.0.0.1:${port} (engine ${engine})`);
}
