/** What the generated plugin classes (sdk/nodejs/generated/plugin-*.ts) share beyond ./support. */
import * as pulumi from "@pulumi/pulumi";
import { urnOf } from "./support";

/**
 * The properties a resource of the plugin registers: the arguments (its outputs are made when read: see
 * `lazyOutputs`). No logical name or URN: the plugin's Check derives the auto-name from the URN the engine sends.
 */
export function pluginProps(args: object | undefined): Record<string, unknown> {
  return { ...(args ?? {}) };
}

/**
 * The options with the dynamic resource's URN as an alias (a stack moves to the plugin keeping its objects). Given
 * as the URN itself (what the SDK would compute from `{ type }`, with its parents' types): the SDK turns an alias
 * object into a URN through half a dozen outputs per resource, 40 KB of a large program's peak memory each.
 */
export function movedFrom(opts: pulumi.CustomResourceOptions | undefined, name: string, className: string): pulumi.CustomResourceOptions {
  return { ...opts, aliases: [...(opts?.aliases ?? []), urnOf(className, name, opts)] };
}

/** An input kept secret (a Provider's secret settings); absent stays absent. */
export function secretInput<T>(v: pulumi.Input<T> | undefined): pulumi.Output<pulumi.Unwrap<T>> | undefined {
  return v === undefined ? undefined : pulumi.secret(v);
}

/** Options of the plugin's lookups: the invoke's (`provider`, `parent`) and, as in the main entry, `account`. */
export interface PluginLookupOptions extends pulumi.InvokeOptions {
  /** The account to look in (id, exact name or `personal`); default the provider's `account`. */
  account?: string;
}
/** Options of the plugin's `…Output` lookups: the invoke's (`provider`, `parent`, `dependsOn`) and `account`. */
export interface PluginLookupOutputOptions extends pulumi.InvokeOutputOptions {
  /** The account to look in (id, exact name or `personal`); default the provider's `account`. */
  account?: string;
}

/** The invoke's arguments, with `account` when the options name one. */
export function withAccount(args: object, opts?: { account?: string }): pulumi.Inputs {
  return { ...(args as pulumi.Inputs), ...(opts?.account !== undefined ? { account: opts.account } : {}) };
}

/** The options the SDK's invoke takes (without `account`). */
export function invokeOptions<T extends { account?: string }>(opts?: T): Omit<T, "account"> | undefined {
  if (!opts) return undefined;
  const { account: _account, ...rest } = opts;
  return rest;
}
