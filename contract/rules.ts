/**
 * The facts of the Chaser Core API (docs/chaser-local.md: "Endpoints", "Rules enforced", and our decisions where
 * the API's documentation is silent), each written once, and the rules for values derived from them. The client, the provider and chaser-local all import this module: a rule changed
 * here changes what the provider validates at preview and what chaser-local accepts, together.
 *
 * Messages say what a value must be, never which field holds it: each side names its own field (`githubRepo` in
 * a program, `github_repo` on the wire).
 */
import { createHash } from "node:crypto";
import { z } from "zod";

// ---- enumerations ---------------------------------------------------------------------------------------------

/** The 14 scopes of an API key. A key with no scopes has full access. */
export const SCOPES = [
  "sessions.read",
  "sessions.write",
  "workspaces.read",
  "workspaces.write",
  "exec.write",
  "files.read",
  "files.write",
  "keys.read",
  "keys.write",
  "billing.read",
  "billing.write",
  "audit.read",
  "webhooks.read",
  "webhooks.write",
] as const;
export type Scope = (typeof SCOPES)[number];

/** A workspace is locked to one session type. */
export const SESSION_TYPES = ["browser", "sandbox"] as const;
export type SessionType = (typeof SESSION_TYPES)[number];

/** Roles of an organization's members. Only owners grant or change `owner`; the last owner stays. */
export const ROLES = ["owner", "admin", "member"] as const;
export type Role = (typeof ROLES)[number];

/** An account's plan: the free plan cannot create workspaces (`plan_limit`). */
export const PLANS = ["free", "pro"] as const;
export type Plan = (typeof PLANS)[number];

export const ACCOUNT_KINDS = ["personal", "organization"] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

// ---- accounts -----------------------------------------------------------------------------------------------

/** The request header that selects the active account (an account id, an exact account name, or `personal`). */
export const ACCOUNT_HEADER = "x-chaser-account";
/** The account selector of the caller's personal account. */
export const PERSONAL = "personal";

/** How a person reads an account selector: "the personal account" or "account 'Acme'". */
export function describeAccount(selector: string | undefined): string {
  return selector === undefined || selector === PERSONAL ? "the personal account" : `account '${selector}'`;
}

// ---- names and selectors -----------------------------------------------------------------------------------------

/** Workspace, snapshot and organization names: at most this many characters. */
export const NAME_MAX = 64;
/** A slug's characters (letters, digits, `-`, `_`, `.`) and those it starts with (our decision: docs/chaser-local.md, "Rules enforced"). */
const SLUG_CHARS = "A-Za-z0-9._-";
const SLUG_FIRST = "A-Za-z0-9";
export const SLUG = new RegExp(`^[${SLUG_FIRST}][${SLUG_CHARS}]*$`);

/** `text` as a slug: each run of other characters becomes `-`, and what a slug cannot start with is dropped. */
export function slugify(text: string): string {
  return text.replace(new RegExp(`[^${SLUG_CHARS}]+`, "g"), "-").replace(new RegExp(`^[^${SLUG_FIRST}]+`), "");
}
export const KEY_NAME_MAX = 128;
/** How many leading characters of a key's secret `key_prefix` shows (our decision; never more than half a key). */
export const KEY_PREFIX_LENGTH = 10;
export const IMAGE_MAX = 512;
export const EMAIL_MAX = 254;
export const PUBLIC_KEY_MAX = 16_384;

/**
 * Names are unique per account case-insensitively, in ASCII: only A-Z fold to a-z (so the Kelvin sign K is not
 * `k`). Every comparison of names and ids goes through this.
 */
export function foldName(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** Whether two names (or two UUIDs) are the same for the API. */
export function sameName(a: string | null | undefined, b: string | null | undefined): boolean {
  return typeof a === "string" && typeof b === "string" && foldName(a) === foldName(b);
}

/** The `key_prefix` of a secret: its first KEY_PREFIX_LENGTH characters, and never more than half of it. */
export function keyPrefix(secret: string): string {
  return secret.slice(0, Math.min(KEY_PREFIX_LENGTH, Math.floor(secret.length / 2)));
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export function isUuid(s: string): boolean {
  return UUID.test(s);
}

// ---- value rules ----------------------------------------------------------------------------------------------

const SLUG_WORDS = "letters, digits, '-', '_' and '.', starting with a letter or digit";

/** A workspace or snapshot name. */
export const slugName = z
  .string("must be a string")
  .min(1, "must not be empty")
  .max(NAME_MAX, `must be at most ${NAME_MAX} characters`)
  .regex(SLUG, `must contain only ${SLUG_WORDS}`);

export const sessionType = z.enum(SESSION_TYPES, "must be 'browser' or 'sandbox'");

export const image = z
  .string("must be a string")
  .min(1, "must not be empty")
  .max(IMAGE_MAX, `must be at most ${IMAGE_MAX} characters`)
  .regex(/^[^\s\u0000-\u001f]+$/, "must be an OCI image reference without spaces");

/** `owner/repo` as GitHub allows them: owner 1-39 of letters, digits and inner '-'; repo 1-100, not '.' or '..'. */
export const GITHUB_REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/(?!\.{1,2}$)[A-Za-z0-9._-]{1,100}$/;
export const githubRepo = z.string("must be a string").regex(GITHUB_REPO, "must be a GitHub repository as 'owner/repo'");

/** A workspace selector: its name or its UUID. Never blank. */
export const workspaceSelector = z
  .string("must be a string")
  .refine((s) => s.trim() !== "", "must name a workspace (its name or id), not be blank")
  .refine((s) => s === s.trim(), "must not start or end with spaces");

/** Edit distance (insertions, deletions, substitutions) between two strings. */
function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/**
 * The choice nearest to `value` (fewest edits, ignoring case and reading ':', '/', '_' and '-' as '.': `Sessions:Read`
 * is `sessions.read`), the first of the list on a tie.
 */
export function nearest(value: string, choices: readonly string[]): string {
  const norm = (s: string) => s.toLowerCase().replace(/[:/_-]/g, ".");
  let best = choices[0];
  let bestDistance = Infinity;
  for (const c of choices) {
    const d = editDistance(norm(value), norm(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best;
}

/** What is wrong with a value that is not a scope: the value, the nearest scope, then every scope, plainly. */
export function scopeProblem(value: unknown): string {
  const list = `the scopes are ${SCOPES.join(", ")}`;
  if (typeof value !== "string") return `must be a scope (a string), not ${value === null ? "null" : typeof value}; ${list}`;
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return `'${shown}' is not a scope; did you mean '${nearest(value, SCOPES)}'? ${list[0].toUpperCase()}${list.slice(1)}`;
}

export const scope = z.enum(SCOPES, { error: (issue) => scopeProblem(issue.input) });

export const keyName = z
  .string("must be a string")
  .min(1, "must not be empty")
  .max(KEY_NAME_MAX, `must be at most ${KEY_NAME_MAX} characters`)
  .regex(/^[^\u0000-\u001f]*$/, "must not contain control characters");

export const role = z.enum(ROLES, "must be 'owner', 'admin' or 'member'");

export const plan = z.enum(PLANS, "must be 'free' or 'pro'");

export const email = z
  .string("must be a string")
  .max(EMAIL_MAX, `must be at most ${EMAIL_MAX} characters`)
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an email address");

/** An organization's name: 1-64 characters, no control characters, no outer spaces; not `personal`. */
export const organizationName = z
  .string("must be a string")
  .min(1, "must not be empty")
  .max(NAME_MAX, `must be at most ${NAME_MAX} characters`)
  .regex(/^[^\u0000-\u001f]*$/, "must not contain control characters")
  .refine((s) => s === s.trim(), "must not start or end with spaces")
  .refine((s) => s !== PERSONAL, `cannot be '${PERSONAL}': the account header uses it for the personal account`);

/** An account selector: an account id, an exact account name, or `personal`. */
export const accountSelector = z
  .string("must be a string")
  .refine((s) => s.trim() !== "", "must name an account (its id, its exact name, or 'personal'), not be blank");

/** An opaque id (service account, key, member): never blank. */
export const id = z.string("must be a string").refine((s) => s.trim() !== "", "must not be blank");

// ---- SSH public keys ------------------------------------------------------------------------------------------

export const SSH_KEY_TYPES = [
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
] as const;

export interface OpenSshKey {
  type: string;
  /** `type base64`, without the comment: what identifies the key. */
  canonical: string;
  comment: string | null;
  /** `SHA256:` and the unpadded base64 of the blob's sha256, as `ssh-keygen -l` prints it. */
  fingerprint: string;
}

/** Reads an SSH wire-format string (uint32 length, bytes) at `off`; undefined when it does not fit. */
function sshString(buf: Buffer, off: number): { value: Buffer; next: number } | undefined {
  if (off + 4 > buf.length) return undefined;
  const len = buf.readUInt32BE(off);
  if (off + 4 + len > buf.length) return undefined;
  return { value: buf.subarray(off + 4, off + 4 + len), next: off + 4 + len };
}

/** Parses one OpenSSH public key line (`type base64 [comment]`); returns the reason when it is not one. */
export function parseOpenSshKey(text: string): OpenSshKey | { error: string } {
  const line = text.trim();
  if (line.includes("\n")) return { error: "must be a single OpenSSH public key line ('ssh-ed25519 AAAA… comment')" };
  if (/PRIVATE KEY/.test(line)) return { error: "is a private key: give the public key (the .pub file), never the private one" };
  const [type, data, ...rest] = line.split(/\s+/);
  if (!type || !data) return { error: "must be an OpenSSH public key: 'TYPE BASE64 [comment]', e.g. 'ssh-ed25519 AAAAC3Nz… me@host'" };
  if (!(SSH_KEY_TYPES as readonly string[]).includes(type)) return { error: `has key type '${type.slice(0, 40)}'; supported: ${SSH_KEY_TYPES.join(", ")}` };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 !== 0) return { error: "is not valid base64 after the key type" };
  const blob = Buffer.from(data, "base64");
  const head = sshString(blob, 0);
  if (!head || head.value.toString("latin1") !== type) return { error: `is damaged: its data does not start with the key type '${type}'` };
  // The key material after the type: each field an SSH string; check the sizes that identify a real key.
  const fields: Buffer[] = [];
  for (let off = head.next; off < blob.length; ) {
    const f = sshString(blob, off);
    if (!f) return { error: "is damaged: its data is cut short" };
    fields.push(f.value);
    off = f.next;
  }
  const bad = (what: string) => ({ error: `is damaged: ${what}` });
  if (type === "ssh-ed25519" && (fields.length !== 1 || fields[0].length !== 32)) return bad("an ed25519 key holds one 32-byte point");
  if (type === "sk-ssh-ed25519@openssh.com" && (fields.length !== 2 || fields[0].length !== 32)) return bad("an sk-ed25519 key holds a 32-byte point and an application");
  if (type === "ssh-rsa" && (fields.length !== 2 || fields[1].length < 128)) return bad("an RSA key holds an exponent and a modulus of at least 1024 bits");
  if (type.startsWith("ecdsa-") || type.startsWith("sk-ecdsa-")) {
    const curve = type.replace(/^sk-/, "").replace(/@openssh\.com$/, "").replace("ecdsa-sha2-", "");
    if (fields.length < 2 || fields[0].toString("latin1") !== curve || fields[1][0] !== 4) return bad(`an ECDSA key names its curve (${curve}) and holds an uncompressed point`);
  }
  const comment = rest.join(" ") || null;
  const fingerprint = `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
  return { type, canonical: `${type} ${data}`, comment, fingerprint };
}

export const sshPublicKey = z
  .string("must be a string")
  .max(PUBLIC_KEY_MAX, `must be at most ${PUBLIC_KEY_MAX} characters`)
  .superRefine((s, ctx) => {
    const k = parseOpenSshKey(s);
    if ("error" in k) ctx.addIssue({ code: "custom", message: k.error });
  });

// ---- commands (exec and jobs) -------------------------------------------------------------------------------

/** A command: at most this many characters (our decision). */
export const COMMAND_MAX = 65_536;
/** `timeout_ms`: at most one hour (our decision; the documentation says only ≥ 0). 0 or absent: the default. */
export const EXEC_TIMEOUT_MAX_MS = 3_600_000;
/** The timeout of a command that gives none (our decision). */
export const EXEC_TIMEOUT_DEFAULT_MS = 600_000;
/** stdin: at most this many characters (our decision). */
export const STDIN_MAX = 262_144;
/** An exec result's `output` holds at most this many characters; longer output is cut and `output_truncated`. */
export const EXEC_OUTPUT_MAX = 65_536;
/** An `idempotency_key`: at most this many characters (our decision). */
export const IDEMPOTENCY_KEY_MAX = 255;
/** Job kinds chaser-local runs. */
export const JOB_KINDS = ["sandbox.exec", "pipeline.run"] as const;
export type JobKind = (typeof JOB_KINDS)[number];
/** Job statuses (our decision). */
export const JOB_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** The statuses a job ends in; it changes no more. */
export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "cancelled"];
/** Whether a job with this status (a string: the API's statuses are open) has finished. */
export const jobFinished = (status: string): boolean => (FINISHED_JOB_STATUSES as readonly string[]).includes(status);

/**
 * Commands run only in sandboxes: why a workspace or session of this session type cannot run one, or undefined.
 * The provider's check at preview and chaser-local's 400 `unsupported_session_type` give the same words.
 */
export function sandboxProblem(kind: "workspace" | "session", name: string, sessionType: string): string | undefined {
  if (sessionType === "sandbox") return undefined;
  return `${kind}: '${name}' is a ${sessionType} ${kind}; commands run only in sandboxes (session type 'sandbox')`;
}

export const command = z
  .string("must be a string")
  .refine((s) => s.trim() !== "", "must not be empty")
  .refine((s) => s.length <= COMMAND_MAX, `must be at most ${COMMAND_MAX} characters`);

export const execTimeoutMs = z
  .number("must be a number of milliseconds")
  .int("must be a whole number of milliseconds")
  .min(0, "must be at least 0 ms")
  .max(EXEC_TIMEOUT_MAX_MS, `must be at most ${EXEC_TIMEOUT_MAX_MS} ms (one hour)`);

/** An environment variable's name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const environment = z
  .record(z.string().regex(ENV_NAME, "names must be letters, digits and '_', not starting with a digit"), z.string("values must be strings"), "must be an object of strings")
  .refine((e) => Object.keys(e).length <= 256, "must have at most 256 variables");

export const stdin = z.string("must be a string").max(STDIN_MAX, `must be at most ${STDIN_MAX} characters`);
export const execUser = z.string("must be a string").regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a user name (e.g. 'root', 'ubuntu')");
export const execCwd = z.string("must be a string").min(1, "must not be empty").max(4096, "must be at most 4096 characters");
export const idempotencyKey = z.string("must be a string").min(1, "must not be empty").max(IDEMPOTENCY_KEY_MAX, `must be at most ${IDEMPOTENCY_KEY_MAX} characters`);

// ---- errors -------------------------------------------------------------------------------------------------------

/**
 * Error codes in `{"error": {"code", "message"}}` bodies, with their HTTP status. The documented ones
 * (`workspace_name_ambiguous`, `session_not_found`, `session_not_open`) and ours where the docs are silent.
 */
export const ERROR_CODES = {
  invalid_request: 400,
  /** exec on a workspace (or session) that is not a sandbox */
  unsupported_session_type: 400,
  unauthorized: 401,
  insufficient_scope: 403,
  account_forbidden: 403,
  role_forbidden: 403,
  /** chaser-local's /_local/ test controls refuse a request that is not plainly from this machine */
  control_forbidden: 403,
  plan_limit: 403,
  not_found: 404,
  account_not_found: 404,
  workspace_not_found: 404,
  snapshot_not_found: 404,
  key_not_found: 404,
  session_not_found: 404,
  member_not_found: 404,
  service_account_not_found: 404,
  ssh_key_not_found: 404,
  job_not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  workspace_name_taken: 409,
  workspace_name_ambiguous: 409,
  workspace_busy: 409,
  workspace_type_locked: 409,
  snapshot_name_taken: 409,
  session_not_open: 409,
  account_name_taken: 409,
  member_exists: 409,
  last_owner: 409,
  ssh_key_exists: 409,
  service_account_name_taken: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  header_too_large: 431,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
  /** a change could not be made durable (e.g. the disk is full); nothing was changed */
  storage_unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** The first problem zod found, as "field: message" (or just the message at the root). */
export function firstIssue(error: z.ZodError, prefix = ""): string {
  const issue = error.issues[0];
  const where = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
  return where ? `${where}: ${issue.message}` : issue.message;
}
