/** The lookups users call from programs, against chaser-local, with credentials from options or the environment. */
import { getWorkspace, listApiKeys, listSnapshots, listWorkspaces } from "../sdk";
import { Local } from "./support/local";

const local = Local.forSuite();
let opts: { apiUrl: string; apiKey: string };
beforeEach(() => {
  opts = { apiUrl: local.url, apiKey: local.rootKey };
});

test("getWorkspace by name (case-insensitive) or id; a missing one is a clear error", async () => {
  const w = (await local.api<any>("POST", "/v1/workspaces", { name: "Api-Dev", session_type: "sandbox" })).body;
  expect((await getWorkspace({ name: "api-dev" }, opts)).workspaceId).toBe(w.id);
  expect((await getWorkspace({ id: w.id }, opts)).name).toBe("Api-Dev");
  await expect(getWorkspace({ name: "nope" }, opts)).rejects.toThrow(/no workspace named 'nope' in the personal account/);
});

test("listWorkspaces filters templates; listSnapshots and listApiKeys never show secrets", async () => {
  await local.api("POST", "/v1/workspaces", { name: "tpl", session_type: "browser", template: true });
  await local.api("POST", "/v1/workspaces", { name: "plain", session_type: "browser" });
  await local.api("POST", "/v1/workspaces/tpl/snapshots", { name: "s1" });
  const k = (await local.api<any>("POST", "/v1/keys", { name: "ci", scopes: ["sessions.read"] })).body;
  expect((await listWorkspaces({ template: true }, opts)).map((w) => w.name)).toEqual(["tpl"]);
  expect((await listWorkspaces({ template: false }, opts)).map((w) => w.name)).toEqual(["plain"]);
  expect((await listWorkspaces({}, opts)).length).toBe(2);
  expect((await listSnapshots({ workspace: "tpl" }, opts)).map((s) => s.name)).toEqual(["s1"]);
  const keys = await listApiKeys(opts);
  expect(keys.map((x) => x.name)).toContain("ci");
  expect(JSON.stringify(keys)).not.toContain(k.key);
});

test("credentials fall back to CHASER_API_URL / CHASER_API_KEY", async () => {
  const saved = { ...process.env };
  try {
    process.env.CHASER_API_URL = local.url;
    process.env.CHASER_API_KEY = local.rootKey;
    expect(await listWorkspaces()).toEqual([]);
  } finally {
    process.env = saved;
  }
});
