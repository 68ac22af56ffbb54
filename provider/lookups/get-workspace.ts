/** `getWorkspace`: one workspace by id or name. */
import { z } from "zod";
import { describeAccount } from "../../contract";
import { arg, defineLookup } from "../lookup";
import { WorkspaceInfo } from "./results";

export const getWorkspace = defineLookup({
  name: "getWorkspace",
  description: "One workspace by `id` or by `name` (case-insensitive); fails when there is none.",
  args: {
    id: arg(z.string(), { description: "The workspace's id." }),
    name: arg(z.string(), { description: "The workspace's name (when no id)." }),
  },
  result: WorkspaceInfo,
  typescript: { oneOf: true, outputDoc: "`getWorkspace` for inputs (e.g. another resource's output); unknown during a preview until they are known." },
  async run(c, sel) {
    const w = await c.workspaces.find(sel.id !== undefined ? { id: sel.id } : { name: sel.name ?? "" });
    if (!w) throw new Error(`getWorkspace: no workspace ${sel.id !== undefined ? `with id '${sel.id}'` : `named '${sel.name ?? ""}'`} in ${describeAccount(c.config.account)}`);
    return w;
  },
});
