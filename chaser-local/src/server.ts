/**
 * chaser-local: the Chaser Core API as documented in shared/docs/chaser-api.md, on node:http, and nothing the
 * real API lacks (no get-one workspace endpoint). Test controls live under /_local/, a prefix the real API does
 * not have. See docs/chaser-local.md for every decision taken where the documentation is silent.
 *
 *   const srv = await startChaserLocal({ port: 0, dataDir?, rootKey?, latencyMs?, faults? });
 *   srv.url; srv.rootKey; await srv.close();
 *
 * Every request is a transaction over the store: its changes are committed (and, with a data directory,
 * fsync'd to the journal) before the answer is written, or rolled back when it fails.
 */
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { Api, Reply } from "./api";
import { Controls, RequestLog } from "./controls";
import { FaultRule, Faults, validateRule } from "./faults";
import { ApiError, newKeySecret, State } from "./state";
import { Store } from "./store";

export type { FaultConfig, FaultKind, FaultRule } from "./faults";
export type { LogEntry } from "./controls";

export interface ChaserLocalOptions {
  /** default 8787; 0 picks a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** keep state in this directory (journaled, fsync'd); default: in memory */
  dataDir?: string;
  /** the personal account's first full-access key; default: generated (`sk_` + random) */
  rootKey?: string;
  /** latency added to every API request */
  latencyMs?: number;
  /** faults active from the start */
  faults?: FaultRule[];
}

export interface ChaserLocal {
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** full-access key of the personal account of user "root" */
  rootKey: string;
  /** true when the root key was generated (not given): the CLI prints it */
  generatedRootKey: boolean;
  close(): Promise<void>;
}

const BODY_LIMIT = 1024 * 1024;

export async function startChaserLocal(opts: ChaserLocalOptions = {}): Promise<ChaserLocal> {
  const generatedRootKey = !opts.rootKey;
  const rootKey = opts.rootKey ?? newKeySecret();
  if (/\s/.test(rootKey) || rootKey.length < 8) throw new Error("the root key must be at least 8 characters, without spaces");
  const faultRules = (opts.faults ?? []).map((r, i) => validateRule(r, `faults[${i}]`));

  const store = new Store(opts.dataDir);
  const state = new State(store, rootKey);
  store.open();
  try {
    state.bootstrap();
    store.commit();
  } catch (e) {
    store.close();
    throw e;
  }

  const faults = new Faults({ latencyMs: opts.latencyMs ?? 0, rules: faultRules });
  const log = new RequestLog();
  const api = new Api(state);
  const controls = new Controls(state, faults, log);
  const idPrefix = `req_${randomBytes(4).toString("hex")}`;
  let requests = 0;
  let base = "";

  function send(res: http.ServerResponse, reply: Reply, requestId: string): void {
    const text = reply.raw ?? (reply.body === undefined ? "" : JSON.stringify(reply.body));
    const headers: http.OutgoingHttpHeaders = { "x-request-id": requestId, "content-length": Buffer.byteLength(text), ...reply.headers };
    if (text) headers["content-type"] = "application/json";
    res.writeHead(reply.status, headers);
    res.end(text);
  }

  const errorReply = (e: ApiError): Reply => ({ status: e.status, body: { error: { code: e.code, message: e.message } }, headers: e.headers });

  /** Runs `fn` as a transaction: committed when it answers, rolled back when it throws. */
  function transact(fn: () => Reply): Reply {
    try {
      const reply = fn();
      store.commit();
      return reply;
    } catch (e) {
      store.rollback();
      if (e instanceof ApiError) return errorReply(e);
      return errorReply(new ApiError(500, "internal_error", `chaser-local failed: ${(e as Error)?.message ?? e}`));
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, rawBody: string, tooLarge: boolean): Promise<void> {
    const requestId = `${idPrefix}${(++requests).toString(36)}`;
    const target = req.url ?? "/";
    const q = target.indexOf("?");
    const path = q < 0 ? target : target.slice(0, q);
    const query = q < 0 ? "" : target.slice(q + 1);
    const method = (req.method ?? "GET").toUpperCase();
    const tooLargeReply = (): Reply => errorReply(new ApiError(413, "invalid_request", `the body exceeds ${BODY_LIMIT} bytes`));

    if (path.startsWith("/_local/")) {
      send(res, tooLarge ? tooLargeReply() : transact(() => controls.handle(method, path, rawBody)), requestId);
      return;
    }

    const entry = log.add(method, path, query);
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const fault = faults.pick(method, path);
    if (fault) {
      entry.fault = fault.kind;
      switch (fault.kind) {
        case "reset":
          req.socket.destroy(); // before anything is handled
          return;
        case "500":
          entry.status = 500;
          return send(res, errorReply(new ApiError(500, "internal_error", "injected fault: internal error")), requestId);
        case "503":
          entry.status = 503;
          return send(res, errorReply(new ApiError(503, "service_unavailable", "injected fault: service unavailable")), requestId);
        case "429": {
          entry.status = 429;
          const retryAfter = fault.retryAfter ?? 1;
          return send(res, errorReply(new ApiError(429, "rate_limited", "too many requests (injected fault)", {
            "retry-after": String(retryAfter),
            "x-ratelimit-limit": "60",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + retryAfter),
            "x-ratelimit-scope": fault.scope ?? "principal",
          })), requestId);
        }
        case "delay":
          await sleep(fault.ms ?? 1000);
          break;
        case "drop":
          break; // handled below, after the request is applied
      }
    }

    const reply = tooLarge
      ? tooLargeReply()
      : transact(() => api.handle({ method, path, query, headers: req.headers, rawBody, base: req.headers.host ? `http://${req.headers.host}` : base }, (id) => (entry.account = id)));
    entry.status = reply.status;
    if (fault?.kind === "drop") {
      // Applied and made durable, but the answer never arrives.
      req.socket.destroy();
      return;
    }
    send(res, reply, requestId);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) tooLarge = true;
      else chunks.push(c);
    });
    req.on("end", () => {
      const raw = chunks.length === 0 ? "" : chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks).toString("utf8");
      handle(req, res, raw, tooLarge).catch((e) => {
        if (!res.headersSent) send(res, errorReply(new ApiError(500, "internal_error", String((e as Error)?.message ?? e))), `${idPrefix}error`);
        else res.destroy();
      });
    });
    req.on("error", () => res.destroy());
  });
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end(`HTTP/1.1 400 Bad Request\r\nX-Request-Id: ${idPrefix}bad\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 8787, opts.host ?? "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    store.close();
    throw e;
  }
  const addr = server.address() as AddressInfo;
  const host = addr.family === "IPv6" ? `[${addr.address}]` : addr.address;
  base = `http://${host}:${addr.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: base,
    rootKey,
    generatedRootKey,
    close: () =>
      (closing ??= new Promise<void>((resolve, reject) => {
        server.close(() => {
          try {
            store.close();
            resolve();
          } catch (e) {
            reject(e);
          }
        });
        server.closeAllConnections();
      })),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
