/**
 * What the server reads from a request before any handler runs, each with a limit: the request target (split
 * into path segments, each percent-decoded exactly once), the body (at most BODY_LIMIT bytes, refused from its
 * Content-Length before a byte is read, counted while it streams otherwise), and the body's JSON (valid UTF-8,
 * nested at most MAX_DEPTH deep, checked before JSON.parse; an object). Every refusal is an ApiError (4xx).
 */
import type * as http from "node:http";
import { ApiError, invalid } from "./errors";

/** Request bodies: at most 1 MiB. */
export const BODY_LIMIT = 1024 * 1024;
/** Request headers: at most 16 KiB together (Node's default, set explicitly). */
export const HEADER_LIMIT = 16 * 1024;
/** JSON bodies: arrays and objects nested at most this deep. */
export const MAX_DEPTH = 32;
/** Request targets: at most this many characters. */
export const TARGET_LIMIT = 8 * 1024;

export interface Target {
  /** the path as sent (not decoded), without the query */
  path: string;
  /** the path's segments, each percent-decoded once */
  segments: string[];
  /** the query string without `?` */
  query: string;
}

/**
 * Splits an origin-form target (`/a/b?q`). Refused (400): anything else (`*`, `http://…`), an empty segment
 * (`//`, `/v1//workspaces`, a trailing `/`), a malformed percent-escape.
 */
export function parseTarget(url: string): Target {
  if (url.length > TARGET_LIMIT) throw new ApiError("invalid_request", `the request target is longer than ${TARGET_LIMIT} characters`);
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? "" : url.slice(q + 1);
  if (!path.startsWith("/")) throw new ApiError("invalid_request", "the request target must be a path starting with '/'");
  const raw = path === "/" ? [] : path.slice(1).split("/");
  const segments: string[] = [];
  for (const seg of raw) {
    if (seg === "") throw new ApiError("invalid_request", `the request path '${clip(path)}' has an empty segment ('//' or a trailing '/')`);
    try {
      segments.push(decodeURIComponent(seg));
    } catch {
      throw new ApiError("invalid_request", `the path segment '${clip(seg)}' is not valid percent-encoding`);
    }
  }
  return { path, segments, query };
}

/** Whether the request announces a body (a Content-Length above 0, or Transfer-Encoding). */
export function hasBody(req: http.IncomingMessage): boolean {
  return req.headers["transfer-encoding"] !== undefined || Number(req.headers["content-length"] ?? 0) > 0;
}

/** The declared Content-Length is above the limit: refuse before reading. */
export function declaredTooLarge(req: http.IncomingMessage, limit = BODY_LIMIT): boolean {
  const cl = req.headers["content-length"];
  return cl !== undefined && Number(cl) > limit;
}

export function tooLarge(limit = BODY_LIMIT): ApiError {
  return new ApiError("payload_too_large", `the body exceeds ${limit} bytes`);
}

/**
 * Reads the body, at most `limit` bytes: past the limit it stops reading (the socket is paused, what arrived is
 * dropped) and rejects with 413. A connection that fails while the body streams rejects with its error.
 */
export function readBody(req: http.IncomingMessage, limit = BODY_LIMIT): Promise<Buffer> {
  if (declaredTooLarge(req, limit)) return Promise.reject(tooLarge(limit));
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onError);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        done();
        req.pause();
        chunks.length = 0;
        reject(tooLarge(limit));
      } else chunks.push(c);
    };
    const onEnd = () => {
      done();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    };
    const onError = (e?: Error) => {
      done();
      reject(e ?? new Error("the connection closed while the body was read"));
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onError);
  });
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A JSON object body; an empty body is `{}`. Refused (400): invalid UTF-8, nesting deeper than MAX_DEPTH
 * (checked before JSON.parse), invalid JSON, anything but an object (an array, a number, null…).
 */
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw invalid("", "the body is not valid UTF-8");
  }
  if (text.trim() === "") return {};
  const depth = jsonDepth(text);
  if (depth > MAX_DEPTH) throw invalid("", `the body nests arrays and objects deeper than ${MAX_DEPTH} levels`);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw invalid("", "the body is not valid JSON");
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw invalid("", "the body must be a JSON object");
  return v as Record<string, unknown>;
}

/** The deepest nesting of `[` and `{` outside strings, stopping early past MAX_DEPTH. Linear, no recursion. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      if (++depth > max) {
        max = depth;
        if (max > MAX_DEPTH) return max;
      }
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return max;
}

export function clip(s: string, n = 80): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}
