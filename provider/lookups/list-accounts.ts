/** `listAccounts`: every account of the key's user. */
import { defineLookup } from "../lookup";
import { AccountInfo } from "./results";

export const listAccounts = defineLookup({
  name: "listAccounts",
  description: "Every account the key's user belongs to.",
  args: {},
  result: AccountInfo,
  list: true,
  run: (c) => c.accounts.list(),
});
