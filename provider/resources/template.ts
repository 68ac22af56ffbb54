/**
 * Template: a workspace flagged as a clone source. Two modes:
 * - `workspace` set: flags that existing workspace; deleting the Template clears the flag and keeps the workspace.
 * - otherwise: creates its own workspace (the Workspace inputs) flagged as a template; deleting deletes it.
 * A flag cleared outside Pulumi shows on refresh and is set again by the next `up`.
 */
import { z } from "zod";
import { clientFor } from "../settings";
import { ResourceSpec, diffByTable, known, refreshedInputs, validateProps } from "./common";
import * as ws from "./workspace";

export const spec: ResourceSpec = {
  name: "Template",
  description: "A workspace flagged as a clone source: either an existing workspace flagged (`workspace`), or a workspace of its own created with the Workspace inputs. Clones are independent and survive the template.",
  inputs: {
    workspace: { type: "string", behavior: "replace", description: "Flag this existing workspace (id preferred, or name) instead of creating one. Deleting the Template then only clears the flag." },
    ...ws.WORKSPACE_INPUTS,
    template: { type: "boolean", behavior: "update", internal: true, description: "Always true: the desired flag, so that a flag cleared outside Pulumi is repaired." },
  },
  outputs: ws.spec.outputs,
};

const OWN_ONLY = ["name", "sessionType", "image", "cloneFrom", "githubRepo", "deletionProtection", "forceDelete", "adoptExisting"];

type Props = Record<string, unknown>;
const flagMode = (p: Props) => p.workspace !== undefined && p.workspace !== null;

export async function check(olds: Props, news: Props) {
  if (flagMode(news)) {
    const failures = validateProps({ workspace: z.string().min(1, "must name a workspace (id or name)"), account: ws.inputShape().account }, news);
    for (const k of OWN_ONLY) {
      if (news[k] !== undefined) failures.push({ property: k, reason: `${k} cannot be set with workspace: this Template flags an existing workspace and does not create one` });
    }
    return { inputs: { ...news, template: true }, failures };
  }
  const inputs = { ...ws.normalize(olds, news), template: true };
  return { inputs, failures: ws.workspaceFailures(inputs) };
}

export async function diff(id: string, olds: Props, news: Props) {
  const d = diffByTable(spec, olds, news);
  const modeChange = flagMode(olds) !== flagMode(news);
  const replaces = modeChange && !d.replaces.includes("workspace") ? [...d.replaces, "workspace"] : d.replaces;
  if (replaces.length > 0 && !flagMode(olds) && olds.deletionProtection === true) {
    throw new Error(ws.deletionProtectionMessage("template workspace", id, olds, `replaced (${replaces.join(", ")} changed)`));
  }
  // Flagging mode: the old Template clears the flag on its workspace, which may be the same one: clear first.
  const deleteBeforeReplace = replaces.length > 0 && (flagMode(olds) || (known(news.name) && ws.collidesOnName(olds, news)));
  return { changes: d.changes || modeChange, replaces, deleteBeforeReplace };
}

export async function create(inputs: Props) {
  if (flagMode(inputs)) {
    const w = await clientFor(inputs.account as string | undefined).setTemplate({ name: inputs.workspace as string }, true);
    return { id: w.id, outs: { ...inputs, ...ws.outputsOf(w) } };
  }
  const w = await ws.createWorkspace(inputs, { template: true });
  return { id: w.id, outs: { ...inputs, ...ws.outputsOf(w) } };
}

export async function read(id: string, props: Props = {}) {
  const w = await clientFor(props.account as string | undefined).findWorkspace({ id });
  if (!w) return { id: "" };
  const server: Props = { template: w.template ?? false };
  if (!flagMode(props)) server.name = w.name ?? undefined;
  return { id, props: { ...props, ...ws.outputsOf(w) }, inputs: refreshedInputs(spec, props, server) };
}

export async function update(id: string, olds: Props, news: Props) {
  const client = clientFor(news.account as string | undefined);
  let w = undefined;
  if (!flagMode(news) && olds.name !== news.name) w = await client.renameWorkspace({ id }, news.name as string);
  if (olds.template !== true) w = await client.setTemplate({ id }, true);
  if (w) return { outs: { ...news, ...ws.outputsOf(w) } };
  return { outs: { ...ws.keepOutputs(olds, ws.OUTPUT_KEYS), ...Object.fromEntries(Object.entries(news).filter(([, v]) => v !== undefined)) } };
}

export async function remove(id: string, props: Props = {}) {
  const client = clientFor(props.account as string | undefined);
  if (flagMode(props)) {
    try {
      await client.setTemplate({ id }, false);
    } catch (e) {
      if (!(e as { isNotFound?: () => boolean }).isNotFound?.()) throw e;
    }
    return;
  }
  if (props.deletionProtection === true) throw new Error(ws.deletionProtectionMessage("template workspace", id, props, "deleted"));
  await client.deleteWorkspace({ id }, { force: props.forceDelete === true });
}
