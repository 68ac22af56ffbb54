/** `listSnapshots`: the snapshots of a workspace, named by id or name. */
import { z } from "zod";
import { defineLookup, requiredArg } from "../lookup";
import { SnapshotInfo } from "./results";

export const listSnapshots = defineLookup({
  name: "listSnapshots",
  description: "The snapshots of a workspace.",
  args: { workspace: requiredArg(z.string(), { description: "The workspace (id or name)." }) },
  result: SnapshotInfo,
  list: true,
  typescript: { doc: "Snapshots of a workspace (id or name).", outputDoc: "`listSnapshots` for inputs (e.g. `{ workspace: ws.workspaceId }`)." },
  async run(c, a) {
    const w = (await c.workspaces.find({ id: a.workspace })) ?? (await c.workspaces.find({ name: a.workspace }));
    const snaps = await c.snapshots.list(w?.id ?? a.workspace);
    return snaps.map((s) => ({ ...s, workspace_id: s.workspace_id ?? w?.id }));
  },
});
