/**
 * Snapshot: a whole-disk restore point of a workspace, addressed by name under it; its id is
 * `<workspace id>/<name>`. Changing `restoreTrigger` restores the workspace to it in place; `force` is read when
 * creating or restoring; anything else replaces it.
 *
 * Stable surface: state written by 0.1.0 requires `pulumi-chaser/dist/provider/resources/snapshot.js`.
 */
import type { SnapshotInfo } from "../client";
import { ConflictError } from "../client/errors";
import { ProviderError } from "../advice";
import { contextFor, type Context } from "../context";
import { engineLog } from "../engine-log";
import { isUnknown } from "../values";
import { SnapshotModel } from "../models/snapshot";
import { isOwnAutoName } from "../naming";
import { madeSince } from "../recovery";
import { Behaviour, Props, defineResource, markTakenOver } from "../resource";

/** The workspace's name for messages (its id or the program's selector when it cannot be read). */
async function workspaceName(ctx: Context, workspaceId: string, state: Props): Promise<string> {
  try {
    return (await ctx.client.workspaces.find({ id: workspaceId }))?.name ?? String(state.workspace ?? workspaceId);
  } catch {
    return String(state.workspace ?? workspaceId);
  }
}

function splitId(id: string): { workspaceId: string; name: string } {
  const i = id.indexOf("/");
  return { workspaceId: id.slice(0, i), name: id.slice(i + 1) };
}

export const snapshot: Behaviour<typeof SnapshotModel, SnapshotInfo & { workspace_id: string }> = {
  model: SnapshotModel,
  autoName: true,
  imported: (s) => ({ workspace: s.workspace_id }),
  create: async (ctx, inputs) => {
    const sel = inputs.workspace;
    const ws = ctx.client.workspaces;
    const w = (await ws.find({ id: sel }, { fresh: true })) ?? (await ws.find({ name: sel }));
    if (!w) throw new ProviderError(`snapshot '${inputs.name}': workspace: there is no workspace '${sel}' in ${ctx.where}`);
    const name = inputs.name as string;
    const existing = inputs.adoptExisting === true ? await ctx.client.snapshots.find(w.id, name, { fresh: true }) : undefined;
    if (existing) {
      markTakenOver(`${w.id}/${name}`);
      return { id: `${w.id}/${name}`, answer: { ...existing, workspace_id: w.id }, adopted: true };
    }
    let s: SnapshotInfo;
    try {
      s = await ctx.client.snapshots.create(w.id, { name, force: inputs.force === true });
    } catch (e) {
      // A name only this resource generates, taken in its workspace: its own create, interrupted before.
      if (!(e instanceof ConflictError && isOwnAutoName(SnapshotModel.name, inputs as Props, name))) throw e;
      const found = await ctx.client.snapshots.find(w.id, name, { fresh: true });
      if (!found) throw e;
      markTakenOver(`${w.id}/${name}`);
      s = found;
    }
    return { id: `${w.id}/${s.name}`, answer: { ...s, workspace_id: w.id } };
  },
  adoptable: async (ctx, inputs) => {
    if (isUnknown(inputs.workspace) || isUnknown(inputs.name)) return undefined;
    const ws = ctx.client.workspaces;
    const w = (await ws.find({ id: inputs.workspace }, { fresh: true })) ?? (await ws.find({ name: inputs.workspace }));
    const s = w && (await ctx.client.snapshots.find(w.id, inputs.name as string, { fresh: true }));
    return w && s ? { id: `${w.id}/${s.name}`, differences: [] } : undefined;
  },
  // The snapshot of that name in that workspace: an auto-name only this resource generates, else one created since
  // the interrupted update began.
  findCreated: async (ctx, inputs, { keep, since, fresh = true }) => {
    const ws = ctx.client.workspaces;
    const w = (await ws.find({ id: inputs.workspace }, { fresh })) ?? (await ws.find({ name: inputs.workspace }));
    const s = w && (await ctx.client.snapshots.find(w.id, inputs.name as string, { fresh }));
    if (!w || !s || keep.has(`${w.id}/${s.name}`)) return undefined;
    if (!isOwnAutoName(SnapshotModel.name, inputs as Props, inputs.name as string) && !madeSince(s.created_at, since)) return undefined;
    return { id: `${w.id}/${s.name}`, answer: { ...s, workspace_id: w.id } };
  },
  read: async (ctx, id) => {
    const { workspaceId, name } = splitId(id);
    const s = await ctx.client.snapshots.find(workspaceId, name);
    return s && { ...s, workspace_id: workspaceId };
  },
  update: async (ctx, id, olds, news) => {
    const { workspaceId, name } = splitId(id);
    await ctx.client.snapshots.restore(workspaceId, name, { force: news.force === true });
    engineLog(`rolled back workspace '${await workspaceName(ctx, workspaceId, olds)}' to snapshot '${name}': the changes on its disk since the snapshot are gone`);
    return { set: { restoredAt: new Date().toISOString() } };
  },
  // A restore (restoreTrigger changed) rolls the workspace's disk back: said beside the snapshot in the preview.
  diffNotes: async (olds, news, d) => {
    if (!d.changed.includes("restoreTrigger") || d.replaces.length > 0) return [];
    const ws = await workspaceName(contextFor(olds.account as string | undefined), olds.workspaceId as string, olds);
    const when = isUnknown(news.restoreTrigger) ? " if restoreTrigger (known only after apply) changes" : "";
    return [`will roll back workspace '${ws}' to snapshot '${olds.name}'${when}: the changes on its disk since the snapshot are lost`];
  },
  delete: async (ctx, id) => {
    const { workspaceId, name } = splitId(id);
    await ctx.client.snapshots.delete(workspaceId, name);
  },
  outputs: (s, _inputs, previous) => ({
    name: s.name,
    workspaceId: s.workspace_id,
    createdAt: s.created_at ?? (previous.createdAt as string | undefined),
    sizeBytes: s.size_bytes ?? undefined,
    restoredAt: previous.restoredAt as string | undefined,
  }),
  // A fixed name kept in the same workspace would collide: delete the old snapshot first.
  deleteBeforeReplace: (olds, news, replaces) =>
    !replaces.includes("workspace") && !replaces.includes("account") && typeof news.name === "string" && news.name === olds.name && news.__autoNamed !== true,
  advice: (e, op, props) => {
    if (e.code === "snapshot_name_taken") {
      return `the name '${props.name}' is taken by another snapshot of this workspace: choose another name, or set adoptExisting: true to manage the existing snapshot`;
    }
    if (e.code === "workspace_busy") {
      return `a session is attached to the workspace, so it cannot be ${op === "update" ? "restored" : "snapshotted"}: set force: true to terminate the session first`;
    }
    return undefined;
  },
};

export const { configure, check, diff, create, read, update, remove, recover } = defineResource(snapshot);
export { remove as delete };
