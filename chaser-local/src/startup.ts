/** The root key's rules (the root user, its personal account and the root key are made by State.bootstrapRoot). */

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
