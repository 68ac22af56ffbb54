/**
 * Creates are never replayed blindly. When the outcome of a create is unknown (no answer, a timeout, a 5xx) the
 * caller's `reconcile` looks for what the first attempts may have made: found, that is the result; not found,
 * the create is sent again after a backoff (exponential, full jitter), until the operation's deadline. A 409 on a
 * resend may be an earlier attempt applied late: it is reconciled the same way. One routine for every create.
 */
import type { Core } from "./core";
import { ChaserApiError, ConflictError, OutcomeUnknownError } from "./errors";
import { debug } from "./debug";
import { backoff } from "./transport";

export interface CreateOnce<T> {
  /** For messages: "workspace 'api-dev'". */
  what: string;
  /** Sends the create once (the transport never replays a create whose outcome is unknown). */
  send(): Promise<T>;
  /** After an unknown outcome: what an earlier attempt made, or undefined when it made nothing (send again). */
  reconcile(): Promise<T | undefined>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function createOnce<T>(core: Core, op: CreateOnce<T>): Promise<T> {
  const { deadlineMs, backoffMs, onWait } = core.config;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    let err: ChaserApiError;
    try {
      return await op.send();
    } catch (e) {
      if (!(e instanceof OutcomeUnknownError) && !(attempt > 1 && e instanceof ConflictError)) throw e;
      err = e;
    }
    const found = await op.reconcile();
    if (found !== undefined) {
      debug(`${err.method} ${err.path}: outcome of attempt ${attempt} was unknown (${err.code}); ${op.what} was created`);
      return found;
    }
    if (err instanceof ConflictError) throw err; // a conflict with something that is not ours
    const delay = backoff(backoffMs, attempt) + backoffMs;
    if (Date.now() + delay - started >= deadlineMs) {
      throw new OutcomeUnknownError({
        ...err.init(),
        code: "outcome_unknown",
        attempts: attempt,
        detail: `could not create ${op.what}: ${attempt} attempt(s) over ${Math.round((Date.now() - started) / 1000)} s had no usable answer (last: ${err.detail}), and nothing was created`,
      });
    }
    debug(`${err.method} ${err.path}: outcome of attempt ${attempt} was unknown (${err.code}); ${op.what} does not exist, sending again in ${Math.round(delay)} ms`);
    onWait?.({ method: err.method, path: err.path, reason: err.status ? `HTTP ${err.status}` : err.code, attempt, delayMs: delay });
    await sleep(delay);
  }
}
