/**
 * The policy section of a preview's summary: the violations a policy pack (`pulumi preview --policy-pack`, e.g.
 * pulumi-chaser's own, policy/) reported, by enforcement level (mandatory ones fail the preview, advisory ones
 * only warn). Policy events exist only in the engine's event stream (`PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true`
 * or `pulumi up --json`): the JSON document form of `pulumi preview --json` leaves them out.
 */

export interface PolicyViolation {
  policy: string;
  pack: string;
  /** "mandatory", "advisory", "remediate", … */
  level: string;
  urn?: string;
  /** The violation itself (the policy's description, which the engine puts first, left out). */
  message: string;
}

export interface PolicyRun {
  /** The packs that ran, `name version`. */
  packs: string[];
  violations: PolicyViolation[];
}

/** Reads one engine event into `run`: policy violations and the packs the summary event names. */
export function readPolicyEvent(ev: Record<string, any>, run: PolicyRun): void {
  const p = ev.policyEvent;
  if (p) {
    const lines = String(p.message ?? "").trim().split("\n");
    run.violations.push({
      policy: String(p.policyName ?? "?"),
      pack: String(p.policyPackName ?? "?"),
      level: String(p.enforcementLevel ?? "advisory"),
      urn: p.resourceUrn || undefined,
      message: (lines.length > 1 ? lines.slice(1) : lines).join("\n").trim(),
    });
  }
  const packs = ev.summaryEvent?.PolicyPacks ?? ev.summaryEvent?.policyPacks;
  if (packs && typeof packs === "object") {
    for (const [key, version] of Object.entries(packs)) {
      const label = `${key.split("|")[0]} ${String(version)}`;
      if (!run.packs.includes(label)) run.packs.push(label);
    }
  }
}

const LEVELS: Array<{ level: string; icon: string; label: string }> = [
  { level: "mandatory", icon: "❌", label: "mandatory (the preview fails)" },
  { level: "advisory", icon: "⚠️", label: "advisory (a warning)" },
];

/** The Markdown lines of the policy section (none when no pack ran and nothing was reported). */
export function policySection(run: PolicyRun | undefined, fmt: { code: (s: string) => string; cell: (s: string) => string; resource: (urn?: string) => string }): string[] {
  if (!run || (run.packs.length === 0 && run.violations.length === 0)) return [];
  const packs = run.packs.length > 0 ? ` (${run.packs.map(fmt.code).join(", ")})` : "";
  if (run.violations.length === 0) return [`**✅ No policy violations**${packs}`, ""];
  const out = [`#### Policy violations${packs}`, ""];
  const known = new Set(LEVELS.map((l) => l.level));
  const groups = [...LEVELS, ...[...new Set(run.violations.map((v) => v.level))].filter((l) => !known.has(l)).map((level) => ({ level, icon: "•", label: level }))];
  out.push(groups.map((g) => [g, run.violations.filter((v) => v.level === g.level).length] as const).filter(([, n]) => n > 0).map(([g, n]) => `**${g.icon} ${n} ${g.label}**`).join(" · "), "");
  out.push("| Level | Policy | Resource | Violation and fix |", "| --- | --- | --- | --- |");
  for (const g of groups) {
    for (const v of run.violations.filter((x) => x.level === g.level)) {
      out.push(`| ${g.icon} ${g.level} | ${fmt.code(v.policy)} | ${fmt.resource(v.urn) || "(stack)"} | ${fmt.cell(v.message)} |`);
    }
  }
  out.push("");
  return out;
}
