/**
 * ApiKey: a key with scopes, for the user or for a service account. Its secret exists once, in the create
 * answer: it is a secret output (the resource class sets additionalSecretOutputs), carried forward on refresh.
 * There is no update in the API: any change makes a new key, created before the old one is revoked.
 */
import { z } from "zod";
import { SCOPES } from "../client/schemas";
import { clientFor } from "../settings";
import { ResourceSpec, SLUG, diffByTable, isUnknown, nameFor, validateProps } from "./common";

export const spec: ResourceSpec = {
  name: "ApiKey",
  description: "An API key with scopes, for the user or a service account. The secret `key` is known once, at creation, and kept as a secret output. Any change creates a new key before the old one is revoked.",
  inputs: {
    name: { type: "string", behavior: "replace", computed: true, description: "The key's name. Default: the logical name plus a random suffix." },
    scopes: { type: "array", items: "string", behavior: "replace", computed: true, description: `Scopes, among: ${SCOPES.join(", ")}. Leave empty only together with fullAccess: true.` },
    fullAccess: { type: "boolean", behavior: "replace", computed: true, description: "Must be true to create a key without scopes (which has full access)." },
    serviceAccountId: { type: "string", behavior: "replace", description: "Create the key for this service account of the (organization) account." },
    rotationTriggers: { type: "object", additionalProperties: "string", behavior: "replace", description: "Arbitrary values; changing any of them rotates the key (the new key exists before the old one is revoked)." },
    account: { type: "string", behavior: "replace", description: "Account the key is bound to; default the provider's `chaser:account`." },
  },
  outputs: {
    key: { type: "string", secret: true, always: true, description: "The secret key (`sk_…`). Secret; known only from the creation answer." },
    keyId: { type: "string", always: true, description: "The key's id (also the resource id)." },
    keyPrefix: { type: "string", description: "The visible prefix of the key." },
    name: { type: "string", always: true, description: "The key's name." },
    scopes: { type: "array", items: "string", always: true, description: "The key's scopes (empty for full access)." },
    fullAccess: { type: "boolean", always: true, description: "Whether the key has full access." },
    serviceAccountId: { type: "string", description: "The service account the key belongs to, or null." },
    createdAt: { type: "string", description: "Creation time (RFC 3339)." },
    lastUsedAt: { type: "string", description: "Last use reported by the API, or null." },
  },
};

export function inputShape() {
  return {
    name: z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").regex(SLUG, "must contain only letters, digits, '-', '_' and '.', and start with a letter or digit").optional(),
    scopes: z.array(z.enum(SCOPES, `must be one of: ${SCOPES.join(", ")}`), "must be a list of scopes").optional(),
    fullAccess: z.boolean("must be true or false").optional(),
    serviceAccountId: z.string().min(1, "must not be empty").optional(),
    rotationTriggers: z.record(z.string(), z.string("must be strings"), "must be a map of strings").optional(),
    account: z.string().min(1, "must not be empty").optional(),
  };
}

type Props = Record<string, unknown>;

export async function check(olds: Props, news: Props) {
  const inputs: Props = { ...news };
  const n = nameFor(olds, news);
  if (n) {
    inputs.name = n.name;
    inputs.__autoNamed = n.autoNamed;
  }
  const failures = validateProps(inputShape(), inputs);
  const { scopes, fullAccess } = inputs;
  if (Array.isArray(scopes) && !isUnknown(scopes)) inputs.scopes = [...new Set(scopes as string[])].sort();
  if (!isUnknown(scopes) && !isUnknown(fullAccess) && !failures.some((f) => f.property === "scopes" || f.property === "fullAccess")) {
    const none = scopes === undefined || (Array.isArray(scopes) && scopes.length === 0);
    if (none && fullAccess !== true) {
      failures.push({ property: "scopes", reason: "scopes: a key without scopes has full access; list the scopes it needs, or set fullAccess: true to ask for full access explicitly" });
    }
    if (!none && fullAccess === true) {
      failures.push({ property: "fullAccess", reason: "fullAccess: true cannot be combined with scopes: a key with scopes is limited to them" });
    }
  }
  return { inputs, failures };
}

export async function diff(_id: string, olds: Props, news: Props) {
  const d = diffByTable(spec, olds, news);
  // Replacement creates the new key first, then revokes the old one.
  return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: false };
}

function outputsOf(k: { id: string; name?: string | null; key_prefix?: string | null; scopes?: string[] | null; full_access?: boolean | null; created_at?: string | null; last_used_at?: string | null }) {
  return {
    keyId: k.id,
    keyPrefix: k.key_prefix ?? null,
    name: k.name ?? null,
    scopes: [...(k.scopes ?? [])].sort(),
    fullAccess: k.full_access ?? (k.scopes ?? []).length === 0,
    createdAt: k.created_at ?? null,
    lastUsedAt: k.last_used_at ?? null,
  };
}

export async function create(inputs: Props) {
  const client = clientFor(inputs.account as string | undefined);
  const scopes = inputs.fullAccess === true ? undefined : (inputs.scopes as string[]);
  const saId = inputs.serviceAccountId as string | undefined;
  const k = await client.createApiKey({ name: inputs.name as string, scopes }, saId);
  return { id: k.id, outs: { ...inputs, ...outputsOf(k), serviceAccountId: saId ?? k.service_account?.id ?? null, key: k.key } };
}

export async function read(id: string, props: Props = {}) {
  const keys = await clientFor(props.account as string | undefined).listApiKeys();
  const k = keys.find((x) => x.id === id);
  if (!k || k.revoked_at) return { id: "" };
  // The secret is never listed: carry it forward from the state.
  const outs = { ...props, ...outputsOf(k), key: props.key };
  const inputs = Object.fromEntries(Object.keys({ ...spec.inputs, __logicalName: 1, __autoNamed: 1 }).filter((x) => props[x] !== undefined).map((x) => [x, props[x]]));
  return { id, props: outs, inputs };
}

export async function update(_id: string, olds: Props, news: Props) {
  // Every input replaces; nothing reaches here but unchanged values.
  return { outs: { ...olds, ...news } };
}

export async function remove(id: string, props: Props = {}) {
  await clientFor(props.account as string | undefined).revokeApiKey(id);
}
