/**
 * Snapshot: a whole-disk restore point of a workspace, addressed by name under it. Changing `restoreTrigger`
 * restores the workspace to this snapshot in place; `force` is read when creating or restoring; anything else
 * replaces it.
 */
import { z } from "zod";
import { ChaserApiError } from "../client/errors";
import { clientFor } from "../settings";
import { ResourceSpec, SLUG, diffByTable, nameFor, validateProps } from "./common";

export const spec: ResourceSpec = {
  name: "Snapshot",
  description: "A whole-disk restore point of a workspace. Changing `restoreTrigger` restores the workspace to it in place.",
  inputs: {
    workspace: { type: "string", behavior: "replace", required: true, description: "The workspace (id preferred, stable across renames; or name)." },
    name: { type: "string", behavior: "replace", computed: true, description: "Snapshot name, unique in its workspace. Default: the logical name plus a random suffix." },
    force: { type: "boolean", behavior: "state", description: "Create or restore even while a session is attached, terminating it first (otherwise that fails)." },
    restoreTrigger: { type: "string", behavior: "update", description: "Any value; changing it restores the workspace to this snapshot (in place)." },
    account: { type: "string", behavior: "replace", description: "Account of the workspace; default the provider's `chaser:account`." },
  },
  outputs: {
    name: { type: "string", always: true, description: "The snapshot's name." },
    workspaceId: { type: "string", always: true, description: "The workspace's UUID." },
    createdAt: { type: "string", description: "Creation time (RFC 3339)." },
    sizeBytes: { type: "integer", description: "Size reported by the API, or null." },
    restoredAt: { type: "string", description: "When this provider last restored the workspace to the snapshot, or null." },
  },
};
const OUTPUT_KEYS = ["workspaceId", "createdAt", "sizeBytes", "restoredAt"];

export function inputShape() {
  return {
    workspace: z.string("is required: the workspace (id or name) to snapshot").min(1, "must not be empty"),
    name: z.string().min(1, "must not be empty").max(64, "must be at most 64 characters").regex(SLUG, "must contain only letters, digits, '-', '_' and '.', and start with a letter or digit").optional(),
    force: z.boolean("must be true or false").optional(),
    restoreTrigger: z.union([z.string(), z.number(), z.boolean()], "must be a string, number or boolean").optional(),
    account: z.string().min(1, "must not be empty").optional(),
  };
}

type Props = Record<string, unknown>;

function splitId(id: string): { workspaceId: string; name: string } {
  const i = id.indexOf("/");
  return { workspaceId: id.slice(0, i), name: id.slice(i + 1) };
}

export async function check(olds: Props, news: Props) {
  const inputs = { ...news };
  const n = nameFor(olds, news);
  if (n) {
    inputs.name = n.name;
    inputs.__autoNamed = n.autoNamed;
  }
  return { inputs, failures: validateProps(inputShape(), inputs) };
}

export async function diff(_id: string, olds: Props, news: Props) {
  const d = diffByTable(spec, olds, news);
  // A fixed name kept in the same workspace would collide: delete the old snapshot first.
  const sameWorkspace = !d.replaces.includes("workspace") && !d.replaces.includes("account");
  const sameName = typeof news.name === "string" && news.name === olds.name;
  const deleteBeforeReplace = d.replaces.length > 0 && sameWorkspace && sameName && news.__autoNamed !== true;
  return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace };
}

export async function create(inputs: Props) {
  const client = clientFor(inputs.account as string | undefined);
  const sel = inputs.workspace as string;
  const w = (await client.findWorkspace({ id: sel }, { fresh: true })) ?? (await client.findWorkspace({ name: sel }));
  if (!w) throw new Error(`workspace: no workspace '${sel}' in ${client.config.account ? `account '${client.config.account}'` : "the personal account"}`);
  const snap = await client.createSnapshot({ id: w.id }, { name: inputs.name as string, force: inputs.force === true });
  return {
    id: `${w.id}/${snap.name}`,
    outs: { ...inputs, name: snap.name, workspaceId: w.id, createdAt: snap.created_at ?? null, sizeBytes: snap.size_bytes ?? null, restoredAt: null },
  };
}

export async function read(id: string, props: Props = {}) {
  const { workspaceId, name } = splitId(id);
  let snaps;
  try {
    snaps = await clientFor(props.account as string | undefined).listSnapshots({ id: workspaceId });
  } catch (e) {
    if (e instanceof ChaserApiError && e.isNotFound()) return { id: "" };
    throw e;
  }
  const snap = snaps.find((x) => x.name === name);
  if (!snap) return { id: "" };
  const outs = { ...props, name: snap.name, workspaceId, createdAt: snap.created_at ?? props.createdAt ?? null, sizeBytes: snap.size_bytes ?? null };
  const inputs = Object.fromEntries(Object.keys({ ...spec.inputs, __logicalName: 1, __autoNamed: 1 }).filter((k) => props[k] !== undefined).map((k) => [k, props[k]]));
  return { id, props: outs, inputs };
}

export async function update(id: string, olds: Props, news: Props) {
  const kept = Object.fromEntries(OUTPUT_KEYS.filter((k) => k in olds).map((k) => [k, olds[k]]));
  const outs: Props = { ...kept, ...Object.fromEntries(Object.entries(news).filter(([, v]) => v !== undefined)) };
  if (JSON.stringify(olds.restoreTrigger ?? null) !== JSON.stringify(news.restoreTrigger ?? null) && news.restoreTrigger !== undefined) {
    const { workspaceId, name } = splitId(id);
    await clientFor(news.account as string | undefined).restoreSnapshot({ id: workspaceId }, name, news.force === true);
    outs.restoredAt = new Date().toISOString();
  }
  return { outs };
}

export async function remove(id: string, props: Props = {}) {
  const { workspaceId, name } = splitId(id);
  await clientFor(props.account as string | undefined).deleteSnapshot({ id: workspaceId }, name);
}
