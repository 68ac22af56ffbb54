/**
 * What the lookups answer: per kind of object, the outputs of its models (camelCase, secrets left out), named as
 * schema.json's types and the TypeScript interfaces are (`WorkspaceInfo`). In the order schema.json and the SDK
 * list them.
 */
import type { LookupResult } from "../lookup";
import type { ResourceModel } from "../model";
import { AccountModel } from "../models/account";
import { ApiKeyModel } from "../models/apikey";
import { AuditEventModel } from "../models/auditevent";
import { OrganizationMemberModel } from "../models/member";
import { ServiceAccountModel } from "../models/serviceaccount";
import { SnapshotModel } from "../models/snapshot";
import { SshKeyModel } from "../models/sshkey";
import { TemplateModel } from "../models/template";
import { WorkspaceModel } from "../models/workspace";

const result = (name: string, noun: string, ...models: ResourceModel[]): LookupResult => ({ name, noun, models });

/** A workspace's outputs, the template flag included (a Template's outputs are a Workspace's and the flag). */
export const WorkspaceInfo = result("WorkspaceInfo", "a Workspace", WorkspaceModel, TemplateModel);
export const SnapshotInfo = result("SnapshotInfo", "a Snapshot", SnapshotModel);
export const ApiKeyInfo = result("ApiKeyInfo", "an ApiKey", ApiKeyModel);
export const ServiceAccountInfo = result("ServiceAccountInfo", "a ServiceAccount", ServiceAccountModel);
export const OrganizationMemberInfo = result("OrganizationMemberInfo", "an OrganizationMember", OrganizationMemberModel);
export const SshKeyInfo = result("SshKeyInfo", "an SshKey", SshKeyModel);
export const AccountInfo = result("AccountInfo", "an account", AccountModel);
export const AuditEventInfo = result("AuditEventInfo", "an event of the audit log", AuditEventModel);

export const RESULTS: readonly LookupResult[] = [WorkspaceInfo, SnapshotInfo, ApiKeyInfo, ServiceAccountInfo, OrganizationMemberInfo, SshKeyInfo, AccountInfo, AuditEventInfo];
