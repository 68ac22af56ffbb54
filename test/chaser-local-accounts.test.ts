/**
 * chaser-local conformance for the accounts part of the API (docs/chaser-local.md, issue 10): accounts,
 * organizations, members (owner and last-owner rules), service accounts and their keys, SSH keys. One test per
 * rule, each asserting the status, the error code and the state after. Our decisions where the docs are silent
 * are in docs/chaser-local.md ("Accounts, members, service accounts, SSH keys").
 */
import { createHash, randomBytes } from "node:crypto";
import { Local } from "./support/local";

type Any = Record<string, any>;
interface Res {
  status: number;
  body: any;
}

const srv = Local.forSuite();
const call = (method: string, path: string, body?: unknown, opts: { key?: string; account?: string } = {}): Promise<Res> => srv.api<any>(method, path, body, opts);
const control = <T = Any>(method: string, path: string, body?: unknown): Promise<T> => srv.control<T>(method, path, body);

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

const sc = (r: Res) => [r.status, r.body?.error?.code];

/** An organization made through the API by root (its owner), with a key of root bound to it. */
async function org(name = "Acme") {
  const made = await call("POST", "/v1/accounts/organizations", { name });
  expect(made.status).toBe(201);
  const owner = await control("POST", "/keys", { account: made.body.id });
  return { id: made.body.id as string, name, owner: owner.key as string };
}
/** A key for a new user with `role` in `account`. */
const keyFor = async (account: string, role: string, scopes?: string[]) => control("POST", "/keys", { account, role, ...(scopes ? { scopes } : {}) });
const members = async (key: string) => ((await call("GET", "/v1/accounts/current/members", undefined, { key })).body as Any[]).map((m) => [m.email, m.role]);

/** A well-formed OpenSSH ed25519 public key line (random point) and its fingerprint. */
function sshKey(comment = "me@host"): { line: string; fingerprint: string; canonical: string } {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const type = Buffer.from("ssh-ed25519");
  const point = randomBytes(32);
  const blob = Buffer.concat([u32(type.length), type, u32(32), point]);
  const canonical = `ssh-ed25519 ${blob.toString("base64")}`;
  return { line: comment ? `${canonical} ${comment}` : canonical, canonical, fingerprint: `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}` };
}

// ---------------------------------------------------------------------------------------------------------------
describe("accounts", () => {
  test("GET /v1/accounts: every account the caller belongs to, personal first, with kind and the caller's role; any valid key", async () => {
    const acme = await org("Acme");
    const scoped = await control("POST", "/keys", { scopes: ["sessions.read"] });
    for (const key of [srv.rootKey, scoped.key]) {
      const r = await call("GET", "/v1/accounts", undefined, { key });
      expect(r.status).toBe(200);
      expect(r.body).toEqual([
        { id: "acct_personal_root", name: "root", kind: "personal", role: "owner", created_at: expect.stringMatching(ISO) },
        { id: acme.id, name: "Acme", kind: "organization", role: "owner", created_at: expect.stringMatching(ISO) },
      ]);
    }
    const member = await keyFor(acme.id, "member");
    expect((await call("GET", "/v1/accounts", undefined, { key: member.key })).body.map((a: Any) => [a.kind, a.role])).toEqual([["personal", "owner"], ["organization", "member"]]);
  });

  test("GET /v1/accounts/current: the account the request resolves to (X-Chaser-Account honoured, the key's own by default)", async () => {
    const acme = await org("Acme");
    expect((await call("GET", "/v1/accounts/current")).body).toMatchObject({ id: "acct_personal_root", kind: "personal", role: "owner" });
    expect((await call("GET", "/v1/accounts/current", undefined, { key: acme.owner })).body).toMatchObject({ id: acme.id, name: "Acme", kind: "organization", role: "owner" });
    expect((await call("GET", "/v1/accounts/current", undefined, { key: acme.owner, account: "Acme" })).body.id).toBe(acme.id);
    expect(sc(await call("GET", "/v1/accounts/current", undefined, { account: "Acme" }))).toEqual([403, "account_forbidden"]);
  });

  test("no account enumeration: an account the caller does not belong to is 404, the same whether it exists or not, never named", async () => {
    const acme = await org("Acme");
    const stranger = await keyFor(acme.id, "member"); // a new user, member of Acme only (and their personal account)
    const other = await call("POST", "/v1/accounts/organizations", { name: "Initech Secret Project" });
    for (const sel of ["Initech Secret Project", other.body.id, "acct_personal_root", "root", "No Such Account", "acct_00000000"]) {
      const r = await call("GET", "/v1/workspaces", undefined, { key: stranger.key, account: sel });
      expect({ sel, got: sc(r) }).toEqual({ sel, got: [404, "account_not_found"] });
      expect(r.body.error.message).not.toContain(sel);
      expect(r.body.error.message).toBe((await call("GET", "/v1/workspaces", undefined, { key: stranger.key, account: "No Such Account" })).body.error.message);
    }
    // A service-account key belongs to no user: every account but its own is not found.
    const sa = await control("POST", `/accounts/${acme.id}/service-accounts`, { name: "bot" });
    const saKey = (await call("POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, { name: "k" }, { key: acme.owner })).body.key;
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: saKey, account: "root" }))).toEqual([404, "account_not_found"]);
    // 403 account_forbidden stays for an account the key's user belongs to but the key is not bound to.
    const r = await call("GET", "/v1/workspaces", undefined, { key: stranger.key, account: "personal" });
    expect(sc(r)).toEqual([403, "account_forbidden"]);
    expect(sc(await call("GET", "/v1/workspaces", undefined, { account: "Acme" }))).toEqual([403, "account_forbidden"]);
  });

  test("a user session token (OAuth sign-in) acts as its user with full access in any of the user's accounts, and mints an organization's first key", async () => {
    const made = await call("POST", "/v1/accounts/organizations", { name: "Acme" });
    const token = srv.sessionToken();
    expect((await call("GET", "/v1/accounts/current", undefined, { key: token })).body).toMatchObject({ id: "acct_personal_root", role: "owner" });
    expect((await call("GET", "/v1/accounts/current", undefined, { key: token, account: "Acme" })).body).toMatchObject({ id: made.body.id, role: "owner" });
    // The organization's first key, without any test control: bound to the organization, listed there only.
    const first = await call("POST", "/v1/keys", { name: "acme-first" }, { key: token, account: "Acme" });
    expect(first.status).toBe(201);
    expect((await call("GET", "/v1/accounts/current", undefined, { key: first.body.key })).body.id).toBe(made.body.id);
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: first.body.key, account: "personal" }))).toEqual([403, "account_forbidden"]);
    expect((await call("GET", "/v1/keys", undefined, { key: token, account: made.body.id })).body.keys.map((k: Any) => k.name)).toEqual(["acme-first"]);
    // Another user's session sees only that user's accounts; unknown, tampered and foreign-signed tokens are 401.
    const member = await keyFor(made.body.id, "member");
    const theirs = srv.sessionToken(member.email);
    expect((await call("GET", "/v1/accounts", undefined, { key: theirs })).body.map((a: Any) => [a.kind, a.role])).toEqual([["personal", "owner"], ["organization", "member"]]);
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: theirs, account: "root" }))).toEqual([404, "account_not_found"]);
    const [h, p] = token.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ iss: "chaser-local", sub: "root@chaser.local", exp: 9e9 })).toString("base64url")}.${token.split(".")[2]}`;
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: forged }))).toEqual([401, "unauthorized"]);
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: `${h}.${p}.AAAA` }))).toEqual([401, "unauthorized"]);
    expect(() => srv.sessionToken("nobody@example.com")).toThrow("no user with the email 'nobody@example.com'");
  });

  test("POST /v1/accounts/organizations: 201, the caller becomes its owner", async () => {
    const r = await call("POST", "/v1/accounts/organizations", { name: "Acme Engineering" });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: expect.stringMatching(/^acct_/), name: "Acme Engineering", kind: "organization", role: "owner", created_at: expect.stringMatching(ISO) });
    const owner = await control("POST", "/keys", { account: r.body.id });
    expect(await members(owner.key)).toEqual([["root@chaser.local", "owner"]]);
    expect((await call("GET", "/v1/accounts")).body.map((a: Any) => a.name)).toEqual(["root", "Acme Engineering"]);
  });

  test("organization names are unique case-insensitively (409 account_name_taken), personal accounts' names included", async () => {
    await org("Acme");
    for (const name of ["acme", "ACME", "root"]) {
      const r = await call("POST", "/v1/accounts/organizations", { name });
      expect({ name, sc: sc(r) }).toEqual({ name, sc: [409, "account_name_taken"] });
    }
    expect((await call("GET", "/v1/accounts")).body).toHaveLength(2);
  });

  test("organization names: 1-64 characters, no outer spaces, not 'personal' (400)", async () => {
    for (const name of ["", "x".repeat(65), " Acme", "personal", 7]) {
      const r = await call("POST", "/v1/accounts/organizations", { name });
      expect({ name, sc: sc(r) }).toEqual({ name, sc: [400, "invalid_request"] });
      expect(r.body.error.message).toMatch(/^name: /);
    }
    expect((await call("POST", "/v1/accounts/organizations", { name: "x".repeat(64) })).status).toBe(201);
  });

  test("account-management writes need a full-access key: a scoped key is 403 insufficient_scope naming it, and nothing changes", async () => {
    const acme = await org("Acme");
    const sa = (await call("POST", "/v1/accounts/current/service-accounts", { name: "bot" }, { key: acme.owner })).body;
    const member = await keyFor(acme.id, "member");
    const ssh = (await call("POST", "/v1/ssh-keys", { public_key: sshKey().line }, { key: acme.owner })).body;
    const scoped = await control("POST", "/keys", { account: acme.id, scopes: [...["sessions.read", "sessions.write", "workspaces.read", "workspaces.write", "keys.read", "keys.write"]] });
    const writes: Array<[string, string, unknown?]> = [
      ["POST", "/v1/accounts/organizations", { name: "Other" }],
      ["POST", "/v1/accounts/current/members", { email: "new@example.com", role: "member" }],
      ["PATCH", `/v1/accounts/current/members/${member.user_id}`, { role: "admin" }],
      ["DELETE", `/v1/accounts/current/members/${member.user_id}`],
      ["POST", "/v1/accounts/current/service-accounts", { name: "bot2" }],
      ["DELETE", `/v1/accounts/current/service-accounts/${sa.id}`],
      ["POST", "/v1/ssh-keys", { public_key: sshKey().line }],
      ["DELETE", `/v1/ssh-keys/${ssh.id}`],
    ];
    for (const [method, path, body] of writes) {
      const r = await call(method, path, body, { key: scoped.key });
      expect({ method, path, sc: sc(r) }).toEqual({ method, path, sc: [403, "insufficient_scope"] });
      expect(r.body.error.message).toMatch(/full-access key/);
    }
    expect(await members(acme.owner)).toEqual([["root@chaser.local", "owner"], [member.email, "member"]]);
    expect((await call("GET", "/v1/accounts/current/service-accounts", undefined, { key: scoped.key })).body).toHaveLength(1); // reads: any key
    expect((await call("GET", "/v1/ssh-keys", undefined, { key: scoped.key })).body).toHaveLength(1);
    expect((await call("GET", "/v1/accounts")).body).toHaveLength(2);
  });

  test("a service-account key cannot create organizations (403 role_forbidden)", async () => {
    const acme = await org("Acme");
    const sa = (await call("POST", "/v1/accounts/current/service-accounts", { name: "bot" }, { key: acme.owner })).body;
    const saKey = (await call("POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, {}, { key: acme.owner })).body.key;
    expect(sc(await call("POST", "/v1/accounts/organizations", { name: "Rogue" }, { key: saKey }))).toEqual([403, "role_forbidden"]);
    expect((await call("GET", "/v1/accounts", undefined, { key: saKey })).body).toEqual([expect.objectContaining({ id: acme.id, role: null })]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("members", () => {
  test("GET members: any member lists {user_id, email, role, created_at}; a personal account lists its owner", async () => {
    const acme = await org("Acme");
    const member = await keyFor(acme.id, "member");
    const r = await call("GET", "/v1/accounts/current/members", undefined, { key: member.key });
    expect(r.status).toBe(200);
    expect(r.body).toEqual([
      { user_id: "user_root", email: "root@chaser.local", role: "owner", created_at: expect.stringMatching(ISO) },
      { user_id: member.user_id, email: member.email, role: "member", created_at: expect.stringMatching(ISO) },
    ]);
    expect((await call("GET", "/v1/accounts/current/members")).body).toEqual([{ user_id: "user_root", email: "root@chaser.local", role: "owner", created_at: expect.stringMatching(ISO) }]);
  });

  test("POST members {email, role}: 201 by an owner or admin; a new email makes a user, who can then get a key", async () => {
    const acme = await org("Acme");
    const admin = await keyFor(acme.id, "admin");
    const r = await call("POST", "/v1/accounts/current/members", { email: "dev@example.com", role: "member" }, { key: admin.key });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ user_id: expect.stringMatching(/^user_/), email: "dev@example.com", role: "member", created_at: expect.stringMatching(ISO) });
    expect((await call("POST", "/v1/accounts/current/members", { email: "ops@example.com", role: "admin" }, { key: acme.owner })).status).toBe(201);
    const dev = await control("POST", "/keys", { account: acme.id, email: "DEV@example.com" });
    expect([dev.user_id, dev.account_id]).toEqual([r.body.user_id, acme.id]);
    expect((await call("GET", "/v1/accounts/current", undefined, { key: dev.key })).body.role).toBe("member");
    expect((await members(acme.owner)).map(([e]) => e)).toEqual(["root@chaser.local", admin.email, "dev@example.com", "ops@example.com"]);
  });

  test("members cannot add, change or remove members (403 role_forbidden), and nothing changes", async () => {
    const acme = await org("Acme");
    const member = await keyFor(acme.id, "member");
    const other = await keyFor(acme.id, "member");
    expect(sc(await call("POST", "/v1/accounts/current/members", { email: "x@example.com", role: "member" }, { key: member.key }))).toEqual([403, "role_forbidden"]);
    expect(sc(await call("PATCH", `/v1/accounts/current/members/${other.user_id}`, { role: "admin" }, { key: member.key }))).toEqual([403, "role_forbidden"]);
    expect(sc(await call("DELETE", `/v1/accounts/current/members/${other.user_id}`, undefined, { key: member.key }))).toEqual([403, "role_forbidden"]);
    expect(await members(acme.owner)).toEqual([["root@chaser.local", "owner"], [member.email, "member"], [other.email, "member"]]);
  });

  test("only owners grant or modify the owner role: an admin gets 403 role_forbidden for each, and nothing changes", async () => {
    const acme = await org("Acme");
    const admin = await keyFor(acme.id, "admin");
    const member = await keyFor(acme.id, "member");
    const cases: Array<[string, string, unknown?]> = [
      ["POST", "/v1/accounts/current/members", { email: "boss@example.com", role: "owner" }],
      ["PATCH", `/v1/accounts/current/members/${member.user_id}`, { role: "owner" }],
      ["PATCH", "/v1/accounts/current/members/user_root", { role: "admin" }],
      ["DELETE", "/v1/accounts/current/members/user_root"],
    ];
    for (const [method, path, body] of cases) {
      const r = await call(method, path, body, { key: admin.key });
      expect({ method, path, sc: sc(r) }).toEqual({ method, path, sc: [403, "role_forbidden"] });
      expect(r.body.error.message).toMatch(/only owners/);
    }
    expect(await members(acme.owner)).toEqual([["root@chaser.local", "owner"], [admin.email, "admin"], [member.email, "member"]]);
    // An owner may.
    expect((await call("PATCH", `/v1/accounts/current/members/${member.user_id}`, { role: "owner" }, { key: acme.owner })).body.role).toBe("owner");
  });

  test("adding an email that is already a member is 409 member_exists (emails compared case-insensitively)", async () => {
    const acme = await org("Acme");
    await call("POST", "/v1/accounts/current/members", { email: "dev@example.com", role: "member" }, { key: acme.owner });
    for (const [email, role] of [["dev@example.com", "admin"], ["DEV@Example.com", "member"], ["root@chaser.local", "member"]]) {
      const r = await call("POST", "/v1/accounts/current/members", { email, role }, { key: acme.owner });
      expect({ email, sc: sc(r) }).toEqual({ email, sc: [409, "member_exists"] });
    }
    expect(await members(acme.owner)).toEqual([["root@chaser.local", "owner"], ["dev@example.com", "member"]]);
  });

  test("PATCH a member's role: 200 with the member, changed in place (same user_id and created_at)", async () => {
    const acme = await org("Acme");
    const added = (await call("POST", "/v1/accounts/current/members", { email: "dev@example.com", role: "member" }, { key: acme.owner })).body;
    const r = await call("PATCH", `/v1/accounts/current/members/${added.user_id}`, { role: "admin" }, { key: acme.owner });
    expect([r.status, r.body]).toEqual([200, { ...added, role: "admin" }]);
    expect(await members(acme.owner)).toEqual([["root@chaser.local", "owner"], ["dev@example.com", "admin"]]);
    expect(sc(await call("PATCH", `/v1/accounts/current/members/${added.user_id}`, { role: "boss" }, { key: acme.owner }))).toEqual([400, "invalid_request"]);
  });

  test("the last owner cannot be demoted: 409 last_owner saying why; with a second owner it works", async () => {
    const acme = await org("Acme");
    const r = await call("PATCH", "/v1/accounts/current/members/user_root", { role: "admin" }, { key: acme.owner });
    expect(sc(r)).toEqual([409, "last_owner"]);
    expect(r.body.error.message).toMatch(/root@chaser\.local.*last owner of 'Acme'.*always keeps an owner/);
    expect(await members(acme.owner)).toEqual([["root@chaser.local", "owner"]]);
    await call("POST", "/v1/accounts/current/members", { email: "co@example.com", role: "owner" }, { key: acme.owner });
    expect((await call("PATCH", "/v1/accounts/current/members/user_root", { role: "admin" }, { key: acme.owner })).body.role).toBe("admin");
    expect(await members(acme.owner)).toEqual([["root@chaser.local", "admin"], ["co@example.com", "owner"]]);
  });

  test("the last owner cannot be removed: 409 last_owner; an owner who is not the last can be", async () => {
    const acme = await org("Acme");
    const r = await call("DELETE", "/v1/accounts/current/members/user_root", undefined, { key: acme.owner });
    expect(sc(r)).toEqual([409, "last_owner"]);
    expect(r.body.error.message).toMatch(/last owner/);
    const co = (await call("POST", "/v1/accounts/current/members", { email: "co@example.com", role: "owner" }, { key: acme.owner })).body;
    const coKey = await control("POST", "/keys", { account: acme.id, email: "co@example.com" });
    expect((await call("DELETE", "/v1/accounts/current/members/user_root", undefined, { key: coKey.key })).status).toBe(204);
    expect(await members(coKey.key)).toEqual([["co@example.com", "owner"]]);
    expect(sc(await call("DELETE", `/v1/accounts/current/members/${co.user_id}`, undefined, { key: coKey.key }))).toEqual([409, "last_owner"]);
  });

  test("DELETE a member: 204, gone from the list, their keys bound to the organization stop working; unknown users are 404 member_not_found", async () => {
    const acme = await org("Acme");
    const member = await keyFor(acme.id, "member");
    expect((await call("DELETE", `/v1/accounts/current/members/${member.user_id}`, undefined, { key: acme.owner })).status).toBe(204);
    expect(await members(acme.owner)).toEqual([["root@chaser.local", "owner"]]);
    expect(sc(await call("GET", "/v1/workspaces", undefined, { key: member.key }))).toEqual([401, "unauthorized"]);
    const listed = (await call("GET", "/v1/keys", undefined, { key: acme.owner })).body.keys.find((k: Any) => k.id === member.id);
    expect(listed.revoked_at).toMatch(ISO);
    for (const [method, body] of [["DELETE", undefined], ["PATCH", { role: "admin" }]] as Array<[string, unknown]>) {
      for (const userId of [member.user_id, "user_nobody", "toString", "__proto__", "constructor"]) {
        const r = await call(method, `/v1/accounts/current/members/${userId}`, body, { key: acme.owner });
        expect({ method, userId, sc: sc(r) }).toEqual({ method, userId, sc: [404, "member_not_found"] });
      }
    }
    expect(await members(acme.owner)).toEqual([["root@chaser.local", "owner"]]);
  });

  test("members belong to organizations: adding one to a personal account is 403 account_forbidden", async () => {
    const r = await call("POST", "/v1/accounts/current/members", { email: "x@example.com", role: "member" });
    expect(sc(r)).toEqual([403, "account_forbidden"]);
    expect((await call("GET", "/v1/accounts/current/members")).body).toHaveLength(1);
  });

  test("member bodies are validated: email and role (400 naming the field)", async () => {
    const acme = await org("Acme");
    for (const [body, field] of [[{ email: "not-an-email", role: "member" }, "email"], [{ email: "a@b.co", role: "chief" }, "role"], [{ role: "member" }, "email"], [{ email: "a@b.co" }, "role"]] as Array<[unknown, string]>) {
      const r = await call("POST", "/v1/accounts/current/members", body, { key: acme.owner });
      expect({ body, sc: sc(r) }).toEqual({ body, sc: [400, "invalid_request"] });
      expect(r.body.error.message).toMatch(new RegExp(`^${field}: `));
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("service accounts", () => {
  test("create (201 {id, name, disabled, created_by_user_id, created_at, updated_at}), then listed for any key of the organization", async () => {
    const acme = await org("Acme");
    const r = await call("POST", "/v1/accounts/current/service-accounts", { name: "deployer" }, { key: acme.owner });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: expect.stringMatching(/^sa_/), name: "deployer", disabled: false, created_by_user_id: "user_root", created_at: expect.stringMatching(ISO), updated_at: expect.stringMatching(ISO) });
    const member = await keyFor(acme.id, "member", ["sessions.read"]);
    expect((await call("GET", "/v1/accounts/current/service-accounts", undefined, { key: member.key })).body).toEqual([r.body]);
  });

  test("only owners and admins manage service accounts: a member is 403 role_forbidden (create, delete, keys)", async () => {
    const acme = await org("Acme");
    const admin = await keyFor(acme.id, "admin");
    const member = await keyFor(acme.id, "member");
    const sa = (await call("POST", "/v1/accounts/current/service-accounts", { name: "by-admin" }, { key: admin.key })).body;
    expect(sc(await call("POST", "/v1/accounts/current/service-accounts", { name: "x" }, { key: member.key }))).toEqual([403, "role_forbidden"]);
    expect(sc(await call("DELETE", `/v1/accounts/current/service-accounts/${sa.id}`, undefined, { key: member.key }))).toEqual([403, "role_forbidden"]);
    expect(sc(await call("POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, {}, { key: member.key }))).toEqual([403, "role_forbidden"]);
    expect((await call("GET", "/v1/accounts/current/service-accounts", undefined, { key: acme.owner })).body.map((s: Any) => s.name)).toEqual(["by-admin"]);
    expect((await call("GET", "/v1/keys", undefined, { key: acme.owner })).body.keys.filter((k: Any) => k.service_account_id)).toEqual([]);
  });

  test("service accounts exist only in organizations: 403 account_forbidden in a personal account (which lists none)", async () => {
    expect(sc(await call("POST", "/v1/accounts/current/service-accounts", { name: "bot" }))).toEqual([403, "account_forbidden"]);
    expect((await call("GET", "/v1/accounts/current/service-accounts")).body).toEqual([]);
  });

  test("service-account names are unique per organization case-insensitively (409 service_account_name_taken)", async () => {
    const acme = await org("Acme");
    const other = await org("Other");
    await call("POST", "/v1/accounts/current/service-accounts", { name: "deployer" }, { key: acme.owner });
    expect(sc(await call("POST", "/v1/accounts/current/service-accounts", { name: "DEPLOYER" }, { key: acme.owner }))).toEqual([409, "service_account_name_taken"]);
    expect((await call("POST", "/v1/accounts/current/service-accounts", { name: "deployer" }, { key: other.owner })).status).toBe(201);
    expect((await call("GET", "/v1/accounts/current/service-accounts", undefined, { key: acme.owner })).body).toHaveLength(1);
  });

  test("DELETE a service account: 204, its keys are revoked at once, then 404 service_account_not_found", async () => {
    const acme = await org("Acme");
    const sa = (await call("POST", "/v1/accounts/current/service-accounts", { name: "ci" }, { key: acme.owner })).body;
    const k1 = (await call("POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, { name: "k1" }, { key: acme.owner })).body;
    expect(k1.service_account).toEqual(sa);
    const k2 = (await call("POST", "/v1/keys", { name: "k2", scopes: ["workspaces.read"] }, { key: k1.key })).body; // made by the SA's key: the SA's
    expect((await call("GET", "/v1/workspaces", undefined, { key: k2.key })).status).toBe(200);
    expect((await call("DELETE", `/v1/accounts/current/service-accounts/${sa.id}`, undefined, { key: acme.owner })).status).toBe(204);
    for (const k of [k1, k2]) expect(sc(await call("GET", "/v1/workspaces", undefined, { key: k.key }))).toEqual([401, "unauthorized"]);
    const keys = (await call("GET", "/v1/keys", undefined, { key: acme.owner })).body.keys.filter((k: Any) => k.service_account_id === sa.id);
    expect(keys.map((k: Any) => [k.id, typeof k.revoked_at])).toEqual([[k1.id, "string"], [k2.id, "string"]]);
    expect((await call("GET", "/v1/accounts/current/service-accounts", undefined, { key: acme.owner })).body).toEqual([]);
    expect(sc(await call("DELETE", `/v1/accounts/current/service-accounts/${sa.id}`, undefined, { key: acme.owner }))).toEqual([404, "service_account_not_found"]);
    expect(sc(await call("POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, {}, { key: acme.owner }))).toEqual([404, "service_account_not_found"]);
  });

  test("another organization's service account is 404 service_account_not_found (delete and keys)", async () => {
    const acme = await org("Acme");
    const other = await org("Other");
    const theirs = (await call("POST", "/v1/accounts/current/service-accounts", { name: "theirs" }, { key: other.owner })).body;
    expect(sc(await call("DELETE", `/v1/accounts/current/service-accounts/${theirs.id}`, undefined, { key: acme.owner }))).toEqual([404, "service_account_not_found"]);
    expect(sc(await call("POST", `/v1/accounts/current/service-accounts/${theirs.id}/keys`, {}, { key: acme.owner }))).toEqual([404, "service_account_not_found"]);
    expect((await call("GET", "/v1/accounts/current/service-accounts", undefined, { key: other.owner })).body).toHaveLength(1);
  });

  test("a service-account key manages no service accounts (403 role_forbidden)", async () => {
    const acme = await org("Acme");
    const sa = (await call("POST", "/v1/accounts/current/service-accounts", { name: "ci" }, { key: acme.owner })).body;
    const saKey = (await call("POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, {}, { key: acme.owner })).body.key;
    expect(sc(await call("POST", "/v1/accounts/current/service-accounts", { name: "spawn" }, { key: saKey }))).toEqual([403, "role_forbidden"]);
    expect(sc(await call("DELETE", `/v1/accounts/current/service-accounts/${sa.id}`, undefined, { key: saKey }))).toEqual([403, "role_forbidden"]);
    expect(sc(await call("POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`, {}, { key: saKey }))).toEqual([403, "role_forbidden"]);
    expect((await call("GET", "/v1/accounts/current/service-accounts", undefined, { key: saKey })).body).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("SSH keys", () => {
  test("POST /v1/ssh-keys: 201 {id, public_key, fingerprint (SHA256:…), comment, created_at}, listed by GET", async () => {
    const k = sshKey("dev@laptop");
    const r = await call("POST", "/v1/ssh-keys", { public_key: `  ${k.line}\n` });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ id: expect.any(String), public_key: k.line, fingerprint: k.fingerprint, comment: "dev@laptop", created_at: expect.stringMatching(ISO) });
    expect((await call("GET", "/v1/ssh-keys")).body).toEqual([r.body]);
    expect((await call("POST", "/v1/ssh-keys", { public_key: sshKey("").line })).body.comment).toBeNull();
  });

  test("the public key must be OpenSSH (400 public_key naming the problem); nothing is stored", async () => {
    const good = sshKey().canonical;
    for (const [public_key, why] of [
      ["-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----", /single|private key/],
      ["ssh-dss AAAAB3NzaC1kc3MAAACBAP", /key type 'ssh-dss'/],
      ["ssh-ed25519 not*base64", /base64/],
      [`ssh-rsa ${good.split(" ")[1]}`, /does not start with the key type/],
      ["ssh-ed25519", /OpenSSH public key/],
      ["", /OpenSSH public key/],
      [42, /must be a string/],
    ] as Array<[unknown, RegExp]>) {
      const r = await call("POST", "/v1/ssh-keys", { public_key });
      expect({ public_key, sc: sc(r) }).toEqual({ public_key, sc: [400, "invalid_request"] });
      expect(r.body.error.message).toMatch(/^public_key: /);
      expect(r.body.error.message).toMatch(why);
    }
    expect((await call("GET", "/v1/ssh-keys")).body).toEqual([]);
  });

  test("the same key twice in one account is 409 ssh_key_exists (whatever its comment)", async () => {
    const k = sshKey("first");
    const first = (await call("POST", "/v1/ssh-keys", { public_key: k.line })).body;
    for (const line of [k.line, `${k.canonical} another comment`, k.canonical]) {
      const r = await call("POST", "/v1/ssh-keys", { public_key: line });
      expect({ line, sc: sc(r) }).toEqual({ line, sc: [409, "ssh_key_exists"] });
      expect(r.body.error.message).toContain(first.id);
    }
    expect((await call("GET", "/v1/ssh-keys")).body).toEqual([first]);
  });

  test("the same key in two accounts is fine: each account has its own", async () => {
    const acme = await org("Acme");
    const k = sshKey();
    const mine = await call("POST", "/v1/ssh-keys", { public_key: k.line });
    const theirs = await call("POST", "/v1/ssh-keys", { public_key: k.line }, { key: acme.owner });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(mine.body.id).not.toBe(theirs.body.id);
    expect(mine.body.fingerprint).toBe(theirs.body.fingerprint);
  });

  test("SSH keys are bound to the active account: another account's key is neither listed nor deletable (404 ssh_key_not_found)", async () => {
    const acme = await org("Acme");
    const personal = (await call("POST", "/v1/ssh-keys", { public_key: sshKey().line })).body;
    const orgKey = (await call("POST", "/v1/ssh-keys", { public_key: sshKey().line }, { key: acme.owner })).body;
    expect((await call("GET", "/v1/ssh-keys", undefined, { key: acme.owner })).body.map((k: Any) => k.id)).toEqual([orgKey.id]);
    expect((await call("GET", "/v1/ssh-keys")).body.map((k: Any) => k.id)).toEqual([personal.id]);
    expect(sc(await call("DELETE", `/v1/ssh-keys/${personal.id}`, undefined, { key: acme.owner }))).toEqual([404, "ssh_key_not_found"]);
    expect((await call("GET", "/v1/ssh-keys")).body).toHaveLength(1);
  });

  test("DELETE /v1/ssh-keys/{id}: 204, then 404 ssh_key_not_found", async () => {
    const k = (await call("POST", "/v1/ssh-keys", { public_key: sshKey().line })).body;
    expect((await call("DELETE", `/v1/ssh-keys/${k.id}`)).status).toBe(204);
    expect((await call("GET", "/v1/ssh-keys")).body).toEqual([]);
    expect(sc(await call("DELETE", `/v1/ssh-keys/${k.id}`))).toEqual([404, "ssh_key_not_found"]);
    // Once deleted, the same key may be added again.
    expect((await call("POST", "/v1/ssh-keys", { public_key: sshKey().line })).status).toBe(201);
  });

  test("in an organization, owners and admins manage SSH keys; a member lists them but gets 403 role_forbidden to add or delete", async () => {
    const acme = await org("Acme");
    const admin = await keyFor(acme.id, "admin");
    const member = await keyFor(acme.id, "member");
    const k = (await call("POST", "/v1/ssh-keys", { public_key: sshKey().line }, { key: admin.key })).body;
    expect(sc(await call("POST", "/v1/ssh-keys", { public_key: sshKey().line }, { key: member.key }))).toEqual([403, "role_forbidden"]);
    expect(sc(await call("DELETE", `/v1/ssh-keys/${k.id}`, undefined, { key: member.key }))).toEqual([403, "role_forbidden"]);
    expect((await call("GET", "/v1/ssh-keys", undefined, { key: member.key })).body.map((x: Any) => x.id)).toEqual([k.id]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
describe("the /_local/keys control", () => {
  test("{email} mints a key for an existing member (default: their personal account); {account, role} still makes a new user", async () => {
    const acme = await org("Acme");
    await call("POST", "/v1/accounts/current/members", { email: "dev@example.com", role: "admin" }, { key: acme.owner });
    const inOrg = await control("POST", "/keys", { account: "Acme", email: "dev@example.com" });
    expect((await call("GET", "/v1/accounts/current", undefined, { key: inOrg.key })).body).toMatchObject({ id: acme.id, role: "admin" });
    const personal = await control("POST", "/keys", { email: "dev@example.com" });
    expect((await call("GET", "/v1/accounts/current", undefined, { key: personal.key })).body).toMatchObject({ kind: "personal", role: "owner" });
    expect(personal.user_id).toBe(inOrg.user_id);
    const root = await control("POST", "/keys", { email: "root@chaser.local", account: acme.id });
    expect(root.user_id).toBe("user_root");
    const fresh = await control("POST", "/keys", { account: acme.id, role: "member" });
    expect(fresh.email).toMatch(/@users\.chaser\.local$/);
  });

  test("{email} of a non-member is 404 member_not_found; email with role is 400", async () => {
    const acme = await org("Acme");
    await expect(control("POST", "/keys", { account: acme.id, email: "nobody@example.com" })).rejects.toMatchObject({ status: 404, body: { error: { code: "member_not_found" } } });
    await expect(control("POST", "/keys", { account: acme.id, email: "root@chaser.local", role: "member" })).rejects.toMatchObject({ status: 400 });
    await expect(control("POST", "/keys", { email: "not-an-email" })).rejects.toMatchObject({ status: 400 });
  });
});
