/**
 * Starts chaser-local in-process for a test file and drives its test controls (/_local/…): faults, the request
 * log, counters, reset, accounts and keys. Tests assert on what the server received, not on mocks.
 */
import type { Plan } from "../../contract";
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
  /** A user session token of root (or of the user with `email`): full access in any account the user belongs to. */
  sessionToken: (email?: string) => string = () => {
    throw new Error("chaser-local is not started");
  };
  private closeFn: () => Promise<void> = async () => undefined;

  static async start(opts: ChaserLocalOptions = {}): Promise<Local> {
    const local = new Local();
    const srv = await startChaserLocal({ port: 0, ...opts });
    local.url = srv.url;
    local.rootKey = srv.rootKey;
    local.sessionToken = (email?: string) => srv.sessionToken(email);
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
      Object.assign(local, { url: started.url, rootKey: started.rootKey, sessionToken: started.sessionToken, closeFn: () => started.close() });
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

  /** A test control's body; rejects unless it succeeded (the error carries `status` and `body`). */
  control<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return callControl<T>(this.url, method, path, body);
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
  createAccount(name: string, plan: Plan = "pro") {
    return this.control<{ id: string; name: string }>("POST", "/accounts", { name, plan });
  }
  createServiceAccount(account: string, name: string) {
    return this.control<{ id: string; name: string }>("POST", `/accounts/${encodeURIComponent(account)}/service-accounts`, { name });
  }
  /** A key bound to `account` (default: the personal one) for a new user with `role`, or for the member `email`. */
  createKey(opts: { account?: string; scopes?: string[]; role?: string; email?: string; name?: string } = {}) {
    return this.control<{ id: string; key: string; account_id: string; user_id: string; email: string }>("POST", "/keys", opts);
  }

  /** A direct API call, with the root key unless `key` says otherwise (to arrange or inspect state outside the code under test). */
  api<T = unknown>(method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<Answer<T>> {
    return callApi<T>(this.url, method, path, body, { resendClosed: true, ...opts, key: opts.key === undefined ? this.rootKey : opts.key });
  }
  async workspaces(opts: { account?: string } = {}): Promise<Array<Record<string, any>>> {
    return (await this.api<Array<Record<string, any>>>("GET", "/v1/workspaces", undefined, opts)).body;
  }
  async keys(): Promise<Array<Record<string, any>>> {
    return (await this.api<{ keys: Array<Record<string, any>> }>("GET", "/v1/keys")).body.keys;
  }
}

export interface CallOptions {
  /** Sent as `Authorization: Bearer <key>`; null or absent: no authorization header. */
  key?: string | null;
  /** Sent as the account header (also when blank). */
  account?: string;
  /** The body as sent, instead of `body` as JSON. */
  raw?: string | Buffer;
  headers?: Record<string, string>;
  /**
   * Send again when a kept-alive connection turns out closed by the server before the request went out (undici:
   * "other side closed"). Not for requests a fault may cut off (`reset`, `drop`): those must reject. `"controls"`:
   * also when the connection was reset (ECONNRESET): a kept-alive connection the server closed as the request went
   * out on a loaded machine; only for test controls, which faults never touch.
   */
  resendClosed?: boolean | "controls";
}

export interface Answer<T = any> {
  status: number;
  /** Parsed when JSON, else the text (undefined when empty). */
  body: T;
  headers: Headers;
}

/** One HTTP request to chaser-local at `url`, as an API client sends it. */
export async function callApi<T = any>(url: string, method: string, path: string, body?: unknown, opts: CallOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.key !== undefined && opts.key !== null) headers.authorization = `Bearer ${opts.key}`;
  if (opts.account !== undefined) headers["x-chaser-account"] = opts.account;
  const payload = opts.raw ?? (body === undefined ? undefined : JSON.stringify(body));
  if (payload !== undefined) headers["content-type"] ??= "application/json";
  const init = { method, headers, body: payload };
  const res = opts.resendClosed ? await fetchResendingClosed(`${url}${path}`, init, opts.resendClosed === "controls") : await fetch(`${url}${path}`, init);
  return { status: res.status, body: parsed(await res.text()) as T, headers: res.headers };
}

/** A test control's answer, whatever its status. Controls need the header `X-Chaser-Local: 1` (and a loopback Host, which fetch sends). */
export async function controlAnswer(url: string, method: string, path: string, body?: unknown): Promise<Answer> {
  return callApi(url, method, `/_local${path}`, body, { headers: { "x-chaser-local": "1" }, resendClosed: "controls" });
}

/** A test control's body; rejects unless it succeeded (the error carries `status` and `body`). */
export async function callControl<T = any>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const a = await controlAnswer(url, method, path, body);
  if (a.status < 200 || a.status > 299) {
    const text = typeof a.body === "string" ? a.body : JSON.stringify(a.body);
    throw Object.assign(new Error(`chaser-local control ${method} ${path}: ${a.status} ${text}`), { status: a.status, body: a.body });
  }
  return a.body as T;
}

function parsed(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function fetchResendingClosed(url: string, init: RequestInit, reset = false): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (e) {
      const code = (e as { cause?: { code?: string } })?.cause?.code;
      if (attempt >= 3 || !(code === "UND_ERR_SOCKET" || (reset && code === "ECONNRESET"))) throw e;
    }
  }
}

/** The non-GET requests the server received, as "METHOD /path". */
export async function writesTo(local: Local): Promise<string[]> {
  return (await local.requests()).filter((r) => r.method !== "GET").map((r) => `${r.method} ${r.path}`);
}
