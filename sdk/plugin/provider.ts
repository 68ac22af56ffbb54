/**
 * An explicit instance of the `chaser` provider plugin: its own credentials, API and account, for the resources
 * and lookups given it as `{ provider }`. Without one, the default provider reads the stack config
 * (`chaser:apiKey`, `chaser:apiUrl`, `chaser:account`, `chaser:accountKeys`) with the same environment fallbacks.
 */
import * as pulumi from "@pulumi/pulumi";
import { isResourceOf } from "../support";

/** The arguments of a Provider (each optional, like the stack config it stands in for). */
export interface ProviderArgs {
  /** API key (`sk_…`) or OAuth token for the provider's account; kept secret. Default: CHASER_API_KEY. */
  apiKey?: pulumi.Input<string>;
  /** Base URL of the Chaser API (plain http only for loopback, e.g. chaser-local). Default: CHASER_API_URL, else the public API. */
  apiUrl?: pulumi.Input<string>;
  /** The account (id, exact name or `personal`) resources and lookups act in by default. Default: CHASER_ACCOUNT, else the key's own. */
  account?: pulumi.Input<string>;
  /** Keys of further accounts, by account (id or name), for resources whose `account` names one; kept secret. */
  accountKeys?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const TOKEN = "pulumi:providers:chaser";

/** An explicit `chaser` provider (the engine shows it as `pulumi:providers:chaser`). */
export class Provider extends pulumi.ProviderResource {
  /** Whether `obj` is a Provider of this package, also when it was created by another copy of the package. */
  public static isInstance(obj: unknown): obj is Provider {
    return isResourceOf(obj, TOKEN);
  }

  constructor(name: string, args: ProviderArgs = {}, opts?: pulumi.ResourceOptions) {
    const secret = <T>(v: pulumi.Input<T> | undefined) => (v === undefined ? undefined : pulumi.secret(v));
    super("chaser", name, { apiKey: secret(args.apiKey), apiUrl: args.apiUrl, account: args.account, accountKeys: secret(args.accountKeys) }, opts);
  }
}
