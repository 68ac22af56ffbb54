/** Workspaces (named persistent disks) and their snapshots. */
import { randomUUID } from "node:crypto";
import { wire } from "../../../contract";
import { ApiError, invalid, now, snapshotInfo, workspaceInfo } from "../state";
import type { Account, Snapshot, Workspace } from "../store";
import { Ctx, queryBool, Route, route } from "./route";

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
    handle: ({ st, acct, body }) => {
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
      return { status: 201, body: workspaceInfo(st.store.put("workspaces", w.id, w)) };
    },
  }),

  route({
    name: "importWorkspace", access: "workspaces.write", body: wire.importWorkspaceRequest, before: planAllowsWorkspaces,
    handle: ({ st, acct, body }) => {
      const name = body.name ?? st.generatedName(acct.id);
      if (st.nameTaken(acct.id, name)) throw nameTaken(name, acct);
      const w = newWorkspace(acct.id, { name, session_type: "sandbox", github_repo: body.github_repo });
      return { status: 201, body: workspaceInfo(st.store.put("workspaces", w.id, w)) };
    },
  }),

  route({
    name: "bulkDeleteWorkspaces", access: "workspaces.write", body: wire.bulkDeleteRequest,
    handle: ({ st, acct, body }) => {
      const force = body.force ?? false;
      const deleted: string[] = [];
      const failed: Array<{ id: string; error: { code: string; message: string } }> = [];
      for (const id of body.workspace_ids) {
        const mark = st.store.mark();
        try {
          st.deleteWorkspace(st.resolveWorkspace(acct, id), force);
          deleted.push(id);
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          st.store.rollback(mark);
          failed.push({ id, error: { code: e.code, message: e.message } });
        }
      }
      return { status: 200, body: { deleted, failed } };
    },
  }),

  route({
    name: "renameWorkspace", access: "workspaces.write", body: wire.renameWorkspaceRequest,
    handle: ({ st, acct, body, params }) => {
      const w = st.resolveWorkspace(acct, params.ws);
      const name = body.name;
      if (name !== null && st.nameTaken(acct.id, name, w.id)) throw nameTaken(name, acct);
      return { status: 200, body: workspaceInfo(st.store.put("workspaces", w.id, { ...w, name })) };
    },
  }),

  route({
    name: "setWorkspaceTemplate", access: "workspaces.write", body: wire.setTemplateRequest,
    handle: ({ st, acct, body, params }) => {
      const w = st.resolveWorkspace(acct, params.ws);
      return { status: 200, body: workspaceInfo(st.store.put("workspaces", w.id, { ...w, template: body.template })) };
    },
  }),

  route({
    name: "deleteWorkspace", access: "workspaces.write",
    handle: ({ st, acct, query, params }) => {
      const force = queryBool(query, "force");
      st.deleteWorkspace(st.resolveWorkspace(acct, params.ws), force);
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
    handle: ({ st, acct, body, params }) => {
      let w = st.resolveWorkspace(acct, params.ws);
      const name = body.name;
      if (st.hasSnapshot(w, name)) throw new ApiError("snapshot_name_taken", `snapshot '${name}' already exists in workspace '${w.name ?? w.id}'`);
      w = st.detach(w, body.force ?? false, "creating a snapshot");
      const count = [...st.snapshotsOf(w.id)].length;
      const s: Snapshot = { id: `${w.id}/${name}`, workspaceId: w.id, name, created_at: now(), size_bytes: 1_048_576 * (count + 1) };
      return { status: 201, body: snapshotInfo(st.store.put("snapshots", s.id, s)) };
    },
  }),

  route({
    name: "restoreSnapshot", access: "workspaces.write", body: wire.restoreSnapshotRequest,
    handle: ({ st, acct, body, params }) => {
      let w = st.resolveWorkspace(acct, params.ws);
      const s = st.snapshot(w, params.name);
      w = st.detach(w, body.force ?? false, "restoring a snapshot");
      return { status: 200, body: { restored: true, snapshot: snapshotInfo(s), workspace: workspaceInfo(w) } };
    },
  }),

  route({
    name: "deleteSnapshot", access: "workspaces.write",
    handle: ({ st, acct, params }) => {
      const w = st.resolveWorkspace(acct, params.ws);
      st.store.del("snapshots", st.snapshot(w, params.name).id);
      return { status: 204 };
    },
  }),
];
