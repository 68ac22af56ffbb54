/**
 * Generates the TypeScript SDK from the resource models, the lookups' descriptors and the settings, with doc
 * comments from the same descriptions schema.json carries, in two flavours: sdk/nodejs/generated/resources.ts and sdk/nodejs/generated/lookups.ts
 * (dynamic resources and lookups run in the program: the package's main entry) and sdk/nodejs/generated/plugin-resources.ts,
 * lookups.ts and provider.ts (`pulumi-chaser/plugin`: custom resources, invokes and the explicit Provider of the
 * `chaser` provider plugin). `make schema` writes them, test/schema.test.ts checks they are current.
 */
import { InputField, OutputField, ResourceModel, inputFields, outputFields, tsType } from "./model";
import { TOKENS, resourceOfModel, resourceToken } from "./registry";
import { ArgField, Lookup, LookupResult, argFields, resultFields } from "./lookup";
import { LOOKUPS, RESULTS } from "./lookups";
import { MODELS, buildSchema } from "./schema";
import { SETTINGS, SETTING_KEYS, Setting } from "./settings";

/** Which provider the generated classes target: dynamic resources, or the `chaser` provider plugin. */
type Target = "dynamic" | "plugin";

/** The type token of a resource (or a function: `chaser:index:getWorkspace`) of the `chaser` provider plugin. */
const pluginToken = TOKENS.plugin;
const tokenOf = (name: string, target: Target) => resourceToken(name, target);
const baseOfTarget = (target: Target) => (target === "plugin" ? "pulumi.CustomResource" : "pulumi.dynamic.Resource");

const BEHAVIOUR_NOTE: Record<string, (noun: string) => string> = {
  update: () => "Changed in place.",
  replace: (noun) => `Changing it replaces the ${noun}.`,
  state: () => "Recorded in the stack; changing it calls no API.",
};

const nounOf = (m: ResourceModel) => resourceOfModel(m).noun;

function doc(lines: string[], indent = "  "): string {
  const text = lines.filter(Boolean).join(" ").replace(/\*\//g, "*\\/");
  const words = text.split(" ");
  const out: string[] = [];
  let line = "";
  for (const w of words) {
    if (line && (line + " " + w).length > 110) {
      out.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) out.push(line);
  return out.length === 1 ? `${indent}/** ${out[0]} */\n` : `${indent}/**\n${out.map((l) => `${indent} * ${l}`).join("\n")}\n${indent} */\n`;
}

/**
 * The model whose fields another model reuses, field for field (a Template's are a Workspace's and more): the
 * other's arguments extend its arguments, and both classes extend one base class with the shared outputs.
 */
function baseOf(m: ResourceModel): ResourceModel | undefined {
  const ins = new Set(inputFields(m).map((f) => f.schema));
  const outs = new Set(outputFields(m).map((f) => f.schema));
  return MODELS.find(
    (b) => b !== m && MODELS.indexOf(b) < MODELS.indexOf(m) && inputFields(b).every((f) => ins.has(f.schema)) && outputFields(b).every((f) => outs.has(f.schema)),
  );
}
const isBase = (m: ResourceModel) => MODELS.some((x) => baseOf(x) === m);

function argsInterface(m: ResourceModel): string {
  const base = baseOf(m);
  const noun = nounOf(base ?? m);
  const inherited = new Set(base ? inputFields(base).map((f) => f.key) : []);
  let s = doc([`The arguments of a ${m.name}.`], "");
  s += `export interface ${m.name}Args${base ? ` extends ${base.name}Args` : ""} {\n`;
  for (const f of inputFields(m).filter((x) => !x.meta.internal && !inherited.has(x.key))) {
    s += doc([f.meta.description, BEHAVIOUR_NOTE[f.meta.behavior](noun)]);
    s += `  ${f.key}${f.required ? "" : "?"}: ${inputType(f)};\n`;
  }
  return `${s}}\n`;
}

function inputType(f: InputField): string {
  const t = tsType(f.schema);
  if (t.endsWith("[]")) return `pulumi.Input<pulumi.Input<${t.slice(0, -2).replace(/^\((.*)\)$/, "$1")}>[]>`;
  if (t.startsWith("Record<string, ")) return `pulumi.Input<Record<string, pulumi.Input<${t.slice(15, -1)}>>>`;
  return `pulumi.Input<${t}>`;
}

/** The properties of a resource instance: every output, and every input that is not an output too. */
function instanceProperties(m: ResourceModel): Array<{ key: string; type: string; description: string }> {
  const outs = outputFields(m);
  const props = outs.map((f: OutputField) => ({ key: f.key, type: f.always ? tsType(f.schema) : `${tsType(f.schema)} | undefined`, description: f.meta.description }));
  for (const f of inputFields(m)) {
    if (f.meta.internal || outs.some((o) => o.key === f.key)) continue;
    props.push({ key: f.key, type: f.required ? tsType(f.schema) : `${tsType(f.schema)} | undefined`, description: `As applied: ${f.meta.description}` });
  }
  return props;
}

/** The lookups' results: what the API says of an object, i.e. the outputs of its models, camelCase. */
function infoInterface(r: LookupResult): string {
  let s = doc([`${r.noun.charAt(0).toUpperCase()}${r.noun.slice(1)} as the lookups describe it.`], "");
  s += `export interface ${r.name} {\n`;
  for (const f of resultFields(r)) {
    s += doc([f.meta.description]);
    s += `  ${f.key}${f.always ? "" : "?"}: ${tsType(f.schema)};\n`;
  }
  return `${s}}\n`;
}

function declarations(props: Array<{ key: string; type: string; description: string }>): string {
  return props.map((p) => `${doc([p.description])}  declare public readonly ${p.key}: pulumi.Output<${p.type}>;\n`).join("");
}

function baseClass(m: ResourceModel, target: Target): string {
  const users = MODELS.filter((x) => baseOf(x) === m).map((x) => x.name);
  let s = doc([`What ${[m.name, ...users].join(" and ")} share: the outputs of a ${nounOf(m)}.`], "");
  s += `export abstract class ${m.name}Resource extends ${baseOfTarget(target)} {\n${declarations(instanceProperties(m))}}\n`;
  return s;
}

function resourceClass(m: ResourceModel, target: Target = "dynamic"): string {
  const token = tokenOf(m.name, target);
  const secrets = outputFields(m).filter((f) => f.meta.secret).map((f) => f.key);
  const required = inputFields(m).some((f) => f.required && !f.meta.internal);
  const ids = outputFields(m).filter((f) => f.meta.isId).map((f) => f.key);
  const keys = instanceProperties(m).map((p) => p.key).filter((k) => !ids.includes(k));
  const base = isBase(m) ? m : baseOf(m);
  const inherited = new Set(base ? instanceProperties(base).map((p) => p.key) : []);
  let s = doc([m.description, `The engine shows it as \`${token}\`.`], "");
  s += `export class ${m.name} extends ${base ? `${base.name}Resource` : baseOfTarget(target)} {\n`;
  s += doc([`Reads an existing ${m.name} by its id into the program; nothing is created or changed.`]);
  s += `  public static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): ${m.name} {\n`;
  s += `    return new ${m.name}(name, {} as ${m.name}Args, { ...opts, id });\n  }\n\n`;
  s += doc([`Whether \`obj\` is a ${m.name}, also when it was created by another copy of this package.`]);
  s += `  public static isInstance(obj: unknown): obj is ${m.name} {\n`;
  s += `    return isResourceOf(obj, ${JSON.stringify(token)});\n  }\n\n`;
  s += declarations(instanceProperties(m).filter((p) => !inherited.has(p.key)));
  s += `\n  constructor(name: string, args${required ? "" : "?"}: ${m.name}Args, opts?: pulumi.CustomResourceOptions) {\n`;
  // @pulumi/pulumi captures a stack trace for each of the four promises of every property it transfers: without
  // frames these cost nothing (the resource's source position is taken apart, with its own limit).
  s += "    const limit = quietStacks();\n    try {\n";
  const options = secrets.length ? `withSecretOutputs(opts, ${JSON.stringify(secrets)})` : "opts";
  if (target === "plugin") {
    // The plugin names the object from the URN the engine gives it (its Check): the arguments go as they are.
    // The dynamic resource's type as an alias: a stack moves to the plugin by changing its import, objects kept.
    s += `      super(${JSON.stringify(token)}, name, pluginProps(args), movedFrom(${options}, name, ${JSON.stringify(m.name)}));\n`;
  } else {
    s += `      super(providerOf(${JSON.stringify(m.name)}), name, resourceProps(${JSON.stringify(m.name)}, name, args, opts), `;
    s += `${options}, "chaser", ${JSON.stringify(m.name)});\n`;
  }
  s += "    } finally {\n      Error.stackTraceLimit = limit;\n    }\n";
  // Known whenever the id is: in a preview of an update too, when the engine knows no other output.
  for (const k of ids) s += `    setFromId(this, ${JSON.stringify(k)});\n`;
  s += "  }\n}\n";
  // Every output property but the id's, made when first read (see lazyOutputs in sdk/nodejs/support.ts).
  s += `lazyOutputs(${m.name}, ${JSON.stringify(token)}, ${JSON.stringify(keys)});\n`;
  return s;
}

export function sdkSource(): string {
  let s = "// Generated by `make schema` from the resource models in provider/models/: do not edit by hand.\n";
  s += 'import * as pulumi from "@pulumi/pulumi";\n';
  s += 'import type { AccountKind, Role, Scope, SessionType } from "../../../contract";\n';
  s += 'import { providerOf } from "../providers";\n';
  s += 'import { isResourceOf, lazyOutputs, quietStacks, resourceProps, setFromId, withSecretOutputs } from "../support";\n\n';
  s += "export type { AccountKind, Role, Scope, SessionType };\n";
  for (const m of MODELS) s += `\n${argsInterface(m)}\n${isBase(m) ? `${baseClass(m, "dynamic")}\n` : ""}${resourceClass(m)}`;
  for (const r of RESULTS) s += `\n${infoInterface(r)}`;
  return s;
}

const GENERATED = "// Generated by `make schema` from the resource models in provider/models/: do not edit by hand.\n";

/**
 * sdk/nodejs/generated/plugin-resources.ts: the same classes (names, arguments, outputs, doc comments, `get`, `isInstance`) as
 * custom resources of the `chaser` provider plugin. The argument and info interfaces are the main entry's own.
 */
export function pluginSdkSource(): string {
  const argsNames = MODELS.map((m) => `${m.name}Args`);
  const infoNames = RESULTS.map((r) => r.name);
  let s = GENERATED;
  s += 'import * as pulumi from "@pulumi/pulumi";\n';
  s += 'import type { AccountKind, Role, Scope, SessionType } from "../../../contract";\n';
  s += `import type { ${argsNames.join(", ")} } from "./resources";\n`;
  s += 'import { isResourceOf, lazyOutputs, quietStacks, setFromId, withSecretOutputs } from "../support";\n';
  s += 'import { movedFrom, pluginProps } from "../plugin-support";\n\n';
  s += "export type { AccountKind, Role, Scope, SessionType };\n";
  s += `export type { ${[...argsNames, ...infoNames].join(", ")} } from "./resources";\n`;
  for (const m of MODELS) s += `\n${isBase(m) ? `${baseClass(m, "plugin")}\n` : ""}${resourceClass(m, "plugin")}`;
  return s;
}

const GENERATED_LOOKUPS = "// Generated by `make schema` from the lookups in provider/lookups/: do not edit by hand.\n";

/** The settings' stack config keys (`chaser:apiKey`, …) and environment variables, for doc comments. */
const configKeys = () => SETTING_KEYS.map((k) => `\`chaser:${k}\``).join(", ");
const environment = () => SETTING_KEYS.flatMap((k) => ((SETTINGS[k] as Setting).env ? [(SETTINGS[k] as Setting).env] : [])).join(" / ");

// ---- the lookups' two faces --------------------------------------------------------------------------------

/** A lookup's argument types in TypeScript: the parameter, its type, and its `…Output` variant's. */
function argTypes(l: Lookup): { param: string; type: string; outputType: string; optional: boolean } | undefined {
  const fields = argFields(l);
  if (!fields.length) return undefined;
  const ts = l.typescript ?? {};
  const field = (f: ArgField, input: boolean) => `${f.key}${f.required || ts.oneOf ? "" : "?"}: ${input ? `pulumi.Input<${tsType(f.schema)}>` : tsType(f.schema)}`;
  const object = (fs: ArgField[], input: boolean) => `{ ${fs.map((f) => field(f, input)).join("; ")} }`;
  const optional = !ts.oneOf && fields.every((f) => !f.required);
  if (ts.oneOf) {
    return { param: "sel", type: fields.map((f) => object([f], false)).join(" | "), outputType: `pulumi.Input<${fields.map((f) => object([f], true)).join(" | ")}>`, optional };
  }
  if (ts.argsType) {
    const n = ts.argsType.name;
    return { param: "args", type: n, outputType: `pulumi.Input<{ [K in keyof ${n}]?: pulumi.Input<${n}[K]> }>`, optional };
  }
  return { param: "args", type: object(fields, false), outputType: `pulumi.Input<${object(fields, true)}>`, optional };
}

/** A named arguments type of the main entry (`AuditEventFilters`), with a doc comment per field. */
function argsInterfaceOf(l: Lookup): string {
  const t = l.typescript?.argsType;
  if (!t) return "";
  let s = doc([t.doc], "");
  s += `export interface ${t.name} {\n`;
  for (const f of argFields(l)) s += `${doc([f.meta.doc ?? f.meta.description])}  ${f.key}${f.required ? "" : "?"}: ${tsType(f.schema)};\n`;
  return `${s}}\n\n`;
}

const resultType = (l: Lookup) => `${l.result.name}${l.list ? "[]" : ""}`;
const resultsOf = () => [...new Set(LOOKUPS.map((l) => l.result.name))];

/**
 * sdk/nodejs/generated/lookups.ts: the main entry's lookups, plain async functions run in the program (provider/lookups, with the
 * options given, else the stack's config, else the environment), and their `…Output` variants for inputs.
 */
export function lookupsSource(): string {
  let s = GENERATED_LOOKUPS;
  s += doc(
    [
      "Lookups users call from their programs: plain async functions, and `…Output` variants that take inputs and give an Output (for values known only once other resources exist).",
      "Results are camelCase, typed from the same models as the resources' outputs, never secrets.",
      `Credentials: explicit options, else the stack config (${configKeys()}: the key of the account asked for from \`chaser:accountKeys\`), else the environment (${environment()}).`,
    ],
    "",
  );
  s += 'import * as pulumi from "@pulumi/pulumi";\n';
  s += 'import type { LookupOptions } from "../../../provider/lookup";\n';
  s += 'import { programLookup } from "../../../provider/lookups";\n';
  s += `import type { ${resultsOf().join(", ")} } from "./resources";\n\n`;
  s += "export type { LookupOptions };\n\n";
  for (const l of LOOKUPS) {
    const a = argTypes(l);
    s += argsInterfaceOf(l);
    s += doc([l.typescript?.doc ?? l.description], "");
    const param = a ? `${a.param}: ${a.type}${a.optional ? " = {}" : ""}, ` : "";
    s += `export async function ${l.name}(${param}opts?: LookupOptions): Promise<${resultType(l)}> {\n`;
    s += `  return (await programLookup(${JSON.stringify(l.name)}, ${a ? a.param : "{}"}, opts)) as ${resultType(l)};\n}\n\n`;
  }
  for (const l of LOOKUPS) {
    const a = argTypes(l);
    s += doc([l.typescript?.outputDoc ?? (a ? `\`${l.name}\` for inputs.` : `\`${l.name}\` as an Output.`)], "");
    const param = a ? `${a.param}: ${a.outputType}${a.optional ? " = {}" : ""}, ` : "";
    s += `export function ${l.name}Output(${param}opts?: LookupOptions): pulumi.Output<${resultType(l)}> {\n`;
    s += a ? `  return pulumi.output(${a.param}).apply((a) => ${l.name}(a as ${a.type}, opts));\n}\n` : `  return pulumi.output(${l.name}(opts));\n}\n`;
  }
  return s;
}

/**
 * sdk/nodejs/generated/plugin-lookups.ts: the lookups as invokes of the plugin's functions (`chaser:index:getWorkspace`), with the
 * main entry's arguments and results; a list function answers `{ items }` and its TypeScript function returns the
 * array. Options: `provider` (an explicit Provider), `parent`, and `account` (as the main entry's lookups: the
 * account to look in, with the provider's key for it).
 */
export function pluginLookupsSource(): string {
  const named = LOOKUPS.flatMap((l) => (l.typescript?.argsType ? [l.typescript.argsType.name] : []));
  let s = GENERATED_LOOKUPS;
  s += 'import * as pulumi from "@pulumi/pulumi";\n';
  if (named.length) s += `import type { ${named.join(", ")} } from "./lookups";\n`;
  s += 'import { PluginLookupOptions, PluginLookupOutputOptions, invokeOptions, withAccount } from "../plugin-support";\n';
  s += `import type { ${resultsOf().join(", ")} } from "./resources";\n\n`;
  s += "export type { PluginLookupOptions, PluginLookupOutputOptions };\n\n";
  for (const l of LOOKUPS) {
    const token = pluginToken(l.name);
    const a = argTypes(l);
    const result = resultType(l);
    const args = a ? `args${a.optional ? "?" : ""}: ${a.type}, ` : "";
    const sent = a ? (a.optional ? "args ?? {}" : "args") : "{}";
    const take = l.list ? ".items" : "";
    const answer = l.list ? `{ items: ${result} }` : result;
    s += doc([l.description, `Answered by the plugin's \`${token}\`; \`opts.provider\` picks an explicit Provider (its credentials), \`opts.account\` the account to look in.`], "");
    s += `export async function ${l.name}(${args}opts?: PluginLookupOptions): Promise<${result}> {\n`;
    s += `  const r: ${answer} = await pulumi.runtime.invoke(${JSON.stringify(token)}, withAccount(${sent}, opts), invokeOptions(opts));\n  return r${take};\n}\n`;
    const outArgs = a ? `args${a.optional ? "?" : ""}: ${a.outputType}, ` : "";
    s += doc([a ? `\`${l.name}\` for inputs (e.g. another resource's output): unknown during a preview until they are known.` : `\`${l.name}\` as an Output.`], "");
    s += `export function ${l.name}Output(${outArgs}opts?: PluginLookupOutputOptions): pulumi.Output<${result}> {\n`;
    const invoke = (x: string) => `pulumi.runtime.invokeOutput<${answer}>(${JSON.stringify(token)}, withAccount(${x}, opts), invokeOptions(opts))${l.list ? ".apply((r) => r.items)" : ""}`;
    if (a) s += `  return pulumi.output(${sent}).apply((a) => ${invoke("a")});\n}\n`;
    else s += `  return ${invoke("{}")};\n}\n`;
  }
  return s;
}

/**
 * sdk/nodejs/generated/plugin-provider.ts: the explicit `Provider` of the `chaser` plugin, whose arguments are the settings of
 * provider/settings.ts (the secret ones sent as secrets), with their descriptions and environment fallbacks.
 */
export function pluginProviderSource(): string {
  let s = "// Generated by `make schema` from the settings in provider/settings.ts: do not edit by hand.\n";
  s += doc(
    [
      "An explicit instance of the `chaser` provider plugin: its own credentials, API and account, for the resources and lookups given it as `{ provider }`.",
      `Without one, the default provider reads the stack config (${configKeys()}) with the same environment fallbacks.`,
    ],
    "",
  );
  s += 'import * as pulumi from "@pulumi/pulumi";\nimport { isResourceOf } from "../support";\nimport { secretInput } from "../plugin-support";\n\n';
  s += doc(["The arguments of a Provider (each optional, like the stack config it stands in for)."], "");
  s += "export interface ProviderArgs {\n";
  for (const key of SETTING_KEYS) {
    const st: Setting = SETTINGS[key];
    const fallback = st.env ? `Not given: \`${st.env}\` from the environment${st.default !== undefined ? `, else \`${st.default}\`` : ""}.` : "";
    s += doc([st.description, st.secret ? "Kept secret." : "", fallback]);
    s += `  ${key}?: ${st.type === "map" ? "pulumi.Input<Record<string, pulumi.Input<string>>>" : "pulumi.Input<string>"};\n`;
  }
  s += "}\n\n";
  const token = "pulumi:providers:chaser";
  s += doc([`An explicit \`chaser\` provider (the engine shows it as \`${token}\`).`], "");
  s += "export class Provider extends pulumi.ProviderResource {\n";
  s += doc(["Whether `obj` is a Provider of this package, also when it was created by another copy of the package."]);
  s += `  public static isInstance(obj: unknown): obj is Provider {\n    return isResourceOf(obj, ${JSON.stringify(token)});\n  }\n\n`;
  s += "  constructor(name: string, args: ProviderArgs = {}, opts?: pulumi.ResourceOptions) {\n";
  const props = SETTING_KEYS.map((k) => ((SETTINGS[k] as Setting).secret ? `${k}: secretInput(args.${k})` : `${k}: args.${k}`));
  s += `    super("chaser", name, { ${props.join(", ")} }, opts);\n  }\n}\n`;
  return s;
}

/**
 * sdk/nodejs/generated/enums.ts: schema.json's enums as values (`chaser.SessionType.Sandbox`), named as schema.json
 * names them: what the code `pulumi import` prints refers to (Pulumi's TypeScript generator), and what the other
 * languages' SDKs have. Each type is the contract's, so a value the contract does not know fails to compile.
 */
export function enumsSource(): string {
  const types = buildSchema().types as Record<string, { enum?: Array<{ name: string; value: string }> }>;
  let s = "// Generated by `make schema` from schema.json's enums (provider/schema.ts): do not edit by hand.\n";
  const enums = Object.entries(types)
    .filter(([, t]) => t.enum)
    .map(([token, t]) => ({ name: token.split(":").pop()!, values: t.enum! }));
  s += `import type * as contract from "../../../contract";\n`;
  for (const e of enums) {
    s += `\nexport const ${e.name} = {\n${e.values.map((v) => `  ${v.name}: ${JSON.stringify(v.value)},\n`).join("")}} as const satisfies Record<string, contract.${e.name}>;\n`;
    s += `export type ${e.name} = contract.${e.name};\n`;
  }
  return s;
}

/** Every file of sdk/nodejs/generated/ and what it holds (`make schema` writes them, test/schema.test.ts checks them). */
export function generatedFiles(): Record<string, string> {
  return {
    "resources.ts": sdkSource(),
    "lookups.ts": lookupsSource(),
    "plugin-resources.ts": pluginSdkSource(),
    "plugin-lookups.ts": pluginLookupsSource(),
    "plugin-provider.ts": pluginProviderSource(),
    "enums.ts": enumsSource(),
  };
}
