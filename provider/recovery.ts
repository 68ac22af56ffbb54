/**
 * What `chaser-recover` tells the provider of the update it runs to bring in what an interrupted update made
 * (with `PULUMI_SKIP_CHECKPOINTS=true` such an update leaves nothing of it in state): a file named by
 * `CHASER_RECOVER_FILE`, written by chaser-recover for that one targeted `pulumi up` and removed after it.
 *
 * - `since`: when the interrupted update began (the stack lock it took), on the API's clock, less a margin: an
 *   object created before it was not made by that update.
 * - `resources`: URN → the id chaser-recover found (the object that resource's create takes over, its identity
 *   checked again), or null for a WorkspaceCommand (a job cannot be looked up without a POST: its create walks
 *   its idempotency keys and takes over a job made since `since`).
 *
 * Outside such an update (no variable) nothing here applies: a create creates.
 */
import * as fs from "node:fs";

export const RECOVER_FILE_ENV = "CHASER_RECOVER_FILE";

export interface RecoveryPlan {
  /** ISO time: objects created at or after it may be the interrupted update's. */
  since: string;
  resources: Record<string, string | null>;
}

let loaded: { file: string; plan: RecoveryPlan | undefined } | undefined;

function plan(): RecoveryPlan | undefined {
  const file = process.env[RECOVER_FILE_ENV];
  if (!file) return undefined;
  if (loaded?.file !== file) {
    let p: RecoveryPlan | undefined;
    try {
      p = JSON.parse(fs.readFileSync(file, "utf8")) as RecoveryPlan;
    } catch {
      p = undefined; // no plan: nothing is taken over
    }
    loaded = { file, plan: p };
  }
  return loaded.plan;
}

/** For a create of `urn` in chaser-recover's update: the object to take over (id, or null: a command) and `since`. */
export function recoveryOf(urn: unknown): { id: string | null; since: string } | undefined {
  const p = plan();
  if (!p || typeof urn !== "string" || !(urn in p.resources)) return undefined;
  return { id: p.resources[urn], since: p.since };
}

/**
 * Whether an object created at `createdAt` (the API's `created_at`) is recent enough to be the interrupted
 * update's: at or after `since`. Without a bound (`since` undefined) nothing is excluded; an object without a
 * creation time is never taken for one.
 */
export function madeSince(createdAt: string | null | undefined, since: string | undefined): boolean {
  if (since === undefined) return true;
  const t = Date.parse(createdAt ?? "");
  return Number.isFinite(t) && t >= Date.parse(since);
}
