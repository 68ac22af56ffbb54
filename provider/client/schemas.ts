/**
 * What the API answers, validated with zod. Tolerant of what a newer server may add (unknown fields are kept,
 * optional fields may be null or missing, status strings are open), strict about what the provider relies on
 * (ids, names, key secrets). Schemas live in this module; the provider captures the module by `require`, never
 * a schema instance.
 */
import { z } from "zod";

const optStr = z.string().nullish();

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
});
export type ApiKeyInfo = z.infer<typeof apiKeyInfo>;
/** Documented (for the older API) as `{keys: [...]}`. */
export const apiKeyList = listOf(apiKeyInfo, "keys", true);
/** The create answer: the only time the secret `key` exists. */
export const createdApiKey = apiKeyInfo.extend({
  key: z.string().min(8),
  service_account: z.looseObject({ id: z.string() }).nullish(),
});
export type CreatedApiKey = z.infer<typeof createdApiKey>;

export const sessionInfo = z.looseObject({
  id: z.string().min(1),
  session_type: optStr,
  status: optStr,
  created_at: optStr,
  workspace_id: optStr,
});
export type SessionInfo = z.infer<typeof sessionInfo>;
export const sessionList = listOf(sessionInfo, "sessions");

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
