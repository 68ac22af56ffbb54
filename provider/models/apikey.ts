/** The ApiKey model: a key with scopes, for the user or a service account; its secret exists once. */
import { z } from "zod";
import { SCOPES, rules } from "../../contract";
import { accountInput, alwaysOutput, bool, defineModel, input, output } from "../model";

export const ApiKeyModel = defineModel({
  name: "ApiKey",
  description: "An API key with scopes, for the user or a service account. The secret `key` is known once, at creation, and kept as a secret output. Any change creates a new key before the old one is revoked.",
  inputs: z.object({
    name: input(rules.keyName, { behavior: "replace", computed: true, description: "The key's name. Default: the logical name plus a suffix derived from the stack and the resource." }),
    scopes: input(z.array(rules.scope, "must be a list of scopes"), {
      behavior: "replace",
      computed: true,
      description: `Scopes, among: ${SCOPES.join(", ")}. Leave empty only together with fullAccess: true.`,
    }),
    fullAccess: input(bool, { behavior: "replace", computed: true, description: "Must be true to create a key without scopes (which has full access)." }),
    serviceAccountId: input(rules.id, { behavior: "replace", description: "Create the key for this service account of the (organization) account." }),
    rotationTriggers: input(z.record(z.string(), z.string("must be strings"), "must be a map of strings"), {
      behavior: "replace",
      description: "Arbitrary values; changing any of them rotates the key (the new key exists before the old one is revoked).",
    }),
    account: accountInput("Account the key is bound to"),
  }),
  outputs: z.object({
    key: alwaysOutput(z.string(), { secret: true, description: "The secret key (`sk_…`). Secret; known only from the creation answer." }),
    keyId: alwaysOutput(z.string(), { wire: "id", isId: true, description: "The key's id (also the resource id)." }),
    keyPrefix: output(z.string(), { description: "The visible prefix of the key." }),
    name: alwaysOutput(z.string(), { description: "The key's name." }),
    scopes: alwaysOutput(z.array(rules.scope), { description: "The key's scopes (empty for full access)." }),
    fullAccess: alwaysOutput(z.boolean(), { description: "Whether the key has full access." }),
    serviceAccountId: output(z.string(), { description: "The service account the key belongs to, or null." }),
    createdAt: output(z.string(), { description: "Creation time (RFC 3339)." }),
    lastUsedAt: output(z.string(), { description: "Last use reported by the API, or null." }),
  }),
  rules: (v, known) => {
    if (!known("scopes", "fullAccess")) return [];
    const none = v.scopes === undefined || v.scopes.length === 0;
    if (none && v.fullAccess !== true) {
      return [{ property: "scopes", reason: "scopes: a key without scopes has full access; list the scopes it needs, or set fullAccess: true to ask for full access explicitly" }];
    }
    if (!none && v.fullAccess === true) {
      return [{ property: "fullAccess", reason: "fullAccess: true cannot be combined with scopes: a key with scopes is limited to them" }];
    }
    return [];
  },
});
