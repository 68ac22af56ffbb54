/** ServiceAccount: what is particular to it (the skeleton is ../resource.ts, the model ../models/serviceaccount.ts). */
import type { ServiceAccountInfo } from "../client";
import { ConflictError } from "../client/errors";
import { ServiceAccountModel } from "../models/serviceaccount";
import { isOwnAutoName } from "../naming";
import { madeSince } from "../recovery";
import { Behaviour, Props, defineResource, markTakenOver } from "../resource";

const RECOVER = "If an interrupted `pulumi up` created it, run `npx chaser-recover` to bring it into the stack";

export const serviceAccount: Behaviour<typeof ServiceAccountModel, ServiceAccountInfo> = {
  model: ServiceAccountModel,
  autoName: true,
  adoptable: async (ctx, inputs) => {
    const found = await ctx.client.accounts.serviceAccounts.find({ name: inputs.name as string }, { fresh: true });
    return found && { id: found.id, differences: [] };
  },
  create: async (ctx, inputs) => {
    const sa = ctx.client.accounts.serviceAccounts;
    const name = inputs.name as string;
    const taken = async () => {
      const found = await sa.find({ name }, { fresh: true });
      if (found) markTakenOver(found.id);
      return found;
    };
    const adopted = inputs.adoptExisting === true ? await taken() : undefined;
    if (adopted) return { id: adopted.id, answer: adopted, adopted: true };
    try {
      const made = await sa.create({ name });
      return { id: made.id, answer: made };
    } catch (e) {
      // A name only this resource generates: its own create, interrupted before.
      if (!(e instanceof ConflictError && isOwnAutoName(ServiceAccountModel.name, inputs as Props, name))) throw e;
      const own = await taken();
      if (!own) throw e;
      return { id: own.id, answer: own };
    }
  },
  read: (ctx, id) => ctx.client.accounts.serviceAccounts.find({ id }),
  delete: async (ctx, id) => {
    await ctx.client.accounts.serviceAccounts.delete(id);
  },
  findCreated: async (ctx, inputs, { keep, since, fresh = true }) => {
    const found = await ctx.client.accounts.serviceAccounts.find({ name: inputs.name as string }, { fresh });
    if (!found || keep.has(found.id)) return undefined;
    if (!isOwnAutoName(ServiceAccountModel.name, inputs as Props, inputs.name as string) && !madeSince(found.created_at, since)) return undefined;
    return { id: found.id, answer: found };
  },
  // Names are unique in the organization: a replacement keeping a fixed name deletes the old one first.
  deleteBeforeReplace: (olds, news) => news.__autoNamed !== true && typeof news.name === "string" && news.name.toLowerCase() === String(olds.name).toLowerCase(),
  advice: (e, _op, props, where) => {
    if (e.code === "service_account_name_taken") {
      return `the name '${props.name}' is taken by another service account in ${where}. ${RECOVER}; to manage one made outside Pulumi, set adoptExisting: true; or choose another name`;
    }
    if (e.code === "account_forbidden") return `service accounts exist only in organizations (${e.detail}): set account (or chaser:account) to an organization`;
    if (e.code === "role_forbidden") return `only owners and admins of an organization manage its service accounts: ${e.detail}`;
    return undefined;
  },
};

export const { configure, check, diff, create, read, update, remove, recover } = defineResource(serviceAccount);
export { remove as delete };
