/** The Snapshot model: a whole-disk restore point of a workspace, addressed by name under it. */
import { z } from "zod";
import { rules } from "../../contract";
import { accountInput, adoptExisting, adoptionNeedsName, alwaysOutput, bool, defineModel, input, output, requiredInput } from "../model";

export const SnapshotModel = defineModel({
  name: "Snapshot",
  description: "A whole-disk restore point of a workspace. Changing `restoreTrigger` restores the workspace to it in place.",
  inputs: z.object({
    workspace: requiredInput(rules.workspaceSelector, { behavior: "replace", description: "The workspace (id preferred, stable across renames; or name)." }),
    name: input(rules.slugName, { behavior: "replace", computed: true, description: "Snapshot name, unique in its workspace. Default: the logical name plus a suffix derived from the stack and the resource." }),
    force: input(bool, { behavior: "state", description: "Create or restore even while a session is attached, terminating it first (otherwise that fails)." }),
    restoreTrigger: input(z.union([z.string(), z.number(), z.boolean()], "must be a string, number or boolean"), {
      behavior: "update",
      description: "Any value; changing it restores the workspace to this snapshot (in place).",
    }),
    account: accountInput("Account of the workspace"),
    adoptExisting: adoptExisting("Take over the existing snapshot of this `name` in the workspace instead of creating one"),
  }),
  outputs: z.object({
    name: alwaysOutput(z.string(), { description: "The snapshot's name." }),
    workspaceId: alwaysOutput(z.string(), { description: "The workspace's UUID." }),
    createdAt: output(z.string(), { description: "Creation time (RFC 3339)." }),
    sizeBytes: output(z.number().int(), { description: "Size reported by the API, or null." }),
    restoredAt: output(z.string(), { description: "When this provider last restored the workspace to the snapshot, or null." }),
  }),
  rules: (v, known) => adoptionNeedsName("snapshot", v, known as never),
});
