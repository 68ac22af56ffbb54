/**
 * Accounts, and the organization around them: members with roles, service accounts. Member and service-account
 * paths act in the current account (`X-Chaser-Account`).
 */
import { Role, endpoint, foldName, wire } from "../../contract";
import { Core } from "./core";
import { createOnce } from "./create-once";
import { existed } from "./errors";

export type AccountInfo = wire.AccountInfo;
export type MemberInfo = wire.MemberInfo;
export type ServiceAccountInfo = wire.ServiceAccountInfo;

export class Accounts {
  readonly members: Members;
  readonly serviceAccounts: ServiceAccounts;

  constructor(private readonly core: Core) {
    this.members = new Members(core);
    this.serviceAccounts = new ServiceAccounts(core);
  }

  /** Every account the caller belongs to. */
  list(): Promise<AccountInfo[]> {
    return this.core.shared("accounts", () => this.core.call(endpoint("listAccounts"), wire.accountList));
  }

  /** The account requests resolve to (the client's `account`, else the key's own). */
  current(): Promise<AccountInfo> {
    return this.core.shared("account", () => this.core.call(endpoint("currentAccount"), wire.accountInfo));
  }
}

export class Members {
  constructor(private readonly core: Core) {}

  list(opts: { fresh?: boolean } = {}): Promise<MemberInfo[]> {
    return this.core.shared("members", () => this.core.call(endpoint("listMembers"), wire.memberList), opts.fresh);
  }

  /** The member with this email (compared as the API compares them: case-insensitively). */
  async find(email: string, opts: { fresh?: boolean } = {}): Promise<MemberInfo | undefined> {
    return (await this.list(opts)).find((m) => foldName(m.email) === foldName(email));
  }

  /** An email is a member once: an unknown outcome is reconciled by email. */
  add(req: { email: string; role: Role }): Promise<MemberInfo> {
    return createOnce(this.core, {
      what: `member '${req.email}'`,
      send: () => this.core.call({ ...endpoint("addMember"), body: req }, wire.memberInfo),
      reconcile: () => this.find(req.email, { fresh: true }),
    });
  }

  /** Setting a role is idempotent: sent again after an unknown outcome. */
  changeRole(userId: string, role: Role): Promise<MemberInfo> {
    return this.core.call({ ...endpoint("changeMemberRole", { user_id: userId }), body: { role }, idempotent: true }, wire.memberInfo);
  }

  /** Resolves false when they were no member any more. */
  remove(userId: string): Promise<boolean> {
    return existed(this.core.call(endpoint("removeMember", { user_id: userId })));
  }
}

export class ServiceAccounts {
  constructor(private readonly core: Core) {}

  list(opts: { fresh?: boolean } = {}): Promise<ServiceAccountInfo[]> {
    return this.core.shared("service-accounts", () => this.core.call(endpoint("listServiceAccounts"), wire.serviceAccountList), opts.fresh);
  }

  async find(sel: { id: string } | { name: string }, opts: { fresh?: boolean } = {}): Promise<ServiceAccountInfo | undefined> {
    const all = await this.list(opts);
    return "id" in sel ? all.find((s) => s.id === sel.id) : all.find((s) => typeof s.name === "string" && foldName(s.name) === foldName(sel.name));
  }

  /** Names are unique in an organization: an unknown outcome is reconciled by name. */
  create(req: { name: string }): Promise<ServiceAccountInfo> {
    return createOnce(this.core, {
      what: `service account '${req.name}'`,
      send: () => this.core.call({ ...endpoint("createServiceAccount"), body: req }, wire.serviceAccountInfo),
      reconcile: () => this.find({ name: req.name }, { fresh: true }),
    });
  }

  /** Deleting a service account revokes its keys. Resolves false when it was already gone. */
  delete(id: string): Promise<boolean> {
    return existed(this.core.call(endpoint("deleteServiceAccount", { sa: id })));
  }
}
