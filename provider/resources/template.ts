/**
 * Template: a workspace flagged as a clone source. Two modes:
 * - `workspace` set: flags that existing workspace; deleting the Template clears the flag and keeps the workspace.
 * - otherwise: creates its own workspace (the Workspace inputs, the same behaviour as a Workspace) flagged as a
 *   template; deleting the Template deletes it.
 * A flag cleared outside Pulumi shows on refresh and is set again by the next `up`.
 *
 * Stable surface: state written by 0.1.0 requires `pulumi-chaser/dist/provider/resources/template.js`.
 */
import type { WorkspaceInfo } from "../client";
import { NotFoundError } from "../client/errors";
import { TemplateModel } from "../models/template";
import { Behaviour, Props, defineResource } from "../resource";
import { adoptableWorkspace, cloneNotes, collidesOnName, createWorkspace, findCreatedWorkspace, protection, recloneOnSourceChange, workspaceAdvice } from "./workspace";

const flagMode = (p: Props) => p.workspace !== undefined && p.workspace !== null;
const ownProtection = protection("template workspace");

export const template: Behaviour<typeof TemplateModel, WorkspaceInfo> = {
  model: TemplateModel,
  autoName: (p) => !flagMode(p),
  normalize: (inputs) => ({ ...inputs, template: true }),
  create: async (ctx, inputs) => {
    if (!flagMode(inputs)) return createWorkspace(ctx, TemplateModel.name, inputs, { template: true });
    const w = await ctx.client.workspaces.setTemplate({ name: inputs.workspace as string }, true);
    return { id: w.id, answer: w };
  },
  adoptable: (ctx, inputs) => (flagMode(inputs) ? Promise.resolve(undefined) : adoptableWorkspace(ctx, inputs, { template: true })),
  diffNotes: (olds, news, d) => (flagMode(news) ? [] : cloneNotes(olds, news, d)),
  read: (ctx, id) => ctx.client.workspaces.find({ id }),
  update: async (ctx, id, olds, news, changed) => {
    let w: WorkspaceInfo | undefined;
    if (!flagMode(news) && changed.includes("name")) w = await ctx.client.workspaces.rename({ id }, news.name ?? null);
    if (olds.template !== true) w = await ctx.client.workspaces.setTemplate({ id }, true);
    return { answer: w };
  },
  delete: async (ctx, id, state) => {
    if (!flagMode(state)) {
      await ctx.client.workspaces.delete({ id }, { force: state.forceDelete === true });
      return;
    }
    try {
      await ctx.client.workspaces.setTemplate({ id }, false);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  },
  findCreated: async (ctx, inputs, found) => {
    if (!flagMode(inputs)) return findCreatedWorkspace(ctx, TemplateModel.name, inputs, found, { template: true });
    // Flagging changes an existing workspace: bring it in flagged or not (the next up sets the flag).
    const w = await ctx.client.workspaces.resolve(inputs.workspace as string, { fresh: found.fresh ?? true });
    return w && { id: w.id, answer: w };
  },
  // In flagging mode the name is the flagged workspace's own business, not an input of the Template.
  readBack: (inputs) => (flagMode(inputs) ? Object.fromEntries(Object.entries(inputs).filter(([k]) => k !== "name")) : inputs),
  adjustDiff: (olds, news, table) => {
    const d = recloneOnSourceChange(olds, news, table);
    if (flagMode(olds) === flagMode(news) || d.replaces.includes("workspace")) return d;
    return { changed: [...new Set([...d.changed, "workspace"])], replaces: [...d.replaces, "workspace"] };
  },
  guard: (state, id, action) => (flagMode(state) ? undefined : ownProtection(state, id, action)),
  // Flagging mode: the old Template clears the flag on its workspace, which may be the same one: clear first.
  deleteBeforeReplace: (olds, news) => flagMode(olds) || collidesOnName(olds, news),
  advice: workspaceAdvice,
};

export const { configure, check, diff, create, read, update, remove, recover } = defineResource(template);
export { remove as delete };
