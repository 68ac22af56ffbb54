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
 * replacements called out, the data the changes lose (a Workspace or Template with its own workspace replaced or
 * deleted loses its disk and snapshots; a Snapshot's restore rolls its workspace back), adoptions and the
 * provider's other notes beside resources, then a table per resource with each changed property's value before and
 * after. After a refresh (`preview --refresh`), a section names who changed what outside Pulumi, and when, from the
 * account's audit log (`--drift` prints just those lines, for a failing drift check).
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
import { parsePreview, Preview } from "./preview-summary/parse";
import { summarize } from "./preview-summary/changes";
import { driftLines, driftOf } from "./preview-summary/drift";
import { DEFAULT_MAX_LENGTH, render, renderUnreadable, RenderOptions } from "./preview-summary/markdown";

// The modules by concern: reading the two input forms (parse), what changes (changes), what a reviewer must not miss
// (notes: disks lost or rolled back, adoptions), the Markdown (markdown). This
// module is the command line, required by bin/chaser-preview-summary.js as dist/cli/preview-summary.js.
export * from "./preview-summary/parse";
export * from "./preview-summary/changes";
export * from "./preview-summary/markdown";
export * from "./preview-summary/notes";
export * from "./preview-summary/policies";
export * from "./preview-summary/drift";

// ------------------------------------------------------------------------------------------------ command line

export const USAGE = `Usage: chaser-preview-summary [--title TEXT] [--max-length N] [--drift] [FILE]

Turns the output of \`pulumi preview --json\` (read from FILE, or from standard input) into Markdown on standard
output: a summary line of counts, one row per resource to create, update, replace or delete with the properties
that change (replacements called out), the data the changes lose (disks of replaced or deleted workspaces,
workspaces rolled back by a restore), adoptions, a table of each resource's changed properties, the errors
when the preview failed, and the policy violations by level when it ran a policy pack (those are only in the
event stream: PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true).

  --title TEXT      the heading (default "Pulumi preview"); the stack and project are added to it
  --max-length N    keep the Markdown under N characters (default ${DEFAULT_MAX_LENGTH}; a GitHub comment holds 65536)
  --drift           instead of Markdown: one plain line per object a \`preview --refresh\` found changed or deleted
                    outside Pulumi, with who did it and when (from the audit log); nothing when there is none
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
  let drift = false;
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
    } else if (a === "--drift") {
      drift = true;
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
  if (drift) {
    const lines = driftLines(driftOf(summarize(preview)));
    io.out(lines.map((l) => `${l}\n`).join(""));
    return 0;
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
