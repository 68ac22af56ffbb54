/** The audit log: `GET /v1/audit/events` (audit.ts keeps it). */
import { Route, route } from "./route";

export const auditRoutes: Route[] = [
  route({
    name: "listAuditEvents", access: "audit.read",
    handle: ({ st, acct, query }) => ({ status: 200, body: st.audit.query(acct.id, query) }),
  }),
];
