/**
 * One routes table (contract/routes.ts) for the client and chaser-local: every route has exactly one handler in
 * chaser-local, whose method and path come from the table, and the client fills path parameters percent-encoded.
 */
import { API_ROUTES, endpoint, RouteName } from "../contract";
import { HANDLERS } from "../chaser-local/src/api";

test("every route of the contract has exactly one chaser-local handler, and every handler is a contract route", () => {
  const names = HANDLERS.map((h) => h.name).sort();
  expect(names).toEqual((Object.keys(API_ROUTES) as RouteName[]).sort());
  for (const h of HANDLERS) expect({ name: h.name, method: h.method, path: h.path }).toEqual({ name: h.name, ...API_ROUTES[h.name] });
});

test("no two routes share a method and a path template", () => {
  const seen = Object.values(API_ROUTES).map((r) => `${r.method} ${r.path.replace(/:[A-Za-z_]+/g, ":")}`);
  expect(new Set(seen).size).toBe(seen.length);
});

test("endpoint() fills path parameters with encodeURIComponent and refuses a missing one", () => {
  expect(endpoint("listWorkspaces")).toEqual({ method: "GET", path: "/v1/workspaces" });
  expect(endpoint("restoreSnapshot", { ws: "a b/c", name: "s?1#%" })).toEqual({ method: "POST", path: "/v1/workspaces/a%20b%2Fc/snapshots/s%3F1%23%25/restore" });
  expect(endpoint("deleteSshKey", { key_id: "k" })).toEqual({ method: "DELETE", path: "/v1/ssh-keys/k" });
  expect(() => (endpoint as (n: string, p: object) => unknown)("deleteWorkspace", {})).toThrow("no value for the path parameter 'ws'");
});
