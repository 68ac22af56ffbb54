/** The resource classes users write in their programs. */
import * as pulumi from "@pulumi/pulumi";
import { spec as apiKeySpec } from "../provider/resources/apikey";
import { spec as snapshotSpec } from "../provider/resources/snapshot";
import { spec as workspaceSpec } from "../provider/resources/workspace";
import { apiKeyProvider, snapshotProvider, templateProvider, workspaceProvider } from "./providers";

/** Every output starts as an undefined prop so the class exposes it. */
function outputSlots(outputs: Record<string, unknown>): Record<string, undefined> {
  return Object.fromEntries(Object.keys(outputs).map((k) => [k, undefined]));
}

export type SessionType = "browser" | "sandbox";

export interface WorkspaceArgs {
  /** Unique per account (case-insensitively), at most 64 characters; renamed in place. Default: auto-named. */
  name?: pulumi.Input<string>;
  /** `browser` or `sandbox`; required for a fresh workspace, inherited by clones. Replaces on change. */
  sessionType?: pulumi.Input<SessionType>;
  /** OCI image of a fresh sandbox workspace. Replaces on change. */
  image?: pulumi.Input<string>;
  /** Clone this workspace or template (id or name). Replaces on change. */
  cloneFrom?: pulumi.Input<string>;
  /** Import this GitHub repository (`owner/repo`). Replaces on change. */
  githubRepo?: pulumi.Input<string>;
  /** Account (id, exact name or `personal`); default `chaser:account`. Replaces on change. */
  account?: pulumi.Input<string>;
  /** Refuse to delete or replace the workspace while true. */
  deletionProtection?: pulumi.Input<boolean>;
  /** Delete even with attached sessions (they are terminated). */
  forceDelete?: pulumi.Input<boolean>;
  /** Take over the existing workspace of this name instead of creating one (fixed properties must match). */
  adoptExisting?: pulumi.Input<boolean>;
}

/** The outputs every workspace-backed resource (Workspace, Template) exposes: the WorkspaceInfo fields. */
export abstract class WorkspaceResource extends pulumi.dynamic.Resource {
  declare public readonly workspaceId: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly sessionType: pulumi.Output<SessionType>;
  declare public readonly image: pulumi.Output<string | undefined>;
  declare public readonly template: pulumi.Output<boolean>;
  declare public readonly githubRepo: pulumi.Output<string | undefined>;
  declare public readonly cloneFrom: pulumi.Output<string | undefined>;
  declare public readonly status: pulumi.Output<string | undefined>;
  declare public readonly createdAt: pulumi.Output<string>;
  declare public readonly persistence: pulumi.Output<boolean | undefined>;
  declare public readonly activeSessionId: pulumi.Output<string | undefined>;
  declare public readonly lastSessionId: pulumi.Output<string | undefined>;
  declare public readonly sourceWorkspaceId: pulumi.Output<string | undefined>;
  declare public readonly nodeEndpoint: pulumi.Output<string | undefined>;
  declare public readonly assistantHome: pulumi.Output<string | undefined>;
  declare public readonly account: pulumi.Output<string | undefined>;
  declare public readonly deletionProtection: pulumi.Output<boolean | undefined>;
  declare public readonly forceDelete: pulumi.Output<boolean | undefined>;
}

export class Workspace extends WorkspaceResource {
  constructor(name: string, args: WorkspaceArgs, opts?: pulumi.CustomResourceOptions) {
    super(workspaceProvider, name, { ...outputSlots(workspaceSpec.outputs), cloneFrom: undefined, ...args, __logicalName: name }, opts, "chaser", "Workspace");
  }
}

export interface TemplateArgs extends WorkspaceArgs {
  /** Flag this existing workspace (id preferred) instead of creating one; deleting the Template clears the flag. */
  workspace?: pulumi.Input<string>;
}

export class Template extends WorkspaceResource {
  /** The flagged workspace's selector, in flagging mode. */
  declare public readonly workspace: pulumi.Output<string | undefined>;

  constructor(name: string, args: TemplateArgs = {}, opts?: pulumi.CustomResourceOptions) {
    super(templateProvider, name, { ...outputSlots(workspaceSpec.outputs), workspace: undefined, ...args, __logicalName: name }, opts, "chaser", "Template");
  }
}

export interface SnapshotArgs {
  /** The workspace (id preferred, stable across renames; or name). Replaces on change. */
  workspace: pulumi.Input<string>;
  /** Unique in its workspace. Default: auto-named. Replaces on change. */
  name?: pulumi.Input<string>;
  /** Create or restore even with an attached session (terminating it) instead of failing. */
  force?: pulumi.Input<boolean>;
  /** Any value; changing it restores the workspace to this snapshot, in place. */
  restoreTrigger?: pulumi.Input<string | number | boolean>;
  /** Account of the workspace; default `chaser:account`. */
  account?: pulumi.Input<string>;
}

export class Snapshot extends pulumi.dynamic.Resource {
  declare public readonly name: pulumi.Output<string>;
  declare public readonly workspaceId: pulumi.Output<string>;
  declare public readonly createdAt: pulumi.Output<string>;
  declare public readonly sizeBytes: pulumi.Output<number | undefined>;
  declare public readonly restoredAt: pulumi.Output<string | undefined>;
  declare public readonly workspace: pulumi.Output<string>;
  declare public readonly restoreTrigger: pulumi.Output<string | number | boolean | undefined>;

  constructor(name: string, args: SnapshotArgs, opts?: pulumi.CustomResourceOptions) {
    super(snapshotProvider, name, { ...outputSlots(snapshotSpec.outputs), ...args, __logicalName: name }, opts, "chaser", "Snapshot");
  }
}

export type Scope =
  | "sessions.read" | "sessions.write" | "workspaces.read" | "workspaces.write" | "exec.write" | "files.read"
  | "files.write" | "keys.read" | "keys.write" | "billing.read" | "billing.write" | "audit.read" | "webhooks.read"
  | "webhooks.write";

export interface ApiKeyArgs {
  /** Default: auto-named. Replaces on change. */
  name?: pulumi.Input<string>;
  /** The key's scopes. Replaces on change. */
  scopes?: pulumi.Input<pulumi.Input<Scope>[]>;
  /** Must be true for a key without scopes (full access). */
  fullAccess?: pulumi.Input<boolean>;
  /** Create the key for this service account. */
  serviceAccountId?: pulumi.Input<string>;
  /** Changing any value rotates the key: the new key exists before the old one is revoked. */
  rotationTriggers?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Account the key is bound to; default `chaser:account`. */
  account?: pulumi.Input<string>;
}

/** Outputs of ApiKey that the engine must keep encrypted. */
export const API_KEY_SECRET_OUTPUTS = ["key"];

export class ApiKey extends pulumi.dynamic.Resource {
  /** The secret key: a secret output, known only from the creation answer. */
  declare public readonly key: pulumi.Output<string>;
  declare public readonly keyId: pulumi.Output<string>;
  declare public readonly keyPrefix: pulumi.Output<string>;
  declare public readonly name: pulumi.Output<string>;
  declare public readonly scopes: pulumi.Output<Scope[]>;
  declare public readonly fullAccess: pulumi.Output<boolean>;
  declare public readonly serviceAccountId: pulumi.Output<string | undefined>;
  declare public readonly createdAt: pulumi.Output<string>;
  declare public readonly lastUsedAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: ApiKeyArgs = {}, opts: pulumi.CustomResourceOptions = {}) {
    const additionalSecretOutputs = [...new Set([...(opts.additionalSecretOutputs ?? []), ...API_KEY_SECRET_OUTPUTS])];
    super(apiKeyProvider, name, { ...outputSlots(apiKeySpec.outputs), ...args, __logicalName: name }, { ...opts, additionalSecretOutputs }, "chaser", "ApiKey");
  }
}
