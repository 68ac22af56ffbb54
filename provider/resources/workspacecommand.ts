/**
 * WorkspaceCommand: a command run in a sandbox workspace, as a resource. Its id is the id of the job that ran
 * `create`.
 *
 * Exactly once. Every command goes through the jobs API (`sandbox.exec`) with an idempotency key, so a request
 * sent again after a lost answer, a 5xx, a reset or a 429 answers the job already made and runs nothing. The key
 * names one run of one phase of one resource:
 * - `check` gives each new resource a run id, `__run`, kept in its inputs: derived from the resource's URN (its
 *   stack, project and name), so that the preview chaser-recover runs after an update whose checkpoints were
 *   skipped knows it too (state written by earlier releases keeps the random one it has). Create's keys are
 *   `wc-<run>-create`, then `…#2`, `#3`: a chain, one key per attempt over the resource's lifetimes.
 * - A create walks its chain: a key the API answers with a job this process did not send belongs to an earlier
 *   attempt (a failed run, an earlier lifetime of the same URN, destroyed since), so the next key runs it. The
 *   exception is chaser-recover's: after an interrupted update it takes a job created since that update began
 *   (its stack lock) as that update's own, succeeded or still running: reconciled, not run again (a failed one
 *   is run again). With a random run id (earlier releases) the key is that lifetime's alone: a job an earlier
 *   process made that succeeded or still runs is reconciled.
 * - update's key is derived from the run id, when the last command finished (`ranAt` in state) and the command
 *   with everything it is given: the same transition after a killed `up` is the same key (the job that ran is
 *   reconciled, not run again); another change is another key.
 * - delete's key from the run id and `ranAt`.
 * For update and delete, a key the API answers with a job made by an earlier process that failed (an `up` failed,
 * or was killed after the command failed) is that attempt's: the next key in its chain (`…#2`, `#3`) runs the
 * command again; one that succeeded or still runs is this run's, reconciled.
 *
 * Sessions. A command attaches a sandbox session to the workspace (the API reuses the live one or spawns one). The
 * session the command used is terminated after it, unless it was attached before the command was sent (someone
 * else's), so a Snapshot, a rename, a Template flag or a delete can follow in the same `up` without `force`.
 *
 * Stable surface: state requires `pulumi-chaser/dist/provider/resources/workspacecommand.js` (from its first release).
 */
import { createHash, randomUUID } from "node:crypto";
import { EXEC_TIMEOUT_DEFAULT_MS, sandboxProblem } from "../../contract";
import type { ExecResult, JobInfo } from "../client";
import { NotFoundError } from "../client/errors";
import { debug } from "../client/debug";
import { isFinished } from "../client/jobs";
import { ProviderError } from "../advice";
import type { Context } from "../context";
import { engineLog } from "../engine-log";
import { WorkspaceCommandModel } from "../models/workspacecommand";
import { seedOf } from "../naming";
import { madeSince, recoveryOf } from "../recovery";
import { Behaviour, Props, defineResource } from "../resource";
import { isUnknown } from "../values";

type M = typeof WorkspaceCommandModel;

/** A command's run, or (on refresh) the outputs in state kept. */
type Done = { job: JobInfo; result: ExecResult; ranAt: string; sessionId?: string; existed?: boolean };
type Run = Done | { kept: true };

/** Keys this process sent: a job answered for one of them is this process's own (a retry), never an earlier attempt's. */
const sent = new Set<string>();
/** For tests: forget the keys sent, as a new process would. */
export function forgetSentKeys(): void {
  sent.clear();
}

/** How far the API's clock may be behind this machine's, for telling this call's own job from an earlier one's. */
const OWN_JOB_CLOCK_MS = 60_000;

/** How long past its timeout a command's job is awaited before the resource fails. */
const WAIT_MARGIN_MS = 60_000;
const TAIL_LINES = 20;
const TAIL_CHARS = 2_000;

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const firstLine = (cmd: string) => clip(cmd.split("\n")[0], 80);

/** The workspace a command runs in: found by id or name; one that is not a sandbox is refused (the contract's rule). */
async function workspaceOf(ctx: Context, sel: string, fresh: boolean) {
  const ws = ctx.client.workspaces;
  const w = (await ws.find({ id: sel }, { fresh })) ?? (await ws.find({ name: sel }));
  const problem = w?.session_type ? sandboxProblem("workspace", sel, w.session_type) : undefined;
  if (problem) throw new ProviderError(problem);
  return w;
}

/** The command's output tail for a message: its last lines, with the environment's values and stdin blotted out. */
function tail(output: string, inputs: Props): string {
  let text = output;
  const secrets = [...Object.values((inputs.environment as Record<string, string> | undefined) ?? {}), ...(typeof inputs.stdin === "string" ? [inputs.stdin] : [])];
  for (const s of secrets.filter((x) => typeof x === "string" && x.length >= 3).sort((a, b) => b.length - a.length)) text = text.split(s).join("[secret]");
  const lines = text.replace(/\n+$/, "").split("\n").slice(-TAIL_LINES).join("\n");
  return lines.length > TAIL_CHARS ? `…${lines.slice(lines.length - TAIL_CHARS)}` : lines;
}

const hash = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 24);

/** What a command is given (the job's input, without the workspace). */
function given(inputs: Props, command: string) {
  return {
    command,
    env: (inputs.environment as Record<string, string> | undefined) ?? undefined,
    stdin: (inputs.stdin as string | undefined) ?? undefined,
    cwd: (inputs.cwd as string | undefined) ?? undefined,
    user: (inputs.user as string | undefined) ?? undefined,
    timeout_ms: (inputs.timeoutMs as number | undefined) ?? undefined,
  };
}

/** A run id drawn at random (earlier releases): its keys belong to one lifetime of the resource alone. */
const randomRun = (run: unknown) => typeof run === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-/.test(run);

/** Whether a job answered for a key could be the one that `input` asked for (where the API says what it ran). */
function sameJob(job: JobInfo, input: { workspace: string; command: string }): boolean {
  const i = job.input as Record<string, unknown> | undefined;
  if (!i || typeof i !== "object") return true;
  return (i.workspace === undefined || i.workspace === input.workspace) && (i.command === undefined || i.command === input.command);
}

interface RunOpts {
  /** For chaser-recover: a job an earlier process saw fail is the end (nothing was created), not a reason to run it again. */
  recovering?: boolean;
  /**
   * Create only: a job made since this time by an earlier process is the interrupted update's (chaser-recover):
   * taken over. Without it, an earlier process's job under a create key is an earlier attempt's (derived run ids).
   */
  since?: string;
}

/**
 * Runs `command` exactly once for the idempotency key `key` (see the module's comment) and waits for it; fails
 * with its exit code and output tail when it fails.
 */
async function run(ctx: Context, inputs: Props, phase: string, command: string, key: string, opts?: RunOpts & { recovering?: false }): Promise<Done>;
async function run(ctx: Context, inputs: Props, phase: string, command: string, key: string, opts: RunOpts & { recovering: true }): Promise<Done | undefined>;
async function run(ctx: Context, inputs: Props, phase: string, command: string, key: string, opts: RunOpts = {}): Promise<Done | undefined> {
  const recovering = opts.recovering === true;
  const sel = inputs.workspace as string;
  const w = await workspaceOf(ctx, sel, true);
  if (!w) throw new NotFoundWorkspace(sel, ctx.where);
  const before = w.active_session_id ?? undefined;
  const input = { workspace: w.id, ...given(inputs, command) };
  let job: JobInfo;
  let existed: boolean;
  for (let n = 1; ; n++) {
    const k = n === 1 ? key : `${key}#${n}`;
    const sentBefore = sent.has(k);
    sent.add(k);
    const at = Date.now();
    let resent: boolean;
    ({ job, existed, resent } = await ctx.client.jobs.create({ kind: "sandbox.exec", input, idempotency_key: k }));
    // This process's own: sent before (a retry of the hook), or made by this call's first request, whose answer was
    // lost (then it is no older than that request; a job older by more than the clocks can differ is another's).
    const ours = sentBefore || (resent && !(Date.parse(job.created_at ?? "") < at - OWN_JOB_CLOCK_MS));
    if (!existed || ours) break;
    const failed = isFinished(job) && job.status !== "succeeded";
    // Whether this earlier process's job is the attempt this call continues (else an earlier one: next key).
    const continues = phase !== "create" || randomRun(inputs.__run) || (opts.since !== undefined && madeSince(job.created_at, opts.since) && sameJob(job, input));
    if (continues && !failed) break;
    if (continues && recovering) return undefined;
    debug(`${phase} command: job ${job.id} (key ${k}) was an earlier attempt${continues ? "" : " (an earlier run of this resource)"} that ${job.status}; running it again with the next key`);
  }
  if (existed) debug(`${phase} command: the API answered job ${job.id}, made before with this key: reconciled, not run again`);
  const timeout = (inputs.timeoutMs as number | undefined) ?? EXEC_TIMEOUT_DEFAULT_MS;
  job = await ctx.client.jobs.wait(job, timeout + WAIT_MARGIN_MS);
  const result = (Array.isArray(job.result) ? job.result[job.result.length - 1] : job.result) ?? undefined;
  const sessionId = result?.session_id ?? undefined;
  if (sessionId && !(sessionId === before && !existed)) {
    // The session this command attached: ended, so what follows in the same up needs no force.
    if (await ctx.client.jobs.terminateSession(sessionId)) debug(`${phase} command: terminated session ${sessionId} it attached`);
  }
  const where = `in workspace '${w.name ?? w.id}'`;
  if (!isFinished(job)) {
    throw new ProviderError(`the ${phase} command \`${firstLine(command)}\` ${where} did not finish within ${Math.round((timeout + WAIT_MARGIN_MS) / 1000)} s (job ${job.id}, ${job.status}); it was not recorded as done`);
  }
  if (job.status !== "succeeded" || !result || (result.exit_code ?? 0) !== 0) {
    if (recovering) return undefined;
    const out = result?.output ? tail(result.output, inputs) : "";
    const shown = out ? `; the last lines of its output${result?.output_truncated ? " (truncated)" : ""}:\n${out}` : "; it printed nothing";
    const why =
      result?.status === "timed_out"
        ? `timed out after ${timeout} ms (timeoutMs)`
        : result?.exit_code !== undefined && result?.exit_code !== null
          ? `exited with code ${result.exit_code}`
          : `failed (job ${job.status})`;
    throw new ProviderError(`the ${phase} command \`${firstLine(command)}\` ${where} ${why} (job ${job.id}); nothing was recorded as done, and the next up runs it again${shown}`);
  }
  return { job, result, ranAt: job.finished_at ?? new Date().toISOString(), sessionId, existed };
}

class NotFoundWorkspace extends ProviderError {
  constructor(sel: string, where: string) {
    super(`workspace: there is no workspace '${sel}' in ${where}`);
  }
}

export const workspaceCommand: Behaviour<M, Run> = {
  model: WorkspaceCommandModel,
  // Each new resource (and each replacement: its check has no old inputs) gets the run id its URN derives; kept after.
  normalize: (inputs, olds) => ({ ...inputs, __run: typeof olds.__run === "string" ? olds.__run : `u${seedOf(WorkspaceCommandModel.name, inputs)}` }),
  previewChecks: async (ctx, inputs) => {
    if (isUnknown(inputs.workspace)) return [];
    try {
      await workspaceOf(ctx, inputs.workspace, false);
      return [];
    } catch (e) {
      if (e instanceof ProviderError) return [{ property: "workspace", reason: e.message }];
      throw e;
    }
  },
  create: async (ctx, inputs) => {
    // In chaser-recover's update: a job the interrupted update made for this resource is taken over.
    const since = recoveryOf(inputs.__urn)?.since;
    const r = await run(ctx, inputs as Props, "create", inputs.create, `wc-${inputs.__run ?? randomUUID()}-create`, { since });
    if (r.existed && since !== undefined) engineLog(`took over job ${r.job.id}, which the interrupted update created: the command is not run again`);
    return { id: r.job.id, answer: r };
  },
  update: async (ctx, _id, olds, news) => {
    const command = news.update ?? news.create;
    const key = `wc-${olds.__run ?? news.__run}-update-${hash([olds.ranAt, news.workspace, given(news as Props, command)])}`;
    return { answer: await run(ctx, news as Props, "update", command, key) };
  },
  delete: async (ctx, _id, state) => {
    if (typeof state.delete !== "string") return;
    try {
      await run(ctx, state as Props, "delete", state.delete, `wc-${state.__run}-delete-${hash([state.ranAt])}`);
    } catch (e) {
      if (!(e instanceof NotFoundWorkspace || e instanceof NotFoundError)) throw e;
      engineLog(`the delete command was not run: workspace '${String(state.workspace)}' no longer exists`);
    }
  },
  // A command has nothing to refresh (its run is done); a `get` checks that its job exists.
  read: async (ctx, id, state) => {
    if (!Object.keys(state).every((k) => k.startsWith("__"))) return { kept: true };
    const job = await ctx.client.jobs.get(id);
    const result = Array.isArray(job.result) ? job.result[job.result.length - 1] : job.result;
    return result ? { job, result, ranAt: job.finished_at ?? job.created_at ?? "" } : undefined;
  },
  findCreated: async (ctx, inputs, { since }) => {
    if (typeof inputs.__run !== "string") return undefined;
    const r = await run(ctx, inputs as Props, "create", inputs.create, `wc-${inputs.__run}-create`, { recovering: true, since });
    return r ? { id: r.job.id, answer: r } : undefined;
  },
  outputs: (r, _inputs, previous) => {
    if ("kept" in r) {
      return { exitCode: previous.exitCode as number, output: previous.output as string, outputTruncated: previous.outputTruncated as boolean, ranAt: previous.ranAt as string, sessionId: previous.sessionId as string };
    }
    return {
      exitCode: r.result.exit_code ?? 0,
      output: r.result.output ?? "",
      outputTruncated: r.result.output_truncated ?? false,
      ranAt: r.ranAt,
      sessionId: r.sessionId,
    };
  },
  advice: (e) => {
    if (e.code === "insufficient_scope") return `the API key lacks a scope a command needs (exec.write to run it, workspaces.read to find the workspace, sessions.write to end its session): ${e.detail}`;
    return undefined;
  },
};

export const { configure, check, diff, create, read, update, remove, recover } = defineResource(workspaceCommand);
export { remove as delete };
