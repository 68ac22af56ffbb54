/** `listAuditEvents`: the account's audit log, filtered. */
import { z } from "zod";
import { arg, defineLookup } from "../lookup";
import { AuditEventInfo } from "./results";

const time = z.string().refine((s) => !Number.isNaN(Date.parse(s)));

export const listAuditEvents = defineLookup({
  name: "listAuditEvents",
  description: "The account's audit log, newest first: who did what to which object, and when. Needs `audit.read` for a scoped key.",
  args: {
    action: arg(z.string(), { description: "Only this action (e.g. `workspace.name.update`).", doc: "only this action, e.g. `workspace.name.update`" }),
    resourceType: arg(z.string(), { description: "Only objects of this kind (e.g. `workspace`, `snapshot`, `api_key`).", doc: "only objects of this kind, e.g. `workspace`, `snapshot`, `api_key`" }),
    resourceId: arg(z.string(), { description: "Only this object (its id).", doc: "only this object (its id; a snapshot's is `<workspace id>/<name>`)" }),
    status: arg(z.enum(["success", "failure"]), { description: "Only `success` or only `failure`.", rule: "must be success or failure", doc: "only `success` or only `failure`" }),
    since: arg(time, { description: "Only events after this time (RFC 3339).", rule: "must be an RFC 3339 time", doc: "only events after this time (RFC 3339)" }),
    before: arg(time, { description: "Only events before this time (RFC 3339).", rule: "must be an RFC 3339 time", doc: "only events before this time (RFC 3339)" }),
    limit: arg(z.number().int().min(1).max(5000), {
      description: "At most this many events (default 100, at most 5000; pages of 500 are followed).",
      rule: "must be a whole number from 1 to 5000",
      doc: "at most this many (default 100, at most 5000; the API's pages of 500 are followed)",
    }),
  },
  result: AuditEventInfo,
  list: true,
  typescript: {
    doc: "The account's audit log, newest first: who did what to which object, and when (`audit.read` for a scoped key).",
    outputDoc: "`listAuditEvents` for inputs (e.g. `{ resourceId: ws.workspaceId }`).",
    argsType: { name: "AuditEventFilters", doc: "The filters of `listAuditEvents` (each optional)." },
  },
  run: (c, { limit, ...filters }) => c.audit.list({ ...filters, max: limit ?? 100 }),
});
