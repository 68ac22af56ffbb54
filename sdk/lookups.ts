/**
 * Lookups users call from their programs (plain async functions). Credentials: explicit options, else the stack
 * config (`chaser:apiKey`, `chaser:apiUrl`, `chaser:account`), else CHASER_API_KEY / CHASER_API_URL / CHASER_ACCOUNT.
 */
import { ApiKeyInfo, ChaserClient, SnapshotInfo, WorkspaceInfo } from "../provider/client/client";
import type { ClientOptions } from "../provider/client/config";

export type LookupOptions = Pick<ClientOptions, "apiKey" | "apiUrl" | "account">;

function stackConfig(key: string): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runtime = require("@pulumi/pulumi").runtime as { getConfig(k: string): string | undefined };
    return runtime.getConfig(`chaser:${key}`) ?? undefined;
  } catch {
    return undefined;
  }
}

function client(opts: LookupOptions = {}): ChaserClient {
  return new ChaserClient({
    apiKey: opts.apiKey ?? stackConfig("apiKey"),
    apiUrl: opts.apiUrl ?? stackConfig("apiUrl"),
    account: opts.account ?? stackConfig("account"),
  });
}

/** One workspace by `id` or by `name` (case-insensitive); fails when there is none. */
export async function getWorkspace(sel: { id: string } | { name: string }, opts?: LookupOptions): Promise<WorkspaceInfo> {
  const c = client(opts);
  const w = await c.findWorkspace("id" in sel ? { id: sel.id } : { name: sel.name });
  if (!w) throw new Error(`getWorkspace: no workspace ${"id" in sel ? `with id '${sel.id}'` : `named '${sel.name}'`} in ${c.config.account ? `account '${c.config.account}'` : "the personal account"}`);
  return w;
}

/** All workspaces of the account; `template: true` keeps only templates (false: only non-templates). */
export async function listWorkspaces(args: { template?: boolean } = {}, opts?: LookupOptions): Promise<WorkspaceInfo[]> {
  const all = await client(opts).listWorkspaces();
  return args.template === undefined ? all : all.filter((w) => (w.template ?? false) === args.template);
}

/** Snapshots of a workspace (id or name). */
export async function listSnapshots(args: { workspace: string }, opts?: LookupOptions): Promise<SnapshotInfo[]> {
  return client(opts).listSnapshots(args.workspace);
}

/** API keys of the account (never their secrets). */
export async function listApiKeys(opts?: LookupOptions): Promise<ApiKeyInfo[]> {
  return client(opts).listApiKeys();
}
