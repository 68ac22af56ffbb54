/**
 * The domain over the store: indexes kept up to date by the store's change events (keys by hash, workspaces by
 * account and by folded name, snapshots by workspace, users by email), the rules shared by several endpoints
 * (selector resolution, name rules, attached sessions, who may revoke which key, the owner rules of members), the
 * wire shapes (typed with contract/wire.ts), and the root user's bootstrap. Every API fact comes from contract/.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { ERROR_CODES, ErrorCode, foldName, isUuid, keyPrefix, Plan, Role, sameName, wire, workspaceSelector } from "../../contract";
import {
  Account, Key, Member, ROOT_ACCOUNT, ROOT_EMAIL, ROOT_KEY_ID, ROOT_USER, ServiceAccount, Session, Snapshot, SshKey, Store, User, Workspace,
} from "./store";

export { ROOT_ACCOUNT, ROOT_KEY_ID, ROOT_USER, ROOT_EMAIL };

/** An error answer: the status comes from contract's ERROR_CODES, so a code and its status never disagree. */
export class ApiError extends Error {
  readonly status: number;
  constructor(readonly code: ErrorCode, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.status = ERROR_CODES[code];
  }
}
/** 400 invalid_request, "field: message". */
export const invalid = (field: string, message: string) => new ApiError("invalid_request", field ? `${field}: ${message}` : message);

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
export const now = () => new Date().toISOString();
export const newKeySecret = () => `sk_${randomBytes(24).toString("base64url")}`;

/** Root keys: at least this many visible ASCII characters (so `key_prefix` shows at most half of one). */
export const ROOT_KEY_MIN = 20;
export const ROOT_KEY_MAX = 512;
/** Why a root key is refused, or undefined when it is fine. */
export function rootKeyProblem(key: string): string | undefined {
  if (key.length < ROOT_KEY_MIN) return `must be at least ${ROOT_KEY_MIN} characters (got ${key.length}); e.g. sk_ and 24 random characters`;
  if (key.length > ROOT_KEY_MAX) return `must be at most ${ROOT_KEY_MAX} characters`;
  if (!/^[\x21-\x7e]+$/.test(key)) return "must be visible ASCII characters only (no spaces): it travels in 'Authorization: Bearer KEY'";
  return undefined;
}

export class State {
  private readonly keyByHash = new Map<string, Key>();
  private readonly wsByAccount = new Map<string, Map<string, Workspace>>();
  private readonly wsByName = new Map<string, Map<string, Workspace>>();
  private readonly snapsByWs = new Map<string, Map<string, Snapshot>>();
  private readonly userByEmail = new Map<string, User>();
  /** Serialized `GET /v1/workspaces` answers per account, dropped when one of its workspaces changes. */
  private readonly listings = new Map<string, string>();

  /** Only the root key's hash and prefix are kept (to restore it on reset), never the secret. */
  private readonly rootKeyHash: string;
  private readonly rootKeyPrefix: string;

  constructor(readonly store: Store, rootKey: string) {
    this.rootKeyHash = sha256(rootKey);
    this.rootKeyPrefix = keyPrefix(rootKey);
    store.onChange((c, id, prev, next) => {
      if (c === "keys") this.indexKey(prev as Key | undefined, next as Key | undefined);
      else if (c === "workspaces") this.indexWorkspace(id, prev as Workspace | undefined, next as Workspace | undefined);
      else if (c === "snapshots") this.indexSnapshot(prev as Snapshot | undefined, next as Snapshot | undefined);
      else if (c === "users") this.indexUser(prev as User | undefined, next as User | undefined);
    });
  }

  get d() {
    return this.store.data;
  }

  // ---- indexes ----------------------------------------------------------------------------------------------
  private indexKey(prev: Key | undefined, next: Key | undefined): void {
    if (prev && this.keyByHash.get(prev.hash)?.id === prev.id) this.keyByHash.delete(prev.hash);
    if (next) this.keyByHash.set(next.hash, next);
  }

  private indexWorkspace(id: string, prev: Workspace | undefined, next: Workspace | undefined): void {
    if (prev) {
      this.listings.delete(prev.accountId);
      if (!next || next.accountId !== prev.accountId) this.wsByAccount.get(prev.accountId)?.delete(id);
      if (prev.name !== null) {
        const names = this.wsByName.get(prev.accountId);
        if (names?.get(foldName(prev.name))?.id === id) names.delete(foldName(prev.name));
      }
    }
    if (next) {
      this.listings.delete(next.accountId);
      mapOf(this.wsByAccount, next.accountId).set(id, next); // an update keeps its place: listings stay in creation order
      if (next.name !== null && next.name !== "") mapOf(this.wsByName, next.accountId).set(foldName(next.name), next);
    }
  }

  private indexSnapshot(prev: Snapshot | undefined, next: Snapshot | undefined): void {
    if (prev && (!next || next.workspaceId !== prev.workspaceId || next.name !== prev.name)) this.snapsByWs.get(prev.workspaceId)?.delete(prev.name);
    if (next) mapOf(this.snapsByWs, next.workspaceId).set(next.name, next);
  }

  private indexUser(prev: User | undefined, next: User | undefined): void {
    if (prev && this.userByEmail.get(foldName(prev.email))?.id === prev.id) this.userByEmail.delete(foldName(prev.email));
    if (next) this.userByEmail.set(foldName(next.email), next);
  }

  // ---- keys -------------------------------------------------------------------------------------------------
  keyBySecret(secret: string): Key | undefined {
    return this.keyByHash.get(sha256(secret));
  }

  /** Creates a key bound to `accountId`; returns the record and its secret (the only time it exists). */
  createKey(fields: { accountId: string; userId: string | null; serviceAccountId: string | null; name: string | null; scopes: string[] }): { key: Key; secret: string } {
    const secret = newKeySecret();
    return { key: this.storeKey({ ...fields, id: `key_${randomUUID()}`, hash: sha256(secret), prefix: keyPrefix(secret) }), secret };
  }

  private storeKey(fields: { id: string; hash: string; prefix: string; accountId: string; userId: string | null; serviceAccountId: string | null; name: string | null; scopes: string[] }): Key {
    const key: Key = { ...fields, createdAt: now(), lastUsedAt: null, revokedAt: null };
    return this.store.put("keys", key.id, key);
  }

  revokeKey(k: Key): void {
    if (!k.revokedAt) this.store.put("keys", k.id, { ...k, revokedAt: now() });
  }

  /**
   * Whether `caller` may revoke `target` (both bound to `acct`), as creation allows: a member-role user revokes
   * only their own keys; owners and admins any key of the account; a service-account key only keys of its own
   * service account; and a scoped key only keys whose scopes it holds all of (a full-access key only by a
   * full-access key).
   */
  checkRevoke(caller: Key, target: Key, acct: Account): void {
    if (caller.serviceAccountId !== null) {
      if (target.serviceAccountId !== caller.serviceAccountId) {
        throw new ApiError("role_forbidden", "a service-account key can revoke only keys of its own service account; owners and admins manage the others");
      }
    } else {
      const own = target.userId !== null && target.userId === caller.userId && target.serviceAccountId === null;
      const role = this.roleOf(acct, caller.userId);
      if (!own && role !== "owner" && role !== "admin") {
        throw new ApiError(
          "role_forbidden",
          target.serviceAccountId !== null
            ? "service-account keys are managed by the organization's owners and admins only"
            : `a ${role ?? "non-member"} can revoke only their own keys; owners and admins revoke any key of the account`,
        );
      }
    }
    if (caller.scopes.length > 0) {
      if (target.scopes.length === 0) throw new ApiError("insufficient_scope", "a full-access key can be revoked only with a full-access key");
      const missing = target.scopes.filter((s) => !caller.scopes.includes(s));
      if (missing.length) throw new ApiError("insufficient_scope", `a scoped key can revoke only keys whose scopes it holds itself; this key lacks ${missing.join(", ")}`);
    }
  }

  // ---- users, accounts, members -----------------------------------------------------------------------------
  /** An account by id or exact name. */
  findAccount(sel: string): Account | undefined {
    const byId = this.d.accounts.get(sel);
    if (byId) return byId;
    for (const a of this.d.accounts.values()) if (a.name === sel) return a;
    return undefined;
  }

  /** Whether an organization may take this name: unique among accounts case-insensitively, ids included. */
  accountNameTaken(name: string): Account | undefined {
    for (const a of this.d.accounts.values()) if (sameName(a.name, name) || sameName(a.id, name)) return a;
    return undefined;
  }

  userByEmailAddress(email: string): User | undefined {
    return this.userByEmail.get(foldName(email));
  }

  roleOf(acct: Account, userId: string | null): Role | undefined {
    return memberOf(acct, userId)?.role;
  }

  /** The accounts a user belongs to: the personal one first, then organizations in creation order. */
  accountsOf(userId: string): Account[] {
    const out: Account[] = [];
    for (const a of this.d.accounts.values()) if (memberOf(a, userId)) out.push(a);
    return out.sort((a, b) => Number(b.personal) - Number(a.personal));
  }

  /** A new user with its own personal account (named after the user id). */
  createUser(email?: string): User {
    const id = `user_${randomUUID()}`;
    const created = now();
    const personal: Account = { id: `acct_${randomUUID()}`, name: id, plan: "pro", personal: true, members: { [id]: { role: "owner", created_at: created } }, created_at: created };
    this.store.put("accounts", personal.id, personal);
    return this.store.put("users", id, { id, name: id, email: email ?? `${id}@users.chaser.local`, personalAccountId: personal.id });
  }

  createOrganization(name: string, ownerId: string, plan: Plan = "pro"): Account {
    const taken = this.accountNameTaken(name);
    if (taken) throw new ApiError("account_name_taken", `an account named '${taken.name}' exists (account names are unique case-insensitively)`);
    const created = now();
    const a: Account = { id: `acct_${randomUUID()}`, name, plan, personal: false, members: { [ownerId]: { role: "owner", created_at: created } }, created_at: created };
    return this.store.put("accounts", a.id, a);
  }

  setMember(acct: Account, userId: string, role: Role): Account {
    const prev = memberOf(acct, userId);
    const member: Member = { role, created_at: prev?.created_at ?? now() };
    return this.store.put("accounts", acct.id, { ...acct, members: { ...acct.members, [userId]: member } });
  }

  /** Removes a member and revokes their keys bound to the account (they lose access at once). */
  removeMember(acct: Account, userId: string): void {
    const members = { ...acct.members };
    delete members[userId];
    this.store.put("accounts", acct.id, { ...acct, members });
    for (const k of this.d.keys.values()) if (k.accountId === acct.id && k.userId === userId) this.revokeKey(k);
  }

  owners(acct: Account): string[] {
    return Object.keys(acct.members).filter((u) => acct.members[u].role === "owner");
  }

  // ---- service accounts -------------------------------------------------------------------------------------
  serviceAccountsOf(accountId: string): ServiceAccount[] {
    return [...this.d.serviceAccounts.values()].filter((s) => s.accountId === accountId);
  }

  createServiceAccount(acct: Account, name: string, createdBy: string | null): ServiceAccount {
    const dup = this.serviceAccountsOf(acct.id).find((s) => sameName(s.name, name));
    if (dup) throw new ApiError("service_account_name_taken", `service account name '${dup.name}' is taken in account '${acct.name}' (names are unique case-insensitively)`);
    const t = now();
    const sa: ServiceAccount = { id: `sa_${randomUUID()}`, name, accountId: acct.id, disabled: false, created_by_user_id: createdBy, created_at: t, updated_at: t };
    return this.store.put("serviceAccounts", sa.id, sa);
  }

  serviceAccount(acct: Account, id: string): ServiceAccount {
    const sa = this.d.serviceAccounts.get(id);
    if (!sa || sa.accountId !== acct.id) throw new ApiError("service_account_not_found", `no service account '${id}' in account '${acct.name}'`);
    return sa;
  }

  /** Deletes a service account and revokes its keys. */
  deleteServiceAccount(sa: ServiceAccount): void {
    for (const k of this.d.keys.values()) if (k.serviceAccountId === sa.id) this.revokeKey(k);
    this.store.del("serviceAccounts", sa.id);
  }

  // ---- SSH keys ---------------------------------------------------------------------------------------------
  sshKeysOf(accountId: string): SshKey[] {
    return [...this.d.sshKeys.values()].filter((k) => k.accountId === accountId);
  }

  // ---- bootstrap --------------------------------------------------------------------------------------------
  /**
   * The root user, its personal account (plan pro) and the root key, unless they exist. There is one root key,
   * `key_root`: a start with another root key replaces it (the previous one stops working, and is not listed
   * twice); a revoked root key stays revoked across restarts with the same key.
   */
  bootstrap(): void {
    if (!this.d.accounts.has(ROOT_ACCOUNT)) {
      const t = now();
      this.store.put("accounts", ROOT_ACCOUNT, { id: ROOT_ACCOUNT, name: "root", plan: "pro", personal: true, members: { [ROOT_USER]: { role: "owner", created_at: t } }, created_at: t });
    }
    if (!this.d.users.has(ROOT_USER)) this.store.put("users", ROOT_USER, { id: ROOT_USER, name: "root", email: ROOT_EMAIL, personalAccountId: ROOT_ACCOUNT });
    const current = this.d.keys.get(ROOT_KEY_ID);
    if (current && current.hash === this.rootKeyHash) return;
    const holder = this.keyByHash.get(this.rootKeyHash);
    if (holder && holder.id !== ROOT_KEY_ID) {
      // 0.1.0 added a second root key (another id) for each start with another key: that record becomes key_root.
      const oldRoot = holder.name === "root" && holder.userId === ROOT_USER && holder.accountId === ROOT_ACCOUNT && holder.scopes.length === 0;
      if (!oldRoot) throw new Error(`the root key is the secret of API key '${holder.id}' already; choose another root key`);
      this.store.del("keys", holder.id);
      if (holder.revokedAt) {
        this.store.put("keys", ROOT_KEY_ID, { ...holder, id: ROOT_KEY_ID });
        return;
      }
    }
    this.storeKey({ id: ROOT_KEY_ID, hash: this.rootKeyHash, prefix: this.rootKeyPrefix, accountId: ROOT_ACCOUNT, userId: ROOT_USER, serviceAccountId: null, name: "root", scopes: [] });
  }

  /** Forgets everything but the root user, its personal account and the root key. */
  reset(): void {
    this.store.clear();
    this.bootstrap();
  }

  // ---- workspaces -------------------------------------------------------------------------------------------
  workspacesOf(accountId: string): Iterable<Workspace> {
    return this.wsByAccount.get(accountId)?.values() ?? [];
  }

  nameTaken(accountId: string, name: string, exceptId?: string): boolean {
    const w = this.wsByName.get(accountId)?.get(foldName(name));
    return w !== undefined && w.id !== exceptId;
  }

  generatedName(accountId: string): string {
    for (;;) {
      const name = `workspace-${randomBytes(4).toString("hex")}`;
      if (!this.nameTaken(accountId, name)) return name;
    }
  }

  /**
   * A selector is a name (compared with foldName: ASCII case-insensitively, preferred) or an id (a UUID, in any
   * case), within the account. A blank selector is refused (400): it never matches, not even a workspace whose
   * name was cleared.
   */
  resolveWorkspace(acct: Account, sel: string, field = "workspace"): Workspace {
    const ok = workspaceSelector.safeParse(sel);
    if (!ok.success) throw invalid(field, ok.error.issues[0].message);
    const byName = this.wsByName.get(acct.id)?.get(foldName(sel));
    const byId = isUuid(sel) ? this.wsByAccount.get(acct.id)?.get(foldName(sel)) : undefined;
    if (byName && byId && byName.id !== byId.id) {
      throw new ApiError("workspace_name_ambiguous", `'${sel}' is the name of workspace ${byName.id} and the id of another workspace; rename one of them`);
    }
    const w = byName ?? byId;
    if (!w) throw new ApiError("workspace_not_found", `no workspace '${sel}' in account '${acct.name}'`);
    return w;
  }

  /** The listing of an account, serialized once per change of its workspaces. */
  listing(accountId: string): string {
    let body = this.listings.get(accountId);
    if (body === undefined) {
      body = JSON.stringify([...this.workspacesOf(accountId)].map(workspaceInfo));
      this.listings.set(accountId, body);
    }
    return body;
  }

  liveSession(w: Workspace): Session | undefined {
    const s = w.active_session_id ? this.d.sessions.get(w.active_session_id) : undefined;
    return s && s.status !== "terminated" ? s : undefined;
  }

  /** A session of the account by id (a UUID, in any case). */
  session(acct: Account, id: string): Session {
    const s = isUuid(id) ? this.d.sessions.get(foldName(id)) : undefined;
    if (!s || s.accountId !== acct.id) throw new ApiError("session_not_found", "Session doesn't exist or doesn't belong to your account");
    return s;
  }

  terminate(s: Session): void {
    this.store.put("sessions", s.id, { ...s, status: "terminated" });
    const w = s.workspace_id ? this.d.workspaces.get(s.workspace_id) : undefined;
    if (w && w.active_session_id === s.id) this.store.put("workspaces", w.id, { ...w, active_session_id: null });
  }

  /** Refuses (409 workspace_busy) while a session is attached, unless `force`, which terminates it first. */
  detach(w: Workspace, force: boolean, what: string): Workspace {
    const s = this.liveSession(w);
    if (!s) return w;
    if (!force) {
      throw new ApiError("workspace_busy", `${what} is refused while session ${s.id} is attached to workspace '${w.name ?? w.id}'; pass force=true to terminate it first`);
    }
    this.terminate(s);
    return this.d.workspaces.get(w.id)!;
  }

  deleteWorkspace(w: Workspace, force: boolean): void {
    this.detach(w, force, "deleting the workspace");
    for (const s of [...this.snapshotsOf(w.id)]) this.store.del("snapshots", s.id);
    this.store.del("workspaces", w.id);
  }

  // ---- snapshots --------------------------------------------------------------------------------------------
  snapshotsOf(workspaceId: string): Iterable<Snapshot> {
    return this.snapsByWs.get(workspaceId)?.values() ?? [];
  }

  snapshot(w: Workspace, name: string): Snapshot {
    const s = this.snapsByWs.get(w.id)?.get(name);
    if (!s) throw new ApiError("snapshot_not_found", `no snapshot '${name}' in workspace '${w.name ?? w.id}'`);
    return s;
  }

  hasSnapshot(w: Workspace, name: string): boolean {
    return this.snapsByWs.get(w.id)?.has(name) ?? false;
  }
}

/**
 * A member of an account, or undefined. `members` is a plain object keyed by user id, so only its own properties
 * count (a path parameter `toString` or `__proto__` names no member).
 */
export function memberOf(acct: Account, userId: string | null): Member | undefined {
  return userId !== null && Object.hasOwn(acct.members, userId) ? acct.members[userId] : undefined;
}

function mapOf<K, V>(m: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let inner = m.get(key);
  if (!inner) m.set(key, (inner = new Map()));
  return inner;
}

// ---- wire shapes (typed with contract/wire.ts) ----------------------------------------------------------------
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
