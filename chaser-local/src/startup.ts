/**
 * Startup: the root key's rules, and the root user, its personal account and the root key made (or repaired) in
 * the store at every start and reset.
 */
import { ROOT_ACCOUNT, ROOT_EMAIL, ROOT_KEY_ID, ROOT_USER } from "./records";
import type { State } from "./state";
import { now } from "./util";

/** Root keys: at least this many visible ASCII characters (so `key_prefix` shows at most half of one). */
export const ROOT_KEY_MIN = 20;
export const ROOT_KEY_MAX = 512;
/** Why a root key is refused, or undefined when it is fine. */
export function rootKeyProblem(key: string): string | undefined {
  if (key.length < ROOT_KEY_MIN) return `must be at least ${ROOT_KEY_MIN} characters (got ${key.length}); e.g. sk_ and 24 random characters`;
  if (key.length > ROOT_KEY_MAX) return `must be at most ${ROOT_KEY_MAX} characters`;
  if (!/^[\x21-\x7e]+$/.test(key)) return "must be visible ASCII characters only (no spaces): it travels in 'Authorization: Bearer KEY'";
  return undefined;
}

/**
 * The root user, its personal account (plan pro) and the root key, unless they exist. There is one root key,
 * `key_root`: a start with another root key replaces it (the previous one stops working, and is not listed
 * twice); a revoked root key stays revoked across restarts with the same key.
 */
export function bootstrapRoot(st: State): void {
  if (!st.d.accounts.has(ROOT_ACCOUNT)) {
    const t = now();
    st.store.put("accounts", ROOT_ACCOUNT, { id: ROOT_ACCOUNT, name: "root", plan: "pro", personal: true, members: { [ROOT_USER]: { role: "owner", created_at: t } }, created_at: t });
  }
  if (!st.d.users.has(ROOT_USER)) st.store.put("users", ROOT_USER, { id: ROOT_USER, name: "root", email: ROOT_EMAIL, personalAccountId: ROOT_ACCOUNT });
  const current = st.d.keys.get(ROOT_KEY_ID);
  if (current && current.hash === st.rootKeyHash) return;
  const holder = st.ix.keyByHash.get(st.rootKeyHash);
  if (holder && holder.id !== ROOT_KEY_ID) {
    // 0.1.0 added a second root key (another id) for each start with another key: that record becomes key_root.
    const oldRoot = holder.name === "root" && holder.userId === ROOT_USER && holder.accountId === ROOT_ACCOUNT && holder.scopes.length === 0;
    if (!oldRoot) throw new Error(`the root key is the secret of API key '${holder.id}' already; choose another root key`);
    st.store.del("keys", holder.id);
    if (holder.revokedAt) {
      st.store.put("keys", ROOT_KEY_ID, { ...holder, id: ROOT_KEY_ID });
      return;
    }
  }
  st.storeKey({ id: ROOT_KEY_ID, hash: st.rootKeyHash, prefix: st.rootKeyPrefix, accountId: ROOT_ACCOUNT, userId: ROOT_USER, serviceAccountId: null, name: "root", scopes: [] });
}
