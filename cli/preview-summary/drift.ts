/**
 * Drift in a `pulumi preview --refresh`: what the provider said beside a resource when its refresh found the object
 * changed or deleted outside Pulumi, with who did it and when from the account's audit log (provider/drift.ts):
 *
 *   changed outside Pulumi: renamed from 'api-dev' to 'api-tmp' by alice@acme.dev (user, key sk_ab12…) at 2026-12-01 14:03 UTC
 *
 * and the hint when the key could not read the audit log (`audit.read`).
 */
import { displayType, parseUrn, Summary } from "./changes";
import type { Diagnostic } from "./parse";

/** The provider's drift messages (provider/drift.ts). */
export const DRIFT = /^(changed|deleted) outside Pulumi(: |\b)/;
const NO_AUDIT = /cannot read the audit log/;

export interface DriftFact {
  /** The resource it concerns. */
  name: string;
  type: string;
  gone: boolean;
  /** "renamed from 'a' to 'b' by alice@acme.dev (user, key sk_ab12…) at 2026-12-01 14:03 UTC", Markdown-free. */
  text: string;
}

export interface DriftReport {
  facts: DriftFact[];
  /** Why nobody is named: the key lacks `audit.read` (the provider's hint), if it said so. */
  hint?: string;
}

/** The drift facts of a summary, once each (the engine may report a read twice), in the order the engine said them. */
export function driftOf(s: Pick<Summary, "infos" | "warnings">): DriftReport {
  const facts: DriftFact[] = [];
  let hint: string | undefined;
  for (const d of [...s.infos, ...s.warnings] as Diagnostic[]) {
    const m = d.message.trim();
    if (!d.urn || !DRIFT.test(m)) continue;
    const u = parseUrn(d.urn);
    if (NO_AUDIT.test(m)) {
      hint ??= m.replace(DRIFT, "").replace(/^[^;]*; /, "");
      continue;
    }
    const fact = { name: u.name, type: displayType(u.type ?? ""), gone: m.startsWith("deleted"), text: m.replace(DRIFT, "").trim() };
    if (!facts.some((f) => f.name === fact.name && f.type === fact.type && f.text === fact.text)) facts.push(fact);
  }
  return { facts, hint };
}

/** One plain line per fact (`chaser-preview-summary --drift`): "`api` (chaser:Workspace) changed outside Pulumi: …". */
export function driftLines(r: DriftReport): string[] {
  const lines = r.facts.map((f) => `${f.name} (${f.type}) ${f.gone ? "deleted" : "changed"} outside Pulumi: ${f.text}`);
  if (r.hint) lines.push(`who changed what is unknown: ${r.hint}`);
  return lines;
}
