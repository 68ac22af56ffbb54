/**
 * Test controls under `/_local/` (no auth; the real API has no such prefix), as docs/DESIGN.md specifies:
 * reset, the request log and counters, faults and latency, organization accounts, service accounts, and keys
 * for any account with a role.
 */
import { randomUUID } from "node:crypto";
import type { Reply } from "./api";
import { parseBody } from "./api";
import { Faults, validateConfig } from "./faults";
import { ApiError, bad, parseScopes, ROOT_ACCOUNT, ROOT_USER, State } from "./state";
import type { Account, Role } from "./store";

export interface LogEntry {
  seq: number;
  method: string;
  path: string;
  query: string;
  status: number;
  account: string | null;
  fault: string | null;
  at: string;
}

/** The last LOG_LIMIT API requests, cheap to append to (trimmed in chunks). */
export const LOG_LIMIT = 20_000;

export class RequestLog {
  private entries: LogEntry[] = [];
  private seq = 0;
  counters: Record<string, number> = Object.create(null);

  add(method: string, path: string, query: string): LogEntry {
    const e: LogEntry = { seq: ++this.seq, method, path, query, status: 0, account: null, fault: null, at: new Date().toISOString() };
    this.entries.push(e);
    if (this.entries.length >= 2 * LOG_LIMIT) this.entries = this.entries.slice(-LOG_LIMIT);
    const k = `${method} ${path}`;
    this.counters[k] = (this.counters[k] ?? 0) + 1;
    return e;
  }

  list(): LogEntry[] {
    return this.entries.length > LOG_LIMIT ? this.entries.slice(-LOG_LIMIT) : this.entries;
  }

  /** Clears the entries (the sequence numbers go on). */
  clear(): void {
    this.entries = [];
  }

  reset(): void {
    this.entries = [];
    this.counters = Object.create(null);
  }
}

const ROLES: Role[] = ["owner", "admin", "member"];

export class Controls {
  constructor(private readonly state: State, private readonly faults: Faults, private readonly log: RequestLog) {}

  handle(method: string, path: string, rawBody: string): Reply {
    const st = this.state;
    const store = st.store;
    const body = () => parseBody(rawBody);

    if (path === "/_local/reset") {
      if (method !== "POST") throw notAllowed(method, path);
      st.reset();
      this.faults.set({});
      this.log.reset();
      return { status: 200, body: { reset: true } };
    }
    if (path === "/_local/requests") {
      if (method === "GET") return { status: 200, body: { requests: this.log.list() } };
      if (method === "DELETE") {
        this.log.clear();
        return { status: 200, body: { cleared: true } };
      }
      throw notAllowed(method, path);
    }
    if (path === "/_local/counters") {
      if (method !== "GET") throw notAllowed(method, path);
      return { status: 200, body: this.log.counters };
    }
    if (path === "/_local/faults") {
      if (method === "GET") return { status: 200, body: this.faults.get() };
      if (method === "PUT") {
        let config;
        try {
          config = validateConfig(body());
        } catch (e) {
          if (e instanceof ApiError) throw e;
          throw bad((e as Error).message);
        }
        this.faults.set(config);
        return { status: 200, body: this.faults.get() };
      }
      throw notAllowed(method, path);
    }
    if (path === "/_local/accounts") {
      if (method !== "POST") throw notAllowed(method, path);
      const b = body();
      if (typeof b.name !== "string" || b.name.trim() === "") throw bad("name is required (a non-empty string)");
      if (b.name === "personal") throw bad("name cannot be 'personal': X-Chaser-Account uses it for the personal account");
      const plan = b.plan ?? "pro";
      if (plan !== "free" && plan !== "pro") throw bad("plan must be 'free' or 'pro'");
      if (st.findAccount(b.name)) throw new ApiError(409, "account_name_taken", `an account named '${b.name}' exists`);
      const a: Account = { id: `acct_${randomUUID()}`, name: b.name, plan, personal: false, members: { [ROOT_USER]: "owner" } };
      store.put("accounts", a.id, a);
      return { status: 201, body: { id: a.id, name: a.name, plan: a.plan } };
    }
    const m = /^\/_local\/accounts\/([^/]+)\/service-accounts$/.exec(path);
    if (m) {
      if (method !== "POST") throw notAllowed(method, path);
      const acct = this.account(safeDecode(m[1]));
      if (acct.personal) throw bad(`account '${acct.name}' is a personal account: service accounts exist only in organizations`);
      const b = body();
      if (typeof b.name !== "string" || b.name.trim() === "") throw bad("name is required (a non-empty string)");
      const sa = { id: `sa_${randomUUID()}`, name: b.name, accountId: acct.id };
      store.put("serviceAccounts", sa.id, sa);
      return { status: 201, body: { id: sa.id, name: sa.name, account_id: acct.id } };
    }
    if (path === "/_local/keys") {
      if (method !== "POST") throw notAllowed(method, path);
      const b = body();
      const acct = this.account(b.account === undefined || b.account === null ? ROOT_ACCOUNT : String(b.account));
      const role = (b.role ?? "owner") as Role;
      if (!ROLES.includes(role)) throw bad("role must be 'owner', 'admin' or 'member'");
      if (acct.personal && role !== "owner") throw bad(`account '${acct.name}' is a personal account: its only member is its owner`);
      if (b.name !== undefined && b.name !== null && typeof b.name !== "string") throw bad("name must be a string");
      const scopes = parseScopes(b.scopes);
      // The owner role of an account root owns is root; any other role (or an account root does not own) is
      // given to a new user, who also gets a personal account.
      let userId: string;
      if (acct.personal) userId = Object.keys(acct.members).find((u) => acct.members[u] === "owner")!;
      else if (role === "owner" && acct.members[ROOT_USER] === "owner") userId = ROOT_USER;
      else userId = st.createUser(acct, role);
      const made = st.createKey({ accountId: acct.id, userId, serviceAccountId: null, name: (b.name as string | undefined) ?? null, scopes });
      return { status: 201, body: { id: made.key.id, key: made.secret, account_id: acct.id } };
    }
    throw new ApiError(404, "not_found", `no test control ${method} ${path}`);
  }

  private account(sel: string): Account {
    const a = this.state.findAccount(sel);
    if (!a) throw new ApiError(404, "account_not_found", `no account '${sel}'`);
    return a;
  }
}

function notAllowed(method: string, path: string): ApiError {
  return new ApiError(405, "method_not_allowed", `${method} is not allowed on ${path}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw bad(`'${s}' is not valid percent-encoding`);
  }
}
