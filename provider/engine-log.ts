/**
 * Messages to the engine's output from the provider's process, attached to the resource they concern: the
 * dynamic-provider host is started with the engine's address as its first argument, and the engine's Log RPC is
 * spoken through @pulumi/pulumi's own gRPC stubs (the copy the program installed). Outside the engine (tests, the
 * lookups, chaser-recover) there is no engine: messages go to the debug log.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { debug } from "./client/debug";
import { pulumiModule } from "./grpc-modules";

/** The resource a hook is working for (its URN, when the resource class sent it). */
export interface Current {
  urn?: string;
  /** "workspace 'api-dev'" */
  what: string;
}
export const current = new AsyncLocalStorage<Current>();

interface LogClient {
  log(req: unknown, cb: (err: Error | null) => void): void;
  getChannel(): { getConnectivityState(tryToConnect: boolean): number };
}
interface EngineProto {
  LogRequest: new () => { setSeverity(s: number): void; setMessage(m: string): void; setUrn(u: string): void; setEphemeral(e: boolean): void };
  LogSeverity: { INFO: number; WARNING: number };
}

let engine: { client: LogClient; proto: EngineProto } | null | undefined;
/** The engine's address, when the process was told it (the provider plugin); else the dynamic-provider host's argument. */
let told: string | undefined;

/** In the provider plugin: the engine's address, given on its command line. */
export function useEngine(address: string): void {
  told = address;
  engine = undefined;
}

const ADDRESS = /^[\w.[\]:-]+:\d+$/;

function connect(): typeof engine {
  if (engine !== undefined) return engine;
  engine = null;
  const address = told ?? (/dynamic-provider/.test(process.argv[1] ?? "") ? process.argv[2] : undefined);
  if (!address || !ADDRESS.test(address)) return engine;
  try {
    const grpc = pulumiModule("@grpc/grpc-js");
    const services = pulumiModule("@pulumi/pulumi/proto/engine_grpc_pb");
    const proto = pulumiModule<EngineProto>("@pulumi/pulumi/proto/engine_pb");
    engine = { client: new services.EngineClient(address, grpc.credentials.createInsecure()) as LogClient, proto };
  } catch (e) {
    debug(`no engine log (${(e as Error).message})`);
  }
  return engine;
}

/** grpc-js's connectivity states (`grpc.connectivityState`). */
const READY = 2;
const TRANSIENT_FAILURE = 3;

/**
 * The state of the connection to the engine (connecting when idle): "up", "down" when it failed (connections
 * to the engine's address are refused: nobody listens there), "unknown" meanwhile or outside the engine.
 */
export function engineConnectivity(): "up" | "down" | "unknown" {
  const e = connect();
  if (!e) return "unknown";
  try {
    const state = e.client.getChannel().getConnectivityState(true);
    return state === READY ? "up" : state === TRANSIENT_FAILURE ? "down" : "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Tells the user something about the resource the current hook works for. `ephemeral`: a status shown beside
 * the resource while it lasts (the engine's progress display), else a line of its output.
 */
export function engineLog(message: string, opts: { ephemeral?: boolean; warning?: boolean } = {}): void {
  const c = current.getStore();
  const text = c ? `${c.what}: ${message}` : message;
  debug(text);
  const e = connect();
  if (!e) return;
  const req = new e.proto.LogRequest();
  req.setSeverity(opts.warning ? e.proto.LogSeverity.WARNING : e.proto.LogSeverity.INFO);
  req.setMessage(c?.urn ? message : text);
  if (c?.urn) req.setUrn(c.urn);
  req.setEphemeral(opts.ephemeral === true);
  e.client.log(req, () => undefined);
}
