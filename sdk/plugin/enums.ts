/**
 * The schema's enums as values (`chaser.SessionType.Sandbox`), named as schema.json names them: what the code
 * `pulumi import` prints refers to (Pulumi's TypeScript generator), and what the other languages' SDKs have.
 * test/schema.test.ts checks that these are exactly schema.json's.
 */
import type * as contract from "../../contract";

export const SessionType = { Browser: "browser", Sandbox: "sandbox" } as const satisfies Record<string, contract.SessionType>;
export type SessionType = contract.SessionType;

export const Scope = {
  SessionsRead: "sessions.read",
  SessionsWrite: "sessions.write",
  WorkspacesRead: "workspaces.read",
  WorkspacesWrite: "workspaces.write",
  ExecWrite: "exec.write",
  FilesRead: "files.read",
  FilesWrite: "files.write",
  KeysRead: "keys.read",
  KeysWrite: "keys.write",
  BillingRead: "billing.read",
  BillingWrite: "billing.write",
  AuditRead: "audit.read",
  WebhooksRead: "webhooks.read",
  WebhooksWrite: "webhooks.write",
} as const satisfies Record<string, contract.Scope>;
export type Scope = contract.Scope;

export const Role = { Owner: "owner", Admin: "admin", Member: "member" } as const satisfies Record<string, contract.Role>;
export type Role = contract.Role;

export const AccountKind = { Personal: "personal", Organization: "organization" } as const satisfies Record<string, contract.AccountKind>;
export type AccountKind = contract.AccountKind;
