/**
 * What every resource shares: the replace-vs-update table that drives `diff()` and `schema.json`, validation
 * that answers per property and tolerates preview unknowns, auto-naming, and reconstruction of inputs on read.
 */
import { randomBytes } from "node:crypto";
import type { ZodType } from "zod";

/** The value the engine sends for inputs not known during preview (pulumi.runtime.unknownValue). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(isUnknown);
  if (v && typeof v === "object") return Object.values(v).some(isUnknown);
  return false;
}

/**
 * - update: changed in place by an API call;
 * - replace: fixed at creation, a change creates a new object;
 * - state: read only by the provider itself (delete-time flags, triggers handled in update): recorded in state,
 *   never a replacement.
 */
export type Behavior = "update" | "replace" | "state";

export interface PropDoc {
  type: "string" | "boolean" | "integer" | "number" | "array" | "object";
  items?: "string";
  additionalProperties?: "string";
  description: string;
  secret?: boolean;
  /** An output that is always present (never null). */
  always?: boolean;
}

export interface InputSpec extends PropDoc {
  behavior: Behavior;
  required?: boolean;
  /** Absent in the program means "no opinion": the object's value (inherited, generated) is kept. */
  computed?: boolean;
  /** Internal input set by the resource class, not by users: left out of schema.json. */
  internal?: boolean;
}

export interface ResourceSpec {
  name: string;
  description: string;
  inputs: Record<string, InputSpec>;
  outputs: Record<string, PropDoc>;
}

export interface Failure {
  property: string;
  reason: string;
}

function same(a: unknown, b: unknown): boolean {
  const na = a === null || a === undefined ? undefined : a;
  const nb = b === null || b === undefined ? undefined : b;
  if (na === undefined || nb === undefined) return na === nb;
  return JSON.stringify(canonical(na)) === JSON.stringify(canonical(nb));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}

export interface TableDiff {
  changes: boolean;
  replaces: string[];
  changed: string[];
}

/** Compares the program's inputs with the old outputs, property by property, per the table. */
export function diffByTable(spec: ResourceSpec, olds: Record<string, unknown>, news: Record<string, unknown>): TableDiff {
  const changed: string[] = [];
  const replaces: string[] = [];
  for (const [prop, p] of Object.entries(spec.inputs)) {
    const n = news[prop];
    if (p.computed && (n === undefined || n === null)) continue;
    if (!isUnknown(n) && same(olds[prop], n)) continue;
    changed.push(prop);
    if (p.behavior === "replace") replaces.push(prop);
  }
  return { changes: changed.length > 0, replaces, changed };
}

/** Validates each known property with its zod schema; unknown (preview) values are skipped. */
export function validateProps(shape: Record<string, ZodType>, news: Record<string, unknown>): Failure[] {
  const failures: Failure[] = [];
  for (const [prop, schema] of Object.entries(shape)) {
    const v = news[prop];
    if (isUnknown(v)) continue;
    const r = schema.safeParse(v);
    if (!r.success) {
      const issue = r.error.issues[0];
      const sub = issue.path.length ? `[${issue.path.join("][")}]` : "";
      failures.push({ property: prop, reason: `${prop}${sub}: ${issue.message}` });
    }
  }
  return failures;
}

export function known(...vals: unknown[]): boolean {
  return vals.every((v) => !isUnknown(v));
}

/** Workspace, snapshot and key names: a slug of at most 64 characters. */
export const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Pulumi-style auto-name: the logical name (made a slug) plus a random suffix, at most 64 characters. */
export function autoName(logicalName: string): string {
  let base = logicalName.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[^A-Za-z0-9]+/, "").toLowerCase();
  if (!base) base = "chaser";
  const suffix = randomBytes(4).toString("hex").slice(0, 7);
  return `${base.slice(0, 64 - suffix.length - 1)}-${suffix}`;
}

/** Keeps a previously generated name while the logical name is unchanged; otherwise generates one. */
export function nameFor(olds: Record<string, unknown>, news: Record<string, unknown>): { name: string; autoNamed: boolean } | undefined {
  if (typeof news.name === "string") return { name: news.name, autoNamed: false };
  if (news.name !== undefined && news.name !== null) return undefined; // unknown or invalid: validated elsewhere
  const logical = typeof news.__logicalName === "string" ? news.__logicalName : "chaser";
  if (olds.__autoNamed === true && typeof olds.name === "string" && olds.__logicalName === logical) {
    return { name: olds.name, autoNamed: true };
  }
  return { name: autoName(logical), autoNamed: true };
}

/** The inputs a refreshed object reports: the old inputs (taken from outputs), with what the server owns updated. */
export function refreshedInputs(spec: ResourceSpec, olds: Record<string, unknown>, server: Record<string, unknown>): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const prop of [...Object.keys(spec.inputs), "__logicalName", "__autoNamed"]) {
    if (olds[prop] !== undefined && olds[prop] !== null) inputs[prop] = olds[prop];
  }
  for (const [k, v] of Object.entries(server)) if (k in spec.inputs && v !== undefined) inputs[k] = v;
  return inputs;
}

/** Drops undefined values (state keeps no undefined; the engine would keep stale ones otherwise). */
export function compact<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
