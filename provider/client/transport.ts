/**
 * HTTP transport: undici connection pools created lazily per origin (never at module load, never stored in
 * anything Pulumi serializes), undici's RetryAgent with our policy, per-attempt timeouts and a per-operation
 * deadline, and errors turned into ChaserApiError.
 *
 * Retry policy (safe for non-idempotent calls):
 * - 429: always retried (the request was refused, not applied), honouring Retry-After up to a cap.
 * - 5xx, timeouts, resets: retried for GET, PUT and DELETE only, exponential backoff with full jitter.
 * - A connection that could not even be opened (refused, connect timeout): retried for every method.
 * - A POST whose outcome is unknown is never replayed here: createOnce reconciles first (create-once.ts).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { Agent, Dispatcher, RetryAgent, RetryHandler, request } from "undici";
import { packageVersion } from "../../contract/version";
import type { ResolvedConfig } from "./config";
import { debug } from "./debug";
import { ChaserApiError, StoppedError, apiError } from "./errors";

const IDEMPOTENT = new Set(["GET", "PUT", "DELETE", "HEAD"]);
/** Errors raised before the request left this machine: safe to retry whatever the method. */
const NOT_SENT = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
/** Errors after which the request may or may not have been applied. */
const TRANSIENT = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CLOSED", "ETIMEDOUT"]);
const RETRY_STATUS = [429, 500, 502, 503, 504];
/** The longest wait between two attempts (backoff is exponential with full jitter up to this). */
const MAX_BACKOFF_MS = 8_000;

let baseDispatcher: Dispatcher | undefined;
/** Tests may route every request through another dispatcher (e.g. undici's MockAgent). */
export function setDispatcher(d: Dispatcher | undefined): void {
  baseDispatcher = d;
}
function dispatcher(): Dispatcher {
  if (!baseDispatcher) baseDispatcher = new Agent({ keepAliveTimeout: 4_000, connections: 32 });
  return baseDispatcher;
}

export interface RequestSpec {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | boolean | undefined>;
  body?: unknown;
  /** A POST that is safe to send again after an unknown outcome (e.g. a restore). */
  idempotent?: boolean;
}

export interface Answer {
  status: number;
  body: unknown;
  requestId?: string;
  attempts: number;
}

function retryAfterMs(headers: Record<string, string | string[] | undefined> | undefined): number | undefined {
  const raw = headers?.["retry-after"];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function headerOf(headers: Record<string, string | string[] | undefined> | undefined, name: string): string | undefined {
  const v = headers?.[name];
  return Array.isArray(v) ? v[0] : v;
}

function errorCodeOf(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.cause?.code ?? e?.code;
}

function parseErrorBody(body: unknown): { code?: string; message?: string } {
  if (body && typeof body === "object") {
    const e = (body as { error?: unknown }).error;
    if (e && typeof e === "object") {
      const { code, message } = e as { code?: unknown; message?: unknown };
      return { code: typeof code === "string" ? code : undefined, message: typeof message === "string" ? message : undefined };
    }
    if (typeof e === "string") return { code: e, message: (body as { message?: string }).message };
    const m = (body as { message?: unknown; detail?: unknown }).message ?? (body as { detail?: unknown }).detail;
    if (typeof m === "string") return { message: m };
  }
  if (typeof body === "string" && body.trim()) return { message: body.trim().slice(0, 300) };
  return {};
}

const STATUS_WORDS: Record<number, string> = {
  400: "the request was refused as invalid",
  401: "the API key was refused (missing, invalid or revoked)",
  403: "the API key is not allowed to do this",
  404: "not found",
  409: "conflict",
  429: "rate limited",
};

function parseText(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function buildQuery(q: RequestSpec["query"]): string {
  if (!q) return "";
  const parts = Object.entries(q)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

/** A failed attempt as undici's retry handler reports it: an answer's status and headers, or a network error. */
type Failed = Error & { statusCode?: number; headers?: Record<string, string | string[] | undefined> };

/** The attempts of one operation so far. */
interface Attempts {
  started: number;
  deadline: number;
  /** The attempt under way (1 for the first). */
  count: number;
  /** The last Retry-After a 429 asked for (ms). */
  lastRetryAfter?: number;
}

/** A wait before attempt `attempt + 1`: exponential from `backoffMs`, capped, with full jitter. */
export function backoff(backoffMs: number, attempt: number): number {
  return Math.random() * Math.min(MAX_BACKOFF_MS, backoffMs * 2 ** (attempt - 1));
}

/** How long to wait before trying again after `e`, per the policy above; undefined: do not try again. */
function retryDelay(cfg: ResolvedConfig, idempotent: boolean, at: Attempts, e: Failed): number | undefined {
  const status = e.statusCode;
  const code = errorCodeOf(e);
  if (at.count > cfg.maxRetries || cfg.signal?.aborted) return undefined;
  const jittered = backoff(cfg.backoffMs, at.count);
  if (status === 429) {
    const ra = retryAfterMs(e.headers);
    at.lastRetryAfter = ra;
    return Math.min(ra ?? jittered, cfg.maxRetryAfterMs);
  }
  if (status !== undefined && status >= 500 && idempotent) return jittered;
  if (status === undefined && code && (NOT_SENT.has(code) || (idempotent && TRANSIENT.has(code)))) return jittered;
  return undefined;
}

/** undici's retry callback for one operation: waits within the deadline, logged and reported, or gives up. */
function retryCallback(cfg: ResolvedConfig, spec: RequestSpec, at: Attempts): RetryHandler.RetryCallback {
  const idempotent = spec.idempotent ?? IDEMPOTENT.has(spec.method);
  // Told in the caller's async context (undici calls back from its own).
  const onWait = cfg.onWait && AsyncLocalStorage.bind(cfg.onWait);
  return (err, _ctx, cb) => {
    const e = err as Failed;
    const delay = retryDelay(cfg, idempotent, at, e);
    if (delay === undefined || Date.now() + delay >= at.deadline) return cb(err);
    const status = e.statusCode;
    const code = errorCodeOf(e);
    debug(`${spec.method} ${spec.path}: attempt ${at.count} got ${status ?? code}; retrying in ${Math.round(delay)} ms`);
    onWait?.({ method: spec.method, path: spec.path, reason: status === 429 ? "rate limited (429)" : status ? `HTTP ${status}` : String(code), attempt: at.count, delayMs: delay });
    // The wait ends early, with this failure, when the client's signal is aborted (undici does not stop it).
    const signal = cfg.signal;
    const onAbort = () => {
      clearTimeout(timer);
      cb(err);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      at.count++;
      cb(null);
    }, delay);
    signal?.addEventListener("abort", onAbort, { once: true });
  };
}

/** The request's URL, headers (key, account, user agent) and JSON body. */
function requestOf(cfg: ResolvedConfig, spec: RequestSpec): { url: string; headers: Record<string, string>; body?: string } {
  const headers: Record<string, string> = {
    authorization: `Bearer ${cfg.apiKey}`,
    accept: "application/json",
    "user-agent": `pulumi-chaser/${packageVersion()}`,
  };
  if (cfg.account) headers["x-chaser-account"] = cfg.account;
  let body: string | undefined;
  if (spec.body !== undefined) {
    body = JSON.stringify(spec.body);
    headers["content-type"] = "application/json";
  }
  return { url: `${cfg.apiUrl}${spec.path}${buildQuery(spec.query)}`, headers, body };
}

/** The error for an operation that got no usable answer: a retryable status that ran out of retries, or none. */
function gaveUp(cfg: ResolvedConfig, spec: RequestSpec, at: Attempts, err: unknown): ChaserApiError {
  const e = err as Failed;
  const code = errorCodeOf(e);
  const facts = { method: spec.method, path: spec.path, attempts: at.count };
  if (typeof e.statusCode === "number") {
    // A retryable status that exhausted its retries (or a POST 5xx, never replayed here).
    const status = e.statusCode;
    debug(`${spec.method} ${spec.path} -> ${status} (gave up after ${at.count} attempts, ${Date.now() - at.started} ms)`);
    // undici's retry handler keeps the status and headers of the last answer, not its body.
    return apiError({
      ...facts,
      status,
      code: status === 429 ? "rate_limited" : "server_error",
      detail:
        status === 429
          ? `the Chaser API kept answering 429 (rate limited)${at.lastRetryAfter !== undefined ? `, last Retry-After ${Math.round(at.lastRetryAfter / 1000)} s` : ""}`
          : `the Chaser API answered ${status}`,
      requestId: headerOf(e.headers, "x-request-id"),
      retryAfterMs: at.lastRetryAfter,
    });
  }
  const timeout = code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT" || e.name === "TimeoutError" || e.name === "AbortError";
  debug(`${spec.method} ${spec.path} -> ${code ?? e.name} (gave up after ${at.count} attempts, ${Date.now() - at.started} ms)`);
  return apiError({
    ...facts,
    status: 0,
    code: timeout ? "timeout" : "transport_error",
    detail: timeout ? `no answer from the Chaser API at ${cfg.apiUrl} in time` : `could not reach the Chaser API at ${cfg.apiUrl}: ${code ?? e.message}`,
    cause: err,
  });
}

/** A 2xx answer, or the error an other answer means. */
async function answerOf(res: Dispatcher.ResponseData, spec: RequestSpec, at: Attempts): Promise<Answer> {
  const text = await res.body.text();
  const requestId = headerOf(res.headers as Record<string, string | string[] | undefined>, "x-request-id");
  const parsed = parseText(text);
  debug(`${spec.method} ${spec.path} -> ${res.statusCode} (request ${requestId ?? "-"}, ${Date.now() - at.started} ms, attempt ${at.count})`);
  if (res.statusCode >= 200 && res.statusCode < 300) return { status: res.statusCode, body: parsed, requestId, attempts: at.count };
  const info = parseErrorBody(parsed);
  throw apiError({
    status: res.statusCode,
    code: info.code ?? `http_${res.statusCode}`,
    detail: info.message ?? STATUS_WORDS[res.statusCode] ?? `the Chaser API answered ${res.statusCode}`,
    method: spec.method,
    path: spec.path,
    requestId,
    attempts: at.count,
  });
}

/** Why the client's signal was aborted (its reason's message), for the error of a request it stopped. */
function stopReason(signal: AbortSignal): string {
  const r = signal.reason as { message?: unknown } | undefined;
  return typeof r?.message === "string" ? r.message : "the client was stopped";
}

/** Sends one API operation, retried per the policy above; resolves for 2xx, rejects with ChaserApiError otherwise. */
export async function send(cfg: ResolvedConfig, spec: RequestSpec): Promise<Answer> {
  // Once the client's signal is aborted (in the provider: its engine is gone), nothing more is sent.
  if (cfg.signal?.aborted) {
    throw new StoppedError({ status: 0, code: "transport_error", detail: `not sent: ${stopReason(cfg.signal)}`, method: spec.method, path: spec.path });
  }
  const started = Date.now();
  const at: Attempts = { started, deadline: started + cfg.deadlineMs, count: 1 };
  const agent = new RetryAgent(dispatcher(), {
    retry: retryCallback(cfg, spec, at),
    statusCodes: RETRY_STATUS,
    methods: ["GET", "PUT", "PATCH", "DELETE", "POST", "HEAD"],
    errorCodes: [...NOT_SENT, ...TRANSIENT],
    maxRetries: cfg.maxRetries,
  });
  const { url, headers, body } = requestOf(cfg, spec);
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      method: spec.method,
      headers,
      body,
      dispatcher: agent,
      headersTimeout: cfg.attemptTimeoutMs,
      bodyTimeout: cfg.attemptTimeoutMs,
      signal: cfg.signal ? AbortSignal.any([AbortSignal.timeout(cfg.deadlineMs), cfg.signal]) : AbortSignal.timeout(cfg.deadlineMs),
    });
  } catch (err) {
    throw gaveUp(cfg, spec, at, err);
  }
  return answerOf(res, spec, at);
}
