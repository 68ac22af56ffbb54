/**
 * What the API answers, validated with zod. Tolerant of what a newer server may add (unknown fields are kept,
 * optional fields may be null or missing, status strings are open), strict about what the provider relies on
 * (ids, names, key secrets). Schemas live in this module; the provider captures the module by `require`, never
 * a schema instance.
 */
import { z } from "zod";

const optStr = z.string().nullish();

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

/** A plain array per the docs; a wrapped `{workspaces|data: [...]}` is accepted too. */
export const workspaceList = z.union([
  z.array(workspaceInfo),
  z.looseObject({ workspaces: z.array(workspaceInfo) }).transform((o) => o.workspaces),
  z.looseObject({ data: z.array(workspaceInfo) }).transform((o) => o.data),
]);

export const snapshotInfo = z.looseObject({
  name: z.string().min(1),
  workspace_id: optStr,
  created_at: optStr,
  size_bytes: z.number().nullish(),
});
export type SnapshotInfo = z.infer<typeof snapshotInfo>;
export const snapshotList = z.union([
  z.array(snapshotInfo),
  z.looseObject({ snapshots: z.array(snapshotInfo) }).transform((o) => o.snapshots),
  z.looseObject({ data: z.array(snapshotInfo) }).transform((o) => o.data),
]);

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
export const apiKeyList = z.union([
  z.looseObject({ keys: z.array(apiKeyInfo) }).transform((o) => o.keys),
  z.array(apiKeyInfo),
  z.looseObject({ data: z.array(apiKeyInfo) }).transform((o) => o.data),
]);
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
export const sessionList = z.union([
  z.array(sessionInfo),
  z.looseObject({ sessions: z.array(sessionInfo) }).transform((o) => o.sessions),
  z.looseObject({ data: z.array(sessionInfo) }).transform((o) => o.data),
]);

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
