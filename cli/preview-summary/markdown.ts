/** The Markdown of a preview's summary: for a pull-request comment or a CI job summary. */
import { isUnknown, UNKNOWN } from "../../provider/values";
import { Diagnostic } from "./parse";
import { displayType, Operation, OP_ORDER, parseUrn, ResourceChange, STACK_TYPE, Summary } from "./changes";
import { driftOf } from "./drift";
import { Note, notesFor } from "./notes";
import { policySection } from "./policies";

/** GitHub's limit for a comment body is 65,536 characters. */
export const DEFAULT_MAX_LENGTH = 60_000;
export const MARKER = "<!-- chaser-preview-summary";

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

function operationCell(c: ResourceChange, notes: Note[]): string {
  if (c.op === "create" && notes.some((n) => n.kind === "adopt" && n.name === c.name && n.type === c.type)) return "**adopt** (no create)";
  if (c.op !== "replace") return c.op;
  const order = c.deleteFirst === true ? " (delete first)" : c.deleteFirst === false ? " (create first)" : "";
  return `**replace**${order}`;
}

/** The data a change deletes or rolls back (a caution), then adoptions and the provider's other messages. */
function notesSection(notes: Note[]): string[] {
  const line = (n: Note) => `> - ${code(n.name)} (${cell(n.type)}) ${n.kind === "disk-lost" ? "" : "– "}${cell(n.text)}`;
  const out: string[] = [];
  const loss = notes.filter((n) => n.kind === "disk-lost" || n.kind === "rollback");
  if (loss.length > 0) {
    out.push("> [!CAUTION]", "> **Data on workspace disks is lost:**");
    for (const n of loss) out.push(line(n));
    out.push("");
  }
  const other = notes.filter((n) => n.kind === "adopt" || n.kind === "note");
  if (other.length > 0) {
    out.push("> [!NOTE]", "> **From the provider:**");
    for (const n of other) out.push(line(n));
    out.push("");
  }
  return out;
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

/** Who changed what outside Pulumi (a `preview --refresh`, from the audit log): see drift.ts. */
function driftSection(s: Summary): string[] {
  const r = driftOf(s);
  if (r.facts.length === 0 && !r.hint) return [];
  const out = ["> [!IMPORTANT]", "> **Changed outside Pulumi** (found by the refresh; the account's audit log says who and when):"];
  for (const f of r.facts) out.push(`> - ${code(f.name)} (${cell(f.type)}) ${f.gone ? "deleted" : "changed"}: ${cell(f.text)}`);
  if (r.hint) out.push(`> - Who changed what is unknown: ${cell(r.hint)}`);
  out.push("");
  return out;
}

/** Each diagnostic as a fenced block, under the resource it is about. */
function diagnosticBlocks(list: Summary["errors"]): string[] {
  const out: string[] = [];
  for (const d of list) {
    const label = resourceLabel(d.urn);
    if (label) out.push(`${label}:`, "");
    out.push(fenced(diagnosticText(d)), "");
  }
  return out;
}

/** The counts, the table of changes with their notes, and the warning about replacements. */
function overviewSection(s: Summary): string[] {
  const notes = notesFor(s);
  const overview: string[] = [countsLine(s), ""];
  if (s.changes.length === 0) return overview;
  overview.push("| | Resource | Type | Operation | Properties |", "| --- | --- | --- | --- | --- |");
  for (const c of s.changes) {
    overview.push(`| ${ICON[c.op]} | ${code(c.name)} | ${cell(c.type)} | ${operationCell(c, notes)} | ${propertyList(c) || "–"} |`);
  }
  overview.push("");
  overview.push(...notesSection(notes));
  const replaced = s.changes.filter((c) => c.op === "replace");
  if (replaced.length > 0) {
    overview.push(
      `> [!WARNING]\n> ${replaced.length === 1 ? "1 resource is" : `${replaced.length} resources are`} **replaced**: ${replaced.map((c) => code(c.name)).join(", ")}. ` +
        "A replaced object is deleted and created anew (a new id; a replaced workspace loses its disk, a replaced key its secret).",
      "",
    );
  }
  return overview;
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
    errors.push(...diagnosticBlocks(s.errors));
  }
  const overview = overviewSection(s);
  const policies = policySection(s.policies, { code, cell, resource: resourceLabel });
  const drift = driftSection(s);
  const warnings: string[] = [];
  if (s.warnings.length > 0) {
    warnings.push(`<details><summary>${s.warnings.length === 1 ? "1 warning" : `${s.warnings.length} warnings`}</summary>`, "");
    warnings.push(...diagnosticBlocks(s.warnings), "</details>", "");
  }
  const details: string[] = [];
  const detailed = s.changes.filter((c) => c.properties.length > 0 || c.op !== "delete");
  if (detailed.length > 0) {
    details.push("<details><summary>Property changes by resource</summary>", "");
    for (const c of detailed) details.push(...resourceTable(c));
    details.push("</details>", "");
  }
  const join = (parts: string[][]) => parts.flat().join("\n").trimEnd() + "\n";
  let out = join([head, errors, drift, policies, overview, details, warnings]);
  if (out.length <= max) return out;
  const note = "_The property tables were left out to fit the size limit of a comment: the job log has the full preview._";
  out = join([head, errors, drift, policies, overview, [note, ""], warnings]);
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
