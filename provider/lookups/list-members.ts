/** `listMembers`: the members of an organization and their roles. */
import { defineLookup } from "../lookup";
import { OrganizationMemberInfo } from "./results";

export const listMembers = defineLookup({
  name: "listMembers",
  description: "The members of the (organization) account and their roles.",
  args: {},
  result: OrganizationMemberInfo,
  list: true,
  run: (c) => c.accounts.members.list(),
});
