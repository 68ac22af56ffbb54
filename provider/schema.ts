/**
 * Builds the package's schema (schema.json) from the resource models: a Pulumi package schema (package `chaser`,
 * valid against Pulumi's metaschema: engine/tools/chaser-sdkgen binds it and fails on any diagnostic) with every
 * resource's inputs, outputs, secrets and replace-on-change, the enums, the lookups as functions, and the
 * provider's configuration. It is what the `chaser` plugin's GetSchema returns and the source of the Python, Go and
 * .NET SDKs (`make sdks`). The committed schema.json must equal this output (test/schema.test.ts), and the README
 * reference and the TypeScript SDK's classes are generated from the same models.
 *
 * Resources, types and functions use the plugin's tokens, `chaser:index:<Name>` (`TOKENS.plugin` in registry.ts);
 * each resource's description also names the token of the dynamic flavour (`TOKENS.dynamic`), which is what the
 * engine shows for the default TypeScript classes.
 */
import type { z } from "zod";
import { ACCOUNT_KINDS } from "../contract";
import { PLUGIN_DOWNLOAD_URL, packageVersion } from "../contract/version";
import { FieldDoc, NAMED_ENUMS, ResourceModel, enumValues, inputFields, outputFields, schemaType } from "./model";
import { argFields, resultFields } from "./lookup";
import { LOOKUPS, RESULTS } from "./lookups";
import { accountKind } from "./models/account";
import { RESOURCES, TOKENS } from "./registry";
import { SETTINGS, SETTING_KEYS, Setting } from "./settings";

/** The models of the resources, in the registry's order. */
export const MODELS: ResourceModel[] = RESOURCES.map((r) => r.model);

const LOOKUP_OPTIONS =
  "In TypeScript a plain function of the package (`import { … } from \"pulumi-chaser\"`, options `apiKey`, `apiUrl`, `account` as its last argument) with an `…Output` variant; in the other languages an invoke of the `chaser` plugin, acting with the provider's credentials in the account given by `account` (default the provider's).";

function prop(schema: z.ZodType, doc: FieldDoc, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...schemaType(schema), description: doc.description, ...(doc.secret ? { secret: true } : {}), ...extra };
}

const enumDescriptions: Record<string, string> = {
  SessionType: "The session type a workspace is locked to.",
  Scope: "A scope of an API key; a key without scopes has full access.",
  Role: "A member's role in an organization. Only owners grant or change `owner`; the last owner stays.",
  AccountKind: "The kind of an account.",
};

function types(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [schema, name] of [...NAMED_ENUMS.entries(), [accountKind, "AccountKind"] as const]) {
    // Each value named in PascalCase (`workspaces.read` → `WorkspacesRead`): what the generated SDKs call it
    // (C# `Scope.WorkspacesRead`, Go `ScopeWorkspacesRead`, Python upper-case: `Scope.WORKSPACES_READ`).
    const values = enumValues(schema).map((value) => ({ name: value.split(/[^A-Za-z0-9]+/).map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(""), value }));
    out[TOKENS.plugin(name)] = { type: "string", description: enumDescriptions[name], enum: values };
  }
  for (const r of RESULTS) {
    const fields = resultFields(r);
    out[TOKENS.plugin(r.name)] = {
      type: "object",
      description: `What a lookup says of ${r.noun} (camelCase, the outputs of the resource).`,
      properties: Object.fromEntries(fields.map((f) => [f.key, prop(f.schema, f.meta)])),
      required: fields.filter((f) => f.always).map((f) => f.key),
    };
  }
  if (ACCOUNT_KINDS.length !== enumValues(accountKind).length) throw new Error("AccountKind out of step with the contract");
  return out;
}

function resources(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
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
    out[TOKENS.plugin(m.name)] = {
      description: `${m.description} Served by the \`chaser\` plugin as \`${TOKENS.plugin(m.name)}\`; the default TypeScript class \`${m.name}\` of \`pulumi-chaser\` is the dynamic flavour of the same resource, which the engine shows as \`${TOKENS.dynamic(m.name)}\`.`,
      inputProperties,
      requiredInputs,
      properties,
      required: outputFields(m).filter((f) => f.always).map((f) => f.key),
    };
  }
  return out;
}

/** The `account` argument every function takes besides its own (in the plugin; TypeScript passes it as an option). */
const ACCOUNT_ARG = { type: "string", description: "The account to look in: account id, exact account name, or `personal`; default the provider's account." };

/** The properties of an info type (the object a `get…` function returns; a `list…` returns `{ items }` of them). */
function infoProperties(name: string): { properties: Record<string, unknown>; required: string[] } {
  const t = types()[TOKENS.plugin(name)] as { properties: Record<string, unknown>; required: string[] };
  return { properties: t.properties, required: t.required };
}

function functions(): Record<string, unknown> {
  return Object.fromEntries(
    LOOKUPS.map((l) => [
      TOKENS.plugin(l.name),
      {
        description: `${l.description} ${LOOKUP_OPTIONS}`,
        // Every argument optional, as published (provider/lookup.ts, requiredArg).
        inputs: { properties: { ...Object.fromEntries(argFields(l).map((a) => [a.key, prop(a.schema, a.meta)])), account: ACCOUNT_ARG } },
        outputs: l.list
          ? {
              properties: { items: { type: "array", items: { $ref: `#/types/${TOKENS.plugin(l.result.name)}` }, description: `The ${l.result.name.replace(/Info$/, "")} objects found, in the API's order.` } },
              required: ["items"],
            }
          : infoProperties(l.result.name),
      },
    ]),
  );
}

/** The provider's configuration (provider/settings.ts): `chaser:*` stack config (config.variables) and a Provider's inputs. */
function configVariables(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    SETTING_KEYS.map((key) => {
      const s: Setting = SETTINGS[key];
      const type = s.type === "map" ? { type: "object", additionalProperties: { type: "string" } } : { type: "string" };
      return [key, { ...type, ...(s.secret ? { secret: true } : {}), description: s.description, ...(s.default !== undefined ? { default: s.default } : {}), ...(s.env ? { defaultInfo: { environment: [s.env] } } : {}) }];
    }),
  );
}


export function buildSchema(): Record<string, unknown> {
  const variables = configVariables();
  return {
    name: "chaser",
    displayName: "Chaser",
    version: packageVersion(),
    description:
      "Chaser workspaces, snapshots, templates, API keys and the organization around them (service accounts, members, SSH keys): the `chaser` provider plugin for every Pulumi language, and the same resources as dynamic resources for TypeScript.",
    keywords: ["pulumi", "chaser", "category/cloud", "kind/native"],
    homepage: "https://github.com/pulumi-chaser/pulumi-chaser#readme",
    license: "Apache-2.0",
    repository: "https://github.com/pulumi-chaser/pulumi-chaser",
    publisher: "pulumi-chaser",
    // Where the engine acquires the plugin when a program needs it and it is not installed: the repository's GitHub
    // releases (asset pulumi-resource-chaser-v<version>-<os>-<arch>.tar.gz of the release tagged v<version>; see
    // scripts/release/build.js). Every SDK carries it in its plugin metadata.
    pluginDownloadURL: PLUGIN_DOWNLOAD_URL,
    language: {
      nodejs: { packageName: "pulumi-chaser/plugin", dependencies: { "@pulumi/pulumi": "^3.216.0" } },
      python: {
        packageName: "pulumi_chaser",
        requires: { pulumi: ">=3.0.0,<4.0.0" },
        pyproject: { enabled: true },
        respectSchemaVersion: true,
        // Argument types for input objects as TypedDicts beside the Args classes (the generator's default, said here:
        // pyright then checks dict literals of a program). Every input of the resources today is a scalar, a list or a
        // map, so only the Args classes and the keyword arguments are generated; they are typed either way.
        inputTypes: "classes-and-dicts",
      },
      go: {
        importBasePath: "github.com/pulumi-chaser/pulumi-chaser/sdk/go/chaser",
        generateResourceContainerTypes: true,
        generateExtraInputTypes: true,
        respectSchemaVersion: true,
      },
      csharp: { rootNamespace: "PulumiChaser", packageReferences: { Pulumi: "3.*" }, respectSchemaVersion: true },
    },
    meta: { moduleFormat: "(.*)" },
    config: { variables },
    provider: {
      description: "The `chaser` provider: credentials and account for the resources and functions that use it. One provider instance per account (its own `apiKey` and `account`) is how a program acts in several accounts.",
      inputProperties: variables,
    },
    types: types(),
    resources: resources(),
    functions: functions(),
  };
}
