/** `getAccount`: the account lookups and resources act in. */
import { defineLookup } from "../lookup";
import { AccountInfo } from "./results";

export const getAccount = defineLookup({
  name: "getAccount",
  description: "The account lookups and resources act in.",
  args: {},
  result: AccountInfo,
  typescript: { doc: "The account lookups and resources act in (`opts.account`, else `chaser:account`, else the key's own)." },
  run: (c) => c.accounts.current(),
});
