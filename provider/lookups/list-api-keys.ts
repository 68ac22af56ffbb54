/** `listApiKeys`: the account's live API keys (never a secret). */
import { defineLookup } from "../lookup";
import { ApiKeyInfo } from "./results";

export const listApiKeys = defineLookup({
  name: "listApiKeys",
  description: "The live API keys of the account, never their secrets.",
  args: {},
  result: ApiKeyInfo,
  list: true,
  typescript: { doc: "The live API keys of the account (never their secrets)." },
  run: async (c) => (await c.keys.list()).filter((k) => !k.revoked_at),
});
