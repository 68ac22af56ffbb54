/**
 * The package's resources, listed once. Everything that names them derives from this list: schema.json and the
 * README reference (provider/schema.ts), the SDK's classes (provider/codegen.ts), the providers the classes use
 * (sdk/nodejs/providers.ts), chaser-recover's type → module table (cli/recover.ts), the skeleton's messages
 * (provider/resource.ts) and the tests that cover every resource.
 *
 * Adding a resource: its model (provider/models/), its module (provider/resources/), one line here, then
 * `make schema`. Its module's path is a stable surface from its first release on: state requires it.
 */
import type { ResourceModel } from "./model";
import { ApiKeyModel } from "./models/apikey";
import { OrganizationMemberModel } from "./models/member";
import { ServiceAccountModel } from "./models/serviceaccount";
import { SnapshotModel } from "./models/snapshot";
import { SshKeyModel } from "./models/sshkey";
import { TemplateModel } from "./models/template";
import { WorkspaceModel } from "./models/workspace";
import { WorkspaceCommandModel } from "./models/workspacecommand";

export interface ResourceKind {
  /** The class name of the SDK, which is the model's (`Workspace`). */
  readonly name: string;
  readonly model: ResourceModel;
  /** How messages and doc comments name one: "workspace", "API key". */
  readonly noun: string;
  /** Its module under provider/resources/ (`apikey` for provider/resources/apikey.ts). */
  readonly module: string;
}

const kind = (model: ResourceModel, noun: string, module: string): ResourceKind => ({ name: model.name, model, noun, module });

/** In the order of schema.json, the SDK and the README (a model that another reuses comes first). */
export const RESOURCES: readonly ResourceKind[] = [
  kind(WorkspaceModel, "workspace", "workspace"),
  kind(TemplateModel, "template", "template"),
  kind(SnapshotModel, "snapshot", "snapshot"),
  kind(ApiKeyModel, "API key", "apikey"),
  kind(ServiceAccountModel, "service account", "serviceaccount"),
  kind(OrganizationMemberModel, "organization member", "member"),
  kind(SshKeyModel, "SSH key", "sshkey"),
  kind(WorkspaceCommandModel, "workspace command", "workspacecommand"),
];

/**
 * The type token of a resource, per flavour of provider: what the engine, `pulumi stack`, policy packs and the
 * state call it. The package's classes are dynamic resources, which the engine names after the dynamic provider.
 */
export const TOKENS = {
  dynamic: (name: string) => `pulumi-nodejs:dynamic/chaser:${name}`,
  plugin: (name: string) => `chaser:index:${name}`,
} as const;
export type Flavour = keyof typeof TOKENS;

/** The token the engine shows for a resource of the package (by its class name). */
export function resourceToken(name: string, flavour: Flavour = "dynamic"): string {
  return TOKENS[flavour](name);
}

/** The resource a type token names, in any flavour; undefined for a type of another package. */
export function resourceOfToken(token: string): ResourceKind | undefined {
  const flavours = Object.values(TOKENS);
  return RESOURCES.find((r) => flavours.some((t) => t(r.name) === token));
}

/** The resource of a model. */
export function resourceOfModel(model: ResourceModel): ResourceKind {
  const r = RESOURCES.find((x) => x.model === model);
  if (!r) throw new Error(`${model.name} is not in provider/registry.ts`);
  return r;
}

/** The module the state written for a resource requires (a stable surface: never moved or renamed). */
export const stateModule = (r: ResourceKind) => `pulumi-chaser/dist/provider/resources/${r.module}.js`;
