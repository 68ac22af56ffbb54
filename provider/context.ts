/**
 * The per-call context of a hook: the client for the account the resource names (else the stack's), with the
 * credential configured for it, and how to describe that account to a person. Clients live as long as the
 * provider's process, one per (URL, key, account), so concurrent reads share listings.
 */
import { createHash } from "node:crypto";
import { describeAccount } from "../contract";
import type { ChaserClient } from "./client";
import type { Wait } from "./client/config";
import { engineLog } from "./engine-log";
import { startLifeline, stopped } from "./lifeline";
import { credentialIn, resolveSettings } from "./settings";

export interface Context {
  client: ChaserClient;
  /** The account selector the calls act in; undefined: the key's own account. */
  account?: string;
  /** "the personal account", "account 'Acme'". */
  where: string;
}

const clients = new Map<string, ChaserClient>();

/**
 * A wait for the API (a rate limit, a retry) told to the user, beside the resource it delays: a status while it
 * lasts, and a line of output when it is long enough to notice.
 */
function report(w: Wait): void {
  const seconds = w.delayMs >= 1000 ? `${Math.round(w.delayMs / 100) / 10} s` : `${Math.round(w.delayMs)} ms`;
  const message = `waiting for the Chaser API: ${w.reason} on ${w.method} ${w.path}, attempt ${w.attempt + 1} in ${seconds}`;
  engineLog(message, { ephemeral: w.delayMs < 1000 });
}

/** The key for an account: its own from `chaser:accountKeys`, else the default key, and which config holds it. */
export function credentialFor(account: string | undefined): { apiKey?: string; source: string } {
  return credentialIn(resolveSettings(), account);
}

/** The account a resource acts in: its own `account`, else `chaser:account`, else CHASER_ACCOUNT. */
export function accountFor(account?: string | null): string | undefined {
  return resolveSettings({ account: account ?? undefined }).account;
}

export function contextFor(account?: string | null): Context {
  // In the dynamic-provider process: from the first call on, it notices when its engine is gone (lifeline.ts).
  startLifeline();
  const s = resolveSettings({ account: account ?? undefined });
  const acct = s.account;
  const apiKey = credentialIn(s, acct).apiKey ?? "";
  const apiUrl = s.apiUrl ?? "";
  const id = `${apiUrl}|${acct ?? ""}|${createHash("sha256").update(apiKey).digest("hex").slice(0, 16)}`;
  let client = clients.get(id);
  if (!client) {
    // Loaded on the first call to the API, not with the provider: a preview with nothing to change (and the
    // plugin's start, which the engine waits for) never needs the HTTP client and undici.
    const { ChaserClient } = require("./client") as typeof import("./client");
    // `stopped`: aborted once the engine is gone, so the client cancels what it has in flight and sends nothing more.
    client = new ChaserClient({ apiKey, apiUrl, account: acct, onWait: report, signal: stopped });
    clients.set(id, client);
  }
  return { client, account: acct, where: describeAccount(acct) };
}

/** For tests: forget the clients (and their shared listings). */
export function forgetClients(): void {
  clients.clear();
}
