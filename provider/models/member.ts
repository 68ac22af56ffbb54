/** The OrganizationMember model: a person's membership of an organization, with a role. */
import { z } from "zod";
import { rules } from "../../contract";
import { accountInput, adoptExisting, alwaysOutput, defineModel, output, requiredInput } from "../model";

export const OrganizationMemberModel = defineModel({
  name: "OrganizationMember",
  description: "A member of an organization and their role (`owner`, `admin` or `member`). A role change is made in place; the last owner of an organization is never removed or demoted.",
  inputs: z.object({
    email: requiredInput(rules.email, { behavior: "replace", description: "The person's email address." }),
    role: requiredInput(rules.role, { behavior: "update", refreshed: true, description: "`owner`, `admin` or `member`. Changed in place (only owners grant or change `owner`)." }),
    account: accountInput("The organization (id or exact name)"),
    adoptExisting: adoptExisting("Manage the membership of this email if it exists already (its role is set to `role`) instead of failing"),
  }),
  outputs: z.object({
    userId: alwaysOutput(z.string(), { isId: true, description: "The member's user id (also the resource id)." }),
    email: alwaysOutput(z.string(), { description: "The member's email address." }),
    role: alwaysOutput(rules.role, { description: "The member's role." }),
    createdAt: output(z.string(), { description: "When they became a member (RFC 3339)." }),
  }),
});
