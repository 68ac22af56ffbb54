/**
 * What the generated resource classes (resources.ts) share: the properties a resource registers (the user's
 * arguments, the logical name and the seed of its auto-name), its output properties (made when first read),
 * secret outputs, and `isInstance` across copies of the package.
 */
import * as pulumi from "@pulumi/pulumi";
import { resourceToken } from "../../provider/registry";

interface ResourceInternals {
  __pulumiType?: string;
  __parentResource?: ResourceInternals;
}

/**
 * The URN the engine will give the resource, computed the way the engine does (stack, project, the types of
 * its parents, its type, its name), so that its auto-name is derived from its identity in the stack.
 */
export function urnOf(type: string, name: string, opts?: pulumi.CustomResourceOptions): string {
  const token = resourceToken(type);
  const parents: string[] = [];
  for (let p = opts?.parent as ResourceInternals | undefined; p && p.__pulumiType && p.__pulumiType !== "pulumi:pulumi:Stack"; p = p.__parentResource) {
    parents.unshift(p.__pulumiType);
  }
  return `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${[...parents, token].join("$")}::${name}`;
}

/**
 * The properties a resource registers: the arguments, its logical name and URN. No slot for the outputs (see
 * `lazyOutputs`): the engine returns them all whatever the program registers.
 */
export function resourceProps(type: string, name: string, args: object | undefined, opts?: pulumi.CustomResourceOptions): Record<string, unknown> {
  return { ...(args ?? {}), __logicalName: name, __urn: urnOf(type, name, opts) };
}

/**
 * The output properties of a resource class, made when first read instead of when the resource is constructed.
 *
 * The Node.js SDK makes an `Output` (four promises, each with its debugging context) for every property a resource
 * registers, and keeps them all until the engine answers the registration, which it does when the resource's step
 * is done: in an `up` of thousands of resources nearly all of them wait at once. Twenty output slots per resource
 * came to about 130 KB of the program's peak memory per resource (0.3 GB at 2,000 workspaces, against a trivial
 * resource's two slots). A program reads few outputs of few resources: an output read is taken from the engine's
 * record of the resource (the `pulumi:pulumi:getResource` lookup the SDK makes for `opts.urn`), once the resource
 * is registered; its value, whether it is known (previews) and secret are the engine's, as before. An argument
 * the program gives is registered, and its output made by the SDK, as before.
 */
export function lazyOutputs(cls: { prototype: object }, token: string, keys: string[]): void {
  for (const key of keys) {
    Object.defineProperty(cls.prototype, key, {
      configurable: true,
      enumerable: false,
      get(this: pulumi.CustomResource) {
        const value = this.urn.apply((urn) => recordOf(this, token, urn, keys)[key]);
        own(this, key, value);
        return value;
      },
      // The SDK sets the outputs of the registered arguments on the resource itself.
      set(this: object, value: unknown) {
        own(this, key, value);
      },
    });
  }
}

function own(obj: object, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
}

/** A resource read from the engine by its URN (nothing registered, nothing sent to a provider). */
class EngineRecord extends pulumi.CustomResource {}

/** The engine's record of each resource whose outputs were read: a resource of the same type read by URN. */
const records = new WeakMap<object, Record<string, pulumi.Output<unknown>>>();

function recordOf(res: pulumi.CustomResource, token: string, urn: string, keys: string[]): Record<string, pulumi.Output<unknown>> {
  let r = records.get(res);
  if (!r) {
    const props: Record<string, unknown> = {};
    for (const k of keys) props[k] = undefined;
    const limit = quietStacks();
    try {
      r = new EngineRecord(token, urn.split("::").pop()!, props, { urn }) as unknown as Record<string, pulumi.Output<unknown>>;
    } finally {
      Error.stackTraceLimit = limit;
    }
    records.set(res, r);
  }
  return r;
}

/** The options with the secret outputs added to `additionalSecretOutputs`. */
export function withSecretOutputs(opts: pulumi.CustomResourceOptions | undefined, secrets: string[]): pulumi.CustomResourceOptions {
  return { ...opts, additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), ...secrets])] };
}

/** An output that always equals the resource's id, given from the id (known in previews of updates too). */
export function setFromId(resource: pulumi.CustomResource, key: string): void {
  Object.defineProperty(resource, key, { value: resource.id, enumerable: true, writable: false, configurable: true });
}

/**
 * Sets `Error.stackTraceLimit` to 0 and returns what it was. The SDK captures `new Error().stack` for the four
 * promises of every transferred property (for its promise-leak reports); with source maps installed each capture
 * costs about 0.1 ms, times 4 per property and 20 properties per resource. Callers restore the limit.
 */
export function quietStacks(): number {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  return limit;
}

export function isResourceOf(obj: unknown, token: string): boolean {
  return typeof obj === "object" && obj !== null && (obj as ResourceInternals).__pulumiType === token;
}
