/**
 * Client configuration: explicit options first, then CHASER_API_URL / CHASER_API_KEY / CHASER_ACCOUNT. Read at
 * call time, never at module load, so nothing secret is captured when Pulumi serializes a provider.
 */
import { isIP } from "node:net";
import { ChaserConfigError } from "./errors";
import { registerSecret } from "./redact";

export const DEFAULT_API_URL = "https://api.chaser.sh";

export interface ClientOptions {
  /** Base URL of the API; default CHASER_API_URL, else https://api.chaser.sh. */
  apiUrl?: string;
  /** An `sk_…` key or an OAuth token; default CHASER_API_KEY. */
  apiKey?: string;
  /** Account id, exact account name, or `personal`; default CHASER_ACCOUNT; omitted means personal. */
  account?: string;
  /** Time allowed for one attempt to get an answer (ms). Default 30 s. */
  attemptTimeoutMs?: number;
  /** Time allowed for one operation, retries and waits included (ms). Default 120 s. */
  deadlineMs?: number;
  /** Longest `Retry-After` honoured (ms); a longer one is capped to this. Default 30 s. */
  maxRetryAfterMs?: number;
  /** Retries after the first attempt, within the deadline. Default 10. */
  maxRetries?: number;
  /** First backoff delay (ms), doubled each retry, with jitter. Default 250 ms. */
  backoffMs?: number;
  /** Told before every wait for a retry (rate limit, 5xx, reset), e.g. to report progress. */
  onWait?: (wait: Wait) => void;
  /**
   * Once aborted, requests in flight are cancelled, no retry is made and nothing more is sent (the provider passes
   * its lifeline's: aborted when its engine is gone). The client imports nothing of the process that uses it.
   */
  signal?: AbortSignal;
}

/** A wait the transport is about to make before trying again (for progress reports). */
export interface Wait {
  method: string;
  path: string;
  /** Why: "rate limited (429)", "HTTP 503", "ECONNRESET", … */
  reason: string;
  /** The attempt that just failed (1 for the first). */
  attempt: number;
  delayMs: number;
}

export interface ResolvedConfig {
  apiUrl: string;
  apiKey: string;
  account?: string;
  attemptTimeoutMs: number;
  deadlineMs: number;
  maxRetryAfterMs: number;
  maxRetries: number;
  backoffMs: number;
  onWait?: (wait: Wait) => void;
  signal?: AbortSignal;
}

const HOW_TO_SET_KEY =
  "No Chaser API key is configured. Set it with `pulumi config set --secret chaser:apiKey sk_…` " +
  "(or the CHASER_API_KEY environment variable); for offline previews start chaser-local and use its key.";

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1";
  return false;
}

/** Validates a base URL: https anywhere, plain http only on loopback. Returns it without a trailing slash. */
export function checkApiUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ChaserConfigError(`apiUrl '${raw}' is not a valid URL (expected e.g. ${DEFAULT_API_URL})`);
  }
  if (url.protocol === "http:" && !isLoopback(url.hostname)) {
    throw new ChaserConfigError(
      `apiUrl '${raw}' uses plain http:// to a non-loopback host: the API key would travel unencrypted. ` +
        "Use https://, or http:// only for a local server on 127.0.0.1, localhost or [::1].",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ChaserConfigError(`apiUrl '${raw}' must start with https:// (or http:// for a loopback server)`);
  }
  if (url.search || url.hash) throw new ChaserConfigError(`apiUrl '${raw}' must not carry a query or fragment`);
  return url.toString().replace(/\/+$/, "");
}

function nonEmpty(v: string | undefined): string | undefined {
  return v !== undefined && v.trim() !== "" ? v.trim() : undefined;
}

export function resolveConfig(opts: ClientOptions = {}, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const apiKey = nonEmpty(opts.apiKey) ?? nonEmpty(env.CHASER_API_KEY);
  if (!apiKey) throw new ChaserConfigError(HOW_TO_SET_KEY);
  registerSecret(apiKey);
  const apiUrl = checkApiUrl(nonEmpty(opts.apiUrl) ?? nonEmpty(env.CHASER_API_URL) ?? DEFAULT_API_URL);
  const account = nonEmpty(opts.account) ?? nonEmpty(env.CHASER_ACCOUNT);
  return {
    apiUrl,
    apiKey,
    account,
    attemptTimeoutMs: opts.attemptTimeoutMs ?? 30_000,
    deadlineMs: opts.deadlineMs ?? 120_000,
    maxRetryAfterMs: opts.maxRetryAfterMs ?? 30_000,
    maxRetries: opts.maxRetries ?? 10,
    backoffMs: opts.backoffMs ?? 250,
    onWait: opts.onWait,
    signal: opts.signal,
  };
}
