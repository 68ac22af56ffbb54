/** Sessions: only what tests need to attach a session to a workspace. */
import { randomUUID } from "node:crypto";
import { wire } from "../../../contract";
import { ApiError, invalid } from "../errors";
import type { Session } from "../records";
import { sessionInfo } from "../shapes";
import { now } from "../util";
import { Route, route } from "./route";

function newSession(accountId: string, type: string, workspaceId: string | null, image: string | null): Session {
  return { id: randomUUID(), accountId, session_type: type, status: "running", created_at: now(), workspace_id: workspaceId, image };
}

export const sessionRoutes: Route[] = [
  route({
    name: "createSession", access: "sessions.write", body: wire.createSessionRequest, audit: { action: "session.create", resourceType: "session", target: () => null },
    handle: ({ st, acct, body, base, audit }) => {
      const { session_type: sessionType, image } = body;
      if (body.ephemeral) {
        if (body.workspace != null) throw invalid("workspace", "cannot be combined with ephemeral: true (an ephemeral session has no workspace)");
        const type = sessionType ?? (image != null ? "sandbox" : "browser");
        if (image != null && type !== "sandbox") throw invalid("image", "is accepted only for sandbox sessions");
        const s = newSession(acct.id, type, null, image ?? null);
        audit.push({ resourceId: s.id, summary: `started an ephemeral ${type} session`, metadata: { session_type: type, ephemeral: true } });
        return { status: 200, body: sessionInfo(st.store.put("sessions", s.id, s), base) };
      }
      if (body.workspace == null) throw invalid("workspace", "is required (a workspace name or id) unless ephemeral is true");
      if (image != null) throw invalid("image", "is accepted only for ephemeral sessions; a workspace-backed session uses the workspace's image");
      const w = st.resolveWorkspace(acct, body.workspace);
      if (sessionType != null && sessionType !== w.session_type) {
        throw new ApiError("workspace_type_locked", `workspace '${w.name ?? w.id}' is locked to ${w.session_type} sessions`);
      }
      const live = st.liveSession(w);
      if (live) return { status: 200, body: sessionInfo(live, base) };
      const s = newSession(acct.id, w.session_type, w.id, w.image);
      audit.push({ resourceId: s.id, summary: `started a ${w.session_type} session on workspace '${w.name ?? w.id}'`, metadata: { session_type: w.session_type, workspace_id: w.id, workspace_name: w.name } });
      st.store.put("workspaces", w.id, { ...w, active_session_id: s.id, last_session_id: s.id });
      return { status: 200, body: sessionInfo(st.store.put("sessions", s.id, s), base) };
    },
  }),

  route({
    name: "listSessions", access: "sessions.read",
    handle: ({ st, acct, base }) => {
      const out: wire.SessionInfo[] = [];
      for (const s of st.d.sessions.values()) if (s.accountId === acct.id) out.push(sessionInfo(s, base));
      return { status: 200, body: out };
    },
  }),

  route({
    name: "getSession", access: "sessions.read",
    handle: ({ st, acct, params, base }) => ({ status: 200, body: sessionInfo(st.session(acct, params.id), base) }),
  }),

  route({
    name: "terminateSession", access: "sessions.write", audit: { action: "session.terminate", resourceType: "session" },
    handle: ({ st, acct, params, audit }) => {
      const s = st.session(acct, params.id);
      if (s.status === "terminated") throw new ApiError("session_not_open", "Session is already terminated");
      st.terminate(s);
      audit.push({ resourceId: s.id, summary: "terminated the session", metadata: { workspace_id: s.workspace_id } });
      return { status: 204 };
    },
  }),
];
