/**
 * The lookups' skeleton, as provider/resource.ts is the resources'. A lookup is a descriptor (provider/lookups/:
 * its arguments, each with its description, type and rule; its result, one object or a list; what it does over
 * the client); what every lookup does is written once here: its arguments checked (the same words in every
 * language), an engine invoke's untyped arguments taken, the settings it acts with (provider/settings.ts:
 * explicit > stack config > environment > default), its client, and its answer as the result's models describe it
 * (camelCase outputs, never a secret).
 *
 * From the descriptors are generated schema.json's functions (provider/schema.ts), the plugin's answer to an
 * Invoke of `chaser:index:<name>` (provider/grpc/server.ts) and both TypeScript faces (provider/codegen.ts):
 * sdk/nodejs/generated/lookups.ts (plain functions of the main entry, run in the program) and sdk/nodejs/generated/plugin-lookups.ts (invokes).
 */
import { z } from "zod";
import type { ChaserClient, ClientOptions } from "./client";
import { stopped } from "./lifeline";
import { ResourceModel, outputFields, schemaType } from "./model";
import { StackSettings, credentialIn, resolveSettings } from "./settings";

export interface LookupOptions extends Pick<ClientOptions, "apiKey" | "apiUrl"> {
  /** The account to look in (id, exact name or `personal`); default `chaser:account`. */
  account?: string;
}

/** What the lookups say of an object: the outputs of its models, camelCase, secrets left out. */
export interface LookupResult {
  /** Its type's name, in TypeScript and schema.json (`WorkspaceInfo`). */
  readonly name: string;
  /** How doc comments name one ("a Workspace", "an account"). */
  readonly noun: string;
  /** The models whose outputs it has (a Workspace's and a Template's: the template flag included). */
  readonly models: readonly ResourceModel[];
}

export interface ArgMeta {
  /** For people: schema.json, the README reference, the doc comments. */
  description: string;
  /** The rule of a value beyond its type, in words: `listAuditEvents: limit <rule> (got 0)`. */
  rule?: string;
  /** The main entry's doc comment of the field, where it words it otherwise (a named arguments type's fields). */
  doc?: string;
}

const argMeta = z.registry<ArgMeta>();

/** An optional argument. */
export const arg = <T extends z.ZodType>(schema: T, meta: ArgMeta) => {
  const s = schema.optional();
  argMeta.add(s, meta);
  return s;
};
/**
 * An argument the lookup needs. TypeScript requires it; schema.json keeps it optional, as it was published (a
 * required argument would change the Go SDK's types), so an invoke without it is refused by the check instead.
 */
export const requiredArg = <T extends z.ZodType>(schema: T, meta: ArgMeta) => {
  const s = schema.clone() as T;
  argMeta.add(s, meta);
  return s;
};

/** What the main entry's TypeScript face says otherwise than schema.json (its doc comments are public API). */
export interface TypeScriptFace {
  /** The function's doc comment, where it is not the description. */
  doc?: string;
  /** The `…Output` variant's doc comment, where it is not "`<name>` for inputs." (or "as an Output"). */
  outputDoc?: string;
  /** The arguments are alternatives, one of them given (`{ id } | { name }`): a parameter `sel`. */
  oneOf?: boolean;
  /** The arguments as a named interface of the main entry (`AuditEventFilters`), with its doc comment. */
  argsType?: { name: string; doc: string };
}

export interface Lookup<A extends z.ZodRawShape = z.ZodRawShape> {
  /** Its function name (`getWorkspace`); the plugin's function is `chaser:index:<name>`. */
  readonly name: string;
  readonly description: string;
  readonly args: A;
  readonly result: LookupResult;
  /** A list of results (the plugin answers `{ items }`), else one. */
  readonly list?: boolean;
  /** What it does: the API's answer (one object or a list), with arguments already checked. */
  run(c: ChaserClient, args: z.infer<z.ZodObject<A>>): Promise<object | object[]>;
  readonly typescript?: TypeScriptFace;
}

export function defineLookup<A extends z.ZodRawShape>(l: Lookup<A>): Lookup {
  for (const [k, s] of Object.entries(l.args)) if (!argMeta.has(s as z.ZodType)) throw new Error(`${l.name}: argument ${k} has no meta (use arg())`);
  return l as unknown as Lookup;
}

// ---- what is derived from a descriptor ------------------------------------------------------------------------

export interface ArgField {
  key: string;
  schema: z.ZodType;
  meta: ArgMeta;
  required: boolean;
  /** Its type in schema.json terms: `string`, `boolean`, `integer`. */
  type: string;
}

export function argFields(l: Lookup): ArgField[] {
  return Object.entries(l.args).map(([key, s]) => {
    const schema = s as z.ZodType;
    return { key, schema, meta: argMeta.get(schema)!, required: !schema.safeParse(undefined).success, type: schemaType(schema).type as string };
  });
}

/** The result's fields: each output of its models once, secrets left out. */
export function resultFields(r: LookupResult) {
  return r.models.flatMap(outputFields).filter((f, i, all) => !f.meta.secret && all.findIndex((g) => g.key === f.key) === i);
}

/** An API object as the result describes it (camelCase, nulls and secrets left out). */
function resultOf(r: LookupResult, answer: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of resultFields(r)) {
    const v = (answer as Record<string, unknown>)[f.wire];
    if (v !== null && v !== undefined) out[f.key] = v;
  }
  return out;
}

// ---- running a lookup -------------------------------------------------------------------------------------------

/** The arguments checked, each by its field's type and rule: the first that breaks one fails the lookup. */
function checkArgs(l: Lookup, args: Record<string, unknown>): void {
  for (const f of argFields(l)) {
    const v = args[f.key];
    if (v === undefined && f.required) throw new Error(`${l.name}: ${f.key} is required: ${f.meta.description}`);
    if (v === undefined || f.schema.safeParse(v).success) continue;
    throw new Error(`${l.name}: ${f.key} ${f.meta.rule ?? `must be a ${f.type}`} (got ${typeof v === "string" ? `'${v}'` : String(v)})`);
  }
}

/**
 * Runs a lookup: its arguments checked, then its work with a client acting with the settings (the options given,
 * else the stack's, else the environment's; the key of the account asked for from `chaser:accountKeys`).
 */
export async function runLookup(l: Lookup, args: object, opts: LookupOptions = {}, stack?: StackSettings): Promise<unknown> {
  checkArgs(l, args as Record<string, unknown>);
  const s = resolveSettings({ apiKey: opts.apiKey, apiUrl: opts.apiUrl, account: opts.account }, stack);
  const { ChaserClient } = require("./client") as typeof import("./client");
  // `stopped`: in the provider plugin (which runs the lookups as invokes), aborted once its engine is gone.
  const c = new ChaserClient({ apiKey: credentialIn(s, s.account).apiKey, apiUrl: s.apiUrl, account: s.account, signal: stopped });
  const answer = await l.run(c, args as never);
  return Array.isArray(answer) ? answer.map((o) => resultOf(l.result, o)) : resultOf(l.result, answer);
}

/**
 * An engine invoke's arguments (untyped) as the lookup's: an argument not of its type, or a blank string, is
 * left out; `account` is the account to look in.
 */
function invokeArgs(l: Lookup, raw: Record<string, unknown>): { args: Record<string, unknown>; account?: string } {
  const args: Record<string, unknown> = {};
  const typeOk: Record<string, (v: unknown) => boolean> = {
    string: (v) => typeof v === "string" && v !== "",
    boolean: (v) => typeof v === "boolean",
    integer: (v) => typeof v === "number",
    number: (v) => typeof v === "number",
  };
  for (const f of argFields(l)) if (typeOk[f.type]?.(raw[f.key])) args[f.key] = raw[f.key];
  return { args, account: typeof raw.account === "string" ? raw.account : undefined };
}

/** What the plugin answers to an Invoke of the lookup with the provider's settings: its result, a list as `{ items }`. */
export async function invokeLookup(l: Lookup, raw: Record<string, unknown>, stack: StackSettings): Promise<object> {
  const { args, account } = invokeArgs(l, raw);
  const result = await runLookup(l, args, { account }, stack);
  return l.list ? { items: result } : (result as object);
}
