/**
 * The provider's settings, set by `configure()` from the stack's config (secrets arrive decrypted) and read at
 * call time. This module holds them in the provider's process only: the serialized provider reaches it by
 * `require`, so no value is ever written into a resource's state.
 *
 * Stable surface: state written by 0.1.0 requires `pulumi-chaser/dist/provider/settings.js` and calls
 * `configure(config)`.
 */
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

export function currentSettings(): Readonly<StackSettings> {
  return settings;
}

/** For tests: forget stack settings. */
export function resetSettings(): void {
  settings = {};
}
