/**
 * @pulumi/pulumi 3.248 (the last release for Node 20) debug-logs the whole response of RegisterResource,
 * ReadResource, Invoke and Call RPCs, secret outputs included in plaintext: `pulumi up --json` streams those
 * debug diagnostics and `--verbose=3` logs print them, so an ApiKey's `key` would reach CI logs. Upstream later
 * logs these payloads only with excessive debug output (pulumi/pulumi#24478, #24479); until programs can use
 * such a release, importing pulumi-chaser installs the same rule: the `resp:` part of those lines is omitted
 * unless the SDK's own `excessiveDebugOutput` setting is on.
 */
const MARK = Symbol.for("pulumi-chaser.debugFilter");
// `getResource Invoke RPC finished: err: …, resp: …` (the engine's record of a resource, read for an output the
// program asks for: sdk/nodejs/support.ts) names no resource before `err:`.
const RPC_RESPONSE = /^((?:getResource Invoke|ReadResource|RegisterResource|Invoke|Call) RPC finished: (?:.*?; )?err: [^,]*), resp: [\s\S]*$/;

export function omitResponsePayload(message: string): string {
  return message.replace(RPC_RESPONSE, "$1, resp: [omitted by pulumi-chaser: may contain secret values]");
}

export function installDebugFilter(): void {
  const log = require("@pulumi/pulumi/log") as { debug: (msg: string, ...rest: unknown[]) => Promise<void> } & { [MARK]?: true };
  const settings = require("@pulumi/pulumi/runtime/settings") as { excessiveDebugOutput?: boolean };
  if (log[MARK]) return;
  const original = log.debug;
  const filtered = (msg: string, ...rest: unknown[]) =>
    original(settings.excessiveDebugOutput ? msg : omitResponsePayload(String(msg)), ...rest);
  try {
    Object.defineProperty(log, "debug", { value: filtered, writable: true, configurable: true, enumerable: true });
    Object.defineProperty(log, MARK, { value: true });
  } catch {
    // A frozen module: nothing to do; the README says how to keep debug output out of CI logs.
  }
}
