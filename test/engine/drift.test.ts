/**
 * Drift explained from the audit log (issue 21), through the real engine, on one stack in an organization: after
 * `up`, a refresh that finds nothing changed sends no audit request; then a member renames a workspace and clears
 * a template's flag with her own key, a service account revokes the stack's key of that service account, and the
 * member deletes a snapshot: one `pulumi refresh` names, beside each resource, who (email or service-account name,
 * key prefix), what (old and new values) and when. With a key lacking `audit.read` the refresh succeeds and the
 * hint naming the scope appears once.
 */
import { Local } from "../support/local";
import { runScenario } from "./support/scenario";
import { HEADER, Project, RunResult, expectOk } from "./support/stack";

jest.setTimeout(600_000);

const local = Local.forSuite();
const WHEN = /at \d{4}-\d\d-\d\d \d\d:\d\d UTC/;

/** The messages the provider put beside resources, by resource name. */
function beside(r: RunResult): Array<{ name: string; message: string; severity: string }> {
  const out: Array<{ name: string; message: string; severity: string }> = [];
  for (const line of r.events.split("\n")) {
    let ev: any;
    try {
      ev = JSON.parse(line);
    } catch {
      continue;
    }
    const d = ev.diagnosticEvent;
    if (d?.urn && d.severity !== "debug") out.push({ name: String(d.urn).split("::").pop()!, message: String(d.message).trim(), severity: d.severity });
  }
  return out;
}

test("refresh names who changed what and when (rename, template flag, revoked key, deleted snapshot); no drift: no audit request; no audit.read: one hint", async () => {
  // An organization with root as owner (the stack's key), alice@acme.dev as a member with her own key, and a
  // service account "deployer" with a key of its own.
  const made = await local.api<any>("POST", "/v1/accounts/organizations", { name: "Acme" });
  const owner = (await local.api<any>("POST", "/v1/keys", { name: "owner" }, { key: local.sessionToken(), account: "Acme" })).body.key as string;
  const as = (key: string) => ({ key });
  expect((await local.api("POST", "/v1/accounts/current/members", { email: "alice@acme.dev", role: "member" }, as(owner))).status).toBe(201);
  const alice = (await local.control<any>("POST", "/keys", { account: made.body.id, email: "alice@acme.dev" })).key as string;
  const sa = (await local.api<any>("POST", "/v1/accounts/current/service-accounts", { name: "deployer" }, as(owner))).body;
  const deployer = (await local.api<any>("POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, { name: "deployer" }, as(owner))).body.key as string;
  const noAudit = (await local.api<any>("POST", "/v1/keys", { name: "no-audit", scopes: ["keys.read", "keys.write", "workspaces.read", "workspaces.write"] }, as(owner))).body.key as string;
  const orgWorkspaces = async () => (await local.api<any[]>("GET", "/v1/workspaces", undefined, { key: owner })).body;
  const wsId = async (name: string) => (await orgWorkspaces()).find((w) => w.name === name)?.id as string;
  const auditCalls = async () => (await local.requests()).filter((q) => q.path === "/v1/audit/events");

  const program = `${HEADER}const config = new pulumi.Config();
const api = new chaser.Workspace("api", { name: "api-dev", sessionType: "browser" });
new chaser.Template("golden", { name: "golden", sessionType: "sandbox" });
const data = new chaser.Workspace("data", { name: "data", sessionType: "sandbox" });
new chaser.Snapshot("nightly", { workspace: data.workspaceId, name: "nightly" });
new chaser.ApiKey("ci", { name: "ci", scopes: ["workspaces.read"], serviceAccountId: config.require("serviceAccountId") });
`;
  const project = async () => {
    const p = Project.create("drift");
    await p.init({ "chaser:apiUrl": local.url, serviceAccountId: sa.id }, { "chaser:apiKey": owner });
    return p;
  };
  await runScenario(
    local,
    "drift",
    [
      {
        name: "up; a refresh with no drift sends no audit request",
        program,
        up: ["create api", "create golden", "create data", "create nightly", "create ci"],
        steady: false,
        after: async (p) => {
          await local.clearRequests();
          const r = expectOk(await p.refresh());
          expect(r.summary.update ?? 0).toBe(0);
          expect((await local.requests()).length).toBeGreaterThan(0);
          expect(await auditCalls()).toEqual([]);
          expect(beside(r)).toEqual([]);
        },
      },
      {
        name: "changed outside: one refresh tells who, what and when beside each resource",
        before: async (p) => {
          expect((await local.api("PUT", `/v1/workspaces/api-dev/name`, { name: "api-tmp" }, as(alice))).status).toBe(200);
          expect((await local.api("PUT", `/v1/workspaces/golden/template`, { template: false }, as(alice))).status).toBe(200);
          const ci = (await local.api<any>("GET", "/v1/keys", undefined, as(owner))).body.keys.find((k: any) => k.name === "ci");
          expect((await local.api("DELETE", `/v1/keys/${ci.id}`, undefined, as(deployer))).status).toBe(204);
          expect((await local.api("DELETE", `/v1/workspaces/data/snapshots/nightly`, undefined, as(alice))).status).toBe(204);
          await local.clearRequests();
          const r = expectOk(await p.refresh());
          expect({ update: r.summary.update, delete: r.summary.delete }).toEqual({ update: 2, delete: 2 });
          const said = beside(r);
          const about = (name: string) => said.filter((s) => s.name === name).map((s) => s.message);
          const alicePrefix = `key ${alice.slice(0, 6)}`;
          expect(about("api")).toEqual([expect.stringMatching(/^changed outside Pulumi: renamed from 'api-dev' to 'api-tmp' by alice@acme\.dev \(user, key sk_\S+…\) at \d{4}-\d\d-\d\d \d\d:\d\d UTC$/)]);
          expect(about("api")[0]).toContain(alicePrefix);
          expect(about("golden")).toEqual([expect.stringMatching(/^changed outside Pulumi: template flag cleared by alice@acme\.dev \(user, key sk_\S+…\) at /)]);
          expect(about("ci")).toEqual([expect.stringMatching(/^deleted outside Pulumi: revoked by deployer \(service account, key sk_\S+…\) at /)]);
          expect(about("ci")[0]).toContain(`key ${deployer.slice(0, 6)}`);
          expect(about("nightly")).toEqual([expect.stringMatching(/^deleted outside Pulumi: snapshot 'nightly' deleted by alice@acme\.dev \(user, key sk_\S+…\) at /)]);
          for (const s of said) expect(s.message).toMatch(WHEN);
          // One audit lookup per drifted object, by its id, and no other.
          const ids = (await auditCalls()).map((q) => new URLSearchParams(q.query).get("resource_id")).sort();
          expect(ids).toEqual([`${await wsId("data")}/nightly`, await wsId("api-tmp"), await wsId("golden"), ci.id].sort());
          // State took the drift in: a second refresh finds none and asks nothing.
          await local.clearRequests();
          const again = expectOk(await p.refresh());
          expect({ update: again.summary.update ?? 0, delete: again.summary.delete ?? 0 }).toEqual({ update: 0, delete: 0 });
          expect(await auditCalls()).toEqual([]);
        },
        // up repairs it all: the name and flag back, a new key, a new snapshot
        up: ["update api", "update golden", "create ci", "create nightly"],
        steady: false,
      },
      {
        name: "a key without audit.read: the refresh succeeds and the hint naming the scope appears once",
        before: async (p) => {
          expect((await local.api("PUT", `/v1/workspaces/api-dev/name`, { name: "api-other" }, as(alice))).status).toBe(200);
          expect((await local.api("PUT", `/v1/workspaces/golden/template`, { template: false }, as(alice))).status).toBe(200);
          await p.ok(["config", "set", "--secret", "chaser:apiKey", noAudit]);
          await local.clearRequests();
          // refresh uses the provider configuration of the last update: --run-program takes the new key
          const r = expectOk(await p.refresh(["--run-program"]));
          expect(r.summary.update).toBe(2);
          const hints = beside(r).filter((s) => s.message.includes("audit.read"));
          expect(hints).toHaveLength(1);
          expect(hints[0].severity).toBe("warning");
          expect(hints[0].message).toMatch(/^changed outside Pulumi \((name|template) .*\); the key used cannot read the audit log.*'audit\.read'/);
          // refused (403); the two reads ran side by side, so each may have asked once before the answer came
          const refused = await auditCalls();
          expect(refused.length).toBeGreaterThanOrEqual(1);
          expect(refused.every((q) => q.status === 403)).toBe(true);
          await p.ok(["config", "set", "--secret", "chaser:apiKey", owner]);
        },
        up: ["update api", "update golden"],
        steady: false,
      },
    ],
    {
      project,
      empty: async () => {
        expect(await orgWorkspaces()).toEqual([]);
      },
    },
  );
}, 600_000);
