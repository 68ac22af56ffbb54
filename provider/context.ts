/**
 * The per-call context of a hook: the client for the account the resource names (else the stack's), with the
 * credential configured for it, and how to describe that account to a person. Clients live as long as the
 * provider's process, one per (URL, key, account), so concurrent reads share listings.
 */
import { createHash } from "node:crypto";
import { describeAccount } from "../contract";
import { ChaserClient } from "./client";
import type { Wait } from "./client/transport";
import { debug } from "./client/transport";
import { currentSettings } from "./settings";

export interface Context {
  client: ChaserClient;
  /** The account selector the calls act in; undefined: the key's own account. */
  account?: string;
  /** "the personal account", "account 'Acme'". */
  where: string;
}

const clients = new Map<string, ChaserClient>();

/** Where waits for the API (rate limits, retries) are reported; the provider's host sets it. */
let reporter: (wait: Wait) => void = (w) => debug(`waiting ${Math.round(w.delayMs)} ms for ${w.method} ${w.path}: ${w.reason} (attempt ${w.attempt})`);
export function setReporter(fn: (wait: Wait) => void): void {
  reporter = fn;
}

export function contextFor(account?: string | null): Context {
  const s = currentSettings();
  const acct = nonEmpty(account) ?? nonEmpty(s.account) ?? nonEmpty(process.env.CHASER_ACCOUNT);
  const apiKey = nonEmpty(s.apiKey) ?? nonEmpty(process.env.CHASER_API_KEY) ?? "";
  const apiUrl = nonEmpty(s.apiUrl) ?? nonEmpty(process.env.CHASER_API_URL) ?? "";
  const id = `${apiUrl}|${acct ?? ""}|${createHash("sha256").update(apiKey).digest("hex").slice(0, 16)}`;
  let client = clients.get(id);
  if (!client) {
    client = new ChaserClient({ apiKey, apiUrl, account: acct, onWait: (w) => reporter(w) });
    clients.set(id, client);
  }
  return { client, account: acct, where: describeAccount(acct) };
}

/** For tests: forget the clients (and their shared listings). */
export function forgetClients(): void {
  clients.clear();
}

function nonEmpty(v: string | null | undefined): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v.trim() : undefined;
}
