/** API keys: list (never the secrets), create (for the caller or a service account), revoke. */
import { endpoint, wire } from "../../contract";
import { Core } from "./core";
import { createOnce } from "./create-once";
import { ForbiddenError, OutcomeUnknownError, existed } from "./errors";
import { registerSecret } from "./redact";
import { debug } from "./debug";

export type ApiKeyInfo = wire.ApiKeyInfo;
export type CreatedApiKey = wire.CreatedApiKey;

export class Keys {
  constructor(private readonly core: Core) {}

  list(opts: { fresh?: boolean } = {}): Promise<ApiKeyInfo[]> {
    return this.core.shared("keys", () => this.core.call(endpoint("listKeys"), wire.apiKeyList), opts.fresh);
  }

  /**
   * Creates a key (for a service account when `serviceAccountId` is given). The secret exists only in this
   * answer, so a create with an unknown outcome cannot be "found" afterwards: a key it may have made (a new key
   * of the same name) is revoked, its secret lost in transit, before the create is sent again. At most one live
   * key results. Keys that existed before (a rotation's old key has the same name) are never touched.
   */
  async create(req: { name: string; scopes?: string[] }, opts: { serviceAccountId?: string } = {}): Promise<CreatedApiKey> {
    const { path } = opts.serviceAccountId ? endpoint("createServiceAccountKey", { sa: opts.serviceAccountId }) : endpoint("createKey");
    let before: Set<string> | undefined;
    try {
      before = new Set((await this.list({ fresh: true })).map((k) => k.id));
    } catch (e) {
      if (!(e instanceof ForbiddenError)) throw e; // without keys.read: no reconciliation possible
    }
    const key = await createOnce(this.core, {
      what: `API key '${req.name}'`,
      send: () => this.core.call({ method: "POST", path, body: req }, wire.createdApiKey),
      reconcile: async () => {
        if (!before) {
          throw new OutcomeUnknownError({
            status: 0, code: "outcome_unknown", method: "POST", path,
            detail: `creating API key '${req.name}' had no usable answer, and this key cannot list keys (keys.read) to find one it may have made: look for it with a key that can, and revoke it`,
          });
        }
        const now = await this.list({ fresh: true });
        for (const k of now) {
          if (!before.has(k.id) && !k.revoked_at && (k.name ?? null) === req.name) {
            debug(`POST ${path}: revoking key ${k.id}, made by an attempt whose answer (and secret) never arrived`);
            await this.revoke(k.id);
          }
          before.add(k.id);
        }
        return undefined;
      },
    });
    registerSecret(key.key);
    return key;
  }

  /** Revokes a key; resolves false when it did not exist. */
  revoke(id: string): Promise<boolean> {
    return existed(this.core.call(endpoint("revokeKey", { id })));
  }
}
