/**
 * Lookups users call from their programs: plain async functions, and `…Output` variants that take inputs and
 * give an Output (for values known only once other resources exist). Results are camelCase, typed from the same
 * models as the resources' outputs, never secrets.
 *
 * Credentials: explicit options, else the stack config (`chaser:apiKey`, `chaser:apiUrl`, `chaser:account`,
 * `chaser:accountKeys` for a key of the account asked for), else CHASER_API_KEY / CHASER_API_URL /
 * CHASER_ACCOUNT.
 */
import * as pulumi from "@pulumi/pulumi";
import { describeAccount } from "../contract";
import { ChaserClient, ClientOptions } from "../provider/client";
import { ResourceModel, outputsFrom } from "../provider/model";
import { AccountModel } from "../provider/models/account";
import { AuditEventModel } from "../provider/models/auditevent";
import { ApiKeyModel } from "../provider/models/apikey";
import { OrganizationMemberModel } from "../provider/models/member";
import { ServiceAccountModel } from "../provider/models/serviceaccount";
import { SnapshotModel } from "../provider/models/snapshot";
import { SshKeyModel } from "../provider/models/sshkey";
import { TemplateModel } from "../provider/models/template";
import { stopped } from "../provider/lifeline";
import { parseAccountKeys } from "../provider/settings";
import type { AccountInfo, ApiKeyInfo, AuditEventInfo, OrganizationMemberInfo, ServiceAccountInfo, SnapshotInfo, SshKeyInfo, WorkspaceInfo } from "./resources";

export interface LookupOptions extends Pick<ClientOptions, "apiKey" | "apiUrl"> {
  /** The account to look in (id, exact name or `personal`); default `chaser:account`. */
  account?: string;
}

function stackConfig(key: string): string | undefined {
  try {
    return pulumi.runtime.getConfig(`chaser:${key}`) ?? undefined;
  } catch {
    return undefined;
  }
}

function client(opts: LookupOptions = {}): ChaserClient {
  const account = opts.account ?? stackConfig("account");
  const own = account !== undefined ? parseAccountKeys(stackConfig("accountKeys"))?.[account] : undefined;
  // `stopped`: in the provider plugin (which runs the lookups as invokes), aborted once its engine is gone.
  return new ChaserClient({ apiKey: opts.apiKey ?? own ?? stackConfig("apiKey"), apiUrl: opts.apiUrl ?? stackConfig("apiUrl"), account, signal: stopped });
}

const info = <T>(m: ResourceModel) => (o: Record<string, unknown>) => outputsFrom(m, o) as T;
/** A workspace's outputs, the template flag included (a Template's outputs are a Workspace's and the flag). */
const workspaceInfo = info<WorkspaceInfo>(TemplateModel);

/** One workspace by `id` or by `name` (case-insensitive); fails when there is none. */
export async function getWorkspace(sel: { id: string } | { name: string }, opts?: LookupOptions): Promise<WorkspaceInfo> {
  const c = client(opts);
  const w = await c.workspaces.find("id" in sel ? { id: sel.id } : { name: sel.name });
  if (!w) throw new Error(`getWorkspace: no workspace ${"id" in sel ? `with id '${sel.id}'` : `named '${sel.name}'`} in ${describeAccount(c.config.account)}`);
  return workspaceInfo(w);
}

/** All workspaces of the account; `template: true` keeps only templates (false: only non-templates). */
export async function listWorkspaces(args: { template?: boolean } = {}, opts?: LookupOptions): Promise<WorkspaceInfo[]> {
  const all = await client(opts).workspaces.list();
  return all.filter((w) => args.template === undefined || (w.template ?? false) === args.template).map(workspaceInfo);
}

/** Snapshots of a workspace (id or name). */
export async function listSnapshots(args: { workspace: string }, opts?: LookupOptions): Promise<SnapshotInfo[]> {
  const c = client(opts);
  const w = (await c.workspaces.find({ id: args.workspace })) ?? (await c.workspaces.find({ name: args.workspace }));
  const snaps = await c.snapshots.list(w?.id ?? args.workspace);
  return snaps.map((s) => info<SnapshotInfo>(SnapshotModel)({ ...s, workspace_id: s.workspace_id ?? w?.id }));
}

/** The live API keys of the account (never their secrets). */
export async function listApiKeys(opts?: LookupOptions): Promise<ApiKeyInfo[]> {
  const keys = await client(opts).keys.list();
  return keys.filter((k) => !k.revoked_at).map(info<ApiKeyInfo>(ApiKeyModel));
}

const accountInfo = info<AccountInfo>(AccountModel);

/** The account lookups and resources act in (`opts.account`, else `chaser:account`, else the key's own). */
export async function getAccount(opts?: LookupOptions): Promise<AccountInfo> {
  return accountInfo(await client(opts).accounts.current());
}

/** Every account the key's user belongs to. */
export async function listAccounts(opts?: LookupOptions): Promise<AccountInfo[]> {
  return (await client(opts).accounts.list()).map(accountInfo);
}

/** The members of the (organization) account and their roles. */
export async function listMembers(opts?: LookupOptions): Promise<OrganizationMemberInfo[]> {
  return (await client(opts).accounts.members.list()).map(info<OrganizationMemberInfo>(OrganizationMemberModel));
}

/** The service accounts of the (organization) account. */
export async function listServiceAccounts(opts?: LookupOptions): Promise<ServiceAccountInfo[]> {
  return (await client(opts).accounts.serviceAccounts.list()).map(info<ServiceAccountInfo>(ServiceAccountModel));
}

/** The SSH keys registered on the account. */
export async function listSshKeys(opts?: LookupOptions): Promise<SshKeyInfo[]> {
  return (await client(opts).sshKeys.list()).map(info<SshKeyInfo>(SshKeyModel));
}

/** The filters of `listAuditEvents` (each optional). */
export interface AuditEventFilters {
  /** only this action, e.g. `workspace.name.update` */
  action?: string;
  /** only objects of this kind, e.g. `workspace`, `snapshot`, `api_key` */
  resourceType?: string;
  /** only this object (its id; a snapshot's is `<workspace id>/<name>`) */
  resourceId?: string;
  /** only `success` or only `failure` */
  status?: "success" | "failure";
  /** only events after this time (RFC 3339) */
  since?: string;
  /** only events before this time (RFC 3339) */
  before?: string;
  /** at most this many (default 100, at most 5000; the API's pages of 500 are followed) */
  limit?: number;
}

/** The account's audit log, newest first: who did what to which object, and when (`audit.read` for a scoped key). */
export async function listAuditEvents(args: AuditEventFilters = {}, opts?: LookupOptions): Promise<AuditEventInfo[]> {
  const max = args.limit ?? 100;
  if (!Number.isInteger(max) || max < 1 || max > 5000) throw new Error(`listAuditEvents: limit must be a whole number from 1 to 5000 (got ${max})`);
  if (args.status !== undefined && args.status !== "success" && args.status !== "failure") throw new Error(`listAuditEvents: status must be success or failure (got '${String(args.status)}')`);
  for (const k of ["since", "before"] as const) {
    if (args[k] !== undefined && Number.isNaN(Date.parse(args[k]!))) throw new Error(`listAuditEvents: ${k} must be an RFC 3339 time (got '${args[k]}')`);
  }
  const events = await client(opts).audit.list({ action: args.action, resourceType: args.resourceType, resourceId: args.resourceId, status: args.status, before: args.before, since: args.since, max });
  return events.map((e) => info<AuditEventInfo>(AuditEventModel)(e));
}

/** The filters of `listAuditEvents` from an engine invoke's arguments (what is not of its type is left out). */
function auditFilters(a: Record<string, unknown>): AuditEventFilters {
  const str = (k: string) => (typeof a[k] === "string" && a[k] !== "" ? (a[k] as string) : undefined);
  return {
    action: str("action"), resourceType: str("resourceType"), resourceId: str("resourceId"), status: str("status") as AuditEventFilters["status"],
    since: str("since"), before: str("before"), limit: typeof a.limit === "number" ? a.limit : undefined,
  };
}

/**
 * The lookups by name, with their arguments as one object: what the provider plugin answers to an Invoke of
 * `chaser:index:<name>` (the plugin answers a list as `{ items }`, the shape of schema.json's functions).
 */
export const FUNCTIONS: Record<string, (args: Record<string, unknown>, opts: LookupOptions) => Promise<unknown>> = {
  getWorkspace: (a, o) => getWorkspace(typeof a.id === "string" && a.id !== "" ? { id: a.id } : { name: String(a.name ?? "") }, o),
  listWorkspaces: (a, o) => listWorkspaces({ template: typeof a.template === "boolean" ? a.template : undefined }, o),
  listSnapshots: (a, o) => listSnapshots({ workspace: String(a.workspace ?? "") }, o),
  listApiKeys: (_a, o) => listApiKeys(o),
  getAccount: (_a, o) => getAccount(o),
  listAccounts: (_a, o) => listAccounts(o),
  listMembers: (_a, o) => listMembers(o),
  listServiceAccounts: (_a, o) => listServiceAccounts(o),
  listSshKeys: (_a, o) => listSshKeys(o),
  listAuditEvents: (a, o) => listAuditEvents(auditFilters(a), o),
};

// ---- Output variants ---------------------------------------------------------------------------------------

/** `getWorkspace` for inputs (e.g. another resource's output); unknown during a preview until they are known. */
export function getWorkspaceOutput(sel: pulumi.Input<{ id: pulumi.Input<string> } | { name: pulumi.Input<string> }>, opts?: LookupOptions): pulumi.Output<WorkspaceInfo> {
  return pulumi.output(sel).apply((s) => getWorkspace(s, opts));
}
/** `listWorkspaces` for inputs. */
export function listWorkspacesOutput(args: pulumi.Input<{ template?: pulumi.Input<boolean> }> = {}, opts?: LookupOptions): pulumi.Output<WorkspaceInfo[]> {
  return pulumi.output(args).apply((a) => listWorkspaces(a, opts));
}
/** `listSnapshots` for inputs (e.g. `{ workspace: ws.workspaceId }`). */
export function listSnapshotsOutput(args: pulumi.Input<{ workspace: pulumi.Input<string> }>, opts?: LookupOptions): pulumi.Output<SnapshotInfo[]> {
  return pulumi.output(args).apply((a) => listSnapshots(a, opts));
}
/** `listApiKeys` as an Output. */
export function listApiKeysOutput(opts?: LookupOptions): pulumi.Output<ApiKeyInfo[]> {
  return pulumi.output(listApiKeys(opts));
}
/** `getAccount` as an Output. */
export function getAccountOutput(opts?: LookupOptions): pulumi.Output<AccountInfo> {
  return pulumi.output(getAccount(opts));
}
/** `listAccounts` as an Output. */
export function listAccountsOutput(opts?: LookupOptions): pulumi.Output<AccountInfo[]> {
  return pulumi.output(listAccounts(opts));
}
/** `listMembers` as an Output. */
export function listMembersOutput(opts?: LookupOptions): pulumi.Output<OrganizationMemberInfo[]> {
  return pulumi.output(listMembers(opts));
}
/** `listServiceAccounts` as an Output. */
export function listServiceAccountsOutput(opts?: LookupOptions): pulumi.Output<ServiceAccountInfo[]> {
  return pulumi.output(listServiceAccounts(opts));
}
/** `listSshKeys` as an Output. */
export function listSshKeysOutput(opts?: LookupOptions): pulumi.Output<SshKeyInfo[]> {
  return pulumi.output(listSshKeys(opts));
}
/** `listAuditEvents` for inputs (e.g. `{ resourceId: ws.workspaceId }`). */
export function listAuditEventsOutput(args: pulumi.Input<{ [K in keyof AuditEventFilters]?: pulumi.Input<AuditEventFilters[K]> }> = {}, opts?: LookupOptions): pulumi.Output<AuditEventInfo[]> {
  return pulumi.output(args).apply((a) => listAuditEvents(a as AuditEventFilters, opts));
}
