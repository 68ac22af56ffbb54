/** `listServiceAccounts`: the service accounts of an organization. */
import { defineLookup } from "../lookup";
import { ServiceAccountInfo } from "./results";

export const listServiceAccounts = defineLookup({
  name: "listServiceAccounts",
  description: "The service accounts of the (organization) account.",
  args: {},
  result: ServiceAccountInfo,
  list: true,
  run: (c) => c.accounts.serviceAccounts.list(),
});
