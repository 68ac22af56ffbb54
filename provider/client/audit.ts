/** The account's audit log: `GET /v1/audit/events` (needs `audit.read` for scoped keys), newest first. */
import { endpoint, wire } from "../../contract";
import { Core } from "./core";

export type AuditEvent = wire.AuditEvent;

export interface AuditFilters {
  action?: string;
  resourceType?: string;
  resourceId?: string;
  status?: "success" | "failure";
  /** RFC 3339: only events created before it */
  before?: string;
  /** 1 to 500 (the API's default: 100) */
  limit?: number;
}

export class Audit {
  constructor(private readonly core: Core) {}

  /** One page of events, newest first, and the cursor of the next (null: no more). */
  async page(f: AuditFilters = {}): Promise<{ events: AuditEvent[]; nextBefore: string | null }> {
    const q = new URLSearchParams();
    const set = (k: string, v: string | number | undefined) => v !== undefined && v !== null && v !== "" && q.set(k, String(v));
    set("action", f.action);
    set("resource_type", f.resourceType);
    set("resource_id", f.resourceId);
    set("status", f.status);
    set("before", f.before);
    set("limit", f.limit);
    const { path } = endpoint("listAuditEvents");
    const qs = q.toString();
    const r = await this.core.call({ method: "GET", path: qs ? `${path}?${qs}` : path }, wire.auditEventPage);
    return { events: r.events, nextBefore: r.next_before ?? null };
  }

  /**
   * Events newest first (from `before`, if given), following the cursor until `max` events, or one older than
   * `since` (RFC 3339; events at or before it are left out), or the end.
   */
  async list(f: AuditFilters & { since?: string; max?: number } = {}): Promise<AuditEvent[]> {
    const max = f.max ?? 100;
    const since = f.since !== undefined ? Date.parse(f.since) : undefined;
    const out: AuditEvent[] = [];
    let before = f.before;
    for (;;) {
      const { events, nextBefore } = await this.page({ ...f, before, limit: Math.min(500, Math.max(1, max - out.length)) });
      for (const e of events) {
        if (since !== undefined && !(Date.parse(e.created_at ?? "") > since)) return out;
        out.push(e);
        if (out.length >= max) return out;
      }
      if (!nextBefore || nextBefore === before || events.length === 0) return out;
      before = nextBefore;
    }
  }
}
