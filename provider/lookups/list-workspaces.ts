/** `listWorkspaces`: the account's workspaces, or only its templates, or only the others. */
import { z } from "zod";
import { arg, defineLookup } from "../lookup";
import { WorkspaceInfo } from "./results";

export const listWorkspaces = defineLookup({
  name: "listWorkspaces",
  description: "The workspaces of the account; `template` keeps only templates (true) or only other workspaces (false).",
  args: { template: arg(z.boolean(), { description: "Keep only templates (true) or only other workspaces (false)." }) },
  result: WorkspaceInfo,
  list: true,
  typescript: { doc: "All workspaces of the account; `template: true` keeps only templates (false: only non-templates)." },
  run: async (c, a) => (await c.workspaces.list()).filter((w) => a.template === undefined || (w.template ?? false) === a.template),
});
