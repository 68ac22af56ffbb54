/** The API's answers built from chaser-local's records (typed with contract/wire.ts). */
import { Role, wire } from "../../contract";
import type { Account, Key, Member, ServiceAccount, Session, Snapshot, SshKey, User, Workspace } from "./records";

export function workspaceInfo(w: Workspace): wire.WorkspaceInfo {
  return {
    id: w.id,
    name: w.name,
    created_at: w.created_at,
    persistence: true,
    session_type: w.session_type,
    status: w.active_session_id ? "attached" : "ready",
    image: w.image,
    template: w.template,
    github_repo: w.github_repo,
    active_session_id: w.active_session_id,
    last_session_id: w.last_session_id,
    source_workspace_id: w.source_workspace_id,
    node_endpoint: null,
    assistant_home: null,
  };
}

/** `base` is the server's own URL: chaser-local gives path-style endpoints on itself (it serves nothing there). */
export function sessionInfo(s: Session, base: string): wire.SessionInfo {
  return {
    id: s.id,
    session_type: s.session_type,
    status: s.status,
    created_at: s.created_at,
    endpoints: { control: `${base}/s/${s.id}/`, video: null },
    workspace_id: s.workspace_id,
    active_connection_leases: 0,
    persistence: s.workspace_id !== null,
  };
}

export function keyInfo(k: Key): wire.ApiKeyInfo {
  return {
    id: k.id,
    name: k.name,
    key_prefix: k.prefix,
    scopes: k.scopes,
    full_access: k.scopes.length === 0,
    created_at: k.createdAt,
    last_used_at: k.lastUsedAt,
    revoked_at: k.revokedAt,
    service_account_id: k.serviceAccountId,
  };
}

/** The create answer: the only time the secret exists outside the caller. */
export function createdKeyInfo(k: Key, secret: string, sa?: ServiceAccount): wire.CreatedApiKey {
  const info: wire.CreatedApiKey = { id: k.id, key: secret, key_prefix: k.prefix, scopes: k.scopes, full_access: k.scopes.length === 0, name: k.name, created_at: k.createdAt };
  if (sa) info.service_account = serviceAccountInfo(sa);
  return info;
}

export function snapshotInfo(s: Snapshot): wire.SnapshotInfo {
  return { name: s.name, workspace_id: s.workspaceId, created_at: s.created_at, size_bytes: s.size_bytes };
}

export function accountInfo(a: Account, role: Role | null): wire.AccountInfo {
  return { id: a.id, name: a.name, kind: a.personal ? "personal" : "organization", role, created_at: a.created_at };
}

export function memberInfo(userId: string, u: User | undefined, m: Member): wire.MemberInfo {
  return { user_id: userId, email: u?.email ?? `${userId}@users.chaser.local`, role: m.role, created_at: m.created_at };
}

export function serviceAccountInfo(sa: ServiceAccount): wire.ServiceAccountInfo {
  return { id: sa.id, name: sa.name, disabled: sa.disabled, created_by_user_id: sa.created_by_user_id, created_at: sa.created_at, updated_at: sa.updated_at };
}

export function sshKeyInfo(k: SshKey): wire.SshKeyInfo {
  return { id: k.id, public_key: k.public_key, fingerprint: k.fingerprint, comment: k.comment, created_at: k.created_at };
}
