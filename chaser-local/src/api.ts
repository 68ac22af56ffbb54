/**
 * The Chaser Core API endpoints of shared/docs/chaser-api.md, and nothing the real API lacks (no get-one
 * workspace endpoint, for one). Every request: bearer key (401) → active account from `X-Chaser-Account` (403
 * `account_forbidden` unless it is the key's own) → route (404/405) → scope (403 `insufficient_scope`) → body
 * (400) → handler. Handlers change state only through the store; the server commits or rolls back.
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import {
  ApiError, bad, checkName, createdKeyInfo, keyInfo, now, parseScopes, SESSION_TYPES, sessionInfo, snapshotInfo, State, workspaceInfo,
} from "./state";
import type { Account, Key, Session, Snapshot, Workspace } from "./store";

export interface Reply {
  status: number;
  /** serialized as JSON */
  body?: unknown;
  /** an already serialized JSON body */
  raw?: string;
  headers?: Record<string, string>;
}

export interface ApiRequest {
  method: string;
  path: string;
  query: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** the server's own URL, for the session endpoints */
  base: string;
}

type Body = Record<string, unknown>;
interface Ctx {
  key: Key;
  acct: Account;
  body: Body;
  query: URLSearchParams;
  base: string;
}
type Handler = (c: Ctx, params: string[]) => Reply;
interface Route {
  method: string;
  re: RegExp;
  scope: string;
  h: Handler;
}

const GITHUB_REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;
const KEY_NAME_MAX = 128;

const isSet = (v: unknown) => v !== undefined && v !== null;

function optBool(body: Body, field: string): boolean | undefined {
  const v = body[field];
  if (!isSet(v)) return undefined;
  if (typeof v !== "boolean") throw bad(`${field} must be true or false`);
  return v;
}

function optString(body: Body, field: string, what: string): string | undefined {
  const v = body[field];
  if (!isSet(v)) return undefined;
  if (typeof v !== "string" || v.length === 0) throw bad(`${field} must be ${what}`);
  return v;
}

function optSessionType(body: Body): string | undefined {
  const v = body.session_type;
  if (!isSet(v)) return undefined;
  if (typeof v !== "string" || !SESSION_TYPES.includes(v)) throw bad("session_type must be 'browser' or 'sandbox'");
  return v;
}

function planAllowsWorkspaces(acct: Account): void {
  if (acct.plan === "free") throw new ApiError(403, "plan_limit", `account '${acct.name}' is on the free plan, which cannot create workspaces`);
}

export class Api {
  private readonly routes: Route[] = [];

  constructor(private readonly state: State) {
    this.define();
  }

  /**
   * Answers one API request, or throws an ApiError. `onAccount` learns the active account as soon as it is
   * known (for the request log).
   */
  handle(req: ApiRequest, onAccount: (accountId: string) => void): Reply {
    const key = this.authenticate(req.headers);
    const acct = this.activeAccount(req.headers, key);
    onAccount(acct.id);
    let pathMatched = false;
    for (const r of this.routes) {
      const m = r.re.exec(req.path);
      if (!m) continue;
      pathMatched = true;
      if (r.method !== req.method) continue;
      if (key.scopes.length > 0 && !key.scopes.includes(r.scope)) {
        throw new ApiError(403, "insufficient_scope", `this API key lacks the scope '${r.scope}' that ${req.method} ${req.path} needs`);
      }
      const params = m.slice(1).map(decodeParam);
      const body = req.method === "POST" || req.method === "PUT" ? parseBody(req.rawBody) : {};
      // Best effort and in memory only: journaling it would make every read a durable write. A clean stop
      // keeps it (the store compacts on close).
      key.lastUsedAt = now();
      return r.h({ key, acct, body, query: new URLSearchParams(req.query), base: req.base }, params);
    }
    if (pathMatched) throw new ApiError(405, "method_not_allowed", `${req.method} is not allowed on ${req.path}`);
    throw new ApiError(404, "not_found", `no endpoint ${req.method} ${req.path}`);
  }

  private authenticate(headers: IncomingHttpHeaders): Key {
    const h = headers.authorization;
    const m = h ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(h) : null;
    if (!m) throw new ApiError(401, "unauthorized", "missing bearer token: send 'Authorization: Bearer sk_…'");
    const key = this.state.keyBySecret(m[1]);
    if (!key) throw new ApiError(401, "unauthorized", "invalid API key");
    if (key.revokedAt) throw new ApiError(401, "unauthorized", "this API key was revoked");
    return key;
  }

  /** X-Chaser-Account: an account id, an exact account name, or `personal`; it must be the key's own account. */
  private activeAccount(headers: IncomingHttpHeaders, key: Key): Account {
    const bound = this.state.d.accounts.get(key.accountId);
    if (!bound) throw new ApiError(401, "unauthorized", "the account of this API key no longer exists");
    const raw = headers["x-chaser-account"];
    const sel = Array.isArray(raw) ? raw[0] : raw;
    if (sel === undefined || sel === "") return bound;
    let acct: Account | undefined;
    if (sel === "personal") {
      const user = key.userId ? this.state.d.users.get(key.userId) : undefined;
      acct = user ? this.state.d.accounts.get(user.personalAccountId) : undefined;
      if (!acct) throw new ApiError(403, "account_forbidden", "a service-account key has no personal account");
    } else {
      acct = this.state.findAccount(sel);
      if (!acct) throw new ApiError(404, "account_not_found", `no account '${sel}'`);
    }
    if (acct.id !== bound.id) {
      throw new ApiError(403, "account_forbidden", `this API key is bound to account '${bound.name}' and cannot be used with account '${acct.name}'`);
    }
    return acct;
  }

  private route(method: string, pattern: string, scope: string, h: Handler): void {
    this.routes.push({ method, re: new RegExp(`^${pattern.replace(/:[a-z]+/g, "([^/]+)")}$`), scope, h });
  }

  private define(): void {
    const st = this.state;
    const store = st.store;

    // ---- workspaces ---------------------------------------------------------------------------------------
    this.route("GET", "/v1/workspaces", "workspaces.read", ({ acct }) => ({ status: 200, raw: st.listing(acct.id) }));

    this.route("POST", "/v1/workspaces", "workspaces.write", ({ body, acct }) => {
      planAllowsWorkspaces(acct);
      const name = isSet(body.name) ? checkName(body.name) : undefined;
      const template = optBool(body, "template") ?? false;
      const sessionType = optSessionType(body);
      const image = optString(body, "image", "an OCI image reference");
      const cloneFrom = optString(body, "clone_from", "a workspace name or id");
      let w: Workspace;
      if (cloneFrom !== undefined) {
        if (image !== undefined) throw bad("image cannot be set when cloning: a clone inherits the image of its source");
        const src = st.resolveWorkspace(acct, cloneFrom);
        if (sessionType !== undefined && sessionType !== src.session_type) {
          throw new ApiError(409, "workspace_type_locked", `workspace '${src.name ?? src.id}' is a ${src.session_type} workspace; a clone inherits its session type`);
        }
        const live = st.liveSession(src);
        if (live) throw new ApiError(409, "workspace_busy", `cloning is blocked while workspace '${src.name ?? src.id}' has an active session (${live.id})`);
        w = newWorkspace(acct.id, { session_type: src.session_type, image: src.image, github_repo: src.github_repo, source_workspace_id: src.id, template });
      } else {
        if (sessionType === undefined) throw bad("session_type is required for a fresh workspace ('browser' or 'sandbox')");
        if (image !== undefined && sessionType !== "sandbox") throw bad("image is accepted only for sandbox workspaces (session_type 'sandbox')");
        w = newWorkspace(acct.id, { session_type: sessionType, image: image ?? null, template });
      }
      w.name = name ?? st.generatedName(acct.id);
      if (st.nameTaken(acct.id, w.name)) throw nameTaken(w.name, acct);
      return { status: 201, body: workspaceInfo(store.put("workspaces", w.id, w)) };
    });

    this.route("POST", "/v1/workspaces/import", "workspaces.write", ({ body, acct }) => {
      planAllowsWorkspaces(acct);
      if (typeof body.github_repo !== "string" || !GITHUB_REPO.test(body.github_repo)) throw bad("github_repo must be a GitHub repository as 'owner/repo'");
      const name = isSet(body.name) ? checkName(body.name) : st.generatedName(acct.id);
      if (st.nameTaken(acct.id, name)) throw nameTaken(name, acct);
      const w = newWorkspace(acct.id, { name, session_type: "sandbox", github_repo: body.github_repo });
      return { status: 201, body: workspaceInfo(store.put("workspaces", w.id, w)) };
    });

    this.route("POST", "/v1/workspaces/bulk-delete", "workspaces.write", ({ body, acct }) => {
      const ids = body.workspace_ids;
      if (!Array.isArray(ids) || ids.some((x) => typeof x !== "string" || x === "")) throw bad("workspace_ids must be a list of workspace ids");
      const force = optBool(body, "force") ?? false;
      const deleted: string[] = [];
      const failed: Array<{ id: string; error: { code: string; message: string } }> = [];
      for (const id of ids as string[]) {
        const mark = store.mark();
        try {
          st.deleteWorkspace(st.resolveWorkspace(acct, id), force);
          deleted.push(id);
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          store.rollback(mark);
          failed.push({ id, error: { code: e.code, message: e.message } });
        }
      }
      return { status: 200, body: { deleted, failed } };
    });

    this.route("PUT", "/v1/workspaces/:ws/name", "workspaces.write", ({ body, acct }, [sel]) => {
      const w = st.resolveWorkspace(acct, sel);
      if (!("name" in body)) throw bad("name is required (a string, or null to clear the name)");
      const name = body.name === null ? null : checkName(body.name);
      if (name !== null && st.nameTaken(acct.id, name, w.id)) throw nameTaken(name, acct);
      return { status: 200, body: workspaceInfo(store.put("workspaces", w.id, { ...w, name })) };
    });

    this.route("PUT", "/v1/workspaces/:ws/template", "workspaces.write", ({ body, acct }, [sel]) => {
      const w = st.resolveWorkspace(acct, sel);
      if (typeof body.template !== "boolean") throw bad("template is required: true or false");
      return { status: 200, body: workspaceInfo(store.put("workspaces", w.id, { ...w, template: body.template })) };
    });

    this.route("DELETE", "/v1/workspaces/:ws", "workspaces.write", ({ query, acct }, [sel]) => {
      const w = st.resolveWorkspace(acct, sel);
      st.deleteWorkspace(w, queryBool(query, "force"));
      return { status: 204 };
    });

    // ---- snapshots ----------------------------------------------------------------------------------------
    this.route("GET", "/v1/workspaces/:ws/snapshots", "workspaces.read", ({ acct }, [sel]) => {
      const w = st.resolveWorkspace(acct, sel);
      return { status: 200, body: [...st.snapshotsOf(w.id)].map(snapshotInfo) };
    });

    this.route("POST", "/v1/workspaces/:ws/snapshots", "workspaces.write", ({ body, acct }, [sel]) => {
      let w = st.resolveWorkspace(acct, sel);
      const name = checkName(body.name);
      const force = optBool(body, "force") ?? false;
      if (st.hasSnapshot(w, name)) throw new ApiError(409, "snapshot_name_taken", `snapshot '${name}' already exists in workspace '${w.name ?? w.id}'`);
      w = st.detach(w, force, "creating a snapshot");
      const count = [...st.snapshotsOf(w.id)].length;
      const s: Snapshot = { id: `${w.id}/${name}`, workspaceId: w.id, name, created_at: now(), size_bytes: 1_048_576 * (count + 1) };
      return { status: 201, body: snapshotInfo(store.put("snapshots", s.id, s)) };
    });

    this.route("POST", "/v1/workspaces/:ws/snapshots/:name/restore", "workspaces.write", ({ body, acct }, [sel, name]) => {
      let w = st.resolveWorkspace(acct, sel);
      const s = st.snapshot(w, name);
      const force = optBool(body, "force") ?? false;
      w = st.detach(w, force, "restoring a snapshot");
      return { status: 200, body: { restored: true, snapshot: snapshotInfo(s), workspace: workspaceInfo(w) } };
    });

    this.route("DELETE", "/v1/workspaces/:ws/snapshots/:name", "workspaces.write", ({ acct }, [sel, name]) => {
      const w = st.resolveWorkspace(acct, sel);
      store.del("snapshots", st.snapshot(w, name).id);
      return { status: 204 };
    });

    // ---- keys ---------------------------------------------------------------------------------------------
    this.route("GET", "/v1/keys", "keys.read", ({ acct }) => {
      const keys: unknown[] = [];
      for (const k of st.d.keys.values()) if (k.accountId === acct.id) keys.push(keyInfo(k));
      return { status: 200, body: { keys } };
    });

    this.route("POST", "/v1/keys", "keys.write", ({ body, key, acct }) => {
      const { name, scopes } = keyFields(body, key);
      // A key made with a service-account key belongs to that service account.
      const made = st.createKey({ accountId: acct.id, userId: key.userId, serviceAccountId: key.serviceAccountId, name, scopes });
      return { status: 201, body: createdKeyInfo(made.key, made.secret) };
    });

    this.route("DELETE", "/v1/keys/:id", "keys.write", ({ acct }, [id]) => {
      const k = st.d.keys.get(id);
      if (!k || k.accountId !== acct.id) throw new ApiError(404, "key_not_found", `no API key '${id}' in account '${acct.name}'`);
      if (!k.revokedAt) store.put("keys", k.id, { ...k, revokedAt: now() });
      return { status: 204 };
    });

    this.route("POST", "/v1/accounts/current/service-accounts/:sa/keys", "keys.write", ({ body, key, acct }, [saId]) => {
      if (acct.personal) throw new ApiError(403, "account_forbidden", "service accounts exist only in organization accounts; select one with X-Chaser-Account");
      const role = key.userId ? acct.members[key.userId] : undefined;
      if (role !== "owner" && role !== "admin") throw new ApiError(403, "account_forbidden", "only owners and admins of the organization manage service accounts");
      const sa = st.d.serviceAccounts.get(saId);
      if (!sa || sa.accountId !== acct.id) throw new ApiError(404, "service_account_not_found", `no service account '${saId}' in account '${acct.name}'`);
      const { name, scopes } = keyFields(body, key);
      const made = st.createKey({ accountId: acct.id, userId: null, serviceAccountId: sa.id, name, scopes });
      return { status: 201, body: { ...createdKeyInfo(made.key, made.secret), service_account: { id: sa.id, name: sa.name } } };
    });

    // ---- sessions (only what tests need to attach a session to a workspace) --------------------------------
    this.route("POST", "/v1/sessions", "sessions.write", ({ body, acct, base }) => {
      const sessionType = optSessionType(body);
      const ephemeral = optBool(body, "ephemeral") ?? false;
      const image = optString(body, "image", "an OCI image reference");
      if (ephemeral) {
        if (isSet(body.workspace)) throw bad("workspace cannot be combined with ephemeral: true (an ephemeral session has no workspace)");
        const type = sessionType ?? (image !== undefined ? "sandbox" : "browser");
        if (image !== undefined && type !== "sandbox") throw bad("image is accepted only for sandbox sessions");
        const s = newSession(acct.id, type, null, image ?? null);
        return { status: 200, body: sessionInfo(store.put("sessions", s.id, s), base) };
      }
      if (typeof body.workspace !== "string" || body.workspace === "") throw bad("workspace is required (a workspace name or id) unless ephemeral is true");
      if (image !== undefined) throw bad("image is accepted only for ephemeral sessions; a workspace-backed session uses the workspace's image");
      const w = st.resolveWorkspace(acct, body.workspace);
      if (sessionType !== undefined && sessionType !== w.session_type) {
        throw new ApiError(409, "workspace_type_locked", `workspace '${w.name ?? w.id}' is locked to ${w.session_type} sessions`);
      }
      const live = st.liveSession(w);
      if (live) return { status: 200, body: sessionInfo(live, base) };
      const s = newSession(acct.id, w.session_type, w.id, w.image);
      store.put("workspaces", w.id, { ...w, active_session_id: s.id, last_session_id: s.id });
      return { status: 200, body: sessionInfo(store.put("sessions", s.id, s), base) };
    });

    const sessionOf = (acct: Account, id: string): Session => {
      const s = st.d.sessions.get(id);
      if (!s || s.accountId !== acct.id) throw new ApiError(404, "session_not_found", "Session doesn't exist or doesn't belong to your account");
      return s;
    };
    this.route("GET", "/v1/sessions", "sessions.read", ({ acct, base }) => {
      const out: unknown[] = [];
      for (const s of st.d.sessions.values()) if (s.accountId === acct.id) out.push(sessionInfo(s, base));
      return { status: 200, body: out };
    });
    this.route("GET", "/v1/sessions/:id", "sessions.read", ({ acct, base }, [id]) => ({ status: 200, body: sessionInfo(sessionOf(acct, id), base) }));
    this.route("DELETE", "/v1/sessions/:id", "sessions.write", ({ acct }, [id]) => {
      const s = sessionOf(acct, id);
      if (s.status === "terminated") throw new ApiError(409, "session_not_open", "Session is already terminated");
      st.terminate(s);
      return { status: 204 };
    });
  }
}

/** name and scopes of a key to create; a scoped key cannot create a key with a scope it lacks, nor a full-access one. */
function keyFields(body: Body, creator: Key): { name: string | null; scopes: string[] } {
  let name: string | null = null;
  if (isSet(body.name)) {
    if (typeof body.name !== "string" || body.name.length > KEY_NAME_MAX) throw bad(`name must be a string of at most ${KEY_NAME_MAX} characters`);
    name = body.name;
  }
  const scopes = parseScopes(body.scopes);
  if (creator.scopes.length > 0) {
    const missing = scopes.length === 0 ? ["full access"] : scopes.filter((s) => !creator.scopes.includes(s));
    if (missing.length) {
      throw new ApiError(403, "insufficient_scope", `a scoped key can only create keys with scopes it holds itself; this key lacks ${missing.join(", ")}`);
    }
  }
  return { name, scopes };
}

function nameTaken(name: string, acct: Account): ApiError {
  return new ApiError(409, "workspace_name_taken", `workspace name '${name}' is taken in account '${acct.name}' (names are unique case-insensitively)`);
}

function newWorkspace(accountId: string, fields: Partial<Workspace>): Workspace {
  return {
    id: randomUUID(), accountId, name: null, session_type: "browser", image: null, template: false, github_repo: null,
    source_workspace_id: null, created_at: now(), active_session_id: null, last_session_id: null, ...fields,
  };
}

function newSession(accountId: string, type: string, workspaceId: string | null, image: string | null): Session {
  return { id: randomUUID(), accountId, session_type: type, status: "running", created_at: now(), workspace_id: workspaceId, image };
}

function queryBool(query: URLSearchParams, field: string): boolean {
  const v = query.get(field);
  if (v === null || v === "false") return false;
  if (v === "true") return true;
  throw bad(`${field} must be true or false (got '${v}')`);
}

function decodeParam(p: string): string {
  try {
    return decodeURIComponent(p);
  } catch {
    throw bad(`the path segment '${p}' is not valid percent-encoding`);
  }
}

export function parseBody(raw: string): Body {
  if (raw.trim() === "") return {};
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw bad("the body is not valid JSON");
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw bad("the body must be a JSON object");
  return v as Body;
}
