/**
 * Commands in a workspace's sandbox, as chaser-local runs them: it never executes anything on the host. Each
 * command is recorded in the workspace's history (the `/_local/commands` control lists it) and answers exit code
 * 0 with empty output, unless a script (the `/_local/exec-scripts` control) matches it: the first rule whose
 * `pattern` (a regular expression) matches the command gives its exit code, output, duration and truncation.
 *
 * A command on a workspace reuses the workspace's live sandbox session or spawns one and attaches it (as the
 * documentation says: the snapshot, clone and delete rules for attached sessions then apply); an ephemeral one
 * runs on a sandbox of its own, terminated after the command.
 */
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { EXEC_OUTPUT_MAX, EXEC_TIMEOUT_DEFAULT_MS, sandboxProblem, wire } from "../../contract";
import { ApiError } from "./errors";
import type { Account, CommandRecord, Session, Workspace } from "./records";
import type { State } from "./state";
import { now } from "./util";

// ---- running a command ------------------------------------------------------------------------------------------

export type CommandRequest = z.output<typeof wire.sessionExecRequest>;

export interface Ran {
  result: wire.ExecResult;
  /** how long it takes (scripted) */
  durationMs: number;
  failed: boolean;
}

/** Where a command runs: a workspace's sandbox, a given session, or an ephemeral sandbox. */
export type Target = { workspace: Workspace } | { session: Session } | { ephemeral: true; image: string | null };

function sandboxOnly(problem: string | undefined): void {
  if (problem) throw new ApiError("unsupported_session_type", problem);
}

/** Checks the target before anything changes (404, 400, 409). */
export function checkTarget(target: Target): void {
  if ("workspace" in target) sandboxOnly(sandboxProblem("workspace", target.workspace.name ?? target.workspace.id, target.workspace.session_type));
  if ("session" in target) {
    sandboxOnly(sandboxProblem("session", target.session.id, target.session.session_type));
    if (target.session.status === "terminated") throw new ApiError("session_not_open", "Session is terminated");
  }
}

function spawn(st: State, acct: Account, type: string, w: Workspace | null, image: string | null): Session {
  const s: Session = { id: randomUUID(), accountId: acct.id, session_type: type, status: "running", created_at: now(), workspace_id: w?.id ?? null, image };
  st.store.put("sessions", s.id, s);
  if (w) st.store.put("workspaces", w.id, { ...st.d.workspaces.get(w.id)!, active_session_id: s.id, last_session_id: s.id });
  return s;
}

const expand = (text: string, req: CommandRequest) =>
  text.replace(/\{\{(stdin|env\.([A-Za-z_][A-Za-z0-9_]*))\}\}/g, (_, what: string, name?: string) => (name ? (req.env?.[name] ?? "") : (req.stdin ?? "")));

/** Runs (records and answers) one command. The target was checked (checkTarget). */
export function runCommand(st: State, acct: Account, target: Target, req: CommandRequest, via: string, jobId: string | null): Ran {
  let session: Session;
  let w: Workspace | null = null;
  const ephemeral = "ephemeral" in target;
  if ("workspace" in target) {
    w = target.workspace;
    session = st.liveSession(st.d.workspaces.get(w.id)!) ?? spawn(st, acct, "sandbox", w, w.image);
  } else if ("session" in target) {
    session = target.session;
    w = session.workspace_id ? (st.d.workspaces.get(session.workspace_id) ?? null) : null;
  } else {
    session = spawn(st, acct, "sandbox", null, target.image);
  }
  const rule = st.scripts.pick(req.command);
  const timeout = req.timeout_ms || EXEC_TIMEOUT_DEFAULT_MS;
  const duration = rule?.durationMs ?? 0;
  const timedOut = duration > timeout;
  let output = expand(rule?.output ?? "", req);
  let truncated = rule?.truncated ?? false;
  if (output.length > EXEC_OUTPUT_MAX) {
    output = output.slice(output.length - EXEC_OUTPUT_MAX);
    truncated = true;
  }
  const exitCode = timedOut ? null : (rule?.exitCode ?? 0);
  const commandId = `cmd_${randomUUID()}`;
  const background = req.background === true;
  const result: wire.ExecResult = {
    background,
    command: req.command,
    ephemeral,
    kind: "sandbox",
    session_id: session.id,
    status: background ? "running" : timedOut ? "timed_out" : "completed",
    command_id: commandId,
    exit_code: background ? null : exitCode,
    output: background ? null : output,
    output_truncated: background ? false : truncated,
    pid: 1000 + st.d.commands.size,
    workspace: w?.name ?? null,
    workspace_id: w?.id ?? null,
  };
  const rec: CommandRecord = {
    id: commandId, accountId: acct.id, seq: nextSeq(st), workspaceId: w?.id ?? null, workspace: w?.name ?? null, session_id: session.id,
    command: req.command, cwd: req.cwd ?? null, user: req.user ?? null, env_keys: Object.keys(req.env ?? {}), stdin_chars: (req.stdin ?? "").length,
    exit_code: exitCode, status: result.status as string, via, job_id: jobId, at: now(),
  };
  st.store.put("commands", rec.id, rec);
  if (ephemeral) st.terminate(st.d.sessions.get(session.id)!);
  return { result, durationMs: timedOut ? timeout : duration, failed: timedOut || exitCode !== 0 };
}

function nextSeq(st: State): number {
  let max = 0;
  for (const c of st.d.commands.values()) if (c.seq > max) max = c.seq;
  return max + 1;
}

/** The history, oldest first, as the `/_local/commands` control lists it. */
export function history(st: State): CommandRecord[] {
  return [...st.d.commands.values()].sort((a, b) => a.seq - b.seq);
}
