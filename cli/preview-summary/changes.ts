/**
 * What a preview changes: its steps grouped by resource into operations with the properties that change, and the
 * errors and warnings it reported.
 */
import { resourceOfToken } from "../../provider/registry";
import { same } from "../../provider/values";
import { Diagnostic, Preview, PreviewStep } from "./parse";
import type { PolicyRun } from "./policies";

export type Operation = "create" | "update" | "replace" | "delete" | "import" | "read";

export interface PropertyChange {
  property: string;
  before?: unknown;
  after?: unknown;
  /** This property's change forces the replacement. */
  replaces: boolean;
}

export interface ResourceChange {
  op: Operation;
  urn: string;
  name: string;
  type: string;
  properties: PropertyChange[];
  /** For a replace: the old object is deleted before its replacement is created (true), after it (false), unknown. */
  deleteFirst?: boolean;
  /** The inputs it had before the change (for a create: its new inputs), internal ones included. */
  inputs?: Record<string, unknown>;
}

export interface Summary {
  project?: string;
  stack?: string;
  changes: ResourceChange[];
  counts: Record<Operation, number>;
  unchanged?: number;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** The preview's informational messages beside resources (the provider's notes: see notes.ts). */
  infos: Diagnostic[];
  /** What the policy packs of the preview reported (policies.ts). */
  policies?: PolicyRun;
}

export const STACK_TYPE = "pulumi:pulumi:Stack";

/** urn:pulumi:STACK::PROJECT::QUALIFIED$TYPE::NAME */
export function parseUrn(urn: string): { stack?: string; project?: string; type?: string; name: string } {
  const m = /^urn:pulumi:([^:]*)::([^:]*)::(.*?)::(.*)$/s.exec(urn);
  if (!m) return { name: urn };
  const qualified = m[3].split("$");
  return { stack: m[1], project: m[2], type: qualified[qualified.length - 1], name: m[4] };
}

/**
 * The type as a reader knows it, whichever provider serves it: `pulumi-nodejs:dynamic/chaser:Workspace` (dynamic
 * resources) and `chaser:index:Workspace` (the provider plugin) are `chaser:Workspace`.
 */
export function displayType(type: string): string {
  const r = resourceOfToken(type);
  return r ? `chaser:${r.name}` : type.replace(/^pulumi-nodejs:dynamic\//, "");
}

function isInternal(key: string): boolean {
  // The dynamic provider's own inputs: its serialized code and naming bookkeeping.
  return key.startsWith("__");
}

function visibleInputs(inputs: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inputs ?? {})) if (!isInternal(k)) out[k] = v;
  return out;
}

/** The top-level property of a detailed-diff path: `tags["a.b"]`, `scopes[3]`, `a.b` → `tags`, `scopes`, `a`. */
function rootProperty(path: string): string {
  const m = /^[^.[]+/.exec(path);
  return m ? m[0] : path;
}

/**
 * The properties that change. `programInputs`: with a refresh (`--refresh`), the inputs before it, i.e. the ones
 * the program set: the refresh reads back every property the API has (defaults, values inherited from a clone
 * source), and those the program never set are not changes of the program's.
 */
function propertyChanges(op: Operation, steps: PreviewStep[], programInputs?: Record<string, unknown>): PropertyChange[] {
  const oldInputs = visibleInputs(steps.find((s) => s.oldInputs)?.oldInputs);
  const newInputs = visibleInputs(steps.find((s) => s.newInputs)?.newInputs);
  if (op === "create" || op === "import" || op === "read") {
    return Object.keys(newInputs).sort().map((p) => ({ property: p, after: newInputs[p], replaces: false }));
  }
  if (op === "delete") {
    return Object.keys(oldInputs).sort().map((p) => ({ property: p, before: oldInputs[p], replaces: false }));
  }
  const replacing = new Set<string>();
  const changed = new Set<string>();
  for (const s of steps) {
    for (const r of s.replaceReasons ?? []) if (!isInternal(r)) replacing.add(rootProperty(r));
    for (const [path, d] of Object.entries(s.detailedDiff ?? {})) {
      if (isInternal(path)) continue;
      changed.add(rootProperty(path));
      if (op === "replace" && String(d?.kind ?? "").endsWith("-replace")) replacing.add(rootProperty(path));
    }
    for (const p of s.diffs ?? []) if (!isInternal(p)) changed.add(rootProperty(p));
  }
  // The provider did not say which properties differ: compare the inputs. (After a refresh, the old inputs are the
  // ones read back from the API, so a change made outside Pulumi shows here too.)
  if (changed.size === 0) {
    const candidates = new Set([...Object.keys(programInputs ? visibleInputs(programInputs) : oldInputs), ...Object.keys(newInputs)]);
    for (const p of candidates) {
      if (!same(oldInputs[p], newInputs[p])) changed.add(p);
    }
  }
  for (const p of replacing) changed.add(p);
  return [...changed].sort().map((p) => ({ property: p, before: oldInputs[p], after: newInputs[p], replaces: op === "replace" && replacing.has(p) }));
}

export const OP_ORDER: Operation[] = ["create", "update", "replace", "delete", "import", "read"];

/** Groups the steps by resource into the changes a reader cares about. */
export function summarize(preview: Preview): Summary {
  const byUrn = new Map<string, PreviewStep[]>();
  let project: string | undefined;
  let stack: string | undefined;
  for (const s of preview.steps) {
    const u = parseUrn(s.urn);
    project ??= u.project;
    stack ??= u.stack;
    const type = s.type ?? u.type ?? "";
    if (type === STACK_TYPE || type.startsWith("pulumi:providers:")) continue;
    if (!byUrn.has(s.urn)) byUrn.set(s.urn, []);
    byUrn.get(s.urn)!.push(s);
  }
  for (const d of preview.diagnostics) {
    if (d.urn) {
      const u = parseUrn(d.urn);
      project ??= u.project;
      stack ??= u.stack;
    }
  }
  const changes: ResourceChange[] = [];
  for (const [urn, steps] of byUrn) {
    const ops = steps.map((s) => s.op);
    let op: Operation | undefined;
    if (ops.some((o) => o === "replace" || o === "create-replacement")) op = "replace";
    else if (ops.includes("delete-replaced")) op = "delete"; // deleted for a dependency's replacement, never recreated
    else if (ops.includes("create")) op = "create";
    else if (ops.includes("update")) op = "update";
    else if (ops.includes("delete")) op = "delete";
    else if (ops.includes("import") || ops.includes("import-replacement")) op = "import";
    else if (ops.includes("read") || ops.includes("read-replacement")) op = "read";
    if (!op) continue; // same, refresh, discard, remove-pending-replace
    const u = parseUrn(urn);
    const type = displayType(steps.find((s) => s.type)?.type ?? u.type ?? "");
    // A refresh step carries the state before the refresh: the change is computed from the steps after it.
    const changing = steps.filter((s) => s.op !== "refresh" && s.op !== "same");
    const refreshed = steps.find((s) => s.op === "refresh" && s.oldInputs);
    const inputs = steps.find((x) => x.oldInputs)?.oldInputs ?? steps.find((x) => x.newInputs)?.newInputs;
    const change: ResourceChange = { op, urn, name: u.name, type, properties: propertyChanges(op, changing, refreshed?.oldInputs), inputs };
    if (op === "replace") {
      const del = ops.indexOf("delete-replaced");
      const cre = ops.indexOf("create-replacement");
      if (del >= 0 && cre >= 0) change.deleteFirst = del < cre;
    }
    changes.push(change);
  }
  changes.sort((a, b) => OP_ORDER.indexOf(a.op) - OP_ORDER.indexOf(b.op));
  const counts = Object.fromEntries(OP_ORDER.map((o) => [o, 0])) as Record<Operation, number>;
  for (const c of changes) counts[c.op]++;
  let unchanged: number | undefined;
  if (preview.changeSummary) {
    const rootSame = preview.steps.some((s) => (s.type ?? parseUrn(s.urn).type) === STACK_TYPE && s.op === "same") ? 1 : 0;
    unchanged = Math.max(0, (preview.changeSummary.same ?? 0) - rootSame);
  }
  const errors = preview.diagnostics.filter((d) => d.severity === "error");
  const warnings = preview.diagnostics.filter((d) => d.severity === "warning");
  const infos = preview.diagnostics.filter((d) => d.severity === "info" && d.urn);
  return { project, stack, changes, counts, unchanged, errors, warnings, infos, policies: preview.policies };
}
