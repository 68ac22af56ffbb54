/**
 * What the generated resource classes (resources.ts) share: the properties a resource registers (every output
 * as a slot, the user's arguments, the logical name and the seed of its auto-name), secret outputs, and
 * `isInstance` across copies of the package.
 */
import * as pulumi from "@pulumi/pulumi";
import { resourceToken } from "../provider/registry";

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

/** The properties a resource registers: a slot for every output, the arguments, its logical name and URN. */
export function resourceProps(type: string, name: string, args: object | undefined, keys: string[], opts?: pulumi.CustomResourceOptions): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const k of keys) props[k] = undefined;
  Object.assign(props, args ?? {});
  props.__logicalName = name;
  props.__urn = urnOf(type, name, opts);
  return props;
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
