/**
 * What a reviewer must not miss in a preview of Chaser resources, beyond the operations: the disks a change
 * deletes (a Workspace or a Template with its own workspace, replaced or deleted: its snapshots go with it), the
 * disks a restore rolls back (a Snapshot's `restoreTrigger`), and what the provider said beside a resource in the
 * preview (an adoption instead of a create, a clone keeping its disk while its source changes).
 */
import type { ResourceChange, Summary } from "./changes";
import { DRIFT } from "./drift";

export type NoteKind = "disk-lost" | "rollback" | "adopt" | "note";

export interface Note {
  kind: NoteKind;
  /** The resource it concerns. */
  name: string;
  type: string;
  /** A sentence, Markdown-free (the renderer formats it). */
  text: string;
}

const WORKSPACE_TYPES = new Set(["chaser:Workspace", "chaser:Template"]);

/** The provider's messages beside resources that a preview carries (pulumi-chaser's engine log lines). */
const ADOPT = /^will adopt the existing /;
const ROLLBACK = /^will roll back /;

/** Whether a change's object is a workspace with a disk of its own (a Template in flag mode only flags one). */
function ownsDisk(c: ResourceChange, inputs: Record<string, unknown> | undefined): boolean {
  if (!WORKSPACE_TYPES.has(c.type)) return false;
  return !(c.type === "chaser:Template" && inputs && inputs.workspace !== undefined && inputs.workspace !== null);
}

/** The notes for a summary: from its changes and the preview's informational messages beside resources. */
export function notesFor(s: Pick<Summary, "changes" | "infos">): Note[] {
  const infos = s.infos;
  const oldInputs = (urn: string) => s.changes.find((c) => c.urn === urn)?.inputs;
  const notes: Note[] = [];
  const said = (urn: string, re: RegExp) => infos.find((d) => d.urn === urn && re.test(d.message.trim()));
  for (const c of s.changes) {
    if ((c.op === "replace" || c.op === "delete") && ownsDisk(c, oldInputs(c.urn))) {
      const forcing = c.properties.filter((p) => p.replaces).map((p) => p.property);
      const why = c.op === "delete" ? "is deleted" : forcing.length > 0 ? `is replaced because ${forcing.join(", ")} ${forcing.length === 1 ? "changes" : "change"} (fixed at creation)` : "is replaced";
      notes.push({ kind: "disk-lost", name: c.name, type: c.type, text: `${why}: its disk and its snapshots are deleted` });
    }
    if (c.op === "update" && c.type === "chaser:Snapshot" && c.properties.some((p) => p.property === "restoreTrigger")) {
      const d = said(c.urn, ROLLBACK);
      const ws = oldInputs(c.urn)?.workspace;
      const snap = oldInputs(c.urn)?.name;
      notes.push({
        kind: "rollback",
        name: c.name,
        type: c.type,
        text: d ? d.message.trim() : `restoreTrigger changes: will roll back workspace '${ws ?? "?"}' to snapshot '${snap ?? c.name}': the changes on its disk since the snapshot are lost`,
      });
    }
  }
  // Adoption and the other messages the provider put beside a resource.
  for (const d of infos) {
    if (!d.urn) continue;
    const c = s.changes.find((x) => x.urn === d.urn);
    if (!c || ROLLBACK.test(d.message.trim()) || DRIFT.test(d.message.trim())) continue; // drift: its own section (drift.ts)
    if (notes.some((n) => n.name === c.name && n.type === c.type && n.text === d.message.trim())) continue; // said twice (diff runs again)
    notes.push({ kind: ADOPT.test(d.message.trim()) ? "adopt" : "note", name: c.name, type: c.type, text: d.message.trim() });
  }
  return notes;
}
