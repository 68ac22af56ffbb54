/**
 * Lifecycle tests as a list of steps. Each step changes something (the program, stack config, or the world
 * outside Pulumi), runs `pulumi up`, and checks the operations the engine reported; unless the step says
 * otherwise, it then asserts that a preview and a refresh both find nothing to change. At the end the stack is
 * destroyed and the server must hold nothing the scenario created. The project is removed whatever happens.
 */
import type { FaultRule } from "../../../chaser-local/src/server";
import { UNKNOWN } from "../../../provider/values";
import type { Local } from "../../support/local";
import { Flavour, Project, RunResult, changes, expectOk, projectFor } from "./stack";

export interface Step {
  /** What the step does: names the step in failures. */
  name: string;
  /** The program from this step on (else unchanged). */
  program?: string;
  /** Stack config set before the up (`pulumi config set`); a value of null removes the key. */
  config?: Record<string, string | null>;
  /** Something done before the up (outside Pulumi, or through the engine directly). */
  before?: (p: Project) => Promise<void>;
  /** The changes a preview must announce before the up (same format as `up`); a preview never writes. */
  preview?: string[];
  /** Faults chaser-local injects during this step's `up` only. */
  faults?: FaultRule[];
  /** Extra arguments for this step's `up`. */
  upArgs?: string[];
  /**
   * The changes `up` must report, as "op name" (create/update/replace/delete/create-replacement/...): compared
   * as a set, since independent resources run in parallel. Omit to skip the comparison.
   */
  up?: string[];
  /** `up` must fail with a message matching this; the step then asserts no steady state. */
  fails?: RegExp;
  /** Preview and refresh must find nothing to change after the up (default true). */
  steady?: boolean;
  /** Checks after the up (and the steady-state checks). */
  after?: (p: Project, up: RunResult) => Promise<void>;
}

export interface ScenarioOptions {
  /** Creates the project (default: a JavaScript project of `flavour` configured for `local`). */
  project?: () => Promise<Project>;
  /** Dynamic resources (default) or the `chaser` provider plugin. */
  flavour?: Flavour;
  /** Checks after destroy (default: no workspace and no live key but the root key on `local`'s personal account). */
  empty?: (local: Local) => Promise<void>;
  /** Skip the final destroy (the scenario destroyed the stack itself). */
  noDestroy?: boolean;
}

/** Preview and refresh must find nothing to change. */
export async function expectSteady(p: Project, step = ""): Promise<void> {
  const preview = expectOk(await p.preview());
  // Resources read with `get` are read again by every run: not a change.
  expect({ step, previewChanges: changes(preview).filter((c) => !c.startsWith("read ")) }).toEqual({ step, previewChanges: [] });
  // Nothing "known after apply" either (an output missing from state shows as `+ restoredAt: [unknown]`).
  const unknown = preview.events.split("\n").filter((l) => l.includes(UNKNOWN)).map((l) => l.slice(0, 300));
  expect({ step, unknownInSteadyPreview: unknown }).toEqual({ step, unknownInSteadyPreview: [] });
  const refresh = expectOk(await p.refresh());
  const drift = { update: refresh.summary.update ?? 0, delete: refresh.summary.delete ?? 0 };
  expect({ step, refreshDrift: drift }).toEqual({ step, refreshDrift: { update: 0, delete: 0 } });
}

/** The server holds no workspace and no live key other than the root key (in the personal account). */
export async function expectServerEmpty(local: Local): Promise<void> {
  expect(await local.workspaces()).toEqual([]);
  const live = (await local.keys()).filter((k) => !k.revoked_at && k.name !== "root").map((k) => k.name);
  expect(live).toEqual([]);
}

export async function runScenario(local: Local, name: string, steps: Step[], opts: ScenarioOptions = {}): Promise<Project> {
  const p = await (opts.project ? opts.project() : projectFor(local, name, opts.flavour));
  try {
    for (const step of steps) {
      if (step.program !== undefined) p.program(step.program);
      for (const [k, v] of Object.entries(step.config ?? {})) {
        await p.ok(v === null ? ["config", "rm", k] : ["config", "set", k, v]);
      }
      if (step.before) await step.before(p);
      if (step.preview) {
        const seen = (await local.requests()).length;
        const pr = expectOk(await p.preview());
        expect({ step: step.name, preview: changes(pr).sort() }).toEqual({ step: step.name, preview: [...step.preview].sort() });
        const writes = (await local.requests()).slice(seen).filter((r) => r.method !== "GET");
        expect({ step: step.name, previewWrites: writes }).toEqual({ step: step.name, previewWrites: [] });
      }
      if (step.faults) await local.faults(step.faults);
      const up = await p.up(step.upArgs ?? []);
      if (step.faults) await local.faults([]);
      if (step.fails) {
        expect({ step: step.name, code: up.code === 0 ? 0 : "failed" }).toEqual({ step: step.name, code: "failed" });
        expect(up.diagnostics.join("\n") + up.stdout + up.stderr).toMatch(step.fails);
      } else {
        if (up.code !== 0) throw new Error(`step '${step.name}': pulumi up exited ${up.code}:\n${up.diagnostics.join("\n")}\n${up.stderr.slice(-4000)}`);
        if (step.up) expect({ step: step.name, up: changes(up).sort() }).toEqual({ step: step.name, up: [...step.up].sort() });
        if (step.steady !== false) await expectSteady(p, step.name);
      }
      if (step.after) await step.after(p, up);
    }
    if (!opts.noDestroy) {
      const d = await p.destroy();
      if (d.code !== 0) throw new Error(`destroy exited ${d.code}:\n${d.diagnostics.join("\n")}\n${d.stderr.slice(-4000)}`);
      await (opts.empty ?? expectServerEmpty)(local);
    }
    return p;
  } finally {
    p.cleanup();
  }
}
