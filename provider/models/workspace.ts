/**
 * The Workspace model: a named persistent disk of one session type; fresh, cloned, or imported from GitHub.
 * Its inputs are shared with a Template that creates its own workspace.
 */
import { z } from "zod";
import { rules } from "../../contract";
import { Failure, accountInput, adoptExisting, adoptionNeedsName, alwaysOutput, bool, defineModel, input, output } from "../model";

const flag = (description: string) => input(bool, { behavior: "state", description });

/** The inputs of a workspace definition (Workspace, and a Template that creates its own). */
export const workspaceInputs = {
  name: input(rules.slugName, {
    behavior: "update",
    computed: true,
    refreshed: true,
    description: "Name, unique per account case-insensitively, at most 64 characters (letters, digits, `-`, `_`, `.`). Renamed in place. Default: the logical name plus a suffix derived from the stack and the resource, the same in previews and updates.",
  }),
  sessionType: input(rules.sessionType, { behavior: "replace", computed: true, description: "`browser` or `sandbox`. Required for a fresh workspace; inherited by clones." }),
  image: input(rules.image, { behavior: "replace", computed: true, description: "OCI image for a fresh sandbox workspace." }),
  cloneFrom: input(rules.workspaceSelector, {
    behavior: "state",
    description:
      "Clone this workspace or template (name or id) instead of starting fresh. The source matters only at creation: a clone is an independent copy, so a later change of `cloneFrom` (for instance its template replaced, which changes its id) keeps the workspace and its disk, unless `recloneOnSourceChange` is true.",
  }),
  recloneOnSourceChange: flag(
    "When true, a change of `cloneFrom` replaces the workspace with a new clone of the new source (its disk and snapshots are deleted); by default the clone keeps its disk.",
  ),
  githubRepo: input(rules.githubRepo, { behavior: "replace", description: "Import this GitHub repository (`owner/repo`) into `/workspace`." }),
  account: accountInput("Account (id, exact name or `personal`) to create it in"),
  deletionProtection: flag("When true, destroying or replacing the workspace fails until this is set to false and applied."),
  forceDelete: flag("When true, deletion terminates attached sessions instead of failing."),
  adoptExisting: adoptExisting("Take over the existing workspace of this `name` (fixed properties must match) instead of creating one"),
};

/**
 * What the API says of a workspace. Whether it is flagged as a template is not among them: that is a Template's
 * business (its `template` output), and a Workspace that a Template of the same program flags would otherwise
 * hold a stale value until a refresh.
 */
export const workspaceOutputs = {
  workspaceId: alwaysOutput(z.string(), { wire: "id", isId: true, description: "The workspace's UUID (also the resource id)." }),
  name: alwaysOutput(z.string(), { description: "The workspace's name." }),
  sessionType: output(rules.sessionType, { description: "`browser` or `sandbox` (inherited by clones)." }),
  image: output(z.string(), { description: "OCI image of a sandbox workspace, or null." }),
  githubRepo: output(z.string(), { description: "The GitHub repository it was imported from, or null." }),
  status: output(z.string(), { description: "Status as reported by the API (an open set of values)." }),
  createdAt: output(z.string(), { description: "Creation time (RFC 3339)." }),
  persistence: output(z.boolean(), { description: "Whether the disk persists after sessions end." }),
  activeSessionId: output(z.string(), { description: "The session attached now, or null." }),
  lastSessionId: output(z.string(), { description: "The last session attached, or null." }),
  sourceWorkspaceId: output(z.string(), { description: "For a clone: the workspace it was cloned from." }),
  nodeEndpoint: output(z.string(), { description: "Node endpoint reported by the API, or null." }),
  assistantHome: output(z.string(), { description: "Assistant home reported by the API, or null." }),
};

type WorkspaceDefinition = Partial<z.infer<z.ZodObject<typeof workspaceInputs>>> & { __autoNamed?: boolean };

/** The rules across the fields of a workspace definition. */
export function workspaceRules(v: WorkspaceDefinition, known: (...keys: (keyof typeof workspaceInputs)[]) => boolean): Failure[] {
  const f: Failure[] = [];
  if (!known("sessionType", "image", "cloneFrom", "githubRepo")) return f;
  const { sessionType, image, cloneFrom, githubRepo } = v;
  if (cloneFrom !== undefined && githubRepo !== undefined) {
    f.push({ property: "githubRepo", reason: "githubRepo and cloneFrom cannot both be set: a workspace is either cloned or imported" });
  }
  if (githubRepo !== undefined && sessionType !== undefined) {
    f.push({ property: "sessionType", reason: "sessionType cannot be set with githubRepo: the import endpoint decides the session type" });
  }
  if (cloneFrom === undefined && githubRepo === undefined && sessionType === undefined) {
    f.push({ property: "sessionType", reason: "sessionType is required for a fresh workspace ('browser' or 'sandbox'); or set cloneFrom or githubRepo" });
  }
  if (image !== undefined) {
    if (cloneFrom !== undefined) f.push({ property: "image", reason: "image cannot be set with cloneFrom: a clone inherits the image of its source" });
    else if (githubRepo !== undefined) f.push({ property: "image", reason: "image cannot be set with githubRepo" });
    else if (sessionType === "browser") f.push({ property: "image", reason: "image is only accepted for sandbox workspaces (sessionType 'browser' takes no image)" });
  }
  return [...f, ...adoptionNeedsName("workspace", v, known as never)];
}

export const WorkspaceModel = defineModel({
  name: "Workspace",
  description: "A named persistent disk of one session type: fresh, cloned from another workspace or template, or imported from a GitHub repository. Renaming is done in place; everything else fixed at creation replaces it.",
  inputs: z.object(workspaceInputs),
  outputs: z.object(workspaceOutputs),
  rules: workspaceRules,
});
