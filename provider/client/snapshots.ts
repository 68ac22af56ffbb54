/** Snapshots of a workspace, addressed by name under it: list, create, restore, delete. */
import { endpoint, wire } from "../../contract";
import { Core } from "./core";
import { createOnce } from "./create-once";
import { existed } from "./errors";

export type SnapshotInfo = wire.SnapshotInfo;

export class Snapshots {
  constructor(private readonly core: Core) {}

  /** The snapshots of a workspace (its id, preferred, or its name). */
  list(workspace: string, opts: { fresh?: boolean } = {}): Promise<SnapshotInfo[]> {
    return this.core.shared(`snapshots:${workspace}`, () => this.core.call(endpoint("listSnapshots", { ws: workspace }), wire.snapshotList), opts.fresh);
  }

  async find(workspace: string, name: string, opts: { fresh?: boolean } = {}): Promise<SnapshotInfo | undefined> {
    return (await this.list(workspace, opts)).find((s) => s.name === name);
  }

  /** Snapshot names are unique in their workspace: an unknown outcome is reconciled by name. */
  create(workspace: string, req: { name: string; force?: boolean }): Promise<SnapshotInfo> {
    return createOnce(this.core, {
      what: `snapshot '${req.name}'`,
      send: () => this.core.call({ ...endpoint("createSnapshot", { ws: workspace }), body: { name: req.name, force: req.force ?? false } }, wire.snapshotInfo),
      reconcile: () => this.find(workspace, req.name, { fresh: true }),
    });
  }

  /** Restoring is idempotent: sending it again after an unknown outcome restores the same disk state. */
  restore(workspace: string, name: string, opts: { force?: boolean } = {}): Promise<void> {
    return this.core.call({ ...endpoint("restoreSnapshot", { ws: workspace, name }), body: { force: opts.force ?? false }, idempotent: true });
  }

  /** Resolves false when the snapshot (or its workspace) was already gone. */
  delete(workspace: string, name: string): Promise<boolean> {
    return existed(this.core.call(endpoint("deleteSnapshot", { ws: workspace, name })));
  }
}
