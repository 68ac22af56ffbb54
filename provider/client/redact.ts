/**
 * Secrets the process has seen (the provider's credential, key secrets returned by the API) are registered here
 * and scrubbed from every error message and log line. Anything that looks like a Chaser key is scrubbed too.
 */
const known = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 8) known.add(value);
}

const KEY_PATTERN = /\bsk_[A-Za-z0-9_\-]{6,}/g;
const BEARER_PATTERN = /(Bearer\s+)[^\s"',]+/gi;

export function redact(text: string): string {
  let out = text;
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join("[REDACTED]");
  }
  return out.replace(BEARER_PATTERN, "$1[REDACTED]").replace(KEY_PATTERN, (m) => `${m.slice(0, 6)}…[REDACTED]`);
}
