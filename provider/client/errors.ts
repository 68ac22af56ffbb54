/**
 * One error type for everything the Chaser API answers or fails to answer. Messages are written for a
 * person and never contain the credential (see redact.ts): they pass through `redact` before being set.
 */
import { redact } from "./redact";

export interface ChaserApiErrorInit {
  status: number; // 0 when no HTTP answer was received (transport error, timeout)
  code: string; // the server's error code, or a client-side one (transport_error, timeout, invalid_response, outcome_unknown)
  message: string; // the sentence a person reads
  method: string;
  path: string;
  requestId?: string;
  attempts?: number;
  cause?: unknown;
}

export class ChaserApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly method: string;
  readonly path: string;
  readonly requestId?: string;
  readonly attempts: number;

  constructor(init: ChaserApiErrorInit) {
    const where = `${init.method} ${init.path}`;
    const status = init.status ? `HTTP ${init.status}` : "no answer";
    const rid = init.requestId ? `, request id ${init.requestId}` : "";
    const tries = init.attempts && init.attempts > 1 ? `, after ${init.attempts} attempts` : "";
    super(redact(`${init.message} (${where}: ${status} ${init.code}${rid}${tries})`));
    this.name = "ChaserApiError";
    this.status = init.status;
    this.code = init.code;
    this.method = init.method;
    this.path = init.path;
    this.requestId = init.requestId;
    this.attempts = init.attempts ?? 1;
  }

  isNotFound(): boolean {
    return this.status === 404;
  }
  isConflict(): boolean {
    return this.status === 409;
  }
  isUnauthorized(): boolean {
    return this.status === 401;
  }
  isForbidden(): boolean {
    return this.status === 403;
  }
  /** True when the request may or may not have been applied: no answer, a timeout, or a 5xx. */
  isOutcomeUnknown(): boolean {
    return this.status === 0 || this.status >= 500;
  }
}

/** A configuration problem found before any request is sent. */
export class ChaserConfigError extends Error {
  constructor(message: string) {
    super(redact(message));
    this.name = "ChaserConfigError";
  }
}
