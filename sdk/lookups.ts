/**
 * Lookups users call from their programs (plain async functions). Results are the same camelCase shapes as the
 * resources' outputs, typed from the same models. Credentials: explicit options, else the stack config
 * (`chaser:apiKey`, `chaser:apiUrl`, `chaser:account`), else CHASER_API_KEY / CHASER_API_URL / CHASER_ACCOUNT.
 */
import { describeAccount } from "../contract";
import { ChaserClient, ClientOptions } from "../provider/client";
import { outputsFrom } from "../provider/model";
import { ApiKeyModel } from "../provider/models/apikey";
import { SnapshotModel } from "../provider/models/snapshot";
import { TemplateModel } from "../provider/models/template";
import type { ApiKeyInfo, SnapshotInfo, WorkspaceInfo } from "./resources";

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

/** A workspace's outputs, the template flag included (a Template's outputs are a Workspace's and the flag). */
const workspaceInfo = (w: Record<string, unknown>) => outputsFrom(TemplateModel, w) as WorkspaceInfo;

/** One workspace by `id` or by `name` (case-insensitive); fails when there is none. */
export async function getWorkspace(sel: { id: string } | { name: string }, opts?: LookupOptions): Promise<WorkspaceInfo> {
  const c = client(opts);
  const w = await c.workspaces.find("id" in sel ? { id: sel.id } : { name: sel.name });
  if (!w) throw new Error(`getWorkspace: no workspace ${"id" in sel ? `with id '${sel.id}'` : `named '${sel.name}'`} in ${describeAccount(c.config.account)}`);
  return workspaceInfo(w);
}

/** All workspaces of the account; `template: true` keeps only templates (false: only non-templates). */
export async function listWorkspaces(args: { template?: boolean } = {}, opts?: LookupOptions): Promise<WorkspaceInfo[]> {
  const all = await client(opts).workspaces.list();
  return all.filter((w) => args.template === undefined || (w.template ?? false) === args.template).map(workspaceInfo);
}

/** Snapshots of a workspace (id or name). */
export async function listSnapshots(args: { workspace: string }, opts?: LookupOptions): Promise<SnapshotInfo[]> {
  const c = client(opts);
  const w = (await c.workspaces.find({ id: args.workspace })) ?? (await c.workspaces.find({ name: args.workspace }));
  const snaps = await c.snapshots.list(w?.id ?? args.workspace);
  return snaps.map((s) => outputsFrom(SnapshotModel, { ...s, workspace_id: s.workspace_id ?? w?.id }) as SnapshotInfo);
}

/** The live API keys of the account (never their secrets). */
export async function listApiKeys(opts?: LookupOptions): Promise<ApiKeyInfo[]> {
  const keys = await client(opts).keys.list();
  return keys.filter((k) => !k.revoked_at).map((k) => outputsFrom(ApiKeyModel, k) as ApiKeyInfo);
}
