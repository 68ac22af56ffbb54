/**
 * OrganizationMember: a person's membership of an organization (id: their user id), with a role changed in
 * place. The API refuses to remove or demote the last owner; the message says why.
 */
import type { MemberInfo } from "../client";
import { OrganizationMemberModel } from "../models/member";
import { isUnknown } from "../values";
import { madeSince } from "../recovery";
import { Behaviour, defineResource, markTakenOver } from "../resource";

export const organizationMember: Behaviour<typeof OrganizationMemberModel, MemberInfo> = {
  model: OrganizationMemberModel,
  create: async (ctx, inputs) => {
    const members = ctx.client.accounts.members;
    const existing = inputs.adoptExisting === true ? await members.find(inputs.email, { fresh: true }) : undefined;
    if (existing) {
      markTakenOver(existing.user_id);
      const m = existing.role === inputs.role ? existing : await members.changeRole(existing.user_id, inputs.role);
      return { id: m.user_id, answer: m, adopted: true };
    }
    const m = await members.add({ email: inputs.email, role: inputs.role });
    return { id: m.user_id, answer: m };
  },
  read: async (ctx, id) => (await ctx.client.accounts.members.list()).find((m) => m.user_id === id),
  // Adopting sets the member's role to the program's: nothing fixed can differ.
  adoptable: async (ctx, inputs) => {
    if (isUnknown(inputs.email)) return undefined;
    const m = await ctx.client.accounts.members.find(inputs.email, { fresh: true });
    return m && { id: m.user_id, differences: [] };
  },
  update: async (ctx, id, _olds, news) => ({ answer: await ctx.client.accounts.members.changeRole(id, news.role) }),
  delete: async (ctx, id) => {
    await ctx.client.accounts.members.remove(id);
  },
  // A member added since the interrupted update began (an email that was a member before was not its doing).
  findCreated: async (ctx, inputs, { keep, since, fresh = true }) => {
    const m = await ctx.client.accounts.members.find(inputs.email, { fresh });
    return m && !keep.has(m.user_id) && madeSince(m.created_at, since) ? { id: m.user_id, answer: m } : undefined;
  },
  advice: (e, op, props, where) => {
    if (e.code === "last_owner") {
      return `${e.detail}. An organization always keeps an owner, so its last owner is never ${op === "delete" ? "removed" : "demoted"}: make another member owner first`;
    }
    if (e.code === "member_exists") {
      return `'${props.email}' is a member of ${where} already: set adoptExisting: true to manage their membership (their role becomes the program's), or run \`npx chaser-recover\` if an interrupted \`pulumi up\` added them`;
    }
    if (e.code === "role_forbidden") return `the key's user may not do this: ${e.detail}`;
    if (e.code === "account_forbidden") return `members belong to organizations (${e.detail}): set account (or chaser:account) to an organization`;
    return undefined;
  },
};

export const { configure, check, diff, create, read, update, remove, recover } = defineResource(organizationMember);
export { remove as delete };
