/**
 * The entry of `plugin/pulumi-resource-chaser`: starts the gRPC server on a free loopback port and prints the port
 * on stdout (the engine reads that first line), as every Pulumi plugin does. The engine passes its own address
 * as the last argument (before it, optional flags such as `--logtostderr`, `-v=9`, `--tracing <url>`): messages
 * beside resources go to it, and the plugin stops when that engine is gone.
 */
import { debug } from "../client/debug";
import { useEngine } from "../engine-log";
import { startLifeline } from "../lifeline";
import { ChaserProvider, loadProtos, service } from "./server";

const ADDRESS = /^[\w.[\]:-]+:\d+$/;

export async function main(args: string[]): Promise<void> {
  const engine = [...args].reverse().find((a) => ADDRESS.test(a));
  if (engine) {
    useEngine(engine);
    startLifeline({ host: true });
  }
  const p = loadProtos();
  // Channelz (gRPC's call statistics, kept per call) is off: nothing reads it, and the engine calls Check and Diff
  // once per resource, one after the other.
  const server = new p.grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024, "grpc.enable_channelz": 0 });
  server.addService(p.services.ResourceProviderService, service(p, new ChaserProvider(p)) as never);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", p.grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  process.stdout.write(`${port}\n`);
  debug(`chaser provider plugin listening on 127.0.0.1:${port}${engine ? ` (engine ${engine})` : ""}`);
}
