/** The scripted results of commands in chaser-local (the `/_local/exec-scripts` control; exec.ts applies them). */
import { z } from "zod";
import { firstIssue } from "../../contract";
import { invalid } from "./errors";

// ---- scripts ----------------------------------------------------------------------------------------------------

const scriptRule = z
  .object({
    pattern: z.string("must be a regular expression").min(1, "must not be empty").max(1000, "must be at most 1000 characters"),
    exitCode: z.number().int("must be a whole number").min(0).max(255).optional(),
    output: z.string().max(1_048_576).optional(),
    durationMs: z.number().int().min(0).max(86_400_000).optional(),
    truncated: z.boolean().optional(),
    count: z.number().int().min(1).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    try {
      new RegExp(r.pattern);
    } catch (e) {
      ctx.addIssue({ code: "custom", path: ["pattern"], message: `is not a regular expression (${(e as Error).message})` });
    }
  });
const scriptConfig = z.object({ rules: z.array(scriptRule).max(1000) }).strict();
export type ScriptRule = z.output<typeof scriptRule>;

/** The scripted results of commands (in memory, like faults; `/_local/reset` clears them). */
export class ExecScripts {
  private rules: ScriptRule[] = [];

  set(raw: unknown): void {
    const r = scriptConfig.safeParse(raw);
    if (!r.success) throw invalid("", firstIssue(r.error));
    this.rules = r.data.rules.map((x) => ({ ...x }));
  }

  get(): { rules: ScriptRule[] } {
    return { rules: this.rules.map((x) => ({ ...x })) };
  }

  clear(): void {
    this.rules = [];
  }

  /** The rule for this command (its `count`, when given, is used up by one), or undefined: exit 0, no output. */
  pick(command: string): ScriptRule | undefined {
    const i = this.rules.findIndex((r) => new RegExp(r.pattern).test(command));
    if (i < 0) return undefined;
    const r = this.rules[i];
    if (r.count !== undefined) {
      r.count -= 1;
      if (r.count <= 0) this.rules.splice(i, 1);
    }
    return r;
  }
}

