/** SshKey: an OpenSSH public key registered on an account; validated at preview, replaced on change. */
import { parseOpenSshKey } from "../../contract";
import type { SshKeyInfo } from "../client";
import { SshKeyModel } from "../models/sshkey";
import { isUnknown } from "../values";
import { madeSince } from "../recovery";
import { Behaviour, defineResource, markTakenOver } from "../resource";

export const sshKey: Behaviour<typeof SshKeyModel, SshKeyInfo> = {
  model: SshKeyModel,
  imported: (k) => ({ publicKey: k.public_key }),
  // The key line as the API keeps it (type, data and comment, single spaces), so a diff compares like with like.
  normalize: (inputs) => {
    const k = typeof inputs.publicKey === "string" ? parseOpenSshKey(inputs.publicKey) : { error: "" };
    return "error" in k ? inputs : { ...inputs, publicKey: k.comment ? `${k.canonical} ${k.comment}` : k.canonical };
  },
  create: async (ctx, inputs) => {
    const existing = inputs.adoptExisting === true ? await ctx.client.sshKeys.find(inputs.publicKey, { fresh: true }) : undefined;
    if (existing) markTakenOver(existing.id);
    const k = existing ?? (await ctx.client.sshKeys.add(inputs.publicKey));
    return { id: k.id, answer: k, adopted: existing !== undefined };
  },
  read: async (ctx, id) => (await ctx.client.sshKeys.list()).find((k) => k.id === id),
  adoptable: async (ctx, inputs) => {
    if (isUnknown(inputs.publicKey)) return undefined;
    const k = await ctx.client.sshKeys.find(inputs.publicKey, { fresh: true });
    return k && { id: k.id, differences: [] };
  },
  delete: async (ctx, id) => {
    await ctx.client.sshKeys.delete(id);
  },
  // The key of the same fingerprint, registered since the interrupted update began.
  findCreated: async (ctx, inputs, { keep, since, fresh = true }) => {
    const k = await ctx.client.sshKeys.find(inputs.publicKey, { fresh });
    return k && !keep.has(k.id) && madeSince(k.created_at, since) ? { id: k.id, answer: k } : undefined;
  },
  advice: (e, _op, _props, where) => {
    if (e.code === "ssh_key_exists") {
      return `this public key is registered on ${where} already (${e.detail}): set adoptExisting: true to manage it, or run \`npx chaser-recover\` if an interrupted \`pulumi up\` registered it`;
    }
    if (e.code === "role_forbidden") return `the key's user may not manage SSH keys here: ${e.detail}`;
    return undefined;
  },
};

export const { configure, check, diff, create, read, update, remove, recover } = defineResource(sshKey);
export { remove as delete };
