/**
 * Running commands in a workspace: `POST /v1/exec`, `POST /v1/sessions/{id}/exec`, and the jobs `sandbox.exec`
 * and `pipeline.run` (`POST /v1/jobs`, `GET /v1/jobs/{id}`, `GET /v1/jobs/kinds`). Nothing runs on the host
 * (exec.ts). A job's command is run (recorded, its scripted result fixed) when the job is created; the job answers
 * `running` until its scripted duration has passed, then `succeeded` or `failed`. A second `POST /v1/jobs` with an
 * `idempotency_key` the account used before answers that job (200) and runs nothing.
 */
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { firstIssue, JOB_KINDS, JobKind, JobStatus, wire } from "../../../contract";
import { checkRecord } from "../records";
import { checkTarget, CommandRequest, Ran, runCommand, Target } from "../exec";
import { ApiError, invalid } from "../errors";
import type { Account, JobRecord } from "../records";
import type { State } from "../state";
import { now } from "../util";
import type { AuditNote } from "../audit";
import { AuditSpec, Ctx, Reply, Route, route } from "./route";

const KIND_DESCRIPTIONS: Record<JobKind, string> = {
  "sandbox.exec": "Run one command on a workspace's sandbox (or an ephemeral sandbox).",
  "pipeline.run": "Run steps in order on one workspace's sandbox, stopping at the first that fails.",
};

function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw invalid("", firstIssue(r.error as z.ZodError, "input"));
  return r.data;
}

/** Where `POST /v1/exec` (or a `sandbox.exec` job) runs its command. */
function execTarget(st: State, acct: Account, body: z.output<typeof wire.execRequest>): Target {
  if (body.ephemeral) {
    if (body.workspace != null) throw invalid("workspace", "cannot be combined with ephemeral: true");
    return { ephemeral: true, image: body.image ?? null };
  }
  if (body.workspace == null) throw invalid("workspace", "is required (a workspace name or id) unless ephemeral is true");
  if (body.image != null) throw invalid("image", "is accepted only with ephemeral: true; a workspace's sandbox uses the workspace's image");
  return { workspace: st.resolveWorkspace(acct, body.workspace) };
}

const commandOf = (b: CommandRequest): CommandRequest => ({ command: b.command, background: b.background, cwd: b.cwd, env: b.env, stdin: b.stdin, timeout_ms: b.timeout_ms, user: b.user });

/** What a job keeps of its input: never environment values or stdin (names of the variables and stdin's length). */
function keptInput(input: Record<string, unknown>): Record<string, unknown> {
  const { env, stdin, ...rest } = input;
  const kept: Record<string, unknown> = { ...rest };
  if (env && typeof env === "object") kept.env_keys = Object.keys(env);
  if (typeof stdin === "string") kept.stdin_chars = stdin.length;
  return kept;
}

export function jobInfo(j: JobRecord): wire.JobInfo {
  const done = Date.now() >= Date.parse(j.finishes_at);
  const status: JobStatus = done ? (j.failed ? "failed" : "succeeded") : "running";
  return {
    id: j.id,
    kind: j.kind,
    status,
    input: j.input,
    result: done ? (j.result as wire.JobInfo["result"]) : null,
    idempotency_key: j.idempotency_key,
    created_at: j.created_at,
    finished_at: done ? j.finishes_at : null,
  };
}

function job(st: State, acct: Account, id: string): JobRecord {
  const j = st.d.jobs.get(id);
  if (!j || j.accountId !== acct.id) throw new ApiError("job_not_found", `no job '${id.slice(0, 100)}' in account '${acct.name}'`);
  return j;
}

function runJob(st: State, acct: Account, kind: string, input: Record<string, unknown>, jobId: string): { ran: Ran[]; result: JobRecord["result"] } {
  if (kind === "sandbox.exec") {
    const body = parseInput(wire.jobInputs[kind], input);
    if (body.background) throw invalid("input.background", "is not supported in a job: a job waits for its command");
    const target = execTarget(st, acct, body);
    checkTarget(target);
    const ran = runCommand(st, acct, target, commandOf(body), "job", jobId);
    return { ran: [ran], result: ran.result };
  }
  if (kind === "pipeline.run") {
    const body = parseInput(wire.jobInputs[kind], input);
    const target: Target = { workspace: st.resolveWorkspace(acct, body.workspace, "input.workspace") };
    checkTarget(target);
    const ran: Ran[] = [];
    for (const step of body.steps) {
      const r = runCommand(st, acct, target, { command: step.command, timeout_ms: step.timeout_ms, cwd: body.cwd, env: body.env, user: body.user }, "job", jobId);
      ran.push(r);
      if (r.failed) break;
    }
    return { ran, result: ran.map((r) => r.result) };
  }
  throw invalid("kind", `must be one of ${JOB_KINDS.join(", ")} (got '${kind.slice(0, 60)}')`);
}

/**
 * The audit log's `session.exec` event of each command run (its text, never its environment or stdin); a job
 * answered again for its idempotency key ran nothing and records nothing.
 */
const EXEC_AUDIT: AuditSpec = { action: "session.exec", resourceType: "session", target: () => null, notedOnly: true };
function execNote(r: Ran): AuditNote {
  const x = r.result;
  const text = x.command ?? "";
  const command = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  const outcome = x.exit_code === null ? (x.background ? "started in the background" : "timed out") : `exit ${x.exit_code}`;
  return { resourceId: x.session_id ?? null, summary: `ran \`${command}\` in ${x.workspace ? `workspace '${x.workspace}'` : "an ephemeral sandbox"} (${outcome})`, metadata: { command_id: x.command_id, workspace_id: x.workspace_id, exit_code: x.exit_code } };
}

/** Both exec endpoints, once the target is known: checked, run, told in the audit log, answered with the result. */
function execOn({ st, acct, body, audit }: Ctx<CommandRequest>, target: Target, via: "exec" | "session"): Reply {
  checkTarget(target);
  const ran = runCommand(st, acct, target, commandOf(body), via, null);
  audit.push(execNote(ran));
  return { status: 200, body: ran.result };
}

export const execRoutes: Route[] = [
  route({
    name: "exec", access: "exec.write", body: wire.execRequest, audit: EXEC_AUDIT,
    handle: (c) => execOn(c, execTarget(c.st, c.acct, c.body), "exec"),
  }),

  route({
    name: "sessionExec", access: "exec.write", body: wire.sessionExecRequest, audit: EXEC_AUDIT,
    handle: (c) => execOn(c, { session: c.st.session(c.acct, c.params.id) }, "session"),
  }),

  route({
    name: "createJob", access: "exec.write", body: wire.createJobRequest, audit: EXEC_AUDIT,
    handle: ({ st, acct, body, audit }) => {
      const key = body.idempotency_key ?? null;
      if (key !== null) {
        for (const j of st.d.jobs.values()) if (j.accountId === acct.id && j.idempotency_key === key) return { status: 200, body: jobInfo(j) };
      }
      const id = `job_${randomUUID()}`;
      const created = now();
      const start = body.run_at && Date.parse(body.run_at) > Date.now() ? Date.parse(body.run_at) : Date.now();
      const { ran, result } = runJob(st, acct, body.kind, body.input, id);
      for (const r of ran) audit.push(execNote(r));
      const duration = ran.reduce((n, r) => n + r.durationMs, 0);
      const rec: JobRecord = {
        id, accountId: acct.id, kind: body.kind, input: keptInput(body.input), idempotency_key: key, created_at: created,
        finishes_at: new Date(start + duration).toISOString(), failed: ran.some((r) => r.failed), result,
      };
      const checked = checkRecord("jobs", id, rec);
      if ("error" in checked) throw new Error(checked.error);
      return { status: 201, body: jobInfo(st.store.put("jobs", id, rec)) };
    },
  }),

  // Before getJob: `kinds` is not a job id.
  route({
    name: "jobKinds", access: "any",
    handle: () => ({
      status: 200,
      body: { kinds: JOB_KINDS.map((k) => ({ kind: k, description: KIND_DESCRIPTIONS[k], input_schema: z.toJSONSchema(wire.jobInputs[k], { io: "input", unrepresentable: "any" }) })) },
    }),
  }),

  route({
    name: "getJob", access: "exec.write",
    handle: ({ st, acct, params }) => ({ status: 200, body: jobInfo(job(st, acct, params.id)) }),
  }),
];
