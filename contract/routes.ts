/**
 * Every API endpoint, once: its name → method and path template (`:param` for a path parameter). The client builds
 * its requests from it (`endpoint(name, params)`), chaser-local registers one handler per name (routes/*.ts), and a
 * test checks that each name has exactly one handler. Adding an endpoint: one line here, its handler, its client
 * method.
 */

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RouteSpec {
  method: HttpMethod;
  path: string;
}

export const API_ROUTES = {
  // workspaces and snapshots
  listWorkspaces: { method: "GET", path: "/v1/workspaces" },
  createWorkspace: { method: "POST", path: "/v1/workspaces" },
  importWorkspace: { method: "POST", path: "/v1/workspaces/import" },
  bulkDeleteWorkspaces: { method: "POST", path: "/v1/workspaces/bulk-delete" },
  renameWorkspace: { method: "PUT", path: "/v1/workspaces/:ws/name" },
  setWorkspaceTemplate: { method: "PUT", path: "/v1/workspaces/:ws/template" },
  deleteWorkspace: { method: "DELETE", path: "/v1/workspaces/:ws" },
  listSnapshots: { method: "GET", path: "/v1/workspaces/:ws/snapshots" },
  createSnapshot: { method: "POST", path: "/v1/workspaces/:ws/snapshots" },
  restoreSnapshot: { method: "POST", path: "/v1/workspaces/:ws/snapshots/:name/restore" },
  deleteSnapshot: { method: "DELETE", path: "/v1/workspaces/:ws/snapshots/:name" },
  // API keys
  listKeys: { method: "GET", path: "/v1/keys" },
  createKey: { method: "POST", path: "/v1/keys" },
  revokeKey: { method: "DELETE", path: "/v1/keys/:id" },
  // accounts, members, service accounts, SSH keys
  listAccounts: { method: "GET", path: "/v1/accounts" },
  currentAccount: { method: "GET", path: "/v1/accounts/current" },
  createOrganization: { method: "POST", path: "/v1/accounts/organizations" },
  listMembers: { method: "GET", path: "/v1/accounts/current/members" },
  addMember: { method: "POST", path: "/v1/accounts/current/members" },
  changeMemberRole: { method: "PATCH", path: "/v1/accounts/current/members/:user_id" },
  removeMember: { method: "DELETE", path: "/v1/accounts/current/members/:user_id" },
  listServiceAccounts: { method: "GET", path: "/v1/accounts/current/service-accounts" },
  createServiceAccount: { method: "POST", path: "/v1/accounts/current/service-accounts" },
  deleteServiceAccount: { method: "DELETE", path: "/v1/accounts/current/service-accounts/:sa" },
  createServiceAccountKey: { method: "POST", path: "/v1/accounts/current/service-accounts/:sa/keys" },
  listSshKeys: { method: "GET", path: "/v1/ssh-keys" },
  addSshKey: { method: "POST", path: "/v1/ssh-keys" },
  deleteSshKey: { method: "DELETE", path: "/v1/ssh-keys/:key_id" },
  // sessions (only what attaching a session to a workspace needs)
  createSession: { method: "POST", path: "/v1/sessions" },
  listSessions: { method: "GET", path: "/v1/sessions" },
  getSession: { method: "GET", path: "/v1/sessions/:id" },
  terminateSession: { method: "DELETE", path: "/v1/sessions/:id" },
  // audit log
  listAuditEvents: { method: "GET", path: "/v1/audit/events" },
  // running commands in a workspace (exec and jobs)
  exec: { method: "POST", path: "/v1/exec" },
  sessionExec: { method: "POST", path: "/v1/sessions/:id/exec" },
  createJob: { method: "POST", path: "/v1/jobs" },
  jobKinds: { method: "GET", path: "/v1/jobs/kinds" },
  getJob: { method: "GET", path: "/v1/jobs/:id" },
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof API_ROUTES;

/** The parameter names of a path template: `"/v1/workspaces/:ws/snapshots/:name"` → `"ws" | "name"`. */
export type PathParams<P extends string> = P extends `${string}:${infer N}/${infer Rest}`
  ? N | PathParams<`/${Rest}`>
  : P extends `${string}:${infer N}`
    ? N
    : never;

/** The parameters a route needs, by name (none: an optional empty object). */
export type RouteParams<R extends RouteName> = Record<PathParams<(typeof API_ROUTES)[R]["path"]>, string>;

type ParamArgs<R extends RouteName> = [PathParams<(typeof API_ROUTES)[R]["path"]>] extends [never] ? [] : [params: RouteParams<R>];

/**
 * A route's method and path, its parameters filled in percent-encoded (`encodeURIComponent`):
 * `endpoint("deleteWorkspace", { ws: "a b" })` → `{ method: "DELETE", path: "/v1/workspaces/a%20b" }`.
 */
export function endpoint<R extends RouteName>(name: R, ...args: ParamArgs<R>): { method: (typeof API_ROUTES)[R]["method"]; path: string } {
  const spec = API_ROUTES[name];
  const params = (args[0] ?? {}) as Record<string, string>;
  const path = spec.path.replace(/:([A-Za-z_]+)/g, (_, p: string) => {
    const v = params[p];
    if (typeof v !== "string") throw new Error(`route ${name}: no value for the path parameter '${p}'`);
    return encodeURIComponent(v);
  });
  return { method: spec.method, path };
}
