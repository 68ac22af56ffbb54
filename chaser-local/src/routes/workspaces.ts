/** Workspaces (named persistent disks) and their snapshots. */
import { randomUUID } from "node:crypto";
import { wire } from "../../../contract";
import { ApiError, invalid } from "../errors";
import type { Account, Snapshot, Workspace } from "../records";
import { snapshotInfo, workspaceInfo } from "../shapes";
import { now } from "../util";
import { AuditSpec, Ctx, queryBool, Route, route } from "./route";

/** The workspace a request names, for a failure's audit event: its id when it resolves, else the selector. */
const wsTarget = (c: Ctx<unknown>) => {
  try {
    return c.st.resolveWorkspace(c.acct, c.params.ws).id;
  } catch {
    return c.params.ws ?? null;
  }
};
const onWorkspace = (action: string): AuditSpec => ({ action, resourceType: "workspace", target: wsTarget });
/** A snapshot's audit id is its record's: `<workspace id>/<name>` (the provider's Snapshot id). */
const onSnapshot = (action: string): AuditSpec => ({ action, resourceType: "snapshot", target: (c) => `${wsTarget(c)}/${c.params.name}` });
const shown = (v: string | null) => (v === null ? "none" : `'${v}'`);

function planAllowsWorkspaces({ acct }: Ctx<unknown>): void {
  if (acct.plan === "free") throw new ApiError("plan_limit", `account '${acct.name}' is on the free plan, which cannot create workspaces`);
}

function nameTaken(name: string, acct: Account): ApiError {
  return new ApiError("workspace_name_taken", `workspace name '${name}' is taken in account '${acct.name}' (names are unique case-insensitively)`);
}

function newWorkspace(accountId: string, fields: Partial<Workspace>): Workspace {
  return {
    id: randomUUID(), accountId, name: null, session_type: "browser", image: null, template: false, github_repo: null,
    source_workspace_id: null, created_at: now(), active_session_id: null, last_session_id: null, ...fields,
  };
}

export const workspaceRoutes: Route[] = [
  route({
    name: "listWorkspaces", access: "workspaces.read",
    handle: ({ st, acct }) => ({ status: 200, raw: st.listing(acct.id) }),
  }),

  route({
    name: "createWorkspace", access: "workspaces.write", body: wire.createWorkspaceRequest, before: planAllowsWorkspaces,
    audit: { action: "workspace.create", resourceType: "workspace", target: () => null },
    handle: ({ st, acct, body, audit }) => {
      const { name, session_type: sessionType, image, clone_from: cloneFrom } = body;
      const template = body.template ?? false;
      let w: Workspace;
      if (cloneFrom != null) {
        if (image != null) throw invalid("image", "cannot be set when cloning: a clone inherits the image of its source");
        const src = st.resolveWorkspace(acct, cloneFrom, "clone_from");
        if (sessionType != null && sessionType !== src.session_type) {
          throw new ApiError("workspace_type_locked", `workspace '${src.name ?? src.id}' is a ${src.session_type} workspace; a clone inherits its session type`);
        }
        const live = st.liveSession(src);
        if (live) throw new ApiError("workspace_busy", `cloning is blocked while workspace '${src.name ?? src.id}' has an active session (${live.id})`);
        w = newWorkspace(acct.id, { session_type: src.session_type, image: src.image, github_repo: src.github_repo, source_workspace_id: src.id, template });
      } else {
        if (sessionType == null) throw invalid("session_type", "is required for a fresh workspace ('browser' or 'sandbox')");
        if (image != null && sessionType !== "sandbox") throw invalid("image", "is accepted only for sandbox workspaces (session_type 'sandbox')");
        w = newWorkspace(acct.id, { session_type: sessionType, image: image ?? null, template });
      }
      w.name = name ?? st.generatedName(acct.id);
      if (st.nameTaken(acct.id, w.name)) throw nameTaken(w.name, acct);
      audit.push({ resourceId: w.id, summary: `created workspace '${w.name}'${cloneFrom != null ? ` as a clone of '${cloneFrom}'` : ""}`, metadata: { name: w.name, session_type: w.session_type, template: w.template, source_workspace_id: w.source_workspace_id } });
      return { status: 201, body: workspaceInfo(st.store.put("workspaces", w.id, w)) };
    },
  }),

  route({
    name: "importWorkspace", access: "workspaces.write", body: wire.importWorkspaceRequest, before: planAllowsWorkspaces,
    audit: { action: "workspace.create", resourceType: "workspace", target: () => null },
    handle: ({ st, acct, body, audit }) => {
      const name = body.name ?? st.generatedName(acct.id);
      if (st.nameTaken(acct.id, name)) throw nameTaken(name, acct);
      const w = newWorkspace(acct.id, { name, session_type: "sandbox", github_repo: body.github_repo });
      audit.push({ resourceId: w.id, summary: `created workspace '${name}' from ${body.github_repo}`, metadata: { name, session_type: "sandbox", github_repo: body.github_repo } });
      return { status: 201, body: workspaceInfo(st.store.put("workspaces", w.id, w)) };
    },
  }),

  route({
    name: "bulkDeleteWorkspaces", access: "workspaces.write", body: wire.bulkDeleteRequest,
    audit: { action: "workspace.delete", resourceType: "workspace", target: () => null },
    handle: ({ st, acct, body, audit }) => {
      const force = body.force ?? false;
      const deleted: string[] = [];
      const failed: Array<{ id: string; error: { code: string; message: string } }> = [];
      for (const id of body.workspace_ids) {
        const mark = st.store.mark();
        let target: Workspace | undefined;
        try {
          target = st.resolveWorkspace(acct, id);
          st.deleteWorkspace(target, force);
          deleted.push(id);
          audit.push({ resourceId: target.id, summary: `deleted workspace ${shown(target.name)}`, metadata: { name: target.name, force } });
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          st.store.rollback(mark);
          failed.push({ id, error: { code: e.code, message: e.message } });
          audit.push({ resourceId: target?.id ?? id, status: "failure", summary: `workspace.delete failed: ${e.message}`, metadata: { error_code: e.code } });
        }
      }
      return { status: 200, body: { deleted, failed } };
    },
  }),

  route({
    name: "renameWorkspace", access: "workspaces.write", body: wire.renameWorkspaceRequest, audit: onWorkspace("workspace.name.update"),
    handle: ({ st, acct, body, params, audit }) => {
      const w = st.resolveWorkspace(acct, params.ws);
      const name = body.name;
      if (name !== null && st.nameTaken(acct.id, name, w.id)) throw nameTaken(name, acct);
      audit.push({ resourceId: w.id, summary: `renamed workspace from ${shown(w.name)} to ${shown(name)}`, metadata: { from: w.name, to: name } });
      return { status: 200, body: workspaceInfo(st.store.put("workspaces", w.id, { ...w, name })) };
    },
  }),

  route({
    name: "setWorkspaceTemplate", access: "workspaces.write", body: wire.setTemplateRequest, audit: onWorkspace("workspace.template.update"),
    handle: ({ st, acct, body, params, audit }) => {
      const w = st.resolveWorkspace(acct, params.ws);
      audit.push({ resourceId: w.id, summary: `set the template flag of workspace ${shown(w.name)} to ${body.template}`, metadata: { name: w.name, from: w.template, to: body.template } });
      return { status: 200, body: workspaceInfo(st.store.put("workspaces", w.id, { ...w, template: body.template })) };
    },
  }),

  route({
    name: "deleteWorkspace", access: "workspaces.write", audit: onWorkspace("workspace.delete"),
    handle: ({ st, acct, query, params, audit }) => {
      const force = queryBool(query, "force");
      const w = st.resolveWorkspace(acct, params.ws);
      st.deleteWorkspace(w, force);
      audit.push({ resourceId: w.id, summary: `deleted workspace ${shown(w.name)}`, metadata: { name: w.name, force } });
      return { status: 204 };
    },
  }),

  // ---- snapshots ------------------------------------------------------------------------------------------
  route({
    name: "listSnapshots", access: "workspaces.read",
    handle: ({ st, acct, params }) => {
      const w = st.resolveWorkspace(acct, params.ws);
      return { status: 200, body: [...st.snapshotsOf(w.id)].map(snapshotInfo) };
    },
  }),

  route({
    name: "createSnapshot", access: "workspaces.write", body: wire.createSnapshotRequest,
    // A failure names the workspace (the snapshot may not exist).
    audit: { action: "workspace.snapshot.create", resourceType: "snapshot", target: wsTarget },
    handle: ({ st, acct, body, params, audit }) => {
      let w = st.resolveWorkspace(acct, params.ws);
      const name = body.name;
      if (st.hasSnapshot(w, name)) throw new ApiError("snapshot_name_taken", `snapshot '${name}' already exists in workspace '${w.name ?? w.id}'`);
      w = st.detach(w, body.force ?? false, "creating a snapshot");
      const count = [...st.snapshotsOf(w.id)].length;
      const s: Snapshot = { id: `${w.id}/${name}`, workspaceId: w.id, name, created_at: now(), size_bytes: 1_048_576 * (count + 1) };
      audit.push({ resourceId: s.id, summary: `created snapshot '${name}' of workspace ${shown(w.name)}`, metadata: { name, workspace_id: w.id, workspace_name: w.name, force: body.force ?? false } });
      return { status: 201, body: snapshotInfo(st.store.put("snapshots", s.id, s)) };
    },
  }),

  route({
    name: "restoreSnapshot", access: "workspaces.write", body: wire.restoreSnapshotRequest, audit: onSnapshot("workspace.snapshot.restore"),
    handle: ({ st, acct, body, params, audit }) => {
      let w = st.resolveWorkspace(acct, params.ws);
      const s = st.snapshot(w, params.name);
      audit.push({ resourceId: s.id, summary: `restored workspace ${shown(w.name)} to snapshot '${s.name}'`, metadata: { name: s.name, workspace_id: w.id, workspace_name: w.name, force: body.force ?? false } });
      w = st.detach(w, body.force ?? false, "restoring a snapshot");
      return { status: 200, body: { restored: true, snapshot: snapshotInfo(s), workspace: workspaceInfo(w) } };
    },
  }),

  route({
    name: "deleteSnapshot", access: "workspaces.write", audit: onSnapshot("workspace.snapshot.delete"),
    handle: ({ st, acct, params, audit }) => {
      const w = st.resolveWorkspace(acct, params.ws);
      const s = st.snapshot(w, params.name);
      st.store.del("snapshots", s.id);
      audit.push({ resourceId: s.id, summary: `deleted snapshot '${s.name}' of workspace ${shown(w.name)}`, metadata: { name: s.name, workspace_id: w.id, workspace_name: w.name } });
      return { status: 204 };
    },
  }),
];
