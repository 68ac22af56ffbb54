/**
 * Starts chaser-local in-process for a test file and drives its test controls (/_local/…): faults, the request
 * log, counters, reset, accounts and keys. Tests assert on what the server received, not on mocks.
 */
import { forgetClients } from "../../provider/context";
import { forgetCredentialChecks } from "../../provider/credentials";
import { startChaserLocal } from "../../chaser-local/src/server";
import type { ChaserLocalOptions, FaultRule } from "../../chaser-local/src/server";

export interface LoggedRequest {
  seq: number;
  method: string;
  path: string;
  query?: string;
  status: number;
  account?: string | null;
  fault?: string | null;
  /** When the request arrived (ISO time). */
  at?: string;
}

export class Local {
  url = "";
  rootKey = "";
  private closeFn: () => Promise<void> = async () => undefined;

  static async start(opts: ChaserLocalOptions = {}): Promise<Local> {
    const local = new Local();
    const srv = await startChaserLocal({ port: 0, ...opts });
    local.url = srv.url;
    local.rootKey = srv.rootKey;
    local.closeFn = () => srv.close();
    return local;
  }

  /**
   * One in-memory server for a test file: started before its tests, stopped after them, and reset before each
   * test (with the provider's clients, which share listings for a while, forgotten: the server changed under them).
   */
  static forSuite(): Local {
    const local = new Local();
    beforeAll(async () => {
      const started = await Local.start();
      Object.assign(local, { url: started.url, rootKey: started.rootKey, closeFn: () => started.close() });
    });
    afterAll(() => local.close());
    beforeEach(async () => {
      await local.reset();
      forgetClients();
      forgetCredentialChecks();
    });
    return local;
  }

  close(): Promise<void> {
    return this.closeFn();
  }

  /** A test control: they need the header `X-Chaser-Local: 1` (and a loopback Host, which fetch sends). */
  async control<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetchOnce(`${this.url}/_local${path}`, {
      method,
      headers: { "x-chaser-local": "1", ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) {
      const body = (() => {
        try {
          return JSON.parse(text);
        } catch {
          return text;
        }
      })();
      throw Object.assign(new Error(`chaser-local control ${method} ${path}: ${res.status} ${text}`), { status: res.status, body });
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  reset() {
    return this.control("POST", "/reset");
  }
  faults(rules: FaultRule[], latencyMs = 0) {
    return this.control("PUT", "/faults", { latencyMs, rules });
  }
  async requests(): Promise<LoggedRequest[]> {
    return (await this.control<{ requests: LoggedRequest[] }>("GET", "/requests")).requests;
  }
  clearRequests() {
    return this.control("DELETE", "/requests");
  }
  /** Requests received, as "METHOD /path" strings, in order. */
  async calls(): Promise<string[]> {
    return (await this.requests()).map((r) => `${r.method} ${r.path}`);
  }
  async count(method: string, pathPattern: RegExp | string): Promise<number> {
    return (await this.requests()).filter((r) => r.method === method && (typeof pathPattern === "string" ? r.path === pathPattern : pathPattern.test(r.path))).length;
  }
  createAccount(name: string, plan: "free" | "pro" = "pro") {
    return this.control<{ id: string; name: string }>("POST", "/accounts", { name, plan });
  }
  createServiceAccount(account: string, name: string) {
    return this.control<{ id: string; name: string }>("POST", `/accounts/${encodeURIComponent(account)}/service-accounts`, { name });
  }
  /** A key bound to `account` (default: the personal one) for a new user with `role`, or for the member `email`. */
  createKey(opts: { account?: string; scopes?: string[]; role?: string; email?: string; name?: string } = {}) {
    return this.control<{ id: string; key: string; account_id: string; user_id: string; email: string }>("POST", "/keys", opts);
  }

  /** A direct API call with the root key (to arrange or inspect state outside the code under test). */
  async api<T = unknown>(method: string, path: string, body?: unknown, opts: { key?: string; account?: string } = {}): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { authorization: `Bearer ${opts.key ?? this.rootKey}` };
    if (opts.account !== undefined) headers["x-chaser-account"] = opts.account;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await fetchOnce(`${this.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  async workspaces(opts: { account?: string } = {}): Promise<Array<Record<string, any>>> {
    return (await this.api<Array<Record<string, any>>>("GET", "/v1/workspaces", undefined, opts)).body;
  }
  async keys(): Promise<Array<Record<string, any>>> {
    return (await this.api<{ keys: Array<Record<string, any>> }>("GET", "/v1/keys")).body.keys;
  }
}

/**
 * fetch, sent again when a kept-alive connection turns out closed by the server before the request went out
 * (undici: "other side closed"): the request never reached the server.
 */
async function fetchOnce(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (e) {
      if (attempt >= 3 || (e as { cause?: { code?: string } })?.cause?.code !== "UND_ERR_SOCKET") throw e;
    }
  }
}

/** The non-GET requests the server received, as "METHOD /path". */
export async function writesTo(local: Local): Promise<string[]> {
  return (await local.requests()).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
}
