/**
 * Test controls under `/_local/` (the real API has no such prefix), as docs/chaser-local.md specifies: reset,
 * the request log and counters, faults and latency, organization accounts, service accounts, and keys for any
 * account with a role or for an existing member.
 *
 * They take no key, so they protect themselves the way local development servers do (`guard`): only a loopback
 * `Host` with the server's port (no DNS rebinding), a required non-simple header `X-Chaser-Local: 1` (a web page
 * cannot send it without a CORS preflight, which is never granted), no `Origin` but a loopback one, and JSON
 * bodies only. Anything else is 403 `control_forbidden`.
 *
 * The request log and the counters are bounded: at most LOG_LIMIT entries with paths and queries clipped, and one
 * counter per method and route template (unknown paths share one), so any number of distinct paths takes the
 * same memory.
 */
import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import * as rule from "../../contract/rules";
import { firstIssue, type RouteSpec } from "../../contract";
import { history } from "./exec";
import { Faults, validateConfig } from "./faults";
import { parseJsonObject } from "./request";
import { ApiError, invalid } from "./errors";
import { Account, ROOT_ACCOUNT, ROOT_USER } from "./records";
import { Reply, RouteTable } from "./routes/route";
import { memberOf, State } from "./state";

export interface LogEntry {
  seq: number;
  method: string;
  /** the path as sent, without the query string, clipped to PATH_LIMIT characters */
  path: string;
  query: string;
  status: number;
  account: string | null;
  fault: string | null;
  at: string;
}

/** The last LOG_LIMIT API requests are kept. */
export const LOG_LIMIT = 10_000;
/** Paths and queries in the log are clipped to this many characters (and end with `…` when clipped). */
export const PATH_LIMIT = 256;
/** The counter of requests to paths no route has. */
export const UNKNOWN_PATH = "(unknown path)";

const clipTo = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export class RequestLog {
  /** a ring of at most LOG_LIMIT entries; `next` is where the next one goes */
  private ring: LogEntry[] = [];
  private next = 0;
  private seq = 0;
  private counters = new Map<string, number>();

  /** Logs a request; `template` is its route's path template (undefined: no route has this path). */
  add(method: string, template: string | undefined, path: string, query: string): LogEntry {
    const e: LogEntry = { seq: ++this.seq, method, path: clipTo(path, PATH_LIMIT), query: clipTo(query, PATH_LIMIT), status: 0, account: null, fault: null, at: new Date().toISOString() };
    if (this.ring.length < LOG_LIMIT) this.ring.push(e);
    else this.ring[this.next] = e;
    this.next = (this.next + 1) % LOG_LIMIT;
    const k = `${method} ${template ?? UNKNOWN_PATH}`;
    this.counters.set(k, (this.counters.get(k) ?? 0) + 1);
    return e;
  }

  list(): LogEntry[] {
    return this.ring.length < LOG_LIMIT ? [...this.ring] : [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)];
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.counters);
  }

  /** How many entries and counters are held (the memory bound's test reads it). */
  size(): { entries: number; counters: number } {
    return { entries: this.ring.length, counters: this.counters.size };
  }

  /** Clears the entries (the sequence numbers go on). */
  clear(): void {
    this.ring = [];
    this.next = 0;
  }

  reset(): void {
    this.clear();
    this.counters.clear();
  }
}

// ---- the guard ------------------------------------------------------------------------------------------------

export const CONTROL_HEADER = "x-chaser-local";
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Why a control request is refused (403 control_forbidden), or undefined when it may go on. */
export function guard(headers: IncomingHttpHeaders, port: number, withBody: boolean): ApiError | undefined {
  const refuse = (why: string) => new ApiError("control_forbidden", `the /_local/ test controls ${why}`);
  const host = (headers.host ?? "").toLowerCase();
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  if (!m || !LOOPBACK.has(m[1]) || Number(m[2] ?? 80) !== port) {
    return refuse(`answer only requests to this machine: the Host must be 127.0.0.1:${port}, localhost:${port} or [::1]:${port} (got '${host.slice(0, 80)}')`);
  }
  if (headers[CONTROL_HEADER] !== "1") return refuse("need the header 'X-Chaser-Local: 1' (a web page cannot send it)");
  const origin = headers.origin;
  if (origin !== undefined) {
    let ok = false;
    try {
      const u = new URL(origin);
      ok = (u.protocol === "http:" || u.protocol === "https:") && LOOPBACK.has(u.hostname);
    } catch {
      ok = false;
    }
    if (!ok) return refuse(`refuse requests from web pages of other sites (Origin '${origin.slice(0, 80)}')`);
  }
  if (headers["sec-fetch-site"] === "cross-site") return refuse("refuse cross-site requests");
  if (withBody) {
    const type = (headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    if (type !== "application/json") return refuse("take JSON bodies only: send 'Content-Type: application/json'");
  }
  return undefined;
}

// ---- the controls ---------------------------------------------------------------------------------------------

/**
 * The test controls, once: name → method and path template (`:param` a path parameter), as contract/routes.ts
 * lists the API's endpoints. They are chaser-local's own (the real API has none), so the table lives here; one
 * handler per name (CONTROLS below, checked by the compiler), matched by the same RouteTable as `/v1`.
 */
export const CONTROL_ROUTES = {
  reset: { method: "POST", path: "/_local/reset" },
  listRequests: { method: "GET", path: "/_local/requests" },
  clearRequests: { method: "DELETE", path: "/_local/requests" },
  counters: { method: "GET", path: "/_local/counters" },
  getFaults: { method: "GET", path: "/_local/faults" },
  setFaults: { method: "PUT", path: "/_local/faults" },
  getExecScripts: { method: "GET", path: "/_local/exec-scripts" },
  setExecScripts: { method: "PUT", path: "/_local/exec-scripts" },
  listCommands: { method: "GET", path: "/_local/commands" },
  createAccount: { method: "POST", path: "/_local/accounts" },
  createServiceAccount: { method: "POST", path: "/_local/accounts/:account/service-accounts" },
  createKey: { method: "POST", path: "/_local/keys" },
} as const satisfies Record<string, RouteSpec>;
export type ControlName = keyof typeof CONTROL_ROUTES;

/** What a control's handler sees: the server's parts it acts on, the path parameters (decoded) and the raw body. */
interface ControlCtx {
  st: State;
  faults: Faults;
  log: RequestLog;
  params: Record<string, string>;
  raw: Buffer;
}

const accountControl = z.object({ name: rule.organizationName, plan: rule.plan.nullish() });
const serviceAccountControl = z.object({ name: rule.organizationName });
const keyControl = z.object({
  account: rule.accountSelector.nullish(),
  email: rule.email.nullish(),
  role: rule.role.nullish(),
  scopes: z.array(rule.scope, "must be a list of scopes").max(rule.SCOPES.length * 4).nullish(),
  name: rule.keyName.nullish(),
});

function parse<S extends z.ZodType>(schema: S, raw: Buffer): z.output<S> {
  const r = schema.safeParse(parseJsonObject(raw));
  if (!r.success) throw invalid("", firstIssue(r.error as z.ZodError));
  return r.data;
}

function accountOf(st: State, sel: string): Account {
  const a = st.findAccount(sel);
  if (!a) throw new ApiError("account_not_found", `no account '${sel.slice(0, 200)}'`);
  return a;
}

const ok = (body: unknown): Reply => ({ status: 200, body });

/** `PUT /_local/faults`: a whole new configuration (an unknown field or a bad value is 400). */
function setFaults({ faults, raw }: ControlCtx): Reply {
  let config;
  try {
    config = validateConfig(parseJsonObject(raw));
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw invalid("", (e as Error).message);
  }
  faults.set(config);
  return ok(faults.get());
}

/** `POST /_local/keys`: a key for an account with a role (a new user unless root holds it), or for an existing member by email. */
function createKey({ st, raw }: ControlCtx): Reply {
  const b = parse(keyControl, raw);
  let acct: Account;
  let userId: string;
  if (b.email != null) {
    // A key for an existing member, found by email.
    if (b.role != null) throw invalid("role", "cannot be given with email: the key is the member's, with the member's role");
    const user = st.userByEmailAddress(b.email);
    acct = b.account == null ? (user ? st.d.accounts.get(user.personalAccountId)! : accountOf(st, ROOT_ACCOUNT)) : accountOf(st, b.account);
    if (!user || !memberOf(acct, user.id)) throw new ApiError("member_not_found", `'${b.email}' is not a member of account '${acct.name}'`);
    userId = user.id;
  } else {
    acct = accountOf(st, b.account ?? ROOT_ACCOUNT);
    const role = b.role ?? "owner";
    if (acct.personal && role !== "owner") throw invalid("role", `account '${acct.name}' is a personal account: its only member is its owner`);
    // The owner role of an account root owns is root; any other role (or an account root does not own) is
    // given to a new user, who also gets a personal account.
    if (acct.personal) userId = Object.keys(acct.members).find((u) => acct.members[u].role === "owner")!;
    else if (role === "owner" && memberOf(acct, ROOT_USER)?.role === "owner") userId = ROOT_USER;
    else {
      userId = st.createUser().id;
      acct = st.setMember(acct, userId, role);
    }
  }
  const made = st.createKey({ accountId: acct.id, userId, serviceAccountId: null, name: b.name ?? null, scopes: [...new Set(b.scopes ?? [])] });
  const email = st.d.users.get(userId)?.email ?? null;
  return { status: 201, body: { id: made.key.id, key: made.secret, account_id: acct.id, user_id: userId, email } };
}

/** The handler of each control. */
const CONTROLS: { [N in ControlName]: (c: ControlCtx) => Reply } = {
  reset: ({ st, faults, log }) => {
    st.reset();
    faults.set({});
    log.reset();
    return ok({ reset: true });
  },
  listRequests: ({ log }) => ok({ requests: log.list() }),
  clearRequests: ({ log }) => {
    log.clear();
    return ok({ cleared: true });
  },
  counters: ({ log }) => ok(log.counts()),
  getFaults: ({ faults }) => ok(faults.get()),
  setFaults,
  getExecScripts: ({ st }) => ok(st.scripts.get()),
  setExecScripts: ({ st, raw }) => {
    st.scripts.set(parseJsonObject(raw));
    return ok(st.scripts.get());
  },
  listCommands: ({ st }) =>
    ok({
      commands: history(st).map((c) => ({
        seq: c.seq, id: c.id, account: c.accountId, workspace_id: c.workspaceId, workspace: c.workspace, session_id: c.session_id, command: c.command,
        cwd: c.cwd, user: c.user, env_keys: c.env_keys, stdin_chars: c.stdin_chars, exit_code: c.exit_code, status: c.status, via: c.via, job_id: c.job_id, at: c.at,
      })),
    }),
  createAccount: ({ st, raw }) => {
    const b = parse(accountControl, raw);
    const a = st.createOrganization(b.name, ROOT_USER, b.plan ?? "pro");
    return { status: 201, body: { id: a.id, name: a.name, plan: a.plan } };
  },
  createServiceAccount: ({ st, params, raw }) => {
    const acct = accountOf(st, params.account);
    if (acct.personal) throw invalid("account", `'${acct.name}' is a personal account: service accounts exist only in organizations`);
    const b = parse(serviceAccountControl, raw);
    const sa = st.createServiceAccount(acct, b.name, null);
    return { status: 201, body: { id: sa.id, name: sa.name, account_id: acct.id } };
  },
  createKey,
};

type Control = RouteSpec & { handle: (c: ControlCtx) => Reply };
const TABLE = new RouteTable<Control>((Object.keys(CONTROL_ROUTES) as ControlName[]).map((n) => ({ ...CONTROL_ROUTES[n], handle: CONTROLS[n] })));

export class Controls {
  constructor(private readonly state: State, private readonly faults: Faults, private readonly log: RequestLog) {}

  /** `segments`: the decoded path segments after `_local`. */
  handle(method: string, segments: string[], raw: Buffer): Reply {
    const path = `/_local/${segments.join("/")}`;
    const m = TABLE.match(method, ["_local", ...segments]);
    if (m.route) return m.route.handle({ st: this.state, faults: this.faults, log: this.log, params: m.params, raw });
    if (m.template) throw new ApiError("method_not_allowed", `${method} is not allowed on ${path.slice(0, 200)}`);
    throw new ApiError("not_found", `no test control ${method} ${path.slice(0, 200)}`);
  }
}
