/**
 * One routes table (contract/routes.ts) for the client and chaser-local: every route has exactly one handler in
 * chaser-local, whose method and path come from the table, and the client fills path parameters percent-encoded.
 * chaser-local's test controls have a table of their own (chaser-local/src/controls.ts), matched the same way.
 */
import { API_ROUTES, endpoint, RouteName } from "../contract";
import { HANDLERS } from "../chaser-local/src/api";
import { CONTROL_ROUTES } from "../chaser-local/src/controls";
import { controlAnswer, Local } from "./support/local";

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

describe("the test controls' table", () => {
  const local = Local.forSuite();

  test("every control is reached at its method and path; another method on its path is 405, a path no control has is 404", async () => {
    const seen = Object.values(CONTROL_ROUTES).map((r) => `${r.method} ${r.path.replace(/:[A-Za-z_]+/g, ":")}`);
    expect(new Set(seen).size).toBe(seen.length);
    const answer = async (method: string, path: string, body?: unknown) => {
      const a = await controlAnswer(local.url, method, path, body);
      return [a.status, (a.body as { error?: { code?: string } })?.error?.code ?? "ok"];
    };
    // Each reached: the control's own answer (to an empty body: a success, or its own refusal of the body).
    const answers: Record<string, unknown[]> = {};
    for (const [name, r] of Object.entries(CONTROL_ROUTES)) {
      answers[name] = await answer(r.method, r.path.replace(/^\/_local/, "").replace(":account", "nobody"), r.method === "GET" || r.method === "DELETE" ? undefined : {});
    }
    expect(answers).toEqual({
      reset: [200, "ok"], listRequests: [200, "ok"], clearRequests: [200, "ok"], counters: [200, "ok"], getFaults: [200, "ok"], setFaults: [200, "ok"],
      getExecScripts: [200, "ok"], setExecScripts: [400, "invalid_request"], listCommands: [200, "ok"], createAccount: [400, "invalid_request"],
      createServiceAccount: [404, "account_not_found"], createKey: [201, "ok"],
    });
    expect(await answer("POST", "/counters", {})).toEqual([405, "method_not_allowed"]);
    expect(await answer("GET", "/accounts/acme/service-accounts")).toEqual([405, "method_not_allowed"]);
    expect(await answer("POST", "/accounts/acme/members", {})).toEqual([404, "not_found"]);
    expect(await answer("GET", "/nothing")).toEqual([404, "not_found"]);
  });
});
