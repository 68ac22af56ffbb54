/**
 * ApiKey: a key with scopes, for the user or for a service account. Its secret exists once, in the create
 * answer: a secret output (the resource class sets additionalSecretOutputs), carried forward on refresh. The API
 * has no update: any change makes a new key, created before the old one is revoked.
 *
 * Stable surface: state written by 0.1.0 requires `pulumi-chaser/dist/provider/resources/apikey.js`.
 */
import type { ApiKeyInfo, CreatedApiKey } from "../client";
import { ForbiddenError } from "../client/errors";
import { debug } from "../client/debug";
import { ApiKeyModel } from "../models/apikey";
import { isOwnAutoName } from "../naming";
import { madeSince } from "../recovery";
import { Behaviour, Props, defineResource } from "../resource";

export const apiKey: Behaviour<typeof ApiKeyModel, ApiKeyInfo & { key?: string; service_account?: CreatedApiKey["service_account"] }> = {
  model: ApiKeyModel,
  autoName: true,
  normalize: (inputs) => (Array.isArray(inputs.scopes) && inputs.scopes.every((s) => typeof s === "string") ? { ...inputs, scopes: [...new Set(inputs.scopes as string[])].sort() } : inputs),
  create: async (ctx, inputs) => {
    const name = inputs.name as string;
    if (isOwnAutoName(ApiKeyModel.name, inputs as Props, name)) {
      // A live key with a name only this resource generates was made by its own interrupted create: its secret
      // never reached the stack, so it is revoked before the new key is made.
      try {
        for (const k of await ctx.client.keys.list({ fresh: true })) {
          if (k.name === name && !k.revoked_at) {
            debug(`revoking API key ${k.id} ('${name}'), left by an interrupted create of this resource`);
            await ctx.client.keys.revoke(k.id);
          }
        }
      } catch (e) {
        if (!(e instanceof ForbiddenError)) throw e;
      }
    }
    const scopes = inputs.fullAccess === true ? undefined : inputs.scopes;
    const k = await ctx.client.keys.create({ name, scopes }, { serviceAccountId: inputs.serviceAccountId });
    return { id: k.id, answer: k };
  },
  // A key cannot be brought into the stack without its secret, which only the lost answer held: a live key
  // of that name that the stack does not hold is revoked (with a fixed name, only one made since the interrupted
  // update began).
  findCreated: async (ctx, inputs, { keep, since, fresh = true }) => {
    const own = isOwnAutoName(ApiKeyModel.name, inputs as Props, inputs.name as string);
    const removed: string[] = [];
    for (const k of await ctx.client.keys.list({ fresh })) {
      if (k.name !== inputs.name || k.revoked_at || keep.has(k.id)) continue;
      if (!own && !madeSince(k.created_at, since)) continue;
      await ctx.client.keys.revoke(k.id);
      removed.push(k.id);
    }
    return { removed };
  },
  read: async (ctx, id) => {
    const k = (await ctx.client.keys.list()).find((x) => x.id === id);
    return k && !k.revoked_at ? k : undefined;
  },
  delete: async (ctx, id) => {
    await ctx.client.keys.revoke(id);
  },
  outputs: (k, inputs, previous) => ({
    // The secret is only in the create answer: afterwards it is carried forward from the state.
    key: k.key ?? (previous.key as string),
    keyId: k.id,
    keyPrefix: k.key_prefix ?? undefined,
    name: k.name ?? (inputs.name as string),
    scopes: [...(k.scopes ?? [])].sort() as never,
    fullAccess: k.full_access ?? (k.scopes ?? []).length === 0,
    serviceAccountId: (inputs.serviceAccountId as string | undefined) ?? k.service_account?.id ?? k.service_account_id ?? undefined,
    createdAt: k.created_at ?? undefined,
    lastUsedAt: k.last_used_at ?? undefined,
  }),
};

export const { configure, check, diff, create, read, update, remove, recover } = defineResource(apiKey);
export { remove as delete };
