/**
 * The records chaser-local keeps (in memory and, with a data directory, in `state.json` and `journal.jsonl`),
 * and their shapes as zod schemas: every record read from disk is checked against them, so a damaged or
 * ill-shaped record is found at start-up (with its place) instead of failing later. Fields added after 0.1.0
 * get defaults when missing, so data written by 0.1.0 still loads (test/upgrade/0.1.0/chaser-local).
 *
 * These are chaser-local's storage format, not the API's wire shapes (those are in contract/wire.ts).
 */
import { z } from "zod";
import { PLANS, ROLES, Role } from "../../contract";

export type { Role };

export const ROOT_USER = "user_root";
export const ROOT_ACCOUNT = "acct_personal_root";
export const ROOT_KEY_ID = "key_root";
export const ROOT_EMAIL = "root@chaser.local";

/** The default of a timestamp added after 0.1.0: the moment the old record is loaded (then kept by compaction). */
const loadedAt = new Date().toISOString();
const str = z.string();
const time = z.string().min(1);
const nullStr = z.string().nullable();

export interface Member {
  role: Role;
  /** when the user joined the account */
  created_at: string;
}

const memberSchema = z.union([
  // 0.1.0 kept the role alone
  z.enum(ROLES).transform((role): Member => ({ role, created_at: "" })),
  z.object({ role: z.enum(ROLES), created_at: z.string().default("") }),
]);

const accountSchema = z
  .looseObject({
    id: str.min(1),
    name: str,
    plan: z.enum(PLANS),
    personal: z.boolean(),
    members: z.record(z.string(), memberSchema),
    created_at: time.default(loadedAt),
  })
  .transform((a) => {
    // A member of a 0.1.0 account joined when the account was made, as far as anyone can tell.
    for (const m of Object.values(a.members)) if (!m.created_at) m.created_at = a.created_at;
    return a;
  });
export type Account = z.output<typeof accountSchema>;

const userSchema = z
  .looseObject({
    id: str.min(1),
    name: str,
    personalAccountId: str.min(1),
    email: str.min(1).optional(),
  })
  .transform((u) => ({ ...u, email: u.email ?? (u.id === ROOT_USER ? ROOT_EMAIL : `${u.id}@users.chaser.local`) }));
export type User = z.output<typeof userSchema>;

const serviceAccountSchema = z.looseObject({
  id: str.min(1),
  name: str,
  accountId: str.min(1),
  disabled: z.boolean().default(false),
  created_by_user_id: nullStr.default(null),
  created_at: time.default(loadedAt),
  updated_at: time.default(loadedAt),
});
export type ServiceAccount = z.output<typeof serviceAccountSchema>;

const keySchema = z.looseObject({
  id: str.min(1),
  /** sha256 (hex) of the secret; the secret itself is never stored */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  prefix: str,
  name: nullStr,
  scopes: z.array(str),
  /** the account the key is bound to (the account active when it was created) */
  accountId: str.min(1),
  userId: nullStr,
  serviceAccountId: nullStr,
  createdAt: time,
  lastUsedAt: nullStr,
  revokedAt: nullStr,
});
export type Key = z.output<typeof keySchema>;

const workspaceSchema = z.looseObject({
  id: str.min(1),
  accountId: str.min(1),
  name: nullStr,
  session_type: str,
  image: nullStr,
  template: z.boolean(),
  github_repo: nullStr,
  source_workspace_id: nullStr,
  created_at: time,
  active_session_id: nullStr,
  last_session_id: nullStr,
});
export type Workspace = z.output<typeof workspaceSchema>;

const snapshotSchema = z.looseObject({
  id: str.min(1), // `${workspaceId}/${name}`
  workspaceId: str.min(1),
  name: str.min(1),
  created_at: time,
  size_bytes: z.number(),
});
export type Snapshot = z.output<typeof snapshotSchema>;

const sessionSchema = z.looseObject({
  id: str.min(1),
  accountId: str.min(1),
  session_type: str,
  status: z.enum(["running", "terminated"]),
  created_at: time,
  workspace_id: nullStr,
  image: nullStr,
});
export type Session = z.output<typeof sessionSchema>;

const sshKeySchema = z.looseObject({
  id: str.min(1),
  accountId: str.min(1),
  /** what was registered, trimmed (type, base64 and comment) */
  public_key: str.min(1),
  /** `type base64`: what identifies the key within an account */
  canonical: str.min(1),
  fingerprint: str.min(1),
  comment: nullStr,
  created_by_user_id: nullStr,
  created_at: time,
});
export type SshKey = z.output<typeof sshKeySchema>;

const auditEventSchema = z.looseObject({
  id: str.min(1),
  accountId: str.min(1),
  /** the order events happened in (unique, increasing) */
  seq: z.number().int().nonnegative(),
  actor_type: z.enum(["user", "service_account"]),
  actor_id: str,
  action: str.min(1),
  resource_type: str,
  resource_id: nullStr,
  status: z.enum(["success", "failure"]),
  summary: str,
  metadata: z.record(z.string(), z.unknown()),
  /** RFC 3339 with microseconds, unique per server: the `before` cursor compares it */
  created_at: time,
});
export type AuditEvent = z.output<typeof auditEventSchema>;
const execResultRecord = z.looseObject({}); // an exec result as answered (contract/wire.ts execResult)

/** A command run in a workspace (its history: the `/_local/commands` control lists it). Never environment values or stdin. */
const commandSchema = z.looseObject({
  id: str.min(1),
  accountId: str.min(1),
  seq: z.number().int(),
  workspaceId: nullStr,
  workspace: nullStr,
  session_id: str.min(1),
  command: str,
  cwd: nullStr,
  user: nullStr,
  env_keys: z.array(str),
  stdin_chars: z.number().int(),
  exit_code: z.number().int().nullable(),
  status: str,
  via: str,
  job_id: nullStr,
  at: time,
});
export type CommandRecord = z.output<typeof commandSchema>;

const jobSchema = z.looseObject({
  id: str.min(1),
  accountId: str.min(1),
  kind: str,
  /** the input as given, environment values and stdin left out */
  input: z.record(z.string(), z.unknown()),
  idempotency_key: nullStr,
  created_at: time,
  /** when it finishes (its scripted duration after its start); it answers `running` until then */
  finishes_at: time,
  failed: z.boolean(),
  result: z.union([execResultRecord, z.array(execResultRecord)]),
});
export type JobRecord = z.output<typeof jobSchema>;

export const RECORD_SCHEMAS = {
  accounts: accountSchema,
  users: userSchema,
  serviceAccounts: serviceAccountSchema,
  keys: keySchema,
  workspaces: workspaceSchema,
  snapshots: snapshotSchema,
  sessions: sessionSchema,
  sshKeys: sshKeySchema,
  auditEvents: auditEventSchema,
  commands: commandSchema,
  jobs: jobSchema,
} as const;

export type CollectionName = keyof typeof RECORD_SCHEMAS;
/** A record of collection `C`, as its schema gives it. */
export type RecordOf<C extends CollectionName> = z.output<(typeof RECORD_SCHEMAS)[C]>;
/** The collections in memory, derived from the schemas: one map of records by id per collection. */
export type Collections = { [C in CollectionName]: Map<string, RecordOf<C>> };
/** In the order `state.json` lists them. Collections added later are simply missing from older files. */
export const COLLECTIONS = Object.keys(RECORD_SCHEMAS) as CollectionName[];

export function emptyCollections(): Collections {
  return Object.fromEntries(COLLECTIONS.map((c) => [c, new Map()])) as unknown as Collections;
}

/**
 * Checks one stored record (`v` for `id` in collection `c`); returns it with the defaults of newer fields, or
 * the reason it is damaged.
 */
export function checkRecord(c: CollectionName, id: string, v: unknown): { record: unknown } | { error: string } {
  const r = RECORD_SCHEMAS[c].safeParse(v);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue.path.length ? `${issue.path.map(String).join(".")}: ` : "";
    return { error: `${c} record '${id}' is ill-shaped (${where}${issue.message})` };
  }
  if ((r.data as { id: string }).id !== id) return { error: `${c} record '${id}' carries another id ('${(r.data as { id: string }).id}')` };
  return { record: r.data };
}
