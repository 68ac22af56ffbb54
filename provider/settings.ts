/**
 * The provider's credentials, set by `configure()` from stack config (secrets arrive decrypted) and read at call
 * time. This module holds them at run time only: the serialized provider captures it by `require`, so no value
 * is ever written into state.
 */
import { ChaserClient } from "./client/client";

export interface StackSettings {
  apiKey?: string;
  apiUrl?: string;
  account?: string;
}

let settings: StackSettings = {};

interface ConfigLike {
  get(key: string): string | undefined;
}

export function configure(config: ConfigLike): void {
  settings = {
    apiKey: config.get("chaser:apiKey") ?? undefined,
    apiUrl: config.get("chaser:apiUrl") ?? undefined,
    account: config.get("chaser:account") ?? undefined,
  };
}

/** A client for the given account (a resource's `account` input), else the stack's, else CHASER_ACCOUNT. */
export function clientFor(account?: string): ChaserClient {
  return new ChaserClient({ apiKey: settings.apiKey, apiUrl: settings.apiUrl, account: account ?? settings.account });
}

/** For tests: forget stack settings. */
export function resetSettings(): void {
  settings = {};
}
