/**
 * What the Chaser API answers, or fails to answer, as one error class per kind of failure (the way stripe-node
 * does it): callers branch with `instanceof`, never on status numbers. Messages are for a person and never hold
 * a credential: they pass through `redact` when built.
 *
 * `detail` is the server's own sentence; `message` adds where it happened once:
 * "<detail> (POST /v1/workspaces: HTTP 409 workspace_name_taken, request id req_…)".
 */
import { redact } from "./redact";

export interface ChaserApiErrorInit {
  /** 0 when no HTTP answer was received (transport error, timeout). */
  status: number;
  /** The server's error code, or a client-side one (transport_error, timeout, invalid_response, outcome_unknown). */
  code: string;
  /** The sentence a person reads (the server's message, or ours). */
  detail: string;
  method: string;
  path: string;
  requestId?: string;
  attempts?: number;
  /** For 429: the last Retry-After the server asked for (ms). */
  retryAfterMs?: number;
  cause?: unknown;
}

export class ChaserApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly method: string;
  readonly path: string;
  readonly requestId?: string;
  readonly attempts: number;

  constructor(init: ChaserApiErrorInit) {
    super(redact(`${init.detail} (${facts(init)})`), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.detail = redact(init.detail);
    this.method = init.method;
    this.path = init.path;
    this.requestId = init.requestId;
    this.attempts = init.attempts ?? 1;
  }

  /** The same failure with another sentence (the request facts are kept). */
  withDetail(detail: string): ChaserApiError {
    const Kind = this.constructor as new (init: ChaserApiErrorInit) => ChaserApiError;
    return new Kind({ ...this.init(), detail });
  }

  /** Where and how it failed, once: "POST /v1/workspaces: HTTP 409 workspace_name_taken, request id req_…". */
  facts(): string {
    return facts(this.init());
  }

  init(): ChaserApiErrorInit {
    return { status: this.status, code: this.code, detail: this.detail, method: this.method, path: this.path, requestId: this.requestId, attempts: this.attempts };
  }
}

function facts(e: ChaserApiErrorInit): string {
  const status = e.status ? `HTTP ${e.status} ${e.code}` : e.code;
  const rid = e.requestId ? `, request id ${e.requestId}` : "";
  const tries = e.attempts && e.attempts > 1 ? `, ${e.attempts} attempts` : "";
  return `${e.method} ${e.path}: ${status}${rid}${tries}`;
}

/** 400: the request was refused as invalid. */
export class InvalidRequestError extends ChaserApiError {}
/** 401: the key is missing, invalid or revoked. */
export class UnauthorizedError extends ChaserApiError {}
/** 403: the key may not do this (scope, account binding, role, plan). */
export class ForbiddenError extends ChaserApiError {}
/** 404: the object (or the account) does not exist. */
export class NotFoundError extends ChaserApiError {}
/** 409: a conflict with the current state (a name taken, a session attached, the last owner). */
export class ConflictError extends ChaserApiError {}
/** 429 that outlasted the retries. */
export class RateLimitedError extends ChaserApiError {
  readonly retryAfterMs?: number;
  constructor(init: ChaserApiErrorInit) {
    super(init);
    this.retryAfterMs = init.retryAfterMs;
  }
}
/** The request may or may not have been applied: no answer, a timeout, or a 5xx. */
export class OutcomeUnknownError extends ChaserApiError {}

/** Not sent: the client's signal was aborted (in the provider: its engine is gone). Nothing was applied; nothing retries it. */
export class StoppedError extends ChaserApiError {}
/** The server answered 2xx in a shape the client cannot use. */
export class InvalidResponseError extends ChaserApiError {}
/** Any other answer. */
export class UnexpectedStatusError extends ChaserApiError {}

/** The error class for an answer (or the absence of one). */
export function apiError(init: ChaserApiErrorInit): ChaserApiError {
  const s = init.status;
  if (s === 0 || s >= 500) return new OutcomeUnknownError(init);
  if (s === 400 || s === 413 || s === 415 || s === 422) return new InvalidRequestError(init);
  if (s === 401) return new UnauthorizedError(init);
  if (s === 403) return new ForbiddenError(init);
  if (s === 404) return new NotFoundError(init);
  if (s === 409) return new ConflictError(init);
  if (s === 429) return new RateLimitedError(init);
  return new UnexpectedStatusError(init);
}

/**
 * Resolves true when the call succeeded, false when its object did not exist (404): for deletes, where an
 * object already gone is as good as deleted. Other failures are thrown.
 */
export async function existed(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (e) {
    if (e instanceof NotFoundError) return false;
    throw e;
  }
}

/** A configuration problem found before any request is sent. */
export class ChaserConfigError extends Error {
  constructor(message: string) {
    super(redact(message));
    this.name = "ChaserConfigError";
  }
}
