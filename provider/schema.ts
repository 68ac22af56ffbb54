/**
 * Builds the Pulumi package schema (schema.json) from the resource models. The committed schema.json must equal
 * this output (test/schema.test.ts), and the README reference and the SDK's types are generated from it.
 */
import { ApiKeyModel } from "./models/apikey";
import { OrganizationMemberModel } from "./models/member";
import { ServiceAccountModel } from "./models/serviceaccount";
import { SshKeyModel } from "./models/sshkey";
import { SnapshotModel } from "./models/snapshot";
import { TemplateModel } from "./models/template";
import { WorkspaceModel } from "./models/workspace";
import { FieldDoc, ResourceModel, inputFields, outputFields, schemaType } from "./model";
import type { z } from "zod";

export const MODELS: ResourceModel[] = [WorkspaceModel, TemplateModel, SnapshotModel, ApiKeyModel, ServiceAccountModel, OrganizationMemberModel, SshKeyModel];

function prop(schema: z.ZodType, doc: FieldDoc, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...schemaType(schema), description: doc.description, ...(doc.secret ? { secret: true } : {}), ...extra };
}

export function buildSchema(): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  for (const m of MODELS) {
    const inputProperties: Record<string, unknown> = {};
    const requiredInputs: string[] = [];
    const replaces = new Set<string>();
    for (const f of inputFields(m)) {
      if (f.meta.internal) continue;
      if (f.meta.behavior === "replace") replaces.add(f.key);
      inputProperties[f.key] = prop(f.schema, f.meta, f.meta.behavior === "replace" ? { willReplaceOnChanges: true } : {});
      if (f.required) requiredInputs.push(f.key);
    }
    const properties: Record<string, unknown> = { ...inputProperties };
    for (const f of outputFields(m)) properties[f.key] = prop(f.schema, f.meta, replaces.has(f.key) ? { willReplaceOnChanges: true } : {});
    resources[`chaser:index:${m.name}`] = {
      description: m.description,
      inputProperties,
      requiredInputs,
      properties,
      required: outputFields(m).filter((f) => f.always).map((f) => f.key),
    };
  }
  return {
    name: "chaser",
    displayName: "Chaser",
    version: "0.1.0",
    description: "Chaser workspaces, snapshots, templates and API keys as Pulumi dynamic resources (TypeScript).",
    keywords: ["pulumi", "chaser", "category/cloud", "kind/native"],
    homepage: "https://docs.chaser.sh",
    license: "Apache-2.0",
    repository: "pulumi-chaser",
    publisher: "pulumi-chaser",
    language: { nodejs: { packageName: "pulumi-chaser", dependencies: { "@pulumi/pulumi": "^3.216.0" } } },
    meta: { moduleFormat: "(.*)" },
    config: {
      variables: {
        apiKey: { type: "string", secret: true, description: "API key (`sk_…`) or OAuth token. Set it with `pulumi config set --secret chaser:apiKey …`; fallback: CHASER_API_KEY." },
        apiUrl: { type: "string", description: "Base URL of the Chaser API (default https://api.chaser.sh; plain http only for loopback, e.g. chaser-local); fallback: CHASER_API_URL." },
        account: { type: "string", description: "Active account: account id, exact account name, or `personal`; fallback: CHASER_ACCOUNT; default the personal account." },
      },
    },
    resources,
    functions: {},
  };
}
