/**
 * Drift explained (issue 21): when `read` finds an object changed (a refreshed input differs from state) or gone,
 * the account's audit log tells who did it and when, beside the resource:
 *
 *   changed outside Pulumi: renamed from 'api-dev' to 'api-tmp' by alice@acme.dev (user, key sk_ab12…) at 2026-12-01 14:03 UTC
 *
 * Only on drift: a read that finds nothing changed sends no audit request. The events looked at are the object's
 * (`resource_id` = the resource's id), successful, newer than the moment the stack last wrote the object: that
 * moment is kept in the outputs as `__writtenAt` (set by create, update and a refresh that took a drift in; state
 * written before it has none, and then the object's newest events are told). Without `audit.read` (403) one hint
 * per provider process names the scope; the refresh goes on. Nothing here ever fails a read.
 *
 * Works in both flavours of provider: it is called from the skeleton's `read` and speaks through `engineLog`.
 */
import type { AuditEvent, ChaserClient } from "./client";
import { ForbiddenError } from "./client/errors";
import { debug } from "./client/debug";
import type { Context } from "./context";
import { engineLog } from "./engine-log";

/** The output key holding when the stack last wrote the object (RFC 3339, the provider's clock). */
export const WRITTEN_AT = "__writtenAt";

/** The moment to record in the outputs after a write. */
export const writtenNow = (): string => new Date().toISOString();

/** At most this many events are told per object (the newest). */
const MAX_TOLD = 5;

export interface Drift {
  /** the object no longer exists */
  gone: boolean;
  /** refreshed inputs whose value differs from state */
  changed: Array<{ key: string; from: unknown; to: unknown }>;
}

/** Clients whose key was refused the audit log (403): asked no more, and the hint said once per process. */
const refused = new WeakSet<ChaserClient>();
let hinted = false;

const q = (v: unknown) => (v === null || v === undefined ? "none" : `'${String(v)}'`);

/** `2026-12-01 14:03 UTC` */
export function when(iso: string | null | undefined): string {
  const t = Date.parse(iso ?? "");
  if (Number.isNaN(t)) return iso ?? "an unknown time";
  return `${new Date(t).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** An event's action in words (passive: "renamed from 'a' to 'b'", "template flag cleared"). */
export function actionWords(e: AuditEvent): string {
  const m = (e.metadata ?? {}) as Record<string, unknown>;
  switch (e.action) {
    case "workspace.name.update":
      return `renamed from ${q(m.from)} to ${q(m.to)}`;
    case "workspace.template.update":
      return m.to === false ? "template flag cleared" : m.to === true ? "template flag set" : "template flag changed";
    case "workspace.create":
    case "api_key.create":
    case "account.service_account.create":
      return "created";
    case "workspace.delete":
    case "account.ssh_key.delete":
      return "deleted";
    case "account.service_account.delete":
      return "deleted (its keys revoked)";
    case "workspace.snapshot.create":
      return `snapshot ${q(m.name)} created`;
    case "workspace.snapshot.restore":
      return `restored to snapshot ${q(m.name)}`;
    case "workspace.snapshot.delete":
      return `snapshot ${q(m.name)} deleted`;
    case "api_key.revoke":
      return "revoked";
    case "session.create":
      return "a session started";
    case "session.terminate":
      return "its session terminated";
    case "account.member.add":
      return `added as ${String(m.role ?? "member")}`;
    case "account.member.role.update":
      return `role changed from ${q(m.from)} to ${q(m.to)}`;
    case "account.member.remove":
      return "removed from the organization";
    case "account.ssh_key.add":
      return "added";
    default:
      return e.summary ? e.summary : e.action;
  }
}

/** Who: the email of a user or the name of a service account where the API gives it (else the id), the key's prefix. */
export function actorWords(e: AuditEvent, names: Map<string, string>): string {
  const id = e.actor_id ?? "";
  const who = names.get(id) ?? (id || "an unknown actor");
  const type = e.actor_type === "service_account" ? "service account" : e.actor_type ?? "user";
  const prefix = (e.metadata as Record<string, unknown> | null | undefined)?.key_prefix;
  return `${who} (${type}${typeof prefix === "string" && prefix ? `, key ${prefix}…` : ""})`;
}

/** One line per event: "<what> by <who> at <when>". */
export function describeEvent(e: AuditEvent, names: Map<string, string>): string {
  return `${actionWords(e)} by ${actorWords(e, names)} at ${when(e.created_at)}`;
}

/** Emails of the account's members and names of its service accounts, by id (what cannot be read is left out). */
async function actorNames(client: ChaserClient, events: AuditEvent[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (events.some((e) => e.actor_type !== "service_account")) {
    try {
      for (const m of await client.accounts.members.list()) if (m.email) names.set(m.user_id, m.email);
    } catch (e) {
      debug(`audit: members not read (${(e as Error).message}): users are named by id`);
    }
  }
  if (events.some((e) => e.actor_type === "service_account")) {
    try {
      for (const s of await client.accounts.serviceAccounts.list()) if (s.name) names.set(s.id, s.name);
    } catch (e) {
      debug(`audit: service accounts not read (${(e as Error).message}): they are named by id`);
    }
  }
  return names;
}

/** What changed, from state to the object, when the audit log cannot tell. */
function changes(d: Drift): string {
  return d.changed.map((c) => `${c.key} ${q(c.from)} → ${q(c.to)}`).join(", ");
}

/**
 * Tells beside the resource who changed or deleted the object outside the stack, from the audit log. Never
 * throws: an audit log that cannot be read leaves the refresh as it was.
 */
export async function explainDrift(ctx: Context, id: string, props: Record<string, unknown>, d: Drift): Promise<void> {
  const lead = d.gone ? "deleted outside Pulumi" : "changed outside Pulumi";
  const since = typeof props[WRITTEN_AT] === "string" ? (props[WRITTEN_AT] as string) : undefined;
  const client = ctx.client;
  if (refused.has(client)) return;
  try {
    const events = await client.audit.list({ resourceId: id, status: "success", since, max: since ? 100 : MAX_TOLD });
    if (events.length === 0) {
      engineLog(`${lead}${d.changed.length ? ` (${changes(d)})` : ""}; the audit log${ctx.account ? ` of ${ctx.where}` : ""} has no event for it${since ? ` since ${when(since)}, when this stack last wrote it` : ""}`);
      return;
    }
    const told = events.slice(0, MAX_TOLD).reverse(); // the newest few, in the order they happened
    const names = await actorNames(client, told);
    const earlier = events.length - told.length;
    for (const e of told) engineLog(`${lead}: ${describeEvent(e, names)}`);
    if (earlier > 0) engineLog(`${lead}: and ${earlier} earlier change${earlier === 1 ? "" : "s"} since ${when(since)} (see listAuditEvents)`);
  } catch (e) {
    if (e instanceof ForbiddenError) {
      refused.add(client);
      if (!hinted) {
        hinted = true;
        engineLog(
          `${lead}${d.changed.length ? ` (${changes(d)})` : ""}; the key used${ctx.account ? ` for ${ctx.where}` : ""} cannot read the audit log, which would tell who made this change and when: give it the scope 'audit.read' (or use a key without scopes)`,
          { warning: true },
        );
      }
      return;
    }
    debug(`audit: drift of ${id} not explained (${(e as Error).message})`);
  }
}
