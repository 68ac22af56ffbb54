/**
 * Builds the Pulumi package schema (schema.json) from the per-resource property tables. The committed
 * schema.json must equal this output, and test/schema.test.ts checks it against the code's actual behaviour.
 */
import * as apikey from "./resources/apikey";
import { PropDoc, ResourceSpec } from "./resources/common";
import * as snapshot from "./resources/snapshot";
import * as template from "./resources/template";
import * as workspace from "./resources/workspace";

export const RESOURCE_SPECS: ResourceSpec[] = [workspace.spec, template.spec, snapshot.spec, apikey.spec];

function prop(p: PropDoc, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { type: p.type, description: p.description };
  if (p.items) out.items = { type: p.items };
  if (p.additionalProperties) out.additionalProperties = { type: p.additionalProperties };
  if (p.secret) out.secret = true;
  return { ...out, ...extra };
}

export function buildSchema(): Record<string, unknown> {
  const resources: Record<string, unknown> = {};
  for (const spec of RESOURCE_SPECS) {
    const inputProperties: Record<string, unknown> = {};
    const requiredInputs: string[] = [];
    for (const [k, p] of Object.entries(spec.inputs)) {
      if (p.internal) continue;
      inputProperties[k] = prop(p, p.behavior === "replace" ? { willReplaceOnChanges: true } : {});
      if (p.required) requiredInputs.push(k);
    }
    const properties: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(spec.inputs)) if (!p.internal) properties[k] = inputProperties[k];
    for (const [k, p] of Object.entries(spec.outputs)) properties[k] = prop(p, (inputProperties[k] as { willReplaceOnChanges?: boolean })?.willReplaceOnChanges ? { willReplaceOnChanges: true } : {});
    resources[`chaser:index:${spec.name}`] = {
      description: spec.description,
      inputProperties,
      requiredInputs,
      properties,
      required: Object.entries(spec.outputs).filter(([, p]) => p.always).map(([k]) => k),
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
