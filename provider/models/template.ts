/**
 * The Template model: a workspace flagged as a clone source. With `workspace`, it flags that existing workspace;
 * otherwise it creates a workspace of its own from the workspace inputs.
 */
import { z } from "zod";
import { rules } from "../../contract";
import { Failure, alwaysOutput, defineModel, input } from "../model";
import { workspaceInputs, workspaceOutputs, workspaceRules } from "./workspace";

/** Inputs that only a Template creating its own workspace takes. */
export const OWN_ONLY = ["name", "sessionType", "image", "cloneFrom", "recloneOnSourceChange", "githubRepo", "deletionProtection", "forceDelete", "adoptExisting"] as const;

const templateInputs = {
  workspace: input(rules.workspaceSelector, {
    behavior: "replace",
    description: "Flag this existing workspace (id preferred, or name) instead of creating one. Deleting the Template then only clears the flag.",
  }),
  ...workspaceInputs,
  template: input(z.boolean(), {
    behavior: "update",
    internal: true,
    refreshed: true,
    description: "Always true: the desired flag, so that a flag cleared outside Pulumi is repaired.",
  }),
};

type Known = (...keys: (keyof typeof templateInputs)[]) => boolean;

export const TemplateModel = defineModel({
  name: "Template",
  description: "A workspace flagged as a clone source: either an existing workspace flagged (`workspace`), or a workspace of its own created with the Workspace inputs. Clones are independent and survive the template.",
  inputs: z.object(templateInputs),
  outputs: z.object({ ...workspaceOutputs, template: alwaysOutput(z.boolean(), { description: "Whether the workspace is flagged as a template." }) }),
  rules: (v, known: Known): Failure[] => {
    if (v.workspace === undefined) return workspaceRules(v, known);
    return OWN_ONLY.filter((k) => v[k] !== undefined && !(k === "name" && v.__autoNamed === true)).map((k) => ({
      property: k,
      reason: `${k} cannot be set with workspace: this Template flags an existing workspace and does not create one`,
    }));
  },
});
