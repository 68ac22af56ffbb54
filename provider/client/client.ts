/**
 * The typed Chaser Core API client used by the provider hooks and by the lookups users call.
 *
 * - Answers are validated with zod (schemas.ts); an answer that does not fit fails with code `invalid_response`.
 * - Listings are shared: concurrent reads of the same listing (same URL, account and key) make one request, and
 *   a finished listing is reused for a short while; any write through a client of that scope forgets it.
 * - Creates are never replayed blindly: when the outcome of a POST is unknown (no answer, timeout, 5xx), the
 *   client looks for what it asked for (a workspace by its unique name, a snapshot by name in its workspace, a key
 *   by name among keys that did not exist before) and only sends the POST again when nothing was created.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { ClientOptions, ResolvedConfig, resolveConfig } from "./config";
import { ChaserApiError } from "./errors";
import { registerSecret } from "./redact";
import * as s from "./schemas";
import { RequestSpec, debug, send } from "./transport";

export type WorkspaceInfo = s.WorkspaceInfo;
export type SnapshotInfo = s.SnapshotInfo;
export type ApiKeyInfo = s.ApiKeyInfo;
export type CreatedApiKey = s.CreatedApiKey;
export type SessionInfo = s.SessionInfo;

export interface CreateWorkspaceRequest {
  name?: string;
  session_type?: string;
  image?: string;
  template?: boolean;
  clone_from?: string;
}
export interface ImportWorkspaceRequest {
  github_repo: string;
  name?: string;
}
export interface CreateKeyRequest {
  name?: string;
  scopes?: string[];
}
/** A workspace is addressed by its id (preferred: stable across renames) or its name. */
export type WorkspaceSelector = { id: string; name?: undefined } | { name: string; id?: undefined };

/** How long a finished listing is reused by other reads (ms). Writes through the client forget it at once. */
const LISTING_REUSE_MS = 1_000;
const CREATE_ATTEMPTS = 3;

interface Flight<T> {
  promise: Promise<T>;
  settledAt?: number;
}
const flights = new Map<string, Flight<unknown>>();

function describeAccount(cfg: ResolvedConfig): string {
  return cfg.account ? `account '${cfg.account}'` : "the personal account";
}

function selectorPath(sel: WorkspaceSelector | string): string {
  const v = typeof sel === "string" ? sel : (sel.id ?? sel.name);
  return encodeURIComponent(v);
}

export class ChaserClient {
  readonly config: ResolvedConfig;
  private readonly scopeKey: string;

  constructor(opts: ClientOptions = {}) {
    this.config = resolveConfig(opts);
    const keyHash = createHash("sha256").update(this.config.apiKey).digest("hex").slice(0, 16);
    this.scopeKey = `${this.config.apiUrl}|${this.config.account ?? ""}|${keyHash}`;
  }

  // ---- plumbing -------------------------------------------------------------------------------------------

  private async call(spec: RequestSpec): Promise<unknown> {
    return (await send(this.config, spec)).body;
  }

  private parse<T extends z.ZodTypeAny>(schema: T, value: unknown, spec: { method: string; path: string }): z.infer<T> {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const issue = r.error.issues[0];
    throw new ChaserApiError({
      status: 200,
      code: "invalid_response",
      message: `the Chaser API answered in an unexpected shape (${issue.path.join(".") || "(root)"}: ${issue.message})`,
      method: spec.method,
      path: spec.path,
    });
  }

  private async write<T extends z.ZodTypeAny>(spec: RequestSpec, schema?: T): Promise<z.infer<T>> {
    try {
      const body = await this.call(spec);
      return schema ? this.parse(schema, body, spec) : (body as z.infer<T>);
    } finally {
      this.forgetListings();
    }
  }

  /** Forgets every shared listing of this client's scope (after a write, or when freshness matters). */
  forgetListings(): void {
    for (const k of flights.keys()) if (k.startsWith(this.scopeKey)) flights.delete(k);
  }

  private shared<T>(what: string, load: () => Promise<T>, fresh = false): Promise<T> {
    const key = `${this.scopeKey}|${what}`;
    const existing = flights.get(key) as Flight<T> | undefined;
    if (!fresh && existing && (existing.settledAt === undefined || Date.now() - existing.settledAt < LISTING_REUSE_MS)) {
      return existing.promise;
    }
    const flight: Flight<T> = { promise: load() };
    flights.set(key, flight);
    flight.promise.then(
      () => {
        flight.settledAt = Date.now();
      },
      () => {
        if (flights.get(key) === flight) flights.delete(key);
      },
    );
    return flight.promise;
  }

  // ---- workspaces -----------------------------------------------------------------------------------------

  /** All workspaces of the account (the API has no get-one endpoint and no pagination). */
  listWorkspaces(opts: { fresh?: boolean } = {}): Promise<WorkspaceInfo[]> {
    const spec = { method: "GET" as const, path: "/v1/workspaces" };
    return this.shared("workspaces", async () => this.parse(s.workspaceList, await this.call(spec), spec), opts.fresh);
  }

  /** Finds one workspace by id, or by name (case-insensitively, as the API compares names). */
  async findWorkspace(sel: WorkspaceSelector, opts: { fresh?: boolean } = {}): Promise<WorkspaceInfo | undefined> {
    const all = await this.listWorkspaces(opts);
    if (sel.id !== undefined) return all.find((w) => w.id === sel.id);
    const want = sel.name.toLowerCase();
    return all.find((w) => (w.name ?? "").toLowerCase() === want);
  }

  async createWorkspace(req: CreateWorkspaceRequest): Promise<WorkspaceInfo> {
    return this.createReconciled({ method: "POST", path: "/v1/workspaces", body: req }, req.name, (w) =>
      (!req.session_type || w.session_type == null || w.session_type === req.session_type) &&
      (!req.image || w.image == null || w.image === req.image),
    );
  }

  async importWorkspace(req: ImportWorkspaceRequest): Promise<WorkspaceInfo> {
    return this.createReconciled({ method: "POST", path: "/v1/workspaces/import", body: req }, req.name, (w) =>
      w.github_repo == null || w.github_repo.toLowerCase() === req.github_repo.toLowerCase(),
    );
  }

  private async createReconciled(
    spec: RequestSpec,
    name: string | undefined,
    matches: (w: WorkspaceInfo) => boolean,
  ): Promise<WorkspaceInfo> {
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write(spec, s.workspaceInfo);
      } catch (err) {
        if (!(err instanceof ChaserApiError)) throw err;
        const unknownOutcome = err.isOutcomeUnknown();
        // A 409 on a resend may be our own earlier attempt, applied late.
        const lateConflict = attempt > 1 && err.code === "workspace_name_taken";
        if (!unknownOutcome && !lateConflict) throw this.explain(err, { name });
        if (!name) {
          throw new ChaserApiError({
            status: err.status,
            code: "outcome_unknown",
            message:
              "creating a workspace without a name failed with an unknown outcome; it may exist now under a generated name. " +
              "Check `GET /v1/workspaces` before trying again (the provider always sends a name to avoid this)",
            method: spec.method,
            path: spec.path,
            requestId: err.requestId,
          });
        }
        const found = await this.findWorkspace({ name }, { fresh: true });
        if (found && matches(found) && this.recent(found.created_at, started)) {
          debug(`${spec.method} ${spec.path}: outcome was unknown; found workspace '${name}' (${found.id}) already created`);
          return found;
        }
        if (found) throw this.explain(new ChaserApiError({ ...errFields(err), status: 409, code: "workspace_name_taken", message: "" }), { name });
        if (attempt >= CREATE_ATTEMPTS || Date.now() - started > this.config.deadlineMs) {
          throw new ChaserApiError({
            ...errFields(err),
            code: "outcome_unknown",
            message: `could not create workspace '${name}': ${attempt} attempts had no usable answer (${err.code}) and the workspace does not exist`,
          });
        }
        debug(`${spec.method} ${spec.path}: outcome was unknown; workspace '${name}' does not exist, sending again`);
      }
    }
  }

  /** Whether an object's creation time is compatible with having been created by an operation started at `started`. */
  private recent(createdAt: string | null | undefined, started: number): boolean {
    if (!createdAt) return true;
    const t = Date.parse(createdAt);
    return Number.isNaN(t) || t >= started - 10 * 60_000; // tolerate clock skew between client and server
  }

  renameWorkspace(sel: WorkspaceSelector, name: string | null): Promise<WorkspaceInfo> {
    const spec = { method: "PUT" as const, path: `/v1/workspaces/${selectorPath(sel)}/name`, body: { name } };
    return this.write(spec, s.workspaceInfo).catch((e) => {
      throw this.explain(e, { name: name ?? undefined });
    });
  }

  setTemplate(sel: WorkspaceSelector, template: boolean): Promise<WorkspaceInfo> {
    const spec = { method: "PUT" as const, path: `/v1/workspaces/${selectorPath(sel)}/template`, body: { template } };
    return this.write(spec, s.workspaceInfo).catch((e) => {
      throw this.explain(e, {});
    });
  }

  /** Deletes a workspace; resolves false when it was already gone (404). */
  deleteWorkspace(sel: WorkspaceSelector, opts: { force?: boolean } = {}): Promise<boolean> {
    const call = this.write({ method: "DELETE", path: `/v1/workspaces/${selectorPath(sel)}`, query: { force: opts.force ? true : undefined } });
    return unlessGone(call).catch((e) => {
      throw this.explain(e, { force: opts.force });
    });
  }

  bulkDeleteWorkspaces(workspaceIds: string[], force = false): Promise<unknown> {
    return this.write({ method: "POST", path: "/v1/workspaces/bulk-delete", body: { workspace_ids: workspaceIds, force } });
  }

  // ---- snapshots ------------------------------------------------------------------------------------------

  listSnapshots(ws: WorkspaceSelector | string, opts: { fresh?: boolean } = {}): Promise<SnapshotInfo[]> {
    const spec = { method: "GET" as const, path: `/v1/workspaces/${selectorPath(ws)}/snapshots` };
    return this.shared(`snapshots:${selectorPath(ws)}`, async () => this.parse(s.snapshotList, await this.call(spec), spec), opts.fresh);
  }

  async createSnapshot(ws: WorkspaceSelector | string, req: { name: string; force?: boolean }): Promise<SnapshotInfo> {
    const spec: RequestSpec = { method: "POST", path: `/v1/workspaces/${selectorPath(ws)}/snapshots`, body: { name: req.name, force: req.force ?? false } };
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.write(spec, s.snapshotInfo);
      } catch (err) {
        if (!(err instanceof ChaserApiError)) throw err;
        const lateConflict = attempt > 1 && err.code === "snapshot_name_taken";
        if (!err.isOutcomeUnknown() && !lateConflict) throw this.explain(err, { snapshot: req.name });
        const found = (await this.listSnapshots(ws, { fresh: true })).find((x) => x.name === req.name);
        if (found && this.recent(found.created_at, started)) {
          debug(`${spec.method} ${spec.path}: outcome was unknown; snapshot '${req.name}' exists`);
          return found;
        }
        if (found || attempt >= CREATE_ATTEMPTS) {
          throw new ChaserApiError({ ...errFields(err), code: found ? "snapshot_name_taken" : "outcome_unknown", message: `could not create snapshot '${req.name}'` });
        }
      }
    }
  }

  restoreSnapshot(ws: WorkspaceSelector | string, name: string, force = false): Promise<unknown> {
    // Restoring is idempotent: sending it again after an unknown outcome restores the same disk state.
    return this.write({ method: "POST", path: `/v1/workspaces/${selectorPath(ws)}/snapshots/${encodeURIComponent(name)}/restore`, body: { force } }).catch((e) => {
      throw this.explain(e, { snapshot: name, force });
    });
  }

  deleteSnapshot(ws: WorkspaceSelector | string, name: string): Promise<boolean> {
    const call = this.write({ method: "DELETE", path: `/v1/workspaces/${selectorPath(ws)}/snapshots/${encodeURIComponent(name)}` });
    return unlessGone(call).catch((e) => {
      throw this.explain(e, { snapshot: name });
    });
  }

  // ---- API keys -------------------------------------------------------------------------------------------

  listApiKeys(opts: { fresh?: boolean } = {}): Promise<ApiKeyInfo[]> {
    const spec = { method: "GET" as const, path: "/v1/keys" };
    return this.shared("keys", async () => this.parse(s.apiKeyList, await this.call(spec), spec), opts.fresh);
  }

  /**
   * Creates a key (for a service account when `serviceAccountId` is given). The secret exists only in this
   * answer, so a create with an unknown outcome cannot be "found" afterwards: a key it may have created is
   * revoked (its secret was lost in transit) before the create is sent again. At most one live key results.
   */
  async createApiKey(req: CreateKeyRequest, serviceAccountId?: string): Promise<CreatedApiKey> {
    const path = serviceAccountId
      ? `/v1/accounts/current/service-accounts/${encodeURIComponent(serviceAccountId)}/keys`
      : "/v1/keys";
    const spec: RequestSpec = { method: "POST", path, body: req };
    // What exists before is needed to tell a key this call created from keys of the same name (a rotation
    // creates the new key while the old one, same name, still exists). Without keys.read, no reconciliation.
    let before: Set<string> | undefined;
    try {
      before = new Set((await this.listApiKeys({ fresh: true })).map((k) => k.id));
    } catch (e) {
      if (!(e instanceof ChaserApiError) || !e.isForbidden()) throw e;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const key = await this.write(spec, s.createdApiKey);
        registerSecret(key.key);
        return key;
      } catch (err) {
        if (!(err instanceof ChaserApiError) || !err.isOutcomeUnknown()) throw this.explain(err, {});
        if (!before) {
          throw new ChaserApiError({ ...errFields(err), code: "outcome_unknown", message: `creating API key '${req.name ?? ""}' had no usable answer, and this key cannot list keys to check whether one was created: look for it with a key holding keys.read and revoke it` });
        }
        const now = await this.listApiKeys({ fresh: true });
        const orphans = now.filter((k) => !before!.has(k.id) && !k.revoked_at && (k.name ?? null) === (req.name ?? null));
        for (const k of orphans) {
          debug(`${spec.method} ${spec.path}: outcome was unknown; revoking key ${k.id} whose secret never arrived`);
          await this.revokeApiKey(k.id);
        }
        for (const k of now) before.add(k.id);
        if (attempt >= CREATE_ATTEMPTS) {
          throw new ChaserApiError({ ...errFields(err), code: "outcome_unknown", message: `could not create API key '${req.name ?? ""}' (${attempt} attempts without a usable answer; no live key was left behind)` });
        }
      }
    }
  }

  /** Revokes a key; resolves false when it did not exist (404). */
  revokeApiKey(id: string): Promise<boolean> {
    return unlessGone(this.write({ method: "DELETE", path: `/v1/keys/${encodeURIComponent(id)}` })).catch((e) => {
      throw this.explain(e, {});
    });
  }

  // ---- sessions (used for force-deletes and by tests) ------------------------------------------------------

  createSession(req: { workspace?: string; session_type?: string; ephemeral?: boolean; image?: string }): Promise<SessionInfo> {
    return this.write({ method: "POST", path: "/v1/sessions", body: req }, s.sessionInfo);
  }
  async listSessions(): Promise<SessionInfo[]> {
    const spec = { method: "GET" as const, path: "/v1/sessions" };
    return this.parse(s.sessionList, await this.call(spec), spec);
  }
  async deleteSession(id: string): Promise<boolean> {
    try {
      await this.write({ method: "DELETE", path: `/v1/sessions/${encodeURIComponent(id)}` });
      return true;
    } catch (e) {
      if (e instanceof ChaserApiError && (e.isNotFound() || e.code === "session_not_open")) return false;
      throw e;
    }
  }

  // ---- messages for people --------------------------------------------------------------------------------

  /** Rewrites well-known API errors into sentences that say what happened and what to do. */
  explain(err: unknown, ctx: { name?: string; snapshot?: string; force?: boolean }): unknown {
    if (!(err instanceof ChaserApiError)) return err;
    const acct = describeAccount(this.config);
    let message: string | undefined;
    switch (err.code) {
      case "workspace_name_taken":
        message = `workspace name '${ctx.name}' is taken in ${acct} (names are unique case-insensitively); choose another name, or set adoptExisting to manage the existing workspace`;
        break;
      case "workspace_name_ambiguous":
        message = `the workspace selector matches more than one workspace in ${acct}; use the workspace id`;
        break;
      case "workspace_busy":
        message = ctx.snapshot
          ? `the workspace has an attached session; set force: true to terminate it first (${err.message})`
          : `the workspace has an attached session (${err.message}); set forceDelete: true to terminate it and delete anyway`;
        break;
      case "snapshot_name_taken":
        message = `snapshot name '${ctx.snapshot}' is taken in this workspace`;
        break;
      case "insufficient_scope":
        message = `the API key lacks the scope for this call: ${err.message}`;
        break;
      case "account_forbidden":
        message = `the API key cannot act in ${acct}: ${err.message}. API keys are bound to the account that was active when they were created`;
        break;
      case "unauthorized":
        message = "the Chaser API key was refused (missing, invalid or revoked); set chaser:apiKey or CHASER_API_KEY to a valid key";
        break;
      case "plan_limit":
        message = `${acct} cannot do this on its plan: ${err.message}`;
        break;
    }
    if (!message) return err;
    return new ChaserApiError({ ...errFields(err), message });
  }
}

/** Resolves true when the call succeeded, false when the object was already gone (404). */
async function unlessGone(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (e) {
    if (e instanceof ChaserApiError && e.isNotFound()) return false;
    throw e;
  }
}

function errFields(e: ChaserApiError) {
  return { status: e.status, code: e.code, method: e.method, path: e.path, requestId: e.requestId, attempts: e.attempts, message: "" };
}

/** Test helper: forget every shared listing of every client. */
export function forgetAllListings(): void {
  flights.clear();
}
