/**
 * chaser-preview-summary: turns the output of `pulumi preview --json` into Markdown for a pull-request comment or a
 * CI job summary, with no hosted service involved.
 *
 *   pulumi preview --json --show-replacement-steps > preview.json
 *   npx chaser-preview-summary < preview.json > summary.md
 *
 * The Markdown: a hidden marker line naming the project and stack (so a workflow can find and update its own
 * comment), a heading, the errors when the preview failed, a summary line of counts, one table row per resource that
 * changes (create / update / replace / delete; unchanged ones omitted) with the properties that change and the
 * replacements called out, then a table per resource with each changed property's value before and after.
 *
 * Input: the JSON document `pulumi preview --json` prints (`steps`, `diagnostics`, `changeSummary`), or the
 * streaming form (one engine event per line, from PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true or `pulumi up --json`).
 * The changed properties come from the step's `detailedDiff` or `diffs` when the provider reported them, otherwise
 * from comparing the step's old and new inputs; `replaceReasons` marks the ones that force a replacement.
 * Secret values arrive already masked by Pulumi ("[secret]") and are shown as such.
 *
 * Exit status: 0 when Markdown describing a preview was written (also when that preview failed: the Markdown says
 * so, and the preview's own exit status is what should fail the job); 1 when the input is not preview output (the
 * Markdown written then says that); 2 for a bad command line.
 */
import * as fs from "node:fs";
import { UNKNOWN, isUnknown, same } from "../provider/values";

export { UNKNOWN };
/** GitHub's limit for a comment body is 65,536 characters. */
export const DEFAULT_MAX_LENGTH = 60_000;
export const MARKER = "<!-- chaser-preview-summary";

// ------------------------------------------------------------------------------------------------ preview documents

interface State {
  type?: string;
  inputs?: Record<string, unknown>;
}

/** One step of the preview, normalised from either input form. */
export interface PreviewStep {
  op: string;
  urn: string;
  type?: string;
  oldInputs?: Record<string, unknown>;
  newInputs?: Record<string, unknown>;
  diffs?: string[];
  replaceReasons?: string[];
  detailedDiff?: Record<string, { kind?: string }> | null;
}

export interface Diagnostic {
  urn?: string;
  severity: string;
  message: string;
}

export interface Preview {
  steps: PreviewStep[];
  diagnostics: Diagnostic[];
  changeSummary?: Record<string, number>;
}

/** Reads either form of `pulumi preview --json` output; throws an Error saying what is wrong otherwise. */
export function parsePreview(text: string): Preview {
  const trimmed = text.trim();
  if (!trimmed) throw new Error("the input is empty");
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch {
    doc = undefined;
  }
  if (doc && typeof doc === "object" && !Array.isArray(doc)) {
    const d = doc as Record<string, any>;
    if (Array.isArray(d.steps) || d.changeSummary || Array.isArray(d.diagnostics)) return fromDigest(d);
    if (isEvent(d)) return fromEvents([d]);
  }
  // The streaming form: one event per line.
  const events: Record<string, any>[] = [];
  for (const line of trimmed.split("\n")) {
    if (!line.trim()) continue;
    try {
      const ev = JSON.parse(line);
      if (isEvent(ev)) events.push(ev);
    } catch {
      // not an event line (e.g. a message printed before the JSON)
    }
  }
  if (events.length > 0) return fromEvents(events);
  throw new Error(doc === undefined ? "the input is not JSON" : "the JSON is not `pulumi preview --json` output (no steps, diagnostics or changeSummary)");
}

function isEvent(ev: unknown): ev is Record<string, any> {
  return !!ev && typeof ev === "object" && typeof (ev as any).sequence === "number" && typeof (ev as any).timestamp === "number";
}

function fromDigest(d: Record<string, any>): Preview {
  const steps: PreviewStep[] = (d.steps ?? []).map((s: Record<string, any>) => {
    const oldState: State | undefined = s.oldState ?? undefined;
    const newState: State | undefined = s.newState ?? undefined;
    return {
      op: String(s.op),
      urn: String(s.urn),
      type: newState?.type ?? oldState?.type,
      oldInputs: oldState?.inputs,
      newInputs: newState?.inputs,
      diffs: s.diffs ?? undefined,
      replaceReasons: s.replaceReasons ?? undefined,
      detailedDiff: s.detailedDiff ?? undefined,
    };
  });
  const diagnostics: Diagnostic[] = (d.diagnostics ?? []).map((g: Record<string, any>) => ({
    urn: g.urn || undefined,
    severity: String(g.severity ?? "info"),
    message: String(g.message ?? ""),
  }));
  return { steps, diagnostics, changeSummary: d.changeSummary ?? undefined };
}

function fromEvents(events: Record<string, any>[]): Preview {
  const steps: PreviewStep[] = [];
  const diagnostics: Diagnostic[] = [];
  let changeSummary: Record<string, number> | undefined;
  for (const ev of events) {
    const m = ev.resourcePreEvent?.metadata;
    if (m) {
      steps.push({
        op: String(m.op),
        urn: String(m.urn),
        type: m.type ?? m.new?.type ?? m.old?.type,
        oldInputs: m.old?.inputs,
        newInputs: m.new?.inputs,
        diffs: m.diffs ?? undefined,
        replaceReasons: m.keys ?? undefined,
        detailedDiff: m.detailedDiff ?? undefined,
      });
    }
    const g = ev.diagnosticEvent;
    if (g && g.severity !== "debug" && !g.ephemeral) {
      diagnostics.push({ urn: g.urn || undefined, severity: String(g.severity ?? "info"), message: `${g.prefix ?? ""}${g.message ?? ""}` });
    }
    if (ev.summaryEvent?.resourceChanges) changeSummary = ev.summaryEvent.resourceChanges;
  }
  return { steps, diagnostics, changeSummary };
}

// ------------------------------------------------------------------------------------------------ what changes

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
}

export interface Summary {
  project?: string;
  stack?: string;
  changes: ResourceChange[];
  counts: Record<Operation, number>;
  unchanged?: number;
  errors: Diagnostic[];
  warnings: Diagnostic[];
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** urn:pulumi:STACK::PROJECT::QUALIFIED$TYPE::NAME */
export function parseUrn(urn: string): { stack?: string; project?: string; type?: string; name: string } {
  const m = /^urn:pulumi:([^:]*)::([^:]*)::(.*?)::(.*)$/s.exec(urn);
  if (!m) return { name: urn };
  const qualified = m[3].split("$");
  return { stack: m[1], project: m[2], type: qualified[qualified.length - 1], name: m[4] };
}

/** The type as a reader knows it: `pulumi-nodejs:dynamic/chaser:Workspace` is `chaser:Workspace`. */
export function displayType(type: string): string {
  return type.replace(/^pulumi-nodejs:dynamic\//, "");
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

const OP_ORDER: Operation[] = ["create", "update", "replace", "delete", "import", "read"];

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
    const change: ResourceChange = { op, urn, name: u.name, type, properties: propertyChanges(op, changing, refreshed?.oldInputs) };
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
  return { project, stack, changes, counts, unchanged, errors, warnings };
}

// ------------------------------------------------------------------------------------------------ Markdown

const ICON: Record<Operation, string> = { create: "🟢", update: "🟡", replace: "🟠", delete: "🔴", import: "🔵", read: "⚪" };
const VERB: Record<Operation, string> = { create: "to create", update: "to update", replace: "to replace", delete: "to delete", import: "to import", read: "to read" };

export interface RenderOptions {
  title?: string;
  maxLength?: number;
}

function stripAnsi(s: string): string {
  return s.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}

/** Text for a table cell: pipes escaped (GFM reads `\|` as a pipe, in code spans too), line breaks as <br>. */
function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

/** An inline code span holding any text (backticks included). */
function code(s: string): string {
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  const pad = s.startsWith("`") || s.endsWith("`") ? " " : "";
  return `${fence}${pad}${s}${pad}${fence}`;
}

function fenced(s: string): string {
  const longest = Math.max(2, ...(s.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longest + 1);
  return `${fence}text\n${s}\n${fence}`;
}

const MAX_VALUE = 80;

/** A property value for a table cell. */
export function formatValue(v: unknown): string {
  if (v === undefined) return "–";
  if (v === UNKNOWN) return "_(known after apply)_";
  if (v === "[secret]") return "_(secret)_";
  if (isUnknown(v)) return "_(partly known after apply)_";
  // A code span shows HTML as text: line breaks become a visible mark instead of <br>.
  let text = (typeof v === "string" ? v : JSON.stringify(v)).replace(/\r?\n/g, "⏎");
  if (text.length > MAX_VALUE) text = `${text.slice(0, MAX_VALUE - 1)}…`;
  return cell(code(text));
}

function countsLine(s: Summary): string {
  const parts = OP_ORDER.filter((o) => s.counts[o] > 0).map((o) => `${s.counts[o]} ${VERB[o]}`);
  const unchanged = s.unchanged ? `${s.unchanged} unchanged` : undefined;
  if (parts.length === 0) {
    if (s.errors.length > 0) return "_No changes were computed before the preview stopped._";
    return `**No changes.**${unchanged ? ` (${unchanged})` : ""}`;
  }
  return `**${parts.join(", ")}**${unchanged ? ` · ${unchanged}` : ""}`;
}

function propertyList(c: ResourceChange): string {
  if (c.op === "delete") return "";
  return c.properties.map((p) => (p.replaces ? `**${cell(p.property)}** (replaces)` : cell(p.property))).join(", ");
}

function operationCell(c: ResourceChange): string {
  if (c.op !== "replace") return c.op;
  const order = c.deleteFirst === true ? " (delete first)" : c.deleteFirst === false ? " (create first)" : "";
  return `**replace**${order}`;
}

function resourceTable(c: ResourceChange): string[] {
  const head = `#### ${ICON[c.op]} ${code(c.name)} (${cell(c.type)}): ${c.op}`;
  if (c.properties.length === 0) return [head, "", "_No input properties._", ""];
  const lines = [head, ""];
  if (c.op === "create" || c.op === "import" || c.op === "read") {
    lines.push("| Property | Value |", "| --- | --- |");
    for (const p of c.properties) lines.push(`| ${cell(p.property)} | ${formatValue(p.after)} |`);
  } else if (c.op === "delete") {
    lines.push("| Property | Value |", "| --- | --- |");
    for (const p of c.properties) lines.push(`| ${cell(p.property)} | ${formatValue(p.before)} |`);
  } else {
    const withNote = c.op === "replace";
    lines.push(withNote ? "| Property | Before | After | |" : "| Property | Before | After |", withNote ? "| --- | --- | --- | --- |" : "| --- | --- | --- |");
    for (const p of c.properties) {
      const row = `| ${cell(p.property)} | ${formatValue(p.before)} | ${formatValue(p.after)} |`;
      lines.push(withNote ? `${row} ${p.replaces ? "**forces replacement**" : ""} |` : row);
    }
  }
  lines.push("");
  return lines;
}

function resourceLabel(urn: string | undefined): string {
  if (!urn) return "";
  const u = parseUrn(urn);
  if (u.type === STACK_TYPE) return "";
  return `${code(u.name)} (${cell(displayType(u.type ?? ""))})`;
}

function diagnosticText(d: Diagnostic): string {
  return stripAnsi(d.message).replace(/^(error|warning): /, "").trimEnd();
}

/** The Markdown for a preview. */
export function render(s: Summary, opts: RenderOptions = {}): string {
  const max = opts.maxLength ?? DEFAULT_MAX_LENGTH;
  const where = [s.stack ? `stack ${code(s.stack)}` : "", s.project ? `project ${code(s.project)}` : ""].filter(Boolean).join(", ");
  const head = [
    `${MARKER} project=${s.project ?? "?"} stack=${s.stack ?? "?"} -->`,
    `### ${opts.title ?? "Pulumi preview"}${where ? ` (${where})` : ""}`,
    "",
  ];
  const errors: string[] = [];
  if (s.errors.length > 0) {
    errors.push(`**❌ The preview failed** with ${s.errors.length === 1 ? "an error" : `${s.errors.length} errors`}: nothing was changed, and the changes below may be incomplete.`, "");
    for (const e of s.errors) {
      const label = resourceLabel(e.urn);
      if (label) errors.push(`${label}:`, "");
      errors.push(fenced(diagnosticText(e)), "");
    }
  }
  const overview: string[] = [countsLine(s), ""];
  if (s.changes.length > 0) {
    overview.push("| | Resource | Type | Operation | Properties |", "| --- | --- | --- | --- | --- |");
    for (const c of s.changes) {
      overview.push(`| ${ICON[c.op]} | ${code(c.name)} | ${cell(c.type)} | ${operationCell(c)} | ${propertyList(c) || "–"} |`);
    }
    overview.push("");
    const replaced = s.changes.filter((c) => c.op === "replace");
    if (replaced.length > 0) {
      overview.push(
        `> [!WARNING]\n> ${replaced.length === 1 ? "1 resource is" : `${replaced.length} resources are`} **replaced**: ${replaced.map((c) => code(c.name)).join(", ")}. ` +
          "A replaced object is deleted and created anew (a new id; a replaced workspace loses its disk, a replaced key its secret).",
        "",
      );
    }
  }
  const warnings: string[] = [];
  if (s.warnings.length > 0) {
    warnings.push(`<details><summary>${s.warnings.length === 1 ? "1 warning" : `${s.warnings.length} warnings`}</summary>`, "");
    for (const w of s.warnings) {
      const label = resourceLabel(w.urn);
      if (label) warnings.push(`${label}:`, "");
      warnings.push(fenced(diagnosticText(w)), "");
    }
    warnings.push("</details>", "");
  }
  const details: string[] = [];
  const detailed = s.changes.filter((c) => c.properties.length > 0 || c.op !== "delete");
  if (detailed.length > 0) {
    details.push("<details><summary>Property changes by resource</summary>", "");
    for (const c of detailed) details.push(...resourceTable(c));
    details.push("</details>", "");
  }
  const join = (parts: string[][]) => parts.flat().join("\n").trimEnd() + "\n";
  let out = join([head, errors, overview, details, warnings]);
  if (out.length <= max) return out;
  const note = "_The property tables were left out to fit the size limit of a comment: the job log has the full preview._";
  out = join([head, errors, overview, [note, ""], warnings]);
  if (out.length <= max) return out;
  return `${out.slice(0, Math.max(0, max - 120))}\n\n_…cut to fit the size limit of a comment: the job log has the full preview._\n`;
}

/** The Markdown when the input could not be read as a preview. */
export function renderUnreadable(reason: string, opts: RenderOptions = {}): string {
  return [
    `${MARKER} project=? stack=? -->`,
    `### ${opts.title ?? "Pulumi preview"}`,
    "",
    `**❌ No preview to show:** ${reason}. \`pulumi preview --json\` most likely failed before the preview started ` +
      "(login, stack selection, dependency installation): the job log says why.",
    "",
  ].join("\n");
}

// ------------------------------------------------------------------------------------------------ command line

export const USAGE = `Usage: chaser-preview-summary [--title TEXT] [--max-length N] [FILE]

Turns the output of \`pulumi preview --json\` (read from FILE, or from standard input) into Markdown on standard
output: a summary line of counts, one row per resource to create, update, replace or delete with the properties
that change (replacements called out), a table of each resource's changed properties, and the errors when the
preview failed.

  --title TEXT      the heading (default "Pulumi preview"); the stack and project are added to it
  --max-length N    keep the Markdown under N characters (default ${DEFAULT_MAX_LENGTH}; a GitHub comment holds 65536)
  -h, --help        this text

Example:
  pulumi preview --stack prod --json --show-replacement-steps > preview.json
  npx chaser-preview-summary --title "Preview of prod" < preview.json >> "$GITHUB_STEP_SUMMARY"

Exit status: 0 when a preview was described (also a failed one); 1 when the input is not preview output;
2 for a bad command line.
`;

export interface Io {
  readStdin(): string;
  readFile(path: string): string;
  out(s: string): void;
  err(s: string): void;
}

const realIo: Io = {
  readStdin: () => fs.readFileSync(0, "utf8"),
  readFile: (p) => fs.readFileSync(p, "utf8"),
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

/** Runs the command; returns the exit status. */
export function run(argv: string[], io: Io = realIo): number {
  const opts: RenderOptions = {};
  let file: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string | undefined => {
      const eq = a.indexOf("=");
      if (eq >= 0) return a.slice(eq + 1);
      return argv[++i];
    };
    if (a === "-h" || a === "--help") {
      io.out(USAGE);
      return 0;
    } else if (a === "--title" || a.startsWith("--title=")) {
      const v = value();
      if (v === undefined) return usage(io, "--title needs a value");
      opts.title = v;
    } else if (a === "--max-length" || a.startsWith("--max-length=")) {
      const v = value();
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || n < 500) return usage(io, `--max-length must be a whole number >= 500, got '${v ?? ""}'`);
      opts.maxLength = n;
    } else if (a.startsWith("-") && a !== "-") {
      return usage(io, `unknown option '${a}'`);
    } else if (file === undefined) {
      file = a;
    } else {
      return usage(io, "at most one input file");
    }
  }
  let text: string;
  try {
    text = file === undefined || file === "-" ? io.readStdin() : io.readFile(file);
  } catch (e) {
    io.out(renderUnreadable(`the input could not be read (${(e as Error).message})`, opts));
    io.err(`chaser-preview-summary: cannot read ${file ?? "standard input"}: ${(e as Error).message}\n`);
    return 1;
  }
  let preview: Preview;
  try {
    preview = parsePreview(text);
  } catch (e) {
    io.out(renderUnreadable((e as Error).message, opts));
    io.err(`chaser-preview-summary: ${(e as Error).message}\n`);
    return 1;
  }
  io.out(render(summarize(preview), opts));
  return 0;
}

function usage(io: Io, message: string): number {
  io.err(`chaser-preview-summary: ${message}\n\n${USAGE}`);
  return 2;
}

export function main(): void {
  process.exitCode = run(process.argv.slice(2));
}
