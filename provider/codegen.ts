/**
 * Generates the SDK's resource classes (sdk/resources.ts) from the resource models, with doc comments from the
 * same descriptions schema.json carries: `make schema` writes it, test/schema.test.ts checks it is current.
 */
import { InputField, OutputField, ResourceModel, inputFields, outputFields, tsType } from "./model";
import { resourceOfModel, resourceToken } from "./registry";
import { INFO_MODELS, MODELS } from "./schema";

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
function infoInterface(info: { name: string; models: ResourceModel[] }): string {
  const what = info.name === "AccountInfo" ? "An account" : info.name === "AuditEventInfo" ? "An event of the audit log" : `A ${info.models[0].name}`;
  let s = doc([`${what} as the lookups describe it.`], "");
  s += `export interface ${info.name} {\n`;
  const fields = info.models.flatMap(outputFields).filter((f, i, all) => all.findIndex((g) => g.key === f.key) === i);
  for (const f of fields.filter((x) => !x.meta.secret)) {
    s += doc([f.meta.description]);
    s += `  ${f.key}${f.always ? "" : "?"}: ${tsType(f.schema)};\n`;
  }
  return `${s}}\n`;
}

function declarations(props: Array<{ key: string; type: string; description: string }>): string {
  return props.map((p) => `${doc([p.description])}  declare public readonly ${p.key}: pulumi.Output<${p.type}>;\n`).join("");
}

function baseClass(m: ResourceModel): string {
  const users = MODELS.filter((x) => baseOf(x) === m).map((x) => x.name);
  let s = doc([`What ${[m.name, ...users].join(" and ")} share: the outputs of a ${nounOf(m)}.`], "");
  s += `export abstract class ${m.name}Resource extends pulumi.dynamic.Resource {\n${declarations(instanceProperties(m))}}\n`;
  return s;
}

function resourceClass(m: ResourceModel): string {
  const token = resourceToken(m.name);
  const secrets = outputFields(m).filter((f) => f.meta.secret).map((f) => f.key);
  const required = inputFields(m).some((f) => f.required && !f.meta.internal);
  const ids = outputFields(m).filter((f) => f.meta.isId).map((f) => f.key);
  const keys = instanceProperties(m).map((p) => p.key).filter((k) => !ids.includes(k));
  const base = isBase(m) ? m : baseOf(m);
  const inherited = new Set(base ? instanceProperties(base).map((p) => p.key) : []);
  let s = doc([m.description, `The engine shows it as \`${token}\`.`], "");
  s += `export class ${m.name} extends ${base ? `${base.name}Resource` : "pulumi.dynamic.Resource"} {\n`;
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
  s += `      super(providerOf(${JSON.stringify(m.name)}), name, resourceProps(${JSON.stringify(m.name)}, name, args, ${JSON.stringify(keys)}, opts), `;
  s += secrets.length ? `withSecretOutputs(opts, ${JSON.stringify(secrets)})` : "opts";
  s += `, "chaser", ${JSON.stringify(m.name)});\n    } finally {\n      Error.stackTraceLimit = limit;\n    }\n`;
  // Known whenever the id is: in a preview of an update too, when the engine knows no other output.
  for (const k of ids) s += `    setFromId(this, ${JSON.stringify(k)});\n`;
  s += "  }\n}\n";
  return s;
}

export function sdkSource(): string {
  let s = "// Generated by `make schema` from the resource models in provider/models/: do not edit by hand.\n";
  s += 'import * as pulumi from "@pulumi/pulumi";\n';
  s += 'import type { AccountKind, Role, Scope, SessionType } from "../contract";\n';
  s += 'import { providerOf } from "./providers";\n';
  s += 'import { isResourceOf, quietStacks, resourceProps, setFromId, withSecretOutputs } from "./support";\n\n';
  s += "export type { AccountKind, Role, Scope, SessionType };\n";
  for (const m of MODELS) s += `\n${argsInterface(m)}\n${isBase(m) ? `${baseClass(m)}\n` : ""}${resourceClass(m)}`;
  for (const info of INFO_MODELS) s += `\n${infoInterface(info)}`;
  return s;
}
