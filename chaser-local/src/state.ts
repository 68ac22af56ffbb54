/**
 * The domain over the store: indexes kept up to date by the store's change events (keys by hash, workspaces
 * by account and by lower-cased name, snapshots by workspace), the rules shared by several endpoints (selector
 * resolution, name rules, attached sessions), the wire shapes, and the root user's bootstrap.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { Account, Key, Role, Session, Snapshot, Store, Workspace } from "./store";

export const SCOPES = [
  "sessions.read", "sessions.write", "workspaces.read", "workspaces.write", "exec.write", "files.read", "files.write",
  "keys.read", "keys.write", "billing.read", "billing.write", "audit.read", "webhooks.read", "webhooks.write",
];
export const SESSION_TYPES = ["browser", "sandbox"];
export const ROOT_USER = "user_root";
export const ROOT_ACCOUNT = "acct_personal_root";
export const ROOT_KEY_ID = "key_root";
const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME_MAX = 64;

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}
export const bad = (message: string) => new ApiError(400, "invalid_request", message);

export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
export const now = () => new Date().toISOString();
export const newKeySecret = () => `sk_${randomBytes(24).toString("base64url")}`;
export const keyPrefix = (secret: string) => secret.slice(0, 10);

/** A slug: at most 64 characters, letters, digits, `-`, `_`, `.`, starting with a letter or digit. */
export function checkName(value: unknown, field = "name"): string {
  if (typeof value !== "string" || value.length === 0) throw bad(`${field} must be a non-empty string`);
  if (value.length > NAME_MAX) throw bad(`${field} must be at most ${NAME_MAX} characters (got ${value.length})`);
  if (!SLUG.test(value)) throw bad(`${field} may contain only letters, digits, '-', '_' and '.', and must start with a letter or digit`);
  return value;
}

export function parseScopes(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((s) => typeof s !== "string")) throw bad("scopes must be a list of strings");
  const unknown = raw.filter((s) => !SCOPES.includes(s));
  if (unknown.length) throw bad(`scopes: unknown scope(s) ${unknown.join(", ")}; valid scopes: ${SCOPES.join(", ")}`);
  return [...new Set(raw as string[])];
}

export class State {
  private readonly keyByHash = new Map<string, Key>();
  private readonly wsByAccount = new Map<string, Map<string, Workspace>>();
  private readonly wsByName = new Map<string, Map<string, Workspace>>();
  private readonly snapsByWs = new Map<string, Map<string, Snapshot>>();
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
        if (names?.get(prev.name.toLowerCase())?.id === id) names.delete(prev.name.toLowerCase());
      }
    }
    if (next) {
      this.listings.delete(next.accountId);
      mapOf(this.wsByAccount, next.accountId).set(id, next); // an update keeps its place: listings stay in creation order
      if (next.name !== null) mapOf(this.wsByName, next.accountId).set(next.name.toLowerCase(), next);
    }
  }

  private indexSnapshot(prev: Snapshot | undefined, next: Snapshot | undefined): void {
    if (prev && (!next || next.workspaceId !== prev.workspaceId || next.name !== prev.name)) this.snapsByWs.get(prev.workspaceId)?.delete(prev.name);
    if (next) mapOf(this.snapsByWs, next.workspaceId).set(next.name, next);
  }

  // ---- keys and accounts ------------------------------------------------------------------------------------
  keyBySecret(secret: string): Key | undefined {
    return this.keyByHash.get(sha256(secret));
  }

  /** An account by id or exact name. */
  findAccount(sel: string): Account | undefined {
    const byId = this.d.accounts.get(sel);
    if (byId) return byId;
    for (const a of this.d.accounts.values()) if (a.name === sel) return a;
    return undefined;
  }

  /** Creates a key bound to `accountId`; returns the record and its secret (the only time it exists). */
  createKey(fields: { accountId: string; userId: string | null; serviceAccountId: string | null; name: string | null; scopes: string[] }): { key: Key; secret: string } {
    const secret = newKeySecret();
    return { key: this.storeKey({ ...fields, id: `key_${randomUUID()}`, hash: sha256(secret), prefix: keyPrefix(secret) }), secret };
  }

  private storeKey(fields: { id: string; hash: string; prefix: string; accountId: string; userId: string | null; serviceAccountId: string | null; name: string | null; scopes: string[] }): Key {
    const key: Key = {
      id: fields.id,
      hash: fields.hash,
      prefix: fields.prefix,
      name: fields.name,
      scopes: fields.scopes,
      accountId: fields.accountId,
      userId: fields.userId,
      serviceAccountId: fields.serviceAccountId,
      createdAt: now(),
      lastUsedAt: null,
      revokedAt: null,
    };
    return this.store.put("keys", key.id, key);
  }

  /** A new user with its own personal account, member of `account` with `role` (test control). */
  createUser(account: Account, role: Role): string {
    const userId = `user_${randomUUID()}`;
    const personal: Account = { id: `acct_${randomUUID()}`, name: userId, plan: "pro", personal: true, members: { [userId]: "owner" } };
    this.store.put("accounts", personal.id, personal);
    this.store.put("users", userId, { id: userId, name: userId, personalAccountId: personal.id });
    this.store.put("accounts", account.id, { ...account, members: { ...account.members, [userId]: role } });
    return userId;
  }

  /** The root user, its personal account (plan pro) and the root key, unless they exist. */
  bootstrap(): void {
    if (!this.d.accounts.has(ROOT_ACCOUNT)) {
      this.store.put("accounts", ROOT_ACCOUNT, { id: ROOT_ACCOUNT, name: "root", plan: "pro", personal: true, members: { [ROOT_USER]: "owner" } });
    }
    if (!this.d.users.has(ROOT_USER)) this.store.put("users", ROOT_USER, { id: ROOT_USER, name: "root", personalAccountId: ROOT_ACCOUNT });
    if (!this.keyByHash.has(this.rootKeyHash)) {
      // Another root key from an earlier start (with another --root-key) keeps its id and stays valid.
      const id = this.d.keys.has(ROOT_KEY_ID) ? `key_${randomUUID()}` : ROOT_KEY_ID;
      this.storeKey({ id, hash: this.rootKeyHash, prefix: this.rootKeyPrefix, accountId: ROOT_ACCOUNT, userId: ROOT_USER, serviceAccountId: null, name: "root", scopes: [] });
    }
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
    const w = this.wsByName.get(accountId)?.get(name.toLowerCase());
    return w !== undefined && w.id !== exceptId;
  }

  generatedName(accountId: string): string {
    for (;;) {
      const name = `workspace-${randomBytes(4).toString("hex")}`;
      if (!this.nameTaken(accountId, name)) return name;
    }
  }

  /** A selector is a name (case-insensitively, preferred) or an id, within the account. */
  resolveWorkspace(acct: Account, sel: string): Workspace {
    const byName = this.wsByName.get(acct.id)?.get(sel.toLowerCase());
    const byId = this.wsByAccount.get(acct.id)?.get(sel);
    if (byName && byId && byName.id !== byId.id) {
      throw new ApiError(409, "workspace_name_ambiguous", `'${sel}' is the name of workspace ${byName.id} and the id of another workspace; rename one of them`);
    }
    const w = byName ?? byId;
    if (!w) throw new ApiError(404, "workspace_not_found", `no workspace '${sel}' in account '${acct.name}'`);
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
      throw new ApiError(409, "workspace_busy", `${what} is refused while session ${s.id} is attached to workspace '${w.name ?? w.id}'; pass force=true to terminate it first`);
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
    if (!s) throw new ApiError(404, "snapshot_not_found", `no snapshot '${name}' in workspace '${w.name ?? w.id}'`);
    return s;
  }

  hasSnapshot(w: Workspace, name: string): boolean {
    return this.snapsByWs.get(w.id)?.has(name) ?? false;
  }
}

function mapOf<K, V>(m: Map<string, Map<K, V>>, key: string): Map<K, V> {
  let inner = m.get(key);
  if (!inner) m.set(key, (inner = new Map()));
  return inner;
}

// ---- wire shapes --------------------------------------------------------------------------------------------
export function workspaceInfo(w: Workspace): Record<string, unknown> {
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
export function sessionInfo(s: Session, base: string): Record<string, unknown> {
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

export function keyInfo(k: Key): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    key_prefix: k.prefix,
    scopes: k.scopes,
    full_access: k.scopes.length === 0,
    created_at: k.createdAt,
    last_used_at: k.lastUsedAt,
    revoked_at: k.revokedAt,
  };
}

/** The create answer: the only time the secret exists outside the caller. */
export function createdKeyInfo(k: Key, secret: string): Record<string, unknown> {
  return { id: k.id, key: secret, key_prefix: k.prefix, scopes: k.scopes, full_access: k.scopes.length === 0, name: k.name, created_at: k.createdAt };
}

export function snapshotInfo(s: Snapshot): Record<string, unknown> {
  return { name: s.name, workspace_id: s.workspaceId, created_at: s.created_at, size_bytes: s.size_bytes };
}
