/**
 * The domain over the store: the rules shared by several endpoints (selector resolution, name rules, attached
 * sessions, who may revoke which key, the owner rules of members), over the indexes (indexes.ts). Error answers
 * are in errors.ts, the API's answer shapes in shapes.ts, the root key's rules in startup.ts, the records in
 * records.ts: each is imported from where it is defined. Every API fact comes from contract/.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { foldName, isUuid, keyPrefix, Plan, Role, sameName, workspaceSelector } from "../../contract";
import { ApiError, invalid } from "./errors";
import { AuditLog } from "./audit";
import { ExecScripts } from "./exec-scripts";
import { Indexes } from "./indexes";
import { workspaceInfo } from "./shapes";
import { Account, Key, Member, ROOT_ACCOUNT, ROOT_EMAIL, ROOT_KEY_ID, ROOT_USER, ServiceAccount, Session, Snapshot, SshKey, User, Workspace } from "./records";
import type { Store } from "./store";
import { newKeySecret, now, sha256 } from "./util";

export class State {
  /** the indexes over the store (kept up to date by its change events) */
  readonly ix: Indexes;
  /** the accounts' audit logs (audit.ts) */
  readonly audit: AuditLog;
  /** the scripted results of commands (in memory only, like faults) */
  readonly scripts = new ExecScripts();

  /** Only the root key's hash and prefix are kept (to restore it on reset), never the secret. */
  readonly rootKeyHash: string;
  readonly rootKeyPrefix: string;

  constructor(readonly store: Store, rootKey: string) {
    this.rootKeyHash = sha256(rootKey);
    this.rootKeyPrefix = keyPrefix(rootKey);
    this.ix = new Indexes(store);
    this.audit = new AuditLog(store);
  }

  get d() {
    return this.store.data;
  }

  // ---- keys -------------------------------------------------------------------------------------------------
  keyBySecret(secret: string): Key | undefined {
    return this.ix.keyByHash.get(sha256(secret));
  }

  /** Creates a key bound to `accountId`; returns the record and its secret (the only time it exists). */
  createKey(fields: { accountId: string; userId: string | null; serviceAccountId: string | null; name: string | null; scopes: string[] }): { key: Key; secret: string } {
    const secret = newKeySecret();
    return { key: this.storeKey({ ...fields, id: `key_${randomUUID()}`, hash: sha256(secret), prefix: keyPrefix(secret) }), secret };
  }

  /** Stores a key record (the root key's too: see startup.ts). */
  storeKey(fields: { id: string; hash: string; prefix: string; accountId: string; userId: string | null; serviceAccountId: string | null; name: string | null; scopes: string[] }): Key {
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
    return this.ix.userByEmail.get(foldName(email));
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

  /** The root user, its personal account and the root key, unless they exist (startup.ts). */
  bootstrap(): void {
    this.bootstrapRoot();
  }

  /** Forgets everything but the root user, its personal account and the root key. */
  reset(): void {
    this.store.clear();
    this.scripts.clear();
    this.bootstrap();
  }

  // ---- workspaces -------------------------------------------------------------------------------------------
  workspacesOf(accountId: string): Iterable<Workspace> {
    return this.ix.wsByAccount.get(accountId)?.values() ?? [];
  }

  nameTaken(accountId: string, name: string, exceptId?: string): boolean {
    const w = this.ix.wsByName.get(accountId)?.get(foldName(name));
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
    const byName = this.ix.wsByName.get(acct.id)?.get(foldName(sel));
    const byId = isUuid(sel) ? this.ix.wsByAccount.get(acct.id)?.get(foldName(sel)) : undefined;
    if (byName && byId && byName.id !== byId.id) {
      throw new ApiError("workspace_name_ambiguous", `'${sel}' is the name of workspace ${byName.id} and the id of another workspace; rename one of them`);
    }
    const w = byName ?? byId;
    if (!w) throw new ApiError("workspace_not_found", `no workspace '${sel}' in account '${acct.name}'`);
    return w;
  }

  /** The listing of an account, serialized once per change of its workspaces. */
  listing(accountId: string): string {
    let body = this.ix.listings.get(accountId);
    if (body === undefined) {
      body = JSON.stringify([...this.workspacesOf(accountId)].map(workspaceInfo));
      this.ix.listings.set(accountId, body);
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
    return this.ix.snapsByWs.get(workspaceId)?.values() ?? [];
  }

  snapshot(w: Workspace, name: string): Snapshot {
    const s = this.ix.snapsByWs.get(w.id)?.get(name);
    if (!s) throw new ApiError("snapshot_not_found", `no snapshot '${name}' in workspace '${w.name ?? w.id}'`);
    return s;
  }

  hasSnapshot(w: Workspace, name: string): boolean {
    return this.ix.snapsByWs.get(w.id)?.has(name) ?? false;
  }

  /**
   * The root user, its personal account (plan pro) and the root key, unless they exist. There is one root key,
   * `key_root`: a start with another root key replaces it (the previous one stops working, and is not listed
   * twice); a revoked root key stays revoked across restarts with the same key.
   */
  private bootstrapRoot(): void {
    if (!this.d.accounts.has(ROOT_ACCOUNT)) {
      const t = now();
      this.store.put("accounts", ROOT_ACCOUNT, { id: ROOT_ACCOUNT, name: "root", plan: "pro", personal: true, members: { [ROOT_USER]: { role: "owner", created_at: t } }, created_at: t });
    }
    if (!this.d.users.has(ROOT_USER)) this.store.put("users", ROOT_USER, { id: ROOT_USER, name: "root", email: ROOT_EMAIL, personalAccountId: ROOT_ACCOUNT });
    const current = this.d.keys.get(ROOT_KEY_ID);
    if (current && current.hash === this.rootKeyHash) return;
    const holder = this.ix.keyByHash.get(this.rootKeyHash);
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
}

/**
 * A member of an account, or undefined. `members` is a plain object keyed by user id, so only its own properties
 * count (a path parameter `toString` or `__proto__` names no member).
 */
export function memberOf(acct: Account, userId: string | null): Member | undefined {
  return userId !== null && Object.hasOwn(acct.members, userId) ? acct.members[userId] : undefined;
}
