/**
 * Reading `pulumi preview --json` output, in either of its forms: the JSON document (`steps`, `diagnostics`,
 * `changeSummary`) or the engine's event stream (one event per line), into one shape (`Preview`).
 */

import { UNKNOWN } from "../../provider/values";
import { PolicyRun, readPolicyEvent } from "./policies";

/** The value the engine puts for an output that is only known after apply (provider/values.ts). */
export { UNKNOWN };

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
  /** Policy packs that ran and their violations (the event stream only: see policies.ts). */
  policies?: PolicyRun;
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
  const policies: PolicyRun = { packs: [], violations: [] };
  for (const ev of events) {
    readPolicyEvent(ev, policies);
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
  return { steps, diagnostics, changeSummary, policies };
}
