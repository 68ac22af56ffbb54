/** The ServiceAccount model: a non-human identity of an organization, for keys used by CI. */
import { z } from "zod";
import { rules } from "../../contract";
import { accountInput, adoptExisting, adoptionNeedsName, alwaysOutput, defineModel, input, output } from "../model";

export const ServiceAccountModel = defineModel({
  name: "ServiceAccount",
  description: "A service account of an organization: the identity CI uses, with keys of its own (`ApiKey` with `serviceAccountId`). Deleting it revokes its keys.",
  inputs: z.object({
    name: input(rules.organizationName, {
      behavior: "replace",
      computed: true,
      description: "Name, unique in the organization (case-insensitively), at most 64 characters. Default: the logical name plus a suffix derived from the stack and the resource.",
    }),
    account: accountInput("The organization (id or exact name)"),
    adoptExisting: adoptExisting("Take over the existing service account of this `name` instead of creating one"),
  }),
  outputs: z.object({
    serviceAccountId: alwaysOutput(z.string(), { wire: "id", isId: true, description: "The service account's id (also the resource id): give it to `ApiKey.serviceAccountId`." }),
    name: alwaysOutput(z.string(), { description: "The service account's name." }),
    disabled: output(z.boolean(), { description: "Whether the service account is disabled." }),
    createdByUserId: output(z.string(), { description: "The user who created it." }),
    createdAt: output(z.string(), { description: "Creation time (RFC 3339)." }),
    updatedAt: output(z.string(), { description: "Last change (RFC 3339)." }),
  }),
  rules: (v, known) => adoptionNeedsName("service account", v, known as never),
});
