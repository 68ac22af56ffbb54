/**
 * Accounts, organizations, members, service accounts (and their keys), SSH keys: the accounts part of the API
 * (docs/chaser-local.md). Where the API's documentation is silent (our decisions, docs/chaser-local.md): reads need any
 * valid key; account-management writes need a full-access key (no scope covers them) of an owner or admin (a
 * service-account key manages none of it); SSH keys are bound to the active account, managed in an organization
 * by its owners and admins.
 */
import { randomUUID } from "node:crypto";
import { parseOpenSshKey, Role, wire } from "../../../contract";
import { ApiError } from "../errors";
import type { SshKey } from "../records";
import { accountInfo, createdKeyInfo, memberInfo, serviceAccountInfo, sshKeyInfo } from "../shapes";
import { memberOf } from "../state";
import { now } from "../util";
import { keyScopes } from "./keys";
import { Ctx, Route, route } from "./route";

/**
 * The caller's role, when it may manage `what` in the active account: a user key of an owner or admin (403
 * `role_forbidden` otherwise), in an organization unless `personalToo` (403 `account_forbidden`).
 */
function manager({ st, key, acct }: Ctx<unknown>, what: string, personalToo = false): Role {
  if (acct.personal && !personalToo) {
    throw new ApiError("account_forbidden", `${what} exist only in organization accounts, and '${acct.name}' is a personal account; select an organization with X-Chaser-Account`);
  }
  if (key.serviceAccountId !== null) throw new ApiError("role_forbidden", `a service-account key cannot manage ${what}; use a key of an owner or admin`);
  const role = st.roleOf(acct, key.userId);
  if (role !== "owner" && role !== "admin") {
    throw new ApiError("role_forbidden", `only owners and admins of '${acct.name}' manage ${what}; this key's user is ${role ? `a ${role}` : "not a member"}`);
  }
  return role;
}

function member(c: Ctx<unknown>, userId: string) {
  const m = memberOf(c.acct, userId);
  if (!m) throw new ApiError("member_not_found", `no member '${userId}' in account '${c.acct.name}'`);
  return m;
}

function lastOwner(c: Ctx<unknown>, userId: string, what: string): ApiError {
  const email = c.st.d.users.get(userId)?.email ?? userId;
  return new ApiError(
    "last_owner",
    `${what} '${email}' is refused: they are the last owner of '${c.acct.name}', and an organization always keeps an owner; make another member owner first`,
  );
}

export const accountRoutes: Route[] = [
  // ---- accounts -------------------------------------------------------------------------------------------
  route({
    name: "listAccounts", access: "any",
    handle: ({ st, key, acct }) => {
      if (key.userId === null) return { status: 200, body: [accountInfo(acct, null)] }; // a service account belongs to one
      return { status: 200, body: st.accountsOf(key.userId).map((a) => accountInfo(a, st.roleOf(a, key.userId) ?? null)) };
    },
  }),

  route({
    name: "currentAccount", access: "any",
    handle: ({ st, key, acct }) => ({ status: 200, body: accountInfo(acct, st.roleOf(acct, key.userId) ?? null) }),
  }),

  route({
    name: "createOrganization", access: "full", body: wire.createOrganizationRequest, audit: { action: "account.organization.create", resourceType: "account", target: () => null },
    handle: ({ st, key, body, audit }) => {
      if (key.userId === null) throw new ApiError("role_forbidden", "a service-account key cannot create organizations; use a user's key");
      const a = st.createOrganization(body.name, key.userId);
      audit.push({ resourceId: a.id, summary: `created organization '${a.name}'`, metadata: { name: a.name } });
      return { status: 201, body: accountInfo(a, "owner") };
    },
  }),

  // ---- members --------------------------------------------------------------------------------------------
  route({
    name: "listMembers", access: "any",
    handle: ({ st, acct }) => ({
      status: 200,
      body: Object.entries(acct.members).map(([userId, m]) => memberInfo(userId, st.d.users.get(userId), m)),
    }),
  }),

  route({
    name: "addMember", access: "full", body: wire.addMemberRequest, audit: { action: "account.member.add", resourceType: "member", target: () => null },
    handle: (c) => {
      const { st, body } = c;
      const callerRole = manager(c, "members");
      if (body.role === "owner" && callerRole !== "owner") throw new ApiError("role_forbidden", "only owners grant the owner role");
      const existing = st.userByEmailAddress(body.email);
      const already = existing && memberOf(c.acct, existing.id);
      if (existing && already) {
        throw new ApiError("member_exists", `'${existing.email}' is a member of '${c.acct.name}' already (as ${already.role}); change the role with PATCH`);
      }
      const user = existing ?? st.createUser(body.email);
      const acct = st.setMember(c.acct, user.id, body.role);
      c.audit.push({ resourceId: user.id, summary: `added '${user.email}' as ${body.role}`, metadata: { email: user.email, role: body.role } });
      return { status: 201, body: memberInfo(user.id, user, acct.members[user.id]) };
    },
  }),

  route({
    name: "changeMemberRole", access: "full", body: wire.changeRoleRequest, audit: { action: "account.member.role.update", resourceType: "member" },
    handle: (c) => {
      const { st, body, params } = c;
      const callerRole = manager(c, "members");
      const m = member(c, params.user_id);
      if ((m.role === "owner" || body.role === "owner") && callerRole !== "owner") {
        throw new ApiError("role_forbidden", m.role === "owner" ? "only owners change an owner's role" : "only owners grant the owner role");
      }
      if (m.role === "owner" && body.role !== "owner" && st.owners(c.acct).length === 1) throw lastOwner(c, params.user_id, `demoting`);
      const acct = m.role === body.role ? c.acct : st.setMember(c.acct, params.user_id, body.role);
      const email = st.d.users.get(params.user_id)?.email ?? null;
      c.audit.push({ resourceId: params.user_id, summary: `changed the role of '${email ?? params.user_id}' from ${m.role} to ${body.role}`, metadata: { email, from: m.role, to: body.role } });
      return { status: 200, body: memberInfo(params.user_id, st.d.users.get(params.user_id), acct.members[params.user_id]) };
    },
  }),

  route({
    name: "removeMember", access: "full", audit: { action: "account.member.remove", resourceType: "member" },
    handle: (c) => {
      const { st, params } = c;
      const callerRole = manager(c, "members");
      const m = member(c, params.user_id);
      if (m.role === "owner" && callerRole !== "owner") throw new ApiError("role_forbidden", "only owners remove an owner");
      if (m.role === "owner" && st.owners(c.acct).length === 1) throw lastOwner(c, params.user_id, "removing");
      st.removeMember(c.acct, params.user_id);
      const email = st.d.users.get(params.user_id)?.email ?? null;
      c.audit.push({ resourceId: params.user_id, summary: `removed '${email ?? params.user_id}' (${m.role})`, metadata: { email, role: m.role } });
      return { status: 204 };
    },
  }),

  // ---- service accounts -----------------------------------------------------------------------------------
  route({
    name: "listServiceAccounts", access: "any",
    handle: ({ st, acct }) => ({ status: 200, body: st.serviceAccountsOf(acct.id).map(serviceAccountInfo) }),
  }),

  route({
    name: "createServiceAccount", access: "full", body: wire.createServiceAccountRequest, audit: { action: "account.service_account.create", resourceType: "service_account", target: () => null },
    handle: (c) => {
      manager(c, "service accounts");
      const sa = c.st.createServiceAccount(c.acct, c.body.name, c.key.userId);
      c.audit.push({ resourceId: sa.id, summary: `created service account '${sa.name}'`, metadata: { name: sa.name } });
      return { status: 201, body: serviceAccountInfo(sa) };
    },
  }),

  route({
    name: "deleteServiceAccount", access: "full", audit: { action: "account.service_account.delete", resourceType: "service_account" },
    handle: (c) => {
      manager(c, "service accounts");
      const sa = c.st.serviceAccount(c.acct, c.params.sa);
      c.st.deleteServiceAccount(sa);
      c.audit.push({ resourceId: sa.id, summary: `deleted service account '${sa.name}' (its keys revoked)`, metadata: { name: sa.name } });
      return { status: 204 };
    },
  }),

  route({
    name: "createServiceAccountKey", access: "keys.write", body: wire.createKeyRequest, audit: { action: "api_key.create", resourceType: "api_key", target: () => null },
    handle: (c) => {
      manager(c, "service accounts");
      const sa = c.st.serviceAccount(c.acct, c.params.sa);
      const scopes = keyScopes(c.body.scopes, c.key);
      const made = c.st.createKey({ accountId: c.acct.id, userId: null, serviceAccountId: sa.id, name: c.body.name ?? null, scopes });
      c.audit.push({ resourceId: made.key.id, summary: `created API key ${made.key.name === null ? made.key.prefix : `'${made.key.name}'`} of service account '${sa.name}'`, metadata: { name: made.key.name, scopes, service_account_id: sa.id, created_key_prefix: made.key.prefix } });
      return { status: 201, body: createdKeyInfo(made.key, made.secret, sa) };
    },
  }),

  // ---- SSH keys -------------------------------------------------------------------------------------------
  route({
    name: "listSshKeys", access: "any",
    handle: ({ st, acct }) => ({ status: 200, body: st.sshKeysOf(acct.id).map(sshKeyInfo) }),
  }),

  route({
    name: "addSshKey", access: "full", body: wire.addSshKeyRequest, audit: { action: "account.ssh_key.add", resourceType: "ssh_key", target: () => null },
    handle: (c) => {
      manager(c, "SSH keys", true);
      const parsed = parseOpenSshKey(c.body.public_key);
      if ("error" in parsed) throw new ApiError("invalid_request", `public_key: ${parsed.error}`); // the schema checked it already
      const dup = c.st.sshKeysOf(c.acct.id).find((k) => k.canonical === parsed.canonical);
      if (dup) throw new ApiError("ssh_key_exists", `this public key (${parsed.fingerprint}) is registered in account '${c.acct.name}' already, as '${dup.id}'`);
      const k: SshKey = {
        id: `sshkey_${randomUUID()}`,
        accountId: c.acct.id,
        public_key: parsed.comment ? `${parsed.canonical} ${parsed.comment}` : parsed.canonical,
        canonical: parsed.canonical,
        fingerprint: parsed.fingerprint,
        comment: parsed.comment,
        created_by_user_id: c.key.userId,
        created_at: now(),
      };
      c.audit.push({ resourceId: k.id, summary: `added SSH key ${k.fingerprint}`, metadata: { fingerprint: k.fingerprint, comment: k.comment } });
      return { status: 201, body: sshKeyInfo(c.st.store.put("sshKeys", k.id, k)) };
    },
  }),

  route({
    name: "deleteSshKey", access: "full", audit: { action: "account.ssh_key.delete", resourceType: "ssh_key" },
    handle: (c) => {
      manager(c, "SSH keys", true);
      const k = c.st.d.sshKeys.get(c.params.key_id);
      if (!k || k.accountId !== c.acct.id) throw new ApiError("ssh_key_not_found", `no SSH key '${c.params.key_id}' in account '${c.acct.name}'`);
      c.st.store.del("sshKeys", k.id);
      c.audit.push({ resourceId: k.id, summary: `deleted SSH key ${k.fingerprint}`, metadata: { fingerprint: k.fingerprint, comment: k.comment } });
      return { status: 204 };
    },
  }),
];
