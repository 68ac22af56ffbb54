/**
 * chaser-local: the Chaser Core API as docs/chaser-local.md describes it, on node:http, and nothing the
 * real API lacks (no get-one workspace endpoint). Test controls live under /_local/, a prefix the real API does
 * not have. See docs/chaser-local.md for every decision taken where the documentation is silent.
 *
 *   const srv = await startChaserLocal({ port: 0, dataDir?, rootKey?, latencyMs?, faults?, repair? });
 *   srv.url; srv.rootKey; await srv.close();
 *
 * This file is the HTTP plumbing. Every request gets an `X-Request-Id` and, when it fails, a 4xx or 5xx with the
 * body `{"error": {"code", "message"}}`, also for what Node refuses before a request exists (bad HTTP, headers
 * over 16 KiB: 431). An API request is checked in this order, and the body is read only after the checks that
 * need none: target (400) → log → latency and faults → Content-Length over the limit (413) → key, account, route,
 * access (api.prepare) → body, counted while it streams (413) → validation and handler, as a transaction: its
 * changes are committed (with a data directory, fsync'd to the journal) before the answer is written, or rolled
 * back when it fails (a failed journal write is 503 `storage_unavailable`, with nothing changed).
 */
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { Api } from "./api";
import type { AuditNote } from "./audit";
import { Controls, guard, RequestLog } from "./controls";
import { faultAction, FaultRule, Faults, validateRule } from "./faults";
import { BODY_LIMIT, declaredTooLarge, hasBody, HEADER_LIMIT, parseTarget, readBody, tooLarge } from "./request";
import type { Reply } from "./routes/route";
import { SessionTokens } from "./session-token";
import { ApiError } from "./errors";
import { Account, Key, ROOT_EMAIL } from "./records";
import { rootKeyProblem } from "./startup";
import { State } from "./state";
import { FileIo, LoadReport, StorageError, Store } from "./store";
import { newKeySecret } from "./util";

export type { FaultConfig, FaultKind, FaultRule } from "./faults";
export type { LogEntry } from "./controls";
export type { FileIo } from "./store";
export { DamagedDataError } from "./store";

export interface ChaserLocalOptions {
  /** default 8787; 0 picks a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** keep state in this directory (journaled, fsync'd); default: in memory */
  dataDir?: string;
  /** the personal account's full-access key, at least 20 characters; default: generated (`sk_` + random) */
  rootKey?: string;
  /** latency added to every API request */
  latencyMs?: number;
  /** faults active from the start */
  faults?: FaultRule[];
  /** a damaged data directory: keep every intact record and copy the damaged files aside (default: refuse to start) */
  repair?: boolean;
  /** for tests: replaces some of the store's file operations (to make writes fail) */
  fileIo?: Partial<FileIo>;
}

export interface ChaserLocal {
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** full-access key of the personal account of user "root" */
  rootKey: string;
  /** true when the root key was generated (not given): the CLI prints it */
  generatedRootKey: boolean;
  /**
   * A user session token (what the real service issues after an OAuth sign-in) for the user with this email
   * (default root's): full access as that user, in any account they belong to (`X-Chaser-Account`). Throws when
   * no user has this email. See session-token.ts.
   */
  sessionToken(email?: string): string;
  /** what loading the data directory found worth telling (a cut-off unfinished write, repairs) */
  notes: string[];
  /** damaged files a repair copied aside */
  movedAside: string[];
  close(): Promise<void>;
}

export async function startChaserLocal(opts: ChaserLocalOptions = {}): Promise<ChaserLocal> {
  const generatedRootKey = !opts.rootKey;
  const rootKey = opts.rootKey ?? newKeySecret();
  const problem = rootKeyProblem(rootKey);
  if (problem) throw new Error(`the root key ${problem}`);
  const faultRules = (opts.faults ?? []).map((r, i) => validateRule(r, `faults[${i}]`));

  const { store, state, report } = await openState(opts, rootKey);
  const faults = new Faults({ latencyMs: opts.latencyMs ?? 0, rules: faultRules });
  const log = new RequestLog();
  const sessions = new SessionTokens(rootKey);
  const handler = new Handler(store, new Api(state, sessions), new Controls(state, faults, log), faults, log);
  const server = createServer(handler);
  try {
    await listen(server, opts.port ?? 8787, opts.host ?? "127.0.0.1");
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  const addr = server.address() as AddressInfo;
  handler.port = addr.port;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  handler.base = `http://${host}:${addr.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: handler.base,
    rootKey,
    generatedRootKey,
    sessionToken: (email = ROOT_EMAIL) => {
      if (!state.userByEmailAddress(email)) throw new Error(`no user with the email '${email}'`);
      return sessions.issue(email);
    },
    notes: report.notes,
    movedAside: report.movedAside,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close(() => store.close().then(resolve, reject));
        server.closeAllConnections();
      })),
  };
}

/** The store opened (loaded from the data directory, if any) and the root user, account and key in place. */
async function openState(opts: ChaserLocalOptions, rootKey: string): Promise<{ store: Store; state: State; report: LoadReport }> {
  const store = new Store(opts.dataDir, { io: opts.fileIo, repair: opts.repair });
  const state = new State(store, rootKey);
  const report = await store.open();
  try {
    state.bootstrap();
    store.commit();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
  return { store, state, report };
}

/** Listens; rejects when the port cannot be taken. */
function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The node:http server: requests (and `Expect: 100-continue`) to the handler, what Node refuses answered as JSON. */
function createServer(handler: Handler): http.Server {
  const server = http.createServer({ maxHeaderSize: HEADER_LIMIT, headersTimeout: 20_000, requestTimeout: 60_000 }, (req, res) => handler.onRequest(req, res));
  // Expect: 100-continue: the checks run before the client is told to send the body.
  server.on("checkContinue", (req, res) => handler.onRequest(req, res, true));
  server.on("clientError", (err: NodeJS.ErrnoException, socket) => answerClientError(err, socket, handler.nextId()));
  return server;
}

/** What Node refuses before a request exists: answered as JSON with a request id, then the connection closes. */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, requestId: string): void {
  const busy = (socket as unknown as { _httpMessage?: http.ServerResponse })._httpMessage?.headersSent;
  if (!socket.writable || busy || err.code === "ECONNRESET" || err.code === "EPIPE") {
    socket.destroy();
    return;
  }
  const e =
    err.code === "HPE_HEADER_OVERFLOW"
      ? new ApiError("header_too_large", `the request headers exceed ${HEADER_LIMIT} bytes`)
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? new ApiError("request_timeout", "the request did not arrive in time")
        : new ApiError("invalid_request", `the request is not valid HTTP (${err.code ?? err.message})`);
  const text = JSON.stringify({ error: { code: e.code, message: e.message } });
  socket.end(
    `HTTP/1.1 ${e.status} ${http.STATUS_CODES[e.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
      `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/** An error as its answer: ApiError as is, a storage failure as 503 `storage_unavailable`, anything else 500. */
function errorReply(e: unknown): Reply {
  const err =
    e instanceof ApiError
      ? e
      : e instanceof StorageError
        ? new ApiError("storage_unavailable", e.message)
        : new ApiError("internal_error", `chaser-local failed: ${(e as Error)?.message ?? e}`);
  return { status: err.status, body: { error: { code: err.code, message: err.message } }, headers: err.headers };
}

/** Answers; when the request's body was not read to its end, the connection is closed after the answer. */
function send(req: http.IncomingMessage, res: http.ServerResponse, reply: Reply, requestId: string): void {
  if (res.headersSent || res.destroyed) return;
  const text = reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body));
  const headers: http.OutgoingHttpHeaders = { "x-request-id": requestId, "content-length": Buffer.byteLength(text), ...reply.headers };
  if (text) headers["content-type"] = "application/json";
  if (!req.complete && hasBody(req)) {
    headers.connection = "close";
    closeWithoutReading(req);
  }
  res.writeHead(reply.status, headers);
  res.end(text);
}

/** Reads the body (bounded) once the request may have one; `undefined` when the connection died meanwhile. */
async function body(req: http.IncomingMessage, res: http.ServerResponse, expectsContinue: boolean): Promise<Buffer | undefined> {
  if (expectsContinue && hasBody(req)) res.writeContinue();
  try {
    return await readBody(req, BODY_LIMIT);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    return undefined;
  }
}

/** Every request: an id, then the test controls or the API (log, latency and faults, checks, body, transaction). */
class Handler {
  /** the port and URL the server listens on, once it does */
  port = 0;
  base = "";
  private readonly idPrefix = `req_${randomBytes(4).toString("hex")}`;
  private requests = 0;

  constructor(
    private readonly store: Store,
    private readonly api: Api,
    private readonly controls: Controls,
    private readonly faults: Faults,
    private readonly log: RequestLog,
  ) {}

  nextId(): string {
    return `${this.idPrefix}${(++this.requests).toString(36)}`;
  }

  onRequest(req: http.IncomingMessage, res: http.ServerResponse, expectsContinue = false): void {
    const id = this.nextId();
    this.handle(req, res, id, expectsContinue).catch((e) => {
      if (!res.headersSent && !res.destroyed) send(req, res, errorReply(e), id);
      else res.destroy();
    });
  }

  /**
   * Runs `fn` as a transaction: committed when it answers, rolled back when it throws. `audit` adds the audit
   * log's events: in the same transaction on success; after the rollback, in one of their own, on failure.
   */
  private transact(fn: () => Reply, audit?: (error?: unknown) => void): Reply {
    try {
      const reply = fn();
      audit?.();
      this.store.commit();
      return reply;
    } catch (e) {
      this.store.rollback();
      if (audit && !(e instanceof StorageError)) this.auditFailure(() => audit(e));
      return errorReply(e);
    }
  }

  /** A failed request's audit event, in a transaction of its own (a failure to write it fails nothing else). */
  private auditFailure(fn: () => void): void {
    try {
      fn();
      this.store.commit();
    } catch {
      this.store.rollback();
    }
  }

  private async handleControl(req: http.IncomingMessage, res: http.ServerResponse, id: string, method: string, segments: string[], expectsContinue: boolean): Promise<void> {
    let reply: Reply;
    try {
      const refused = guard(req.headers, this.port, hasBody(req));
      if (refused) throw refused;
      if (declaredTooLarge(req)) throw tooLarge();
      const raw = await body(req, res, expectsContinue);
      if (raw === undefined) return void req.socket.destroy();
      reply = this.transact(() => this.controls.handle(method, segments.slice(1), raw));
    } catch (e) {
      reply = errorReply(e);
    }
    send(req, res, reply, id);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, id: string, expectsContinue: boolean): Promise<void> {
    const method = (req.method ?? "GET").toUpperCase();
    let target;
    try {
      target = parseTarget(req.url ?? "");
    } catch (e) {
      return send(req, res, errorReply(e), id);
    }
    if (target.segments[0] === "_local") return this.handleControl(req, res, id, method, target.segments, expectsContinue);

    const match = this.api.match(method, target.segments);
    const entry = this.log.add(method, match.template, target.path, target.query);
    if (this.faults.latencyMs > 0) await sleep(this.faults.latencyMs);
    const fault = this.faults.pick(method, target.path);
    let drop = false;
    if (fault) {
      entry.fault = fault.kind;
      const action = faultAction(fault);
      if ("reset" in action) return void req.socket.destroy(); // before anything is handled
      if ("answer" in action) {
        const reply = errorReply(action.answer);
        entry.status = reply.status;
        return send(req, res, reply, id);
      }
      if ("delayMs" in action) await sleep(action.delayMs);
      drop = "drop" in action;
    }

    let reply: Reply;
    let principal: { key: Key; acct: Account } | undefined;
    try {
      if (declaredTooLarge(req)) throw tooLarge();
      const prepared = this.api.prepare(method, target.path, match, req.headers, (a) => (entry.account = a), (key, acct) => (principal = { key, acct }));
      const raw = await body(req, res, expectsContinue);
      if (raw === undefined) return void req.socket.destroy();
      const base = req.headers.host ? `http://${req.headers.host}` : this.base;
      const notes: AuditNote[] = [];
      reply = this.transact(() => this.api.run(prepared, method, raw, target.query, base, notes), (e) => this.api.audit(prepared, notes, e));
    } catch (e) {
      // Refused before the handler ran (a scope the key lacks): told in the audit log when the caller is known.
      const p = principal;
      if (p && match.route) this.auditFailure(() => this.api.audit({ ...p, route: match.route, params: match.params }, [], e));
      reply = errorReply(e);
    }
    entry.status = reply.status;
    if (drop) return void req.socket.destroy(); // applied and made durable, but the answer never arrives
    send(req, res, reply, id);
  }
}

/** How long a connection answered before its body was read stays open (not read) for the client to read the answer. */
export const LINGER_MS = 2000;

/**
 * For an answer given before the request's body was read to its end (413, 401, any early refusal): the body is
 * not read further. Node would read it to discard it, then close the socket at once (and a close with unread data
 * resets the connection, so the client may lose the answer). Instead the request stops reading (at most its
 * 16 KiB buffer more is taken; TCP then holds the sender back), the answer and a FIN go out, and the socket is
 * destroyed LINGER_MS later.
 */
function closeWithoutReading(req: http.IncomingMessage): void {
  req.pause();
  req.read(0); // marks the body as being consumed, so Node does not dump (read) the rest
  const socket = req.socket;
  socket.destroySoon = function (this: typeof socket) {
    this.end();
    const t = setTimeout(() => this.destroy(), LINGER_MS);
    t.unref();
    this.once("close", () => clearTimeout(t));
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
