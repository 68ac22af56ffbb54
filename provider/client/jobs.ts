/**
 * Commands in a workspace, through the jobs API: a job is created with an `idempotency_key`, so a request sent
 * again (after a lost answer, a 5xx, a reset, a 429) answers the same job and runs nothing twice; then the job is
 * awaited. Also the sessions a command attaches (terminated afterwards by the caller).
 */
import { endpoint, jobFinished, wire } from "../../contract";
import { Core } from "./core";
import { debug } from "./debug";
import { ChaserApiError, ConflictError, NotFoundError, OutcomeUnknownError, RateLimitedError } from "./errors";
import { backoff } from "./transport";

export type JobInfo = wire.JobInfo;
export type ExecResult = wire.ExecResult;

export const isFinished = (j: JobInfo) => jobFinished(j.status);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Jobs {
  constructor(private readonly core: Core) {}

  /**
   * Creates a job with an idempotency key; `existed` says whether the API answered a job made before with that key
   * (200) rather than a new one (201), `resent` whether that answer came to a request sent again (the outcome of an
   * earlier one unknown: the job may be this call's own). Sent again with the same key while the outcome is
   * unknown, until the operation's deadline: the key makes that safe.
   */
  async create(req: wire.JobRequest & { idempotency_key: string }): Promise<{ job: JobInfo; existed: boolean; resent: boolean }> {
    const { deadlineMs, backoffMs, onWait } = this.core.config;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        const a = await this.core.answer({ ...endpoint("createJob"), body: req, idempotent: true }, wire.jobInfo);
        return { job: a.body, existed: a.status === 200, resent: attempt > 1 || a.attempts > 1 };
      } catch (e) {
        if (!(e instanceof OutcomeUnknownError || e instanceof RateLimitedError)) throw e;
        const delay = backoff(backoffMs, attempt) + backoffMs;
        if (Date.now() + delay - started >= deadlineMs) throw e;
        debug(`POST /v1/jobs (idempotency key ${req.idempotency_key}): ${e.code}; sending the same job again in ${Math.round(delay)} ms`);
        onWait?.({ method: "POST", path: "/v1/jobs", reason: e.status ? `HTTP ${e.status}` : e.code, attempt, delayMs: delay });
        await sleep(delay);
      }
    }
  }

  get(id: string): Promise<JobInfo> {
    return this.core.call(endpoint("getJob", { id }), wire.jobInfo);
  }

  /** Waits until the job has finished (polling, 200 ms doubling to 2 s), or `waitMs` passed (then the job as it is). */
  async wait(job: JobInfo, waitMs: number): Promise<JobInfo> {
    const until = Date.now() + waitMs;
    let j = job;
    for (let delay = 200; !isFinished(j) && Date.now() < until; delay = Math.min(delay * 2, 2_000)) {
      await sleep(Math.min(delay, Math.max(0, until - Date.now())));
      j = await this.get(j.id);
    }
    return j;
  }

  /** Terminates a session; resolves false when it was already gone or terminated. */
  async terminateSession(id: string): Promise<boolean> {
    try {
      await this.core.call(endpoint("terminateSession", { id }));
      return true;
    } catch (e) {
      if (e instanceof NotFoundError || (e instanceof ConflictError && e.code === "session_not_open")) return false;
      throw e;
    }
  }
}

export { ChaserApiError };
