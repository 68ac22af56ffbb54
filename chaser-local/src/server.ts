/**
 * chaser-local: the Chaser Core API as documented in shared/docs/chaser-api.md, on node:http, and nothing the
 * real API lacks (no get-one workspace endpoint). Test controls live under /_local/, a prefix the real API does
 * not have. See docs/chaser-local.md for every decision taken where the documentation is silent.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Account, Key, Session, Snapshot, Store, Workspace } from "./store";

export const SCOPES = [
  "sessions.read", "sessions.write", "workspaces.read", "workspaces.write", "exec.write", "files.read", "files.write",
  "keys.read", "keys.write", "billing.read", "billing.write", "audit.read", "webhooks.read", "webhooks.write",
];
const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const GITHUB_REPO = /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/;
const SESSION_TYPES = ["browser", "sandbox"];
const LOG_LIMIT = 20_000;

export type FaultKind = "500" | "503" | "429" | "reset" | "drop" | "delay";
export interface FaultRule {
  kind: FaultKind;
  rate?: number;
  count?: number;
  method?: string;
  path?: string;
  retryAfter?: number;
  ms?: number;
}
export interface FaultConfig {
  latencyMs?: number;
  rules?: FaultRule[];
}

export interface ChaserLocalOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  rootKey?: string;
  latencyMs?: number;
  faults?: FaultRule[];
}

export interface ChaserLocal {
  url: string;
  rootKey: string;
  /** True when the root key was generated (not given): the CLI prints it. */
  generatedRootKey: boolean;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

interface Principal {
  key: Key;
  accountId: string; // the account the key is bound to
}

interface LogEntry {
  seq: number;
  method: string;
  path: string;
  query: string;
  status: number;
  account: string | null;
  fault: string | null;
  at: string;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const now = () => new Date().toISOString();
const newKeySecret = () => `sk_${randomBytes(24).toString("base64url")}`;

export async function startChaserLocal(opts: ChaserLocalOptions = {}): Promise<ChaserLocal> {
  const store = new Store(opts.dataDir);
  store.open();
  const d = store.data;
  const generatedRootKey = !opts.rootKey;
  const rootKey = opts.rootKey ?? newKeySecret();

  // ---- bootstrap: the root user, its personal account, its first full-access key ----------------------------
  function bootstrap(): void {
    if (!d.users.has("user_root")) {
      store.put("accounts", "acct_personal_root", { id: "acct_personal_root", name: "root", plan: "pro", personal: true, members: { user_root: "owner" } });
      store.put("users", "user_root", { id: "user_root", name: "root", personalAccountId: "acct_personal_root" });
    }
    const hash = sha256(rootKey);
    if (![...d.keys.values()].some((k) => k.hash === hash)) {
      store.put("keys", "key_root", {
        id: [...d.keys.keys()].includes("key_root") ? `key_${randomUUID()}` : "key_root",
        hash, prefix: rootKey.slice(0, 10), name: "root", scopes: [], accountId: "acct_personal_root",
        userId: "user_root", serviceAccountId: null, createdAt: now(), lastUsedAt: null, revokedAt: null,
      });
    }
    store.commit();
  }
  bootstrap();

  let faults: FaultConfig = { latencyMs: opts.latencyMs ?? 0, rules: [...(opts.faults ?? [])] };
  let log: LogEntry[] = [];
  let seq = 0;
  let counters: Record<string, number> = {};
  const listingCache = new Map<string, { version: number; body: string }>();

  // ---- helpers ----------------------------------------------------------------------------------------------
  const bad = (message: string) => new ApiError(400, "invalid_request", message);

  function authenticate(req: http.IncomingMessage): Principal {
    const h = req.headers.authorization ?? "";
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    if (!m) throw new ApiError(401, "unauthorized", "missing bearer token: send Authorization: Bearer sk_…");
    const hash = sha256(m[1]);
    const key = [...d.keys.values()].find((k) => k.hash === hash);
    if (!key) throw new ApiError(401, "unauthorized", "invalid API key");
    if (key.revokedAt) throw new ApiError(401, "unauthorized", "this API key was revoked");
    return { key, accountId: key.accountId };
  }

  /** The active account: X-Chaser-Account (id, exact name, or `personal`), which must be the key's own. */
  function activeAccount(req: http.IncomingMessage, p: Principal): Account {
    const sel = req.headers["x-chaser-account"];
    const bound = d.accounts.get(p.accountId)!;
    if (sel === undefined || sel === "") return bound;
    const value = Array.isArray(sel) ? sel[0] : sel;
    let acct: Account | undefined;
    if (value === "personal") {
      const user = p.key.userId ? d.users.get(p.key.userId) : undefined;
      acct = user ? d.accounts.get(user.personalAccountId) : undefined;
      if (!acct) throw new ApiError(403, "account_forbidden", "a service-account key has no personal account");
    } else {
      acct = d.accounts.get(value) ?? [...d.accounts.values()].find((a) => a.name === value);
    }
    if (!acct) throw new ApiError(404, "account_not_found", `no account '${value}'`);
    if (acct.id !== bound.id) {
      throw new ApiError(403, "account_forbidden", `this API key is bound to account '${bound.name}' and cannot be used with account '${acct.name}'`);
    }
    return acct;
  }

  function requireScope(p: Principal, scope: string): void {
    if (p.key.scopes.length > 0 && !p.key.scopes.includes(scope)) {
      throw new ApiError(403, "insufficient_scope", `this API key lacks the scope '${scope}'`);
    }
  }

  function checkName(name: unknown, field = "name"): string {
    if (typeof name !== "string" || name.length === 0) throw bad(`${field} must be a non-empty string`);
    if (name.length > 64) throw bad(`${field} must be at most 64 characters`);
    if (!SLUG.test(name)) throw bad(`${field} must contain only letters, digits, '-', '_' and '.', and start with a letter or digit`);
    return name;
  }

  const workspacesOf = (acct: Account) => [...d.workspaces.values()].filter((w) => w.accountId === acct.id);

  function nameTaken(acct: Account, name: string, except?: string): boolean {
    const lower = name.toLowerCase();
    return workspacesOf(acct).some((w) => w.id !== except && (w.name ?? "").toLowerCase() === lower);
  }

  function resolveWorkspace(acct: Account, sel: string): Workspace {
    const all = workspacesOf(acct);
    const byId = all.find((w) => w.id === sel);
    const byName = all.find((w) => (w.name ?? "").toLowerCase() === sel.toLowerCase());
    if (byId && byName && byId !== byName) {
      throw new ApiError(409, "workspace_name_ambiguous", `'${sel}' is the name of one workspace and the id of another; use the id`);
    }
    const w = byName ?? byId;
    if (!w) throw new ApiError(404, "workspace_not_found", `no workspace '${sel}' in account '${acct.name}'`);
    return w;
  }

  function workspaceInfo(w: Workspace): Record<string, unknown> {
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

  function sessionInfo(s: Session): Record<string, unknown> {
    return {
      id: s.id,
      session_type: s.session_type,
      status: s.status,
      created_at: s.created_at,
      endpoints: { control: `https://${s.id}.chaser.sh/`, video: null },
      workspace_id: s.workspace_id,
      active_connection_leases: 0,
      persistence: s.workspace_id !== null,
    };
  }

  function terminate(s: Session): void {
    store.put("sessions", s.id, { ...s, status: "terminated" });
    if (s.workspace_id) {
      const w = d.workspaces.get(s.workspace_id);
      if (w && w.active_session_id === s.id) store.put("workspaces", w.id, { ...w, active_session_id: null });
    }
  }

  /** Refuses (409) while a session is attached, unless force, which terminates it first. */
  function detach(w: Workspace, force: boolean, what: string): void {
    if (!w.active_session_id) return;
    const s = d.sessions.get(w.active_session_id);
    if (!s || s.status === "terminated") return;
    if (!force) {
      throw new ApiError(409, "workspace_busy", `${what} is refused while session ${s.id} is attached to workspace '${w.name ?? w.id}'; pass force=true to terminate it first`);
    }
    terminate(s);
  }

  function keyInfo(k: Key): Record<string, unknown> {
    return {
      id: k.id, name: k.name, key_prefix: k.prefix, scopes: k.scopes, full_access: k.scopes.length === 0,
      created_at: k.createdAt, last_used_at: k.lastUsedAt, revoked_at: k.revokedAt,
    };
  }

  function parseScopes(raw: unknown): string[] {
    if (raw === undefined || raw === null) return [];
    if (!Array.isArray(raw) || raw.some((s) => typeof s !== "string")) throw bad("scopes must be a list of strings");
    const unknown = raw.filter((s) => !SCOPES.includes(s));
    if (unknown.length) throw bad(`scopes: unknown scope(s) ${unknown.join(", ")}; valid scopes: ${SCOPES.join(", ")}`);
    return [...new Set(raw as string[])];
  }

  function mintKey(p: Principal, acct: Account, body: Record<string, unknown>, serviceAccountId: string | null): Record<string, unknown> {
    const scopes = parseScopes(body.scopes);
    if (body.name !== undefined && body.name !== null && (typeof body.name !== "string" || body.name.length > 128)) throw bad("name must be a string of at most 128 characters");
    // A scoped key cannot mint a key with more power than its own.
    if (p.key.scopes.length > 0 && (scopes.length === 0 || scopes.some((s) => !p.key.scopes.includes(s)))) {
      throw new ApiError(403, "insufficient_scope", "a scoped key can only create keys whose scopes it holds itself");
    }
    const secret = newKeySecret();
    const k: Key = {
      id: `key_${randomUUID()}`, hash: sha256(secret), prefix: secret.slice(0, 10), name: (body.name as string) ?? null,
      scopes, accountId: acct.id, userId: serviceAccountId ? null : p.key.userId, serviceAccountId,
      createdAt: now(), lastUsedAt: null, revokedAt: null,
    };
    store.put("keys", k.id, k);
    return { ...keyInfo(k), key: secret };
  }

  // ---- the API ----------------------------------------------------------------------------------------------
  type Ctx = { req: http.IncomingMessage; body: any; query: URLSearchParams; p: Principal; acct: Account };
  type Handler = (c: Ctx, params: string[]) => { status: number; body?: unknown; raw?: string };
  const routes: Array<{ method: string; re: RegExp; scope: string; h: Handler }> = [];
  const route = (method: string, pattern: string, scope: string, h: Handler) =>
    routes.push({ method, re: new RegExp(`^${pattern.replace(/:[a-z]+/g, "([^/]+)")}$`), scope, h });

  route("GET", "/v1/workspaces", "workspaces.read", ({ acct }) => {
    const cached = listingCache.get(acct.id);
    if (cached && cached.version === store.version) return { status: 200, raw: cached.body };
    const body = JSON.stringify(workspacesOf(acct).map(workspaceInfo));
    listingCache.set(acct.id, { version: store.version, body });
    return { status: 200, raw: body };
  });

  route("POST", "/v1/workspaces", "workspaces.write", ({ body, acct }) => {
    if (acct.plan === "free") throw new ApiError(403, "plan_limit", `account '${acct.name}' is on the free plan, which cannot create workspaces`);
    if (body.template !== undefined && typeof body.template !== "boolean") throw bad("template must be a boolean");
    let name: string | null = null;
    if (body.name !== undefined && body.name !== null) name = checkName(body.name);
    let w: Workspace;
    if (body.clone_from !== undefined && body.clone_from !== null) {
      if (typeof body.clone_from !== "string") throw bad("clone_from must be a workspace name or id");
      if (body.image !== undefined && body.image !== null) throw bad("image cannot be set when cloning: it is inherited from the source");
      const src = resolveWorkspace(acct, body.clone_from);
      if (body.session_type !== undefined && body.session_type !== null && body.session_type !== src.session_type) {
        throw new ApiError(409, "workspace_type_locked", `the source workspace is a ${src.session_type} workspace; a clone inherits its session type`);
      }
      if (src.active_session_id && d.sessions.get(src.active_session_id)?.status === "running") {
        throw new ApiError(409, "workspace_busy", `cloning is blocked while workspace '${src.name ?? src.id}' has an active session`);
      }
      w = { ...blankWorkspace(acct.id), session_type: src.session_type, image: src.image, source_workspace_id: src.id, template: body.template === true };
    } else {
      if (body.session_type === undefined || body.session_type === null) throw bad("session_type is required for a fresh workspace ('browser' or 'sandbox')");
      if (!SESSION_TYPES.includes(body.session_type)) throw bad("session_type must be 'browser' or 'sandbox'");
      if (body.image !== undefined && body.image !== null) {
        if (typeof body.image !== "string" || !body.image) throw bad("image must be an OCI image reference");
        if (body.session_type !== "sandbox") throw bad("image is only accepted for sandbox workspaces");
      }
      w = { ...blankWorkspace(acct.id), session_type: body.session_type, image: body.image ?? null, template: body.template === true };
    }
    w.name = name ?? generatedName(acct);
    if (nameTaken(acct, w.name)) throw new ApiError(409, "workspace_name_taken", `workspace name '${w.name}' is taken in account '${acct.name}'`);
    store.put("workspaces", w.id, w);
    return { status: 201, body: workspaceInfo(w) };
  });

  route("POST", "/v1/workspaces/import", "workspaces.write", ({ body, acct }) => {
    if (acct.plan === "free") throw new ApiError(403, "plan_limit", `account '${acct.name}' is on the free plan, which cannot create workspaces`);
    if (typeof body.github_repo !== "string" || !GITHUB_REPO.test(body.github_repo)) throw bad("github_repo must be a GitHub repository as 'owner/repo'");
    const name = body.name !== undefined && body.name !== null ? checkName(body.name) : generatedName(acct);
    if (nameTaken(acct, name)) throw new ApiError(409, "workspace_name_taken", `workspace name '${name}' is taken in account '${acct.name}'`);
    const w: Workspace = { ...blankWorkspace(acct.id), name, session_type: "sandbox", github_repo: body.github_repo };
    store.put("workspaces", w.id, w);
    return { status: 201, body: workspaceInfo(w) };
  });

  route("POST", "/v1/workspaces/bulk-delete", "workspaces.write", ({ body, acct }) => {
    if (!Array.isArray(body.workspace_ids) || body.workspace_ids.some((x: unknown) => typeof x !== "string")) throw bad("workspace_ids must be a list of workspace ids");
    const deleted: string[] = [];
    const failed: Array<{ id: string; error: { code: string; message: string } }> = [];
    for (const id of body.workspace_ids as string[]) {
      try {
        deleteWorkspace(resolveWorkspace(acct, id), body.force === true);
        deleted.push(id);
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        failed.push({ id, error: { code: e.code, message: e.message } });
      }
    }
    return { status: 200, body: { deleted, failed } };
  });

  route("PUT", "/v1/workspaces/:ws/name", "workspaces.write", ({ body, acct }, [sel]) => {
    const w = resolveWorkspace(acct, sel);
    if (!("name" in body)) throw bad("name is required (a string, or null to clear it)");
    const name = body.name === null ? null : checkName(body.name);
    if (name && nameTaken(acct, name, w.id)) throw new ApiError(409, "workspace_name_taken", `workspace name '${name}' is taken in account '${acct.name}'`);
    const next = { ...w, name };
    store.put("workspaces", w.id, next);
    return { status: 200, body: workspaceInfo(next) };
  });

  route("PUT", "/v1/workspaces/:ws/template", "workspaces.write", ({ body, acct }, [sel]) => {
    const w = resolveWorkspace(acct, sel);
    if (typeof body.template !== "boolean") throw bad("template must be a boolean");
    const next = { ...w, template: body.template };
    store.put("workspaces", w.id, next);
    return { status: 200, body: workspaceInfo(next) };
  });

  function deleteWorkspace(w: Workspace, force: boolean): void {
    detach(w, force, "deleting the workspace");
    for (const s of [...d.snapshots.values()]) if (s.workspaceId === w.id) store.del("snapshots", s.id);
    store.del("workspaces", w.id);
  }

  route("DELETE", "/v1/workspaces/:ws", "workspaces.write", ({ query, acct }, [sel]) => {
    deleteWorkspace(resolveWorkspace(acct, sel), query.get("force") === "true");
    return { status: 204 };
  });

  const snapshotsOf = (w: Workspace) => [...d.snapshots.values()].filter((s) => s.workspaceId === w.id);
  const snapshotInfo = (s: Snapshot) => ({ name: s.name, workspace_id: s.workspaceId, created_at: s.created_at, size_bytes: s.size_bytes });

  route("GET", "/v1/workspaces/:ws/snapshots", "workspaces.read", ({ acct }, [sel]) => {
    return { status: 200, body: snapshotsOf(resolveWorkspace(acct, sel)).map(snapshotInfo) };
  });

  route("POST", "/v1/workspaces/:ws/snapshots", "workspaces.write", ({ body, acct }, [sel]) => {
    const w = resolveWorkspace(acct, sel);
    const name = checkName(body.name);
    if (body.force !== undefined && typeof body.force !== "boolean") throw bad("force must be a boolean");
    if (snapshotsOf(w).some((s) => s.name === name)) throw new ApiError(409, "snapshot_name_taken", `snapshot '${name}' already exists in workspace '${w.name ?? w.id}'`);
    detach(w, body.force === true, "creating a snapshot");
    const s: Snapshot = { id: `${w.id}/${name}`, workspaceId: w.id, name, created_at: now(), size_bytes: 1_048_576 * (snapshotsOf(w).length + 1) };
    store.put("snapshots", s.id, s);
    return { status: 201, body: snapshotInfo(s) };
  });

  route("POST", "/v1/workspaces/:ws/snapshots/:name/restore", "workspaces.write", ({ body, acct }, [sel, rawName]) => {
    const w = resolveWorkspace(acct, sel);
    const name = decodeURIComponent(rawName);
    const s = snapshotsOf(w).find((x) => x.name === name);
    if (!s) throw new ApiError(404, "snapshot_not_found", `no snapshot '${name}' in workspace '${w.name ?? w.id}'`);
    detach(w, body.force === true, "restoring a snapshot");
    return { status: 200, body: { restored: true, snapshot: snapshotInfo(s), workspace: workspaceInfo(d.workspaces.get(w.id)!) } };
  });

  route("DELETE", "/v1/workspaces/:ws/snapshots/:name", "workspaces.write", ({ acct }, [sel, rawName]) => {
    const w = resolveWorkspace(acct, sel);
    const name = decodeURIComponent(rawName);
    const s = snapshotsOf(w).find((x) => x.name === name);
    if (!s) throw new ApiError(404, "snapshot_not_found", `no snapshot '${name}' in workspace '${w.name ?? w.id}'`);
    store.del("snapshots", s.id);
    return { status: 204 };
  });

  route("GET", "/v1/keys", "keys.read", ({ acct }) => {
    return { status: 200, body: { keys: [...d.keys.values()].filter((k) => k.accountId === acct.id).map(keyInfo) } };
  });

  route("POST", "/v1/keys", "keys.write", ({ body, p, acct }) => ({ status: 201, body: mintKey(p, acct, body, null) }));

  route("DELETE", "/v1/keys/:id", "keys.write", ({ acct }, [id]) => {
    const k = d.keys.get(decodeURIComponent(id));
    if (!k || k.accountId !== acct.id) throw new ApiError(404, "key_not_found", `no API key '${id}' in account '${acct.name}'`);
    if (!k.revokedAt) store.put("keys", k.id, { ...k, revokedAt: now() });
    return { status: 204 };
  });

  route("POST", "/v1/accounts/current/service-accounts/:sa/keys", "keys.write", ({ body, p, acct }, [saId]) => {
    if (acct.personal) throw new ApiError(403, "account_forbidden", "service accounts exist only in organization accounts");
    const role = p.key.userId ? acct.members[p.key.userId] : undefined;
    if (role !== "owner" && role !== "admin") throw new ApiError(403, "account_forbidden", "only owners and admins of the organization manage service accounts");
    const sa = d.serviceAccounts.get(decodeURIComponent(saId));
    if (!sa || sa.accountId !== acct.id) throw new ApiError(404, "service_account_not_found", `no service account '${saId}' in account '${acct.name}'`);
    return { status: 201, body: { ...mintKey(p, acct, body, sa.id), service_account: { id: sa.id, name: sa.name } } };
  });

  route("POST", "/v1/sessions", "sessions.write", ({ body, acct }) => {
    if (body.session_type !== undefined && body.session_type !== null && !SESSION_TYPES.includes(body.session_type)) throw bad("session_type must be 'browser' or 'sandbox'");
    if (body.ephemeral === true) {
      const type = body.session_type ?? (body.image ? "sandbox" : "browser");
      if (body.image !== undefined && body.image !== null && type !== "sandbox") throw bad("image is only accepted for sandbox sessions");
      const s: Session = { id: randomUUID(), accountId: acct.id, session_type: type, status: "running", created_at: now(), workspace_id: null, image: body.image ?? null };
      store.put("sessions", s.id, s);
      return { status: 200, body: sessionInfo(s) };
    }
    if (typeof body.workspace !== "string" || !body.workspace) throw bad("workspace is required unless ephemeral is true");
    if (body.image !== undefined && body.image !== null) throw bad("image is accepted only for ephemeral sessions; workspace-backed sessions inherit the workspace's image");
    const w = resolveWorkspace(acct, body.workspace);
    if (body.session_type && body.session_type !== w.session_type) {
      throw new ApiError(409, "workspace_type_locked", `workspace '${w.name ?? w.id}' is locked to ${w.session_type} sessions`);
    }
    const live = w.active_session_id ? d.sessions.get(w.active_session_id) : undefined;
    if (live && live.status === "running") return { status: 200, body: sessionInfo(live) };
    const s: Session = { id: randomUUID(), accountId: acct.id, session_type: w.session_type, status: "running", created_at: now(), workspace_id: w.id, image: w.image };
    store.put("sessions", s.id, s);
    store.put("workspaces", w.id, { ...w, active_session_id: s.id, last_session_id: s.id });
    return { status: 200, body: sessionInfo(s) };
  });

  const sessionOf = (acct: Account, id: string) => {
    const s = d.sessions.get(decodeURIComponent(id));
    if (!s || s.accountId !== acct.id) throw new ApiError(404, "session_not_found", "Session doesn't exist or doesn't belong to your account");
    return s;
  };
  route("GET", "/v1/sessions", "sessions.read", ({ acct }) => ({ status: 200, body: [...d.sessions.values()].filter((s) => s.accountId === acct.id).map(sessionInfo) }));
  route("GET", "/v1/sessions/:id", "sessions.read", ({ acct }, [id]) => ({ status: 200, body: sessionInfo(sessionOf(acct, id)) }));
  route("DELETE", "/v1/sessions/:id", "sessions.write", ({ acct }, [id]) => {
    const s = sessionOf(acct, id);
    if (s.status === "terminated") throw new ApiError(409, "session_not_open", "Session is already closed. That's fine: it's already stopped.");
    terminate(s);
    return { status: 204 };
  });

  function blankWorkspace(accountId: string): Workspace {
    return {
      id: randomUUID(), accountId, name: null, session_type: "browser", image: null, template: false, github_repo: null,
      source_workspace_id: null, created_at: now(), active_session_id: null, last_session_id: null,
    };
  }
  function generatedName(acct: Account): string {
    for (;;) {
      const name = `workspace-${randomBytes(4).toString("hex")}`;
      if (!nameTaken(acct, name)) return name;
    }
  }

  // ---- test controls (/_local/) -----------------------------------------------------------------------------
  function control(method: string, path: string, body: any): { status: number; body?: unknown } {
    if (method === "POST" && path === "/_local/reset") {
      store.clear();
      bootstrap();
      faults = { latencyMs: 0, rules: [] };
      log = [];
      counters = {};
      listingCache.clear();
      return { status: 200, body: { reset: true } };
    }
    if (path === "/_local/requests" && method === "GET") return { status: 200, body: { requests: log } };
    if (path === "/_local/requests" && method === "DELETE") {
      log = [];
      return { status: 200, body: { cleared: true } };
    }
    if (path === "/_local/counters" && method === "GET") return { status: 200, body: counters };
    if (path === "/_local/faults" && method === "GET") return { status: 200, body: faults };
    if (path === "/_local/faults" && method === "PUT") {
      const rules = Array.isArray(body.rules) ? body.rules : [];
      for (const r of rules) {
        if (!["500", "503", "429", "reset", "drop", "delay"].includes(String(r.kind))) throw bad(`faults: unknown kind '${r.kind}' (500, 503, 429, reset, drop, delay)`);
        if (r.path !== undefined) new RegExp(r.path);
        r.kind = String(r.kind);
      }
      faults = { latencyMs: Number(body.latencyMs ?? 0), rules };
      return { status: 200, body: faults };
    }
    if (path === "/_local/accounts" && method === "POST") {
      if (typeof body.name !== "string" || !body.name) throw bad("name is required");
      if ([...d.accounts.values()].some((a) => a.name === body.name)) throw new ApiError(409, "account_name_taken", `account '${body.name}' exists`);
      const a: Account = { id: `acct_${randomUUID()}`, name: body.name, plan: body.plan === "free" ? "free" : "pro", personal: false, members: { user_root: "owner" } };
      store.put("accounts", a.id, a);
      return { status: 201, body: { id: a.id, name: a.name, plan: a.plan } };
    }
    let m = /^\/_local\/accounts\/([^/]+)\/service-accounts$/.exec(path);
    if (m && method === "POST") {
      const acct = findAccount(decodeURIComponent(m[1]));
      const sa = { id: `sa_${randomUUID()}`, name: String(body.name ?? "service-account"), accountId: acct.id };
      store.put("serviceAccounts", sa.id, sa);
      return { status: 201, body: { id: sa.id, name: sa.name, account_id: acct.id } };
    }
    if (path === "/_local/keys" && method === "POST") {
      const acct = findAccount(body.account ?? "acct_personal_root");
      const role = body.role ?? "owner";
      if (!["owner", "admin", "member"].includes(role)) throw bad("role must be owner, admin or member");
      let userId = "user_root";
      if (role !== "owner" || !acct.members.user_root) {
        userId = `user_${randomUUID()}`;
        const personal: Account = { id: `acct_${randomUUID()}`, name: userId, plan: "pro", personal: true, members: { [userId]: "owner" } };
        store.put("accounts", personal.id, personal);
        store.put("users", userId, { id: userId, name: userId, personalAccountId: personal.id });
        store.put("accounts", acct.id, { ...acct, members: { ...acct.members, [userId]: role } });
      }
      const secret = newKeySecret();
      const k: Key = {
        id: `key_${randomUUID()}`, hash: sha256(secret), prefix: secret.slice(0, 10), name: body.name ?? null, scopes: parseScopes(body.scopes),
        accountId: acct.id, userId, serviceAccountId: null, createdAt: now(), lastUsedAt: null, revokedAt: null,
      };
      store.put("keys", k.id, k);
      return { status: 201, body: { id: k.id, key: secret, account_id: acct.id } };
    }
    throw new ApiError(404, "not_found", `no test control ${method} ${path}`);
  }
  function findAccount(sel: string): Account {
    const a = d.accounts.get(sel) ?? [...d.accounts.values()].find((x) => x.name === sel);
    if (!a) throw new ApiError(404, "account_not_found", `no account '${sel}'`);
    return a;
  }

  function pickFault(method: string, path: string): FaultRule | undefined {
    for (const r of faults.rules ?? []) {
      if (r.method && r.method.toUpperCase() !== method) continue;
      if (r.path && !new RegExp(r.path).test(path)) continue;
      if (r.count !== undefined && r.count <= 0) continue;
      if (Math.random() >= (r.rate ?? 1)) continue;
      if (r.count !== undefined) r.count--;
      return r;
    }
    return undefined;
  }

  // ---- HTTP plumbing ----------------------------------------------------------------------------------------
  let reqCounter = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString("utf8")).catch((e) => {
        if (!res.headersSent) send(res, 500, { error: { code: "internal", message: String(e?.message ?? e) } }, "");
      });
    });
  });

  function send(res: http.ServerResponse, status: number, body: unknown, requestId: string, raw?: string, headers: Record<string, string> = {}): void {
    const text = raw ?? (body === undefined ? "" : JSON.stringify(body));
    res.writeHead(status, { "x-request-id": requestId, ...(text ? { "content-type": "application/json" } : {}), "content-length": Buffer.byteLength(text), ...headers });
    res.end(text);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, rawBody: string): Promise<void> {
    const requestId = `req_${(++reqCounter).toString(36)}${randomBytes(3).toString("hex")}`;
    const url = new URL(req.url ?? "/", "http://local");
    const method = (req.method ?? "GET").toUpperCase();
    const path = url.pathname;
    let body: any = {};
    if (rawBody) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return send(res, 400, { error: { code: "invalid_request", message: "the body is not valid JSON" } }, requestId);
      }
      if (body === null || typeof body !== "object" || Array.isArray(body)) body = {};
    }

    if (path.startsWith("/_local/")) {
      try {
        const r = control(method, path, body);
        store.commit();
        return send(res, r.status, r.body, requestId);
      } catch (e) {
        store.commit();
        if (e instanceof ApiError) return send(res, e.status, { error: { code: e.code, message: e.message } }, requestId);
        if (e instanceof SyntaxError) return send(res, 400, { error: { code: "invalid_request", message: e.message } }, requestId);
        throw e;
      }
    }

    const entry: LogEntry = { seq: ++seq, method, path, query: url.search.slice(1), status: 0, account: null, fault: null, at: now() };
    const counterKey = `${method} ${path}`;
    counters[counterKey] = (counters[counterKey] ?? 0) + 1;
    log.push(entry);
    if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);

    if (faults.latencyMs) await sleep(faults.latencyMs);
    const fault = pickFault(method, path);
    if (fault) {
      entry.fault = fault.kind;
      if (fault.kind === "reset") {
        entry.status = 0;
        req.socket.destroy();
        return;
      }
      if (fault.kind === "500" || fault.kind === "503") {
        entry.status = Number(fault.kind);
        return send(res, entry.status, { error: { code: "server_error", message: `injected ${fault.kind}` } }, requestId);
      }
      if (fault.kind === "429") {
        entry.status = 429;
        const retryAfter = String(fault.retryAfter ?? 1);
        return send(res, 429, { error: { code: "rate_limited", message: "too many requests (injected)" } }, requestId, undefined, {
          "retry-after": retryAfter, "x-ratelimit-limit": "60", "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + Number(retryAfter)), "x-ratelimit-scope": "principal",
        });
      }
      if (fault.kind === "delay") await sleep(fault.ms ?? 1000);
    }

    let status: number;
    let out: unknown;
    let raw: string | undefined;
    try {
      const p = authenticate(req);
      const acct = activeAccount(req, p);
      entry.account = acct.id;
      const matches = routes.filter((r) => r.re.test(path));
      if (matches.length === 0) throw new ApiError(404, "not_found", `no endpoint ${path}`);
      const r = matches.find((x) => x.method === method);
      if (!r) throw new ApiError(405, "method_not_allowed", `${method} is not allowed on ${path}`);
      requireScope(p, r.scope);
      // Best effort, in memory only: journaling it would make every read a durable write.
      p.key.lastUsedAt = now();
      const params = r.re.exec(path)!.slice(1);
      const result = r.h({ req, body, query: url.searchParams, p, acct }, params);
      status = result.status;
      out = result.body;
      raw = result.raw;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      status = e.status;
      out = { error: { code: e.code, message: e.message } };
    }
    store.commit();
    entry.status = status;
    if (fault?.kind === "drop") {
      // Applied and made durable, but the answer never arrives.
      req.socket.destroy();
      return;
    }
    send(res, status, out, requestId, raw);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8787, opts.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    rootKey,
    generatedRootKey,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          store.close();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
