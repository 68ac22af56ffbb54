/**
 * One annotated model per resource: a zod object of inputs and a zod object of outputs, each field carrying what
 * it means (description), how a change applies (behaviour) and whether it is secret. Everything else is derived
 * from it: validation with per-property messages, the diff table, schema.json, the README reference, the SDK's
 * argument and output types with their doc comments, and the camelCase results of the lookups.
 *
 * Behaviour of an input:
 * - update: changed in place by an API call;
 * - replace: fixed at creation; a change creates a new object;
 * - state: read only by the provider itself (delete-time flags, triggers handled in update): recorded in state,
 *   never a replacement, never an API call by itself.
 */
import { z } from "zod";
import { rules } from "../contract";
import { isUnknown, same } from "./values";

export type Behavior = "update" | "replace" | "state";

export interface FieldDoc {
  /** For people: schema.json, the README reference and the SDK's doc comments. */
  description: string;
  secret?: boolean;
}

export interface InputMeta extends FieldDoc {
  behavior: Behavior;
  /** Absent in the program means "no opinion": the object's own value (inherited, generated) is kept. */
  computed?: boolean;
  /** On refresh the input takes the object's current value, so drift shows as a change the next `up` repairs. */
  refreshed?: boolean;
  /** Set by the resource class, not by users: left out of schema.json and the SDK's arguments. */
  internal?: boolean;
}

export interface OutputMeta extends FieldDoc {
  /** The field of the API's answer it comes from, when not the snake_case of its own name. */
  wire?: string;
  /**
   * Always equal to the resource's id. The SDK gives it from the id, which the engine knows during a preview of
   * an update (outputs of an updated dynamic resource are unknown then), so dependents preview truthfully.
   */
  isId?: boolean;
}

const inputMeta = z.registry<InputMeta>();
const outputMeta = z.registry<OutputMeta>();

function registered<T extends z.ZodType, Meta extends FieldDoc>(registry: z.core.$ZodRegistry<Meta>, schema: T, meta: Meta): T {
  registry.add(schema, meta as never);
  return schema;
}

/** An optional input. */
export const input = <T extends z.ZodType>(schema: T, meta: InputMeta) => registered(inputMeta, schema.optional(), meta);
/** A required input. */
export const requiredInput = <T extends z.ZodType>(schema: T, meta: InputMeta) => registered(inputMeta, schema.clone() as T, meta);
/** An output that may be absent (the API did not say, or said null). */
export const output = <T extends z.ZodType>(schema: T, meta: OutputMeta) => registered(outputMeta, schema.optional(), meta);
/** An output every object has. */
export const alwaysOutput = <T extends z.ZodType>(schema: T, meta: OutputMeta) => registered(outputMeta, schema.clone() as T, meta);

/** A true-or-false input's value rule. */
export const bool = z.boolean("must be true or false");

/** The `adoptExisting` input: take over an object found by its identity instead of creating one. */
export function adoptExisting(description: string): z.ZodOptional<z.ZodBoolean> {
  return input(bool, { behavior: "state", description: `${description}; stands in for \`pulumi import\`.` });
}

/** The `account` input every resource has: which account it lives in, replaced when changed. */
export function accountInput(description: string) {
  return input(rules.accountSelector, { behavior: "replace", description: `${description}; default the provider's \`chaser:account\`.` });
}

/** The rule of an `adoptExisting` whose object is found by name: the name must be the program's. */
export function adoptionNeedsName(
  what: string,
  v: { adoptExisting?: boolean; name?: string; __autoNamed?: boolean },
  known: (...keys: never[]) => boolean,
): Failure[] {
  const nameKnown = (known as (...keys: string[]) => boolean)("name");
  return v.adoptExisting === true && nameKnown && (v.__autoNamed === true || v.name === undefined)
    ? [{ property: "adoptExisting", reason: `adoptExisting needs an explicit name: the ${what} to take over is found by name` }]
    : [];
}

export interface Failure {
  property: string;
  reason: string;
  /**
   * The problem is one element of the property's list or map (`scopes[1]`), which the reason names: the engine is
   * then told of no property, as otherwise it prints the whole value Go-formatted (`value {[{workspaces.read}
   * {admin}]}`) before the reason (provider/resource.ts, check).
   */
  element?: true;
}

/** Inputs the resource classes set besides the user's: the logical name, the URN, whether auto-named. */
export type Internal = {
  __logicalName?: string;
  __urn?: string;
  __autoNamed?: boolean;
};
export const INTERNAL_KEYS = ["__logicalName", "__urn", "__autoNamed"] as const;

export interface ResourceModel<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape> {
  /** The class name (`Workspace`); the engine shows its type token (`TOKENS` in registry.ts). */
  name: string;
  description: string;
  inputs: z.ZodObject<I>;
  outputs: z.ZodObject<O>;
  /**
   * Rules across fields, next to the fields they constrain. They get the inputs whose values are known (during
   * a preview, values computed from other resources are not) and say what is wrong, per property.
   */
  rules?: (inputs: Partial<z.infer<z.ZodObject<I>>> & Internal, known: (...keys: (keyof I & string)[]) => boolean) => Failure[];
}

export function defineModel<I extends z.ZodRawShape, O extends z.ZodRawShape>(m: ResourceModel<I, O>): ResourceModel<I, O> {
  for (const [k, s] of Object.entries(m.inputs.shape)) if (!inputMeta.has(s)) throw new Error(`${m.name}: input ${k} has no meta (use input())`);
  for (const [k, s] of Object.entries(m.outputs.shape)) if (!outputMeta.has(s)) throw new Error(`${m.name}: output ${k} has no meta (use output())`);
  return m;
}

export type InputsOf<M> = M extends ResourceModel<infer I, z.ZodRawShape> ? z.infer<z.ZodObject<I>> & Internal : never;
export type OutputsOf<M> = M extends ResourceModel<z.ZodRawShape, infer O> ? z.infer<z.ZodObject<O>> : never;

// ---- what is derived from a model -----------------------------------------------------------------------------

export interface InputField {
  key: string;
  schema: z.ZodType;
  meta: InputMeta;
  required: boolean;
}
export interface OutputField {
  key: string;
  schema: z.ZodType;
  meta: OutputMeta;
  /** Every object has it. */
  always: boolean;
  /** The field of the API's answer. */
  wire: string;
}

const inputCache = new WeakMap<ResourceModel, InputField[]>();
const outputCache = new WeakMap<ResourceModel, OutputField[]>();

export function inputFields(m: ResourceModel): InputField[] {
  let f = inputCache.get(m);
  if (!f) {
    f = Object.entries(m.inputs.shape).map(([key, schema]) => ({ key, schema: schema as z.ZodType, meta: inputMeta.get(schema as z.ZodType)!, required: !isOptional(schema as z.ZodType) }));
    inputCache.set(m, f);
  }
  return f;
}

export function outputFields(m: ResourceModel): OutputField[] {
  let f = outputCache.get(m);
  if (!f) {
    f = Object.entries(m.outputs.shape).map(([key, schema]) => {
      const meta = outputMeta.get(schema as z.ZodType)!;
      return { key, schema: schema as z.ZodType, meta, always: !isOptional(schema as z.ZodType), wire: meta.wire ?? snake(key) };
    });
    outputCache.set(m, f);
  }
  return f;
}

function isOptional(s: z.ZodType): boolean {
  return (s as unknown as { _zod: { def: { type: string } } })._zod.def.type === "optional";
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The outputs of an API object: each output field from its wire field, nulls left out (no padding in state). */
export function outputsFrom<M extends ResourceModel>(m: M, answer: Record<string, unknown>): Partial<OutputsOf<M>> {
  const out: Record<string, unknown> = {};
  for (const f of outputFields(m)) {
    const v = answer[f.wire];
    if (v !== null && v !== undefined) out[f.key] = v;
  }
  return out as Partial<OutputsOf<M>>;
}

// ---- validation ---------------------------------------------------------------------------------------------

/** Each known input checked with its field's rules, then the model's cross-field rules on the known ones. */
export function validate(m: ResourceModel, inputs: Record<string, unknown>): Failure[] {
  const failures: Failure[] = [];
  for (const f of inputFields(m)) {
    const v = inputs[f.key];
    if (isUnknown(v)) continue;
    const r = f.schema.safeParse(v);
    if (!r.success) {
      const issue = r.error.issues[0];
      const sub = issue.path.length ? `[${issue.path.join("][")}]` : "";
      const message = v === undefined && f.required ? `is required: ${f.meta.description}` : issue.message;
      failures.push({ property: f.key, reason: `${f.key}${sub}: ${message}`, ...(sub ? { element: true as const } : {}) });
    }
  }
  if (m.rules) {
    const bad = new Set(failures.map((x) => x.property));
    const known = (...keys: string[]) => keys.every((k) => !isUnknown(inputs[k]) && !bad.has(k));
    failures.push(...m.rules(inputs as never, known as never));
  }
  return failures;
}

// ---- the diff table ----------------------------------------------------------------------------------------------

export interface TableDiff {
  /** Inputs whose value changed (or is unknown in a preview). */
  changed: string[];
  /** Those of them that replace the object. */
  replaces: string[];
}

/** Compares the program's inputs with the old outputs, field by field, per behaviour. */
export function diffInputs(m: ResourceModel, olds: Record<string, unknown>, news: Record<string, unknown>): TableDiff {
  const changed: string[] = [];
  const replaces: string[] = [];
  for (const f of inputFields(m)) {
    const n = news[f.key];
    if (f.meta.computed && (n === undefined || n === null)) continue;
    if (!isUnknown(n) && same(olds[f.key], n)) continue;
    changed.push(f.key);
    if (f.meta.behavior === "replace") replaces.push(f.key);
  }
  return { changed, replaces };
}

// ---- types for schema.json and the SDK ----------------------------------------------------------------------

/** Enums of the contract that have a name of their own in schema.json and the SDK. */
export const NAMED_ENUMS = new Map<z.ZodType, string>([
  [rules.sessionType, "SessionType"],
  [rules.scope, "Scope"],
  [rules.role, "Role"],
]);
/** Enums named in the SDK's types only (not in schema.json's resources). */
const TS_NAMED: Array<[string, string]> = [["personal,organization", "AccountKind"]];

/** The token of a type of schema.json. */
export const typeToken = (name: string) => `chaser:index:${name}`;

interface Def {
  type: string;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string>;
  checks?: Array<{ _zod: { def: { check: string; format?: string } } }>;
  in?: z.ZodType;
}
const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;

/** A field's type as TypeScript source (named contract enums by name). */
export function tsType(s: z.ZodType): string {
  const named = NAMED_ENUMS.get(s);
  if (named) return named;
  const d = defOf(s);
  const alias = d.type === "enum" ? TS_NAMED.find(([values]) => values === Object.values(d.entries!).join(",")) : undefined;
  if (alias) return alias[1];
  switch (d.type) {
    case "optional":
    case "nullable":
      return tsType(d.innerType!);
    case "string":
      return "string";
    case "boolean":
      return "boolean";
    case "number":
      return "number";
    case "enum":
      return Object.values(d.entries!).map((v) => JSON.stringify(v)).join(" | ");
    case "array":
      return `${wrapUnion(tsType(d.element!))}[]`;
    case "record":
      return `Record<string, ${tsType(d.valueType!)}>`;
    case "union":
      return d.options!.map(tsType).join(" | ");
    case "pipe":
      return tsType(d.in!);
    case "unknown":
      return "unknown";
    default:
      throw new Error(`tsType: unsupported zod type ${d.type}`);
  }
}
const wrapUnion = (t: string) => (t.includes("|") ? `(${t})` : t);

/** The values of an enum. */
export function enumValues(s: z.ZodType): string[] {
  return Object.values(defOf(s).entries ?? {});
}

/** A field's type in Pulumi schema terms ({type, items?, additionalProperties?} or {$ref} for a named enum). */
export function schemaType(s: z.ZodType): Record<string, unknown> {
  const named = NAMED_ENUMS.get(s);
  if (named) return { $ref: `#/types/${typeToken(named)}` };
  const d = defOf(s);
  if (d.type === "enum") return { type: "string" };
  switch (d.type) {
    case "optional":
    case "nullable":
      return schemaType(d.innerType!);
    case "string":
    case "boolean":
      return { type: d.type };
    case "number":
      return { type: (d.checks ?? []).some((c) => c._zod.def.format === "safeint" || c._zod.def.check === "number_format") ? "integer" : "number" };
    case "array":
      return { type: "array", items: schemaType(d.element!) };
    case "record":
      return { type: "object", additionalProperties: schemaType(d.valueType!) };
    case "union":
      return { type: "string" }; // e.g. a trigger that accepts string | number | boolean: sent as given, shown as a string
    case "pipe":
      return schemaType(d.in!);
    case "unknown":
      return { $ref: "pulumi.json#/Any" };
    default:
      throw new Error(`schemaType: unsupported zod type ${d.type}`);
  }
}
