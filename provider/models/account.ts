/** An account as the lookups describe it (no resource: accounts are not managed through the package). */
import { z } from "zod";
import { ACCOUNT_KINDS, rules } from "../../contract";
import { alwaysOutput, defineModel, output } from "../model";

export const accountKind = z.enum(ACCOUNT_KINDS);

export const AccountModel = defineModel({
  name: "Account",
  description: "An account the caller belongs to: their personal account, or an organization.",
  inputs: z.object({}),
  outputs: z.object({
    accountId: alwaysOutput(z.string(), { wire: "id", description: "The account's id." }),
    name: alwaysOutput(z.string(), { description: "Its name (a personal account is named after its user)." }),
    kind: output(accountKind, { description: "`personal` or `organization`." }),
    role: output(rules.role, { description: "The caller's role in it." }),
    createdAt: output(z.string(), { description: "Creation time (RFC 3339)." }),
  }),
});
