/**
 * The provider's settings, set by `configure()` from the stack's config (secrets arrive decrypted) and read at
 * call time. This module holds them in the provider's process only: the serialized provider reaches it by
 * `require`, so no value is ever written into a resource's state.
 *
 * Stable surface: state written by 0.1.0 requires `pulumi-chaser/dist/provider/settings.js` and calls
 * `configure(config)`.
 */
import { startLifeline } from "./lifeline";

export interface StackSettings {
  apiKey?: string;
  apiUrl?: string;
  account?: string;
  /** `chaser:accountKeys`: a key per account (selector → key), for resources naming another account. */
  accountKeys?: Record<string, string>;
}

let settings: StackSettings = {};

interface ConfigLike {
  get(key: string): string | undefined;
}

export function configure(config: ConfigLike): void {
  // The engine's first call into the provider's process: from now on it notices when the engine is gone.
  startLifeline();
  settings = {
    apiKey: config.get("chaser:apiKey") ?? undefined,
    apiUrl: config.get("chaser:apiUrl") ?? undefined,
    account: config.get("chaser:account") ?? undefined,
    accountKeys: parseAccountKeys(config.get("chaser:accountKeys")),
  };
}

/** `chaser:accountKeys` arrives as JSON (set with `pulumi config set --secret --path 'chaser:accountKeys.<account>'`). */
export function parseAccountKeys(raw: string | undefined): Record<string, string> | undefined {
  if (raw === undefined || raw === "") return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw new Error("chaser:accountKeys must be a map from account to API key: set entries with `pulumi config set --secret --path 'chaser:accountKeys.<account>' sk_…`");
  }
  if (!v || typeof v !== "object" || Array.isArray(v) || Object.values(v).some((k) => typeof k !== "string")) {
    throw new Error("chaser:accountKeys must be a map from account to API key (strings): set entries with `pulumi config set --secret --path 'chaser:accountKeys.<account>' sk_…`");
  }
  return v as Record<string, string>;
}

export function currentSettings(): Readonly<StackSettings> {
  return settings;
}

/** For tests: forget stack settings. */
export function resetSettings(): void {
  settings = {};
}
