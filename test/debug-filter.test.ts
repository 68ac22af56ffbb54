/** The guard against @pulumi/pulumi 3.248 debug-logging secret outputs (see sdk/nodejs/debug-filter.ts). */
import * as log from "@pulumi/pulumi/log";
import { installDebugFilter, omitResponsePayload } from "../sdk/nodejs/debug-filter";

test("drops the response payload of RPC-finished lines, keeps everything else", () => {
  const secret = "sk_plaintext_secret_value_123";
  for (const rpc of ["RegisterResource", "ReadResource", "Invoke", "Call", "getResource Invoke"]) {
    const line = `${rpc} RPC finished: resource:a[t]; err: null, resp: urn,key,,,${secret},x`;
    const out = omitResponsePayload(line);
    expect(out).not.toContain(secret);
    expect(out).toMatch(new RegExp(`^${rpc} RPC finished: resource:a\\[t\\]; err: null, resp: \\[omitted`));
  }
  // The SDK's own form of the getResource line (no resource label): the engine's record, secrets in plaintext.
  expect(omitResponsePayload(`getResource Invoke RPC finished: err: undefined, resp: urn,state,key,${secret}`)).toBe(
    "getResource Invoke RPC finished: err: undefined, resp: [omitted by pulumi-chaser: may contain secret values]",
  );
  expect(omitResponsePayload("Registering resource: t=x, name=y")).toBe("Registering resource: t=x, name=y");
});

test("importing the package installs it on the SDK's own log module, once", async () => {
  require("../sdk/nodejs");
  const first = log.debug;
  installDebugFilter();
  expect(log.debug).toBe(first);
  // Without an engine the SDK prints nothing; the installed function must still accept the SDK's arguments.
  await expect(log.debug("RegisterResource RPC finished: r; err: null, resp: secret")).resolves.toBeUndefined();
});
