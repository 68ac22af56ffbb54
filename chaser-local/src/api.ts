/**
 * The router of the Chaser Core API endpoints (routes/*.ts). Every request: bearer token, an API key or a user
 * session token (401) → active account from `X-Chaser-Account` (400 blank; 404 `account_not_found` for an account
 * the caller's user does not belong to, whether it exists or not; 403 `account_forbidden` for one of the user's
 * accounts that an API key is not bound to; a session token may select any of them) → route
 * (404/405) → access (403 `insufficient_scope`) → body (413/400, validated with contract/wire.ts) → handler.
 * Everything up to the access check happens before a byte of the body is read (`prepare`); the body is read and
 * the handler run after (`run`), inside the server's transaction.
 */
import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import { accountSelector, ACCOUNT_HEADER, firstIssue, PERSONAL } from "../../contract";
import type { AuditNote } from "./audit";
import { parseJsonObject } from "./request";
import { accountRoutes } from "./routes/accounts";
import { auditRoutes } from "./routes/audit";
import { execRoutes } from "./routes/exec";
import { keyRoutes } from "./routes/keys";
import { Match as RouteMatch, Method, Reply, Route, RouteTable } from "./routes/route";
import { sessionRoutes } from "./routes/sessions";
import { workspaceRoutes } from "./routes/workspaces";
import { isJwtShaped, SessionTokens } from "./session-token";
import { ApiError, invalid } from "./errors";
import type { Account, Key } from "./records";
import { memberOf, State } from "./state";
import { now } from "./util";

export type { Reply, Route } from "./routes/route";

export const HANDLERS: Route[] = [...workspaceRoutes, ...keyRoutes, ...accountRoutes, ...sessionRoutes, ...auditRoutes, ...execRoutes];

/** Where a path falls: the route for this method, or only the template (other methods: 405), or nothing (404). */
export type Match = RouteMatch<Route>;

/** A request that passed every check that needs no body. */
export interface Prepared {
  key: Key;
  acct: Account;
  route: Route;
  params: Record<string, string>;
}

export class Api {
  private readonly table: RouteTable<Route>;

  constructor(private readonly state: State, private readonly sessions?: SessionTokens, routes: Route[] = HANDLERS) {
    this.table = new RouteTable(routes);
  }

  /** Matches decoded path segments against the templates (pure: used for counters before anything else). */
  match(method: string, segments: string[]): Match {
    return this.table.match(method, segments);
  }

  /**
   * Everything that needs no body: key, account, route, access. Throws the ApiError to answer. `onAccount`
   * learns the active account as soon as it is known (for the request log).
   */
  prepare(method: string, path: string, match: Match, headers: IncomingHttpHeaders, onAccount: (accountId: string) => void, onPrincipal?: (key: Key, acct: Account) => void): Prepared {
    const key = this.authenticate(headers);
    const acct = this.activeAccount(headers, key);
    onAccount(acct.id);
    onPrincipal?.(key, acct);
    const route = match.route;
    if (!route) {
      if (match.template) throw new ApiError("method_not_allowed", `${method} is not allowed on ${clipPath(path)}`);
      throw new ApiError("not_found", `no endpoint ${method} ${clipPath(path)}`);
    }
    if (key.scopes.length > 0) {
      if (route.access === "full") {
        throw new ApiError("insufficient_scope", `${method} ${route.path} manages the account and needs a full-access key (a key without scopes); this key is scoped to ${key.scopes.join(", ")}`);
      }
      if (route.access !== "any" && !key.scopes.includes(route.access)) {
        throw new ApiError("insufficient_scope", `this API key lacks the scope '${route.access}' that ${method} ${route.path} needs`);
      }
    }
    return { key, acct, route, params: match.params };
  }

  /** Validates the body and runs the handler (inside the server's transaction). */
  run(p: Prepared, method: string, rawBody: Buffer, query: string, base: string, audit: AuditNote[] = []): Reply {
    const { key, acct, route, params } = p;
    // Best effort and in memory only: journaling it would make every read a durable write. A clean stop
    // keeps it (the store compacts on close).
    key.lastUsedAt = now();
    const ctx = { st: this.state, key, acct, params, query: new URLSearchParams(query), base, body: undefined as unknown, audit };
    route.before?.(ctx as never);
    if (route.body && (method === "POST" || method === "PUT" || method === "PATCH")) {
      const parsed = route.body.safeParse(parseJsonObject(rawBody));
      if (!parsed.success) throw invalid("", firstIssue(parsed.error as z.ZodError));
      ctx.body = parsed.data;
    }
    return route.handle(ctx);
  }

  /**
   * The audit log's events of a request to an audited route, in the open transaction: on success one per note
   * the handler made (or one about the path's object), on failure (`error`, an ApiError) one failure event about
   * the object the request named, with the error's code and message.
   */
  audit(p: { key: Key; acct: Account; route?: Route; params: Record<string, string> }, notes: AuditNote[], error?: unknown): void {
    const spec = p.route?.audit;
    if (!spec) return;
    const base = { action: spec.action, resourceType: spec.resourceType };
    const named = (): string | null => {
      const c = { st: this.state, key: p.key, acct: p.acct, params: p.params, query: new URLSearchParams(), base: "", body: undefined, audit: notes };
      try {
        if (spec.target) return spec.target(c);
      } catch {
        // the object cannot be resolved (that may be the failure): the path's own parameter
      }
      const ps = p.params;
      return ps.ws ?? ps.id ?? ps.user_id ?? ps.sa ?? ps.key_id ?? null;
    };
    if (error !== undefined) {
      if (!(error instanceof ApiError)) return;
      const first = notes[0];
      this.state.audit.record(p.acct.id, p.key, {
        ...base,
        action: first?.action ?? spec.action,
        resourceType: first?.resourceType ?? spec.resourceType,
        resourceId: first ? first.resourceId : named(),
        status: "failure",
        summary: `${spec.action} failed: ${error.message}`,
        metadata: { error_code: error.code },
      });
      return;
    }
    if (notes.length === 0 && !spec.notedOnly) notes = [{ resourceId: named(), summary: spec.action }];
    for (const n of notes) this.state.audit.record(p.acct.id, p.key, { ...base, ...n, action: n.action ?? spec.action, resourceType: n.resourceType ?? spec.resourceType });
  }

  private authenticate(headers: IncomingHttpHeaders): Key {
    const h = headers.authorization;
    const m = h ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(h) : null;
    if (!m) throw new ApiError("unauthorized", "missing bearer token: send 'Authorization: Bearer sk_…'");
    if (this.sessions && isJwtShaped(m[1])) return this.session(m[1]);
    const key = this.state.keyBySecret(m[1]);
    if (!key) throw new ApiError("unauthorized", "invalid API key");
    if (key.revokedAt) throw new ApiError("unauthorized", "this API key was revoked");
    const acct = this.state.d.accounts.get(key.accountId);
    if (!acct) throw new ApiError("unauthorized", "the account of this API key no longer exists");
    if (key.serviceAccountId !== null) {
      const sa = this.state.d.serviceAccounts.get(key.serviceAccountId);
      if (!sa || sa.disabled) throw new ApiError("unauthorized", "the service account of this API key was deleted or disabled");
    } else if (!memberOf(acct, key.userId)) {
      throw new ApiError("unauthorized", `this API key's user is no longer a member of account '${acct.name}'`);
    }
    return key;
  }

  /**
   * A user session token: the caller is its user, with full access, in their personal account unless
   * X-Chaser-Account selects another of their accounts. Never stored: a key-shaped principal for this request.
   */
  private session(token: string): Key {
    const v = this.sessions!.verify(token);
    if ("problem" in v) throw new ApiError("unauthorized", v.problem);
    const user = this.state.userByEmailAddress(v.email);
    if (!user || !this.state.d.accounts.has(user.personalAccountId)) throw new ApiError("unauthorized", "the user of this session token no longer exists");
    return {
      id: `${SESSION_ID_PREFIX}${user.id}`, hash: "", prefix: "", name: null, scopes: [], accountId: user.personalAccountId,
      userId: user.id, serviceAccountId: null, createdAt: now(), lastUsedAt: null, revokedAt: null,
    } as Key;
  }

  /**
   * X-Chaser-Account: an account id, an exact account name, or `personal`. An account the caller's user does not
   * belong to is 404 whether it exists or not, with a message that does not echo it (no account enumeration); an
   * API key acts only in its own account (403 for the user's other accounts); a session in any of the user's.
   */
  private activeAccount(headers: IncomingHttpHeaders, key: Key): Account {
    const bound = this.state.d.accounts.get(key.accountId)!;
    const raw = headers[ACCOUNT_HEADER];
    if (raw === undefined) return bound;
    const sel = Array.isArray(raw) ? raw[0] : raw;
    const ok = accountSelector.safeParse(sel);
    if (!ok.success) throw invalid("X-Chaser-Account", ok.error.issues[0].message);
    let acct: Account | undefined;
    if (sel === PERSONAL) {
      const user = key.userId ? this.state.d.users.get(key.userId) : undefined;
      acct = user ? this.state.d.accounts.get(user.personalAccountId) : undefined;
      if (!acct) throw new ApiError("account_forbidden", "a service-account key has no personal account");
    } else {
      acct = this.state.findAccount(sel);
      if (!acct || (acct.id !== bound.id && !memberOf(acct, key.userId))) {
        throw new ApiError("account_not_found", "X-Chaser-Account names no account that this caller belongs to (an account is selected by its id, its exact name, or 'personal')");
      }
    }
    if (acct.id !== bound.id && !isSession(key)) {
      throw new ApiError("account_forbidden", `this API key is bound to account '${bound.name}' and cannot be used with account '${acct.name}'`);
    }
    return acct;
  }
}

export type { Method };

const SESSION_ID_PREFIX = "session:";
/** Whether the caller is a user session (not an API key). */
export const isSession = (key: Key) => key.id.startsWith(SESSION_ID_PREFIX);

function clipPath(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
