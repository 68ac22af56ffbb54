/**
 * Teams through the real engine: examples/team (an organization's service account with a CI key, two members
 * and an SSH key) comes up, previews and refreshes empty, a role change is an update, a member removed outside is
 * repaired by one up, and destroy leaves the organization with its owner only. A program spanning the personal
 * account and an organization applies with two credentials, and with one missing fails at preview, no write made.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Local, writesTo } from "../support/local";
import { runScenario } from "./support/scenario";
import { FLAVOURS, HEADER, Project, REPO, changes, expectOk, headerOf } from "./support/stack";

jest.setTimeout(600_000);

const local = Local.forSuite();

function sshKey(comment: string): string {
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const blob = Buffer.concat([str(Buffer.from("ssh-ed25519")), str(randomBytes(32))]);
  return `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
}

/**
 * An organization owned by root, and an owner's key bound to it, made as a user does it with the real API (no test
 * control): root creates the organization, then its first key is minted with root's user session token (what an
 * OAuth sign-in gives), which may select any account its user belongs to.
 */
async function organization(name: string) {
  const created = await local.api<{ id: string; name: string }>("POST", "/v1/accounts/organizations", { name });
  expect(created.status).toBe(201);
  const key = await local.api<{ key: string }>("POST", "/v1/keys", { name: `${name}-owner` }, { key: local.sessionToken(), account: name });
  expect(key.status).toBe(201);
  return { ...created.body, key: key.body.key };
}

const inOrg = (org: { key: string }) => ({ key: org.key });

test.each(FLAVOURS)("examples/team: comes up, steady; a role change is an update; a member removed outside comes back; destroy leaves the owner (%s)", async (flavour) => {
  const orgName = flavour === "plugin" ? "Acme-plugin" : "Acme";
  const org = await organization(orgName);
  const members = async () => (await local.api<any[]>("GET", "/v1/accounts/current/members", undefined, inOrg(org))).body.map((m) => `${m.email}:${m.role}`).sort();
  const project = async () => {
    const p = Project.create("team", { typescript: true, flavour });
    await p.init(
      { "chaser:apiUrl": local.url, organization: orgName, sshPublicKey: sshKey("deploy@ci") },
      { "chaser:apiKey": local.rootKey },
    );
    await p.ok(["config", "set", "--secret", "--path", `chaser:accountKeys.${orgName}`, org.key]);
    const example = fs.readFileSync(path.join(REPO, "examples", "team", "index.ts"), "utf8");
    p.program(flavour === "plugin" ? example.replace('from "pulumi-chaser";', 'from "pulumi-chaser/plugin";') : example);
    return p;
  };
  await runScenario(
    local,
    "team",
    [
      {
        name: "the team comes up",
        up: ["create ci", "create ci-key", "create alice", "create bob", "create deploy"],
        after: async (p) => {
          expect(await members()).toEqual(["alice@example.com:admin", "bob@example.com:member", "root@chaser.local:owner"]);
          const out = await p.outputs(true);
          const sa = (await local.api<any[]>("GET", "/v1/accounts/current/service-accounts", undefined, inOrg(org))).body;
          expect(sa.map((s) => s.id)).toEqual([out.serviceAccountId]);
          // The CI key belongs to the service account and works in the organization.
          expect((await local.api("GET", "/v1/workspaces", undefined, { key: out.ciApiKey as string })).status).toBe(200);
          expect(out.sshFingerprint).toMatch(/^SHA256:/);
        },
      },
      {
        name: "bob becomes admin: an update in place",
        config: { bobRole: "admin" },
        preview: ["update bob"],
        up: ["update bob"],
        after: async () => expect(await members()).toContain("bob@example.com:admin"),
      },
      {
        name: "bob removed outside Pulumi: refresh sees it, one up adds him back",
        before: async (p) => {
          const bob = (await local.api<any[]>("GET", "/v1/accounts/current/members", undefined, inOrg(org))).body.find((m) => m.email === "bob@example.com");
          expect((await local.api("DELETE", `/v1/accounts/current/members/${bob.user_id}`, undefined, inOrg(org))).status).toBe(204);
          const r = expectOk(await p.refresh());
          expect(r.summary.delete).toBe(1);
        },
        up: ["create bob"],
        after: async () => expect(await members()).toContain("bob@example.com:admin"),
      },
    ],
    {
      project,
      empty: async () => {
        expect(await members()).toEqual(["root@chaser.local:owner"]);
        expect((await local.api<any[]>("GET", "/v1/accounts/current/service-accounts", undefined, inOrg(org))).body).toEqual([]);
        expect((await local.api<any[]>("GET", "/v1/ssh-keys", undefined, inOrg(org))).body).toEqual([]);
        const keys = (await local.api<any>("GET", "/v1/keys", undefined, inOrg(org))).body.keys;
        expect(keys.filter((k: any) => !k.revoked_at).map((k: any) => k.name)).toEqual([`${orgName}-owner`]);
      },
    },
  );
});

test("a program spanning two accounts applies with two credentials; without the second it fails at preview, no write made", async () => {
  const org = await organization("Globex");
  const program = `${HEADER}new chaser.Workspace("mine", { name: "personal-ws", sessionType: "browser" });
new chaser.Workspace("theirs", { name: "org-ws", sessionType: "sandbox", account: "Globex" });`;
  await runScenario(local, "accounts", [
    {
      name: "the organization's key set: both created, each in its account",
      program,
      before: async (p) => {
        await p.ok(["config", "set", "--secret", "--path", "chaser:accountKeys.Globex", org.key]);
      },
      up: ["create mine", "create theirs"],
      after: async () => {
        expect((await local.workspaces()).map((w) => w.name)).toEqual(["personal-ws"]);
        const there = (await local.api<any[]>("GET", "/v1/workspaces", undefined, inOrg(org))).body;
        expect(there.map((w) => w.name)).toEqual(["org-ws"]);
      },
    },
  ], {
    empty: async () => {
      expect(await local.workspaces()).toEqual([]);
      expect((await local.api<any[]>("GET", "/v1/workspaces", undefined, inOrg(org))).body).toEqual([]);
    },
  });

  // A new stack without the organization's key: the preview fails on `account`, and nothing is written.
  const p = Project.create("nokey");
  try {
    await p.init({ "chaser:apiUrl": local.url }, { "chaser:apiKey": local.rootKey });
    p.program(program);
    await local.clearRequests();
    // `up` previews first (as `pulumi up` does unless told --skip-preview): that preview fails, so nothing is applied.
    // (With --skip-preview the engine checks each resource as it goes, and the keyed account's may be applied first.)
    for (const r of [await p.preview(), await p.run(["up", "--yes", "--non-interactive"])]) {
      expect(r.code).not.toBe(0);
      expect(r.diagnostics.join("\n")).toMatch(
        /property account value \{Globex\} has a problem: account: the API key in chaser:apiKey cannot act in account 'Globex' .*Set a key of that account: `pulumi config set --secret --path 'chaser:accountKeys.Globex' sk_…`/,
      );
      expect(changes(r).filter((c) => c.startsWith("create"))).not.toContain("create theirs");
    }
    expect(await writesTo(local)).toEqual([]);
    // At most one read per account to find out, per run.
    expect((await local.requests()).filter((q) => q.path === "/v1/accounts/current").length).toBeLessThanOrEqual(2);
  } finally {
    p.cleanup();
  }
});

test("plugin: two accounts through two explicit Providers; the organization's provider with a key of another account fails at preview, no write made", async () => {
  const org = await organization("Initech");
  const program = `${headerOf("plugin")}const config = new pulumi.Config();
const apiUrl = config.require("url");
const personal = new chaser.Provider("personal", { apiUrl, apiKey: config.requireSecret("personalKey") });
const initech = new chaser.Provider("initech", { apiUrl, apiKey: config.requireSecret("orgKey"), account: "Initech" });
new chaser.Workspace("mine", { name: "personal-ws", sessionType: "browser" }, { provider: personal });
const theirs = new chaser.Workspace("theirs", { name: "org-ws", sessionType: "sandbox" }, { provider: initech });
exports.mineListed = chaser.listWorkspacesOutput({}, { provider: personal, dependsOn: [theirs] }).apply((ws) => ws.map((w) => w.name));
exports.theirsListed = chaser.listWorkspacesOutput({}, { provider: initech, dependsOn: [theirs] }).apply((ws) => ws.map((w) => w.name));
exports.theirAccount = chaser.getAccountOutput({ provider: initech }).apply((a) => a.name);`;
  await runScenario(
    local,
    "providers",
    [
      {
        name: "the organization's provider first holds the personal key: preview and up fail on account, nothing written; then its own key: both created, each in its account, lookups through each provider",
        program,
        config: { url: local.url },
        before: async (p) => {
          await p.ok(["config", "set", "--secret", "personalKey", local.rootKey]);
          await p.ok(["config", "set", "--secret", "orgKey", local.rootKey]);
          await local.clearRequests();
          // `up` previews first (as `pulumi up` does unless told --skip-preview): that preview fails, so nothing is applied.
          for (const r of [await p.preview(), await p.run(["up", "--yes", "--non-interactive"])]) {
            expect(r.code).not.toBe(0);
            expect(r.diagnostics.join("\n")).toMatch(/cannot act in account 'Initech'/);
          }
          expect(await writesTo(local)).toEqual([]);
          expect(await local.workspaces()).toEqual([]);
          await p.ok(["config", "set", "--secret", "orgKey", org.key]);
        },
        up: ["create mine", "create theirs"],
        after: async (p) => {
          expect((await local.workspaces()).map((w) => w.name)).toEqual(["personal-ws"]);
          const there = (await local.api<any[]>("GET", "/v1/workspaces", undefined, inOrg(org))).body;
          expect(there.map((w) => w.name)).toEqual(["org-ws"]);
          expect(await p.outputs()).toMatchObject({ mineListed: ["personal-ws"], theirsListed: ["org-ws"], theirAccount: "Initech" });
        },
      },
    ],
    {
      flavour: "plugin",
      project: async () => {
        const p = Project.create("providers", { flavour: "plugin" });
        await p.init({}, {});
        return p;
      },
      empty: async () => {
        expect(await local.workspaces()).toEqual([]);
        expect((await local.api<any[]>("GET", "/v1/workspaces", undefined, inOrg(org))).body).toEqual([]);
      },
    },
  );
});
