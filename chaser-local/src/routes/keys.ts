/** API keys: create, list, revoke. Service-account keys are created under the accounts routes. */
import { wire } from "../../../contract";
import { ApiError } from "../errors";
import type { Key } from "../records";
import { createdKeyInfo, keyInfo } from "../shapes";
import { Route, route } from "./route";

/** A scoped key cannot create a key with a scope it lacks, nor a full-access one. Duplicate scopes collapse. */
export function keyScopes(requested: readonly string[] | null | undefined, creator: Key): string[] {
  const scopes = [...new Set(requested ?? [])];
  if (creator.scopes.length > 0) {
    const missing = scopes.length === 0 ? ["full access"] : scopes.filter((s) => !creator.scopes.includes(s));
    if (missing.length) {
      throw new ApiError("insufficient_scope", `a scoped key can only create keys with scopes it holds itself; this key lacks ${missing.join(", ")}`);
    }
  }
  return scopes;
}

export const keyRoutes: Route[] = [
  route({
    name: "listKeys", access: "keys.read",
    handle: ({ st, acct }) => {
      const keys: wire.ApiKeyInfo[] = [];
      for (const k of st.d.keys.values()) if (k.accountId === acct.id) keys.push(keyInfo(k));
      return { status: 200, body: { keys } };
    },
  }),

  route({
    name: "createKey", access: "keys.write", body: wire.createKeyRequest, audit: { action: "api_key.create", resourceType: "api_key", target: () => null },
    handle: ({ st, key, acct, body, audit }) => {
      const scopes = keyScopes(body.scopes, key);
      // A key made with a service-account key belongs to that service account.
      const made = st.createKey({ accountId: acct.id, userId: key.userId, serviceAccountId: key.serviceAccountId, name: body.name ?? null, scopes });
      audit.push({ resourceId: made.key.id, summary: `created API key ${made.key.name === null ? made.key.prefix : `'${made.key.name}'`}`, metadata: { name: made.key.name, scopes, created_key_prefix: made.key.prefix } });
      return { status: 201, body: createdKeyInfo(made.key, made.secret) };
    },
  }),

  route({
    name: "revokeKey", access: "keys.write", audit: { action: "api_key.revoke", resourceType: "api_key" },
    handle: ({ st, key, acct, params, audit }) => {
      const k = st.d.keys.get(params.id);
      if (!k || k.accountId !== acct.id) throw new ApiError("key_not_found", `no API key '${params.id}' in account '${acct.name}'`);
      st.checkRevoke(key, k, acct);
      if (!k.revokedAt) audit.push({ resourceId: k.id, summary: `revoked API key ${k.name === null ? k.prefix : `'${k.name}'`}`, metadata: { name: k.name, revoked_key_prefix: k.prefix } });
      st.revokeKey(k);
      return { status: 204 };
    },
  }),
];
