/**
 * What travels on the wire: the request bodies (chaser-local validates them with these schemas; the client's
 * request types are inferred from them) and the answers (the client parses them with these schemas; chaser-local
 * types what it answers with the inferred types, so the two cannot drift).
 *
 * Answers are parsed tolerantly, as a newer or the real server may answer: unknown fields are kept, optional
 * fields may be null or missing, status strings are open. What the provider relies on (ids, names, a key's
 * secret) is strict.
 */
import { z } from "zod";
import * as rule from "./rules";

const bool = z.boolean("must be true or false");
const optStr = z.string().nullish();

// ---- requests ------------------------------------------------------------------------------------------------

export const createWorkspaceRequest = z.object({
  name: rule.slugName.nullish(),
  session_type: rule.sessionType.nullish(),
  image: rule.image.nullish(),
  template: bool.nullish(),
  clone_from: rule.workspaceSelector.nullish(),
});
export type CreateWorkspaceRequest = z.input<typeof createWorkspaceRequest>;

export const importWorkspaceRequest = z.object({
  github_repo: rule.githubRepo,
  name: rule.slugName.nullish(),
});
export type ImportWorkspaceRequest = z.input<typeof importWorkspaceRequest>;

/** `name: null` clears the name; the field itself is required. */
export const renameWorkspaceRequest = z.object({ name: rule.slugName.nullable() });
export const setTemplateRequest = z.object({ template: bool });
export const bulkDeleteRequest = z.object({
  workspace_ids: z.array(rule.workspaceSelector, "must be a list of workspace ids").max(1000, "must list at most 1000 workspaces"),
  force: bool.nullish(),
});

export const createSnapshotRequest = z.object({ name: rule.slugName, force: bool.nullish() });
export const restoreSnapshotRequest = z.object({ force: bool.nullish() });

export const createKeyRequest = z.object({
  name: rule.keyName.nullish(),
  scopes: z.array(rule.scope, "must be a list of scopes").max(rule.SCOPES.length * 4, "lists too many scopes").nullish(),
});
export type CreateKeyRequest = z.input<typeof createKeyRequest>;

export const createOrganizationRequest = z.object({ name: rule.organizationName });
export const addMemberRequest = z.object({ email: rule.email, role: rule.role });
export const changeRoleRequest = z.object({ role: rule.role });
export const createServiceAccountRequest = z.object({ name: rule.organizationName });
export const addSshKeyRequest = z.object({ public_key: rule.sshPublicKey });

export const createSessionRequest = z.object({
  workspace: rule.workspaceSelector.nullish(),
  session_type: rule.sessionType.nullish(),
  ephemeral: bool.nullish(),
  image: rule.image.nullish(),
});

/** What a command takes (`POST /v1/sessions/{id}/exec`; `POST /v1/exec` adds where it runs). */
const commandFields = {
  command: rule.command,
  background: bool.nullish(),
  cwd: rule.execCwd.nullish(),
  env: rule.environment.nullish(),
  stdin: rule.stdin.nullish(),
  timeout_ms: rule.execTimeoutMs.nullish(),
  user: rule.execUser.nullish(),
};
export const sessionExecRequest = z.object(commandFields);
/** `POST /v1/exec` and the input of a `sandbox.exec` job: on a workspace, or on an ephemeral sandbox. */
export const execRequest = z.object({
  ...commandFields,
  workspace: rule.workspaceSelector.nullish(),
  ephemeral: bool.nullish(),
  image: rule.image.nullish(),
});
export type ExecRequest = z.input<typeof execRequest>;
/** The input of a `pipeline.run` job: steps run in order on one workspace, stopping at the first that fails. */
export const pipelineInput = z.object({
  workspace: rule.workspaceSelector,
  steps: z
    .array(z.object({ command: rule.command, timeout_ms: rule.execTimeoutMs.nullish() }), "must be a list of steps")
    .min(1, "must have at least one step")
    .max(100, "must have at most 100 steps"),
  cwd: rule.execCwd.nullish(),
  env: rule.environment.nullish(),
  user: rule.execUser.nullish(),
});
export const createJobRequest = z.object({
  kind: z.string("must be a string").min(1, "must not be empty"),
  input: z.record(z.string(), z.unknown(), "must be an object"),
  run_at: z.iso.datetime({ offset: true, message: "must be an RFC 3339 time" }).nullish(),
  idempotency_key: rule.idempotencyKey.nullish(),
});
export type CreateJobRequest = z.input<typeof createJobRequest>;
/** What each job kind takes as `input`: chaser-local validates a job's input by its kind, the client is typed by it. */
export const jobInputs = { "sandbox.exec": execRequest, "pipeline.run": pipelineInput } as const satisfies Record<rule.JobKind, z.ZodType>;
/** A job to create, its input typed by its kind. */
export type JobRequest = {
  [K in rule.JobKind]: Omit<CreateJobRequest, "kind" | "input"> & { kind: K; input: z.input<(typeof jobInputs)[K]> };
}[rule.JobKind];

// ---- answers -------------------------------------------------------------------------------------------------

/** A list as documented, or wrapped in an object under `key` or `data` (tolerated from other servers). */
function listOf<T extends z.ZodTypeAny>(item: T, key: string, wrappedFirst = false) {
  const plain = z.array(item);
  const wrapped = [key, "data"].map((k) => z.looseObject({ [k]: z.array(item) }).transform((o) => o[k] as z.infer<T>[]));
  return wrappedFirst ? z.union([wrapped[0], plain, wrapped[1]]) : z.union([plain, ...wrapped]);
}

export const workspaceInfo = z.looseObject({
  id: z.string().min(1),
  name: z.string().nullable().optional(),
  created_at: optStr,
  persistence: z.boolean().nullish(),
  session_type: optStr,
  status: optStr,
  image: optStr,
  template: z.boolean().nullish(),
  github_repo: optStr,
  active_session_id: optStr,
  last_session_id: optStr,
  source_workspace_id: optStr,
  node_endpoint: optStr,
  assistant_home: optStr,
});
export type WorkspaceInfo = z.infer<typeof workspaceInfo>;
export const workspaceList = listOf(workspaceInfo, "workspaces");

/** Not documented: ours. */
export const snapshotInfo = z.looseObject({
  name: z.string().min(1),
  workspace_id: optStr,
  created_at: optStr,
  size_bytes: z.number().nullish(),
});
export type SnapshotInfo = z.infer<typeof snapshotInfo>;
export const snapshotList = listOf(snapshotInfo, "snapshots");

export const apiKeyInfo = z.looseObject({
  id: z.string().min(1),
  name: optStr,
  key_prefix: optStr,
  scopes: z.array(z.string()).nullish(),
  full_access: z.boolean().nullish(),
  created_at: optStr,
  last_used_at: optStr,
  revoked_at: optStr,
  service_account_id: optStr,
});
export type ApiKeyInfo = z.infer<typeof apiKeyInfo>;
/** Documented (for the older API) as `{keys: [...]}`. */
export const apiKeyList = listOf(apiKeyInfo, "keys", true);

export const serviceAccountInfo = z.looseObject({
  id: z.string().min(1),
  name: optStr,
  disabled: z.boolean().nullish(),
  created_by_user_id: optStr,
  created_at: optStr,
  updated_at: optStr,
});
export type ServiceAccountInfo = z.infer<typeof serviceAccountInfo>;
export const serviceAccountList = listOf(serviceAccountInfo, "service_accounts");

/** The create answer: the only time the secret `key` exists. */
export const createdApiKey = apiKeyInfo.extend({
  key: z.string().min(8),
  service_account: serviceAccountInfo.nullish(),
});
export type CreatedApiKey = z.infer<typeof createdApiKey>;

export const accountInfo = z.looseObject({
  id: z.string().min(1),
  name: z.string(),
  kind: optStr,
  role: optStr,
  created_at: optStr,
});
export type AccountInfo = z.infer<typeof accountInfo>;
export const accountList = listOf(accountInfo, "accounts");

export const memberInfo = z.looseObject({
  user_id: z.string().min(1),
  email: z.string(),
  role: z.string(),
  created_at: optStr,
});
export type MemberInfo = z.infer<typeof memberInfo>;
export const memberList = listOf(memberInfo, "members");

export const sshKeyInfo = z.looseObject({
  id: z.string().min(1),
  public_key: z.string(),
  fingerprint: optStr,
  comment: optStr,
  created_at: optStr,
});
export type SshKeyInfo = z.infer<typeof sshKeyInfo>;
export const sshKeyList = listOf(sshKeyInfo, "ssh_keys");

export const sessionInfo = z.looseObject({
  id: z.string().min(1),
  session_type: optStr,
  status: optStr,
  created_at: optStr,
  workspace_id: optStr,
  endpoints: z.looseObject({ control: optStr, video: optStr }).nullish(),
  active_connection_leases: z.number().nullish(),
  persistence: z.boolean().nullish(),
});
export type SessionInfo = z.infer<typeof sessionInfo>;

/** The result of a command (both exec endpoints; a job's `result`). */
export const execResult = z.looseObject({
  background: z.boolean().nullish(),
  command: optStr,
  ephemeral: z.boolean().nullish(),
  kind: optStr,
  session_id: optStr,
  /** ours: `completed`, `timed_out`, `running` (a background command) */
  status: optStr,
  command_id: optStr,
  exit_code: z.number().int().nullish(),
  output: optStr,
  output_truncated: z.boolean().nullish(),
  pid: z.number().nullish(),
  workspace: optStr,
  workspace_id: optStr,
});
export type ExecResult = z.infer<typeof execResult>;

/** Not documented beyond create: ours (chaser-api.md, "Running commands"). */
export const jobInfo = z.looseObject({
  id: z.string().min(1),
  kind: optStr,
  status: z.string(),
  input: z.unknown().optional(),
  result: z.union([execResult, z.array(execResult)]).nullish(),
  idempotency_key: optStr,
  created_at: optStr,
  finished_at: optStr,
});
export type JobInfo = z.infer<typeof jobInfo>;

/** The error body every failure carries (our decision; parsed tolerantly by the client). */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** An audit log event (`GET /v1/audit/events`), parsed tolerantly: only the action is relied on. */
export const auditEvent = z.looseObject({
  id: optStr,
  actor_type: optStr,
  actor_id: optStr,
  action: z.string(),
  resource_type: optStr,
  resource_id: optStr,
  status: optStr,
  summary: optStr,
  metadata: z.record(z.string(), z.unknown()).nullish(),
  created_at: optStr,
});
export type AuditEvent = z.infer<typeof auditEvent>;
/** `{events, next_before}` (our decision); a plain array is taken as one page. */
export const auditEventPage = z.union([
  z.looseObject({ events: z.array(auditEvent), next_before: optStr }),
  z.array(auditEvent).transform((events) => ({ events, next_before: null })),
]);
