/**
 * The audit log of each account (`GET /v1/audit/events`, docs/chaser-local.md "Audit log"): an event for every
 * documented action chaser-local serves, and the account actions under analogous names, with the actor (user or
 * service account, and the prefix of the key used), success or failure. Events are records of the store, so they
 * are as durable as the rest of the state; each account keeps its newest AUDIT_KEEP events (older ones are dropped
 * as new ones come), so the log is bounded in memory and on disk.
 *
 * A success event is written in the same transaction as the change it tells; a failure's event in a transaction
 * of its own after the request's changes were rolled back (see server.ts).
 */
import { randomUUID } from "node:crypto";
import { ApiError, invalid } from "./errors";
import type { AuditEvent, Key } from "./records";
import type { Store } from "./store";

/** How many events each account keeps (the oldest are dropped first). */
export const AUDIT_KEEP = 5000;
export const AUDIT_LIMIT_MAX = 500;
export const AUDIT_LIMIT_DEFAULT = 100;

/** What a handler tells about the action it performed (the route gives the action and type by default). */
export interface AuditNote {
  action?: string;
  resourceType?: string;
  resourceId: string | null;
  summary: string;
  metadata?: Record<string, unknown>;
  status?: "success" | "failure";
}

/** The API's shape of an event. */
export function auditEventInfo(e: AuditEvent) {
  return {
    id: e.id,
    actor_type: e.actor_type,
    actor_id: e.actor_id,
    action: e.action,
    resource_type: e.resource_type,
    resource_id: e.resource_id,
    status: e.status,
    summary: e.summary,
    metadata: e.metadata,
    created_at: e.created_at,
  };
}

/**
 * A sortable form of an RFC 3339 time, to the microsecond: `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC; undefined when
 * it is not one.
 */
export function timeKey(s: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}${m[4].toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = (m[3] ?? "").padEnd(6, "0").slice(0, 6);
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}

export class AuditLog {
  /** Per account, its events in order (oldest first). */
  private readonly byAccount = new Map<string, AuditEvent[]>();
  private lastSeq = 0;
  private lastKey = "";

  constructor(private readonly store: Store) {
    store.onChange((c, _id, prev, next) => {
      if (c !== "auditEvents") return;
      if (prev) this.unindex(prev as AuditEvent);
      if (next) this.index(next as AuditEvent);
    });
  }

  private index(e: AuditEvent): void {
    let list = this.byAccount.get(e.accountId);
    if (!list) this.byAccount.set(e.accountId, (list = []));
    list.push(e);
    if (list.length > 1 && list[list.length - 2].seq > e.seq) list.sort((a, b) => a.seq - b.seq);
    this.lastSeq = Math.max(this.lastSeq, e.seq);
    const k = timeKey(e.created_at) ?? "";
    if (k > this.lastKey) this.lastKey = k;
  }

  private unindex(e: AuditEvent): void {
    const list = this.byAccount.get(e.accountId);
    if (!list) return;
    const i = list[0]?.id === e.id ? 0 : list.findIndex((x) => x.id === e.id);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byAccount.delete(e.accountId);
  }

  /** A creation time later than every event's so far (microseconds count up within a millisecond). */
  private stamp(): string {
    const ms = new Date().toISOString();
    let k = `${ms.slice(0, 23)}000Z`;
    if (k <= this.lastKey) {
      // Same millisecond (or a clock step back): one microsecond after the last.
      const last = this.lastKey;
      const micros = Number(last.slice(20, 26)) + 1;
      k = micros >= 1_000_000 ? `${new Date(Date.parse(last.slice(0, 19) + "Z") + 1000).toISOString().slice(0, 19)}.000000Z` : `${last.slice(0, 20)}${String(micros).padStart(6, "0")}Z`;
    }
    return k;
  }

  /** Records an event in the open transaction, dropping the account's oldest beyond AUDIT_KEEP. */
  record(accountId: string, actor: Key, note: AuditNote & { action: string; resourceType: string }): AuditEvent {
    const e: AuditEvent = {
      id: `evt_${randomUUID()}`,
      accountId,
      seq: this.lastSeq + 1,
      actor_type: actor.serviceAccountId !== null ? "service_account" : "user",
      actor_id: actor.serviceAccountId ?? actor.userId ?? "",
      action: note.action,
      resource_type: note.resourceType,
      resource_id: note.resourceId,
      status: note.status ?? "success",
      summary: note.summary,
      metadata: { key_prefix: actor.prefix || null, ...(note.metadata ?? {}) },
      created_at: this.stamp(),
    };
    const stored = this.store.put("auditEvents", e.id, e);
    const list = this.byAccount.get(accountId) ?? [];
    while (list.length > AUDIT_KEEP) this.store.del("auditEvents", list[0].id);
    return stored;
  }

  /** `GET /v1/audit/events`: newest first, the documented filters, cursor `before`, `limit` ≤ 500. */
  query(accountId: string, q: URLSearchParams): { events: ReturnType<typeof auditEventInfo>[]; next_before: string | null } {
    const status = q.get("status");
    if (status !== null && status !== "success" && status !== "failure") throw invalid("status", `must be success or failure (got '${status.slice(0, 40)}')`);
    const rawBefore = q.get("before");
    const before = rawBefore === null ? undefined : timeKey(rawBefore);
    if (rawBefore !== null && before === undefined) throw invalid("before", `must be an RFC 3339 time, e.g. 2026-12-01T14:03:00Z (got '${rawBefore.slice(0, 40)}')`);
    const rawLimit = q.get("limit");
    const limit = rawLimit === null ? AUDIT_LIMIT_DEFAULT : /^\d{1,4}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= AUDIT_LIMIT_MAX)) throw new ApiError("invalid_request", `limit: must be a whole number from 1 to ${AUDIT_LIMIT_MAX} (got '${(rawLimit ?? "").slice(0, 40)}')`);
    const filters = (["action", "resource_type", "resource_id"] as const).map((f) => [f, q.get(f)] as const).filter(([, v]) => v !== null);
    const list = this.byAccount.get(accountId) ?? [];
    const out: AuditEvent[] = [];
    let more = false;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i];
      if (before !== undefined && !((timeKey(e.created_at) ?? "") < before)) continue;
      if (status !== null && e.status !== status) continue;
      if (filters.some(([f, v]) => e[f] !== v)) continue;
      if (out.length === limit) {
        more = true;
        break;
      }
      out.push(e);
    }
    return { events: out.map(auditEventInfo), next_before: more ? out[out.length - 1].created_at : null };
  }
}
