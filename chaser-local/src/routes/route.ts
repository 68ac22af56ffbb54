/**
 * What a route is: its name in contract/routes.ts (which gives its method and path template, `/v1/workspaces/:ws`),
 * the access it needs, the request body's schema (from contract/wire.ts) and the handler. The router (api.ts)
 * authenticates, resolves the account, checks the access and validates the body before a handler runs; handlers
 * change state only through the store.
 */
import type { z } from "zod";
import { API_ROUTES, RouteName, type RouteSpec, type Scope } from "../../../contract";
import type { AuditNote } from "../audit";
import { ApiError } from "../errors";
import type { Account, Key } from "../records";
import type { State } from "../state";

export interface Reply {
  status: number;
  /** serialized as JSON */
  body?: unknown;
  /** an already serialized JSON body */
  raw?: string;
  headers?: Record<string, string>;
}

export type { HttpMethod as Method } from "../../../contract";
import type { HttpMethod as Method } from "../../../contract";

/**
 * A scope the key must hold (a key with no scopes holds all); `any`: any valid key; `full`: a full-access key
 * (account management, which no scope covers: our decision).
 */
export type Access = Scope | "any" | "full";

export interface Ctx<B> {
  st: State;
  key: Key;
  acct: Account;
  body: B;
  /** path parameters, percent-decoded once */
  params: Record<string, string>;
  query: URLSearchParams;
  /** the server's own URL, for the session endpoints */
  base: string;
  /** what the handler did, for the audit log (routes with `audit`): one note per object acted on */
  audit: AuditNote[];
}

export interface Route {
  name: RouteName;
  method: Method;
  path: string;
  access: Access;
  body?: z.ZodType;
  /** checks that come before the body is validated (the free-plan rule) */
  before?: (c: Ctx<undefined>) => void;
  handle: (c: Ctx<any>) => Reply;
  /** the audit log's action and resource type of this route (its writes); see audit.ts */
  audit?: AuditSpec;
}

export interface AuditSpec {
  action: string;
  resourceType: string;
  /** the object a request that failed was about (default: the path's parameter) */
  target?: (c: Ctx<unknown>) => string | null;
  /** a success records only the handler's notes: a request that did nothing (a job answered again) records none */
  notedOnly?: boolean;
}

/** The handler of the contract's route `name`; it sees the body typed by its schema. */
export function route<S extends z.ZodType | undefined = undefined>(r: {
  name: RouteName;
  access: Access;
  body?: S;
  before?: (c: Ctx<undefined>) => void;
  handle: (c: Ctx<S extends z.ZodType ? z.output<S> : undefined>) => Reply;
  audit?: AuditSpec;
}): Route {
  const { method, path } = API_ROUTES[r.name];
  return { ...r, method, path } as Route;
}

/** `?field=true|false` (absent: false); anything else is 400. */
export function queryBool(query: URLSearchParams, field: string): boolean {
  const v = query.get(field);
  if (v === null || v === "false") return false;
  if (v === "true") return true;
  throw new ApiError("invalid_request", `${field}: must be true or false (got '${v.slice(0, 40)}')`);
}

/** Where a path falls in a route table: the route for this method, or only the template (other methods: 405), or nothing (404). */
export interface Match<R> {
  route?: R;
  params: Record<string, string>;
  /** the matched path template, e.g. `/v1/workspaces/:ws`; undefined when no route has this path */
  template?: string;
}

/**
 * Routes by method and path template (`:name` a parameter), matched against a request's decoded path segments:
 * the API's (api.ts, from contract/routes.ts) and the test controls' (controls.ts, chaser-local's own table).
 */
export class RouteTable<R extends RouteSpec> {
  private readonly compiled: Array<{ route: R; segs: string[] }>;

  constructor(routes: readonly R[]) {
    this.compiled = routes.map((route) => ({ route, segs: route.path.slice(1).split("/") }));
  }

  /** Pure: the server uses it for the counters before anything else. */
  match(method: string, segments: string[]): Match<R> {
    let template: string | undefined;
    for (const { route, segs } of this.compiled) {
      if (segs.length !== segments.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length && ok; i++) {
        if (segs[i].startsWith(":")) params[segs[i].slice(1)] = segments[i];
        else ok = segs[i] === segments[i];
      }
      if (!ok) continue;
      if (route.method === method) return { route, params, template: route.path };
      template ??= route.path;
    }
    return { params: {}, template };
  }
}
