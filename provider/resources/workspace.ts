/**
 * Workspace: what is particular to it (the rest is the skeleton in ../resource.ts, the model in
 * ../models/workspace.ts). Also the workspace behaviour a Template that creates its own workspace shares:
 * creating (fresh, clone, import), taking over an object found by name, protection and advice.
 *
 * Stable surface: state written by 0.1.0 requires `pulumi-chaser/dist/provider/resources/workspace.js` and calls
 * its hooks (check, diff, create, read, update, remove).
 */
import type { CreateWorkspace, Difference, ImportWorkspace, WorkspaceInfo } from "../client";
import { ProviderError } from "../advice";
import { ChaserApiError, ConflictError } from "../client/errors";
import type { Context } from "../context";
import { TableDiff } from "../model";
import { isUnknown } from "../values";
import { WorkspaceModel } from "../models/workspace";
import { isOwnAutoName } from "../naming";
import { madeSince } from "../recovery";
import { Behaviour, FoundOpts, Props, defineResource, markTakenOver } from "../resource";

type Definition = {
  name?: string;
  sessionType?: string;
  image?: string;
  cloneFrom?: string;
  githubRepo?: string;
  adoptExisting?: boolean;
  __autoNamed?: boolean;
  __logicalName?: string;
  __urn?: string;
};

/** The request a definition makes: an import, a clone or a fresh workspace. */
function requestOf(d: Definition, template: boolean): { kind: "import"; req: ImportWorkspace } | { kind: "create"; req: CreateWorkspace } {
  const name = d.name as string;
  if (d.githubRepo !== undefined) return { kind: "import", req: { github_repo: d.githubRepo, name } };
  if (d.cloneFrom !== undefined) return { kind: "create", req: { clone_from: d.cloneFrom, name } };
  return { kind: "create", req: { name, session_type: d.sessionType as "browser" | "sandbox", image: d.image, template: template || undefined } };
}

/**
 * Creates the workspace a definition describes (flagged as a template for a Template's own workspace), or takes
 * over the one that already has its name when that is provably it: asked for with `adoptExisting`, or left by
 * this resource's own interrupted create (a name only this resource generates). Either way the properties fixed
 * at creation must agree: one rule, the client's `differences`, for adoption, takeover and reconciliation.
 */
export async function createWorkspace(ctx: Context, type: string, d: Definition, opts: { template?: boolean } = {}): Promise<{ id: string; answer: WorkspaceInfo; adopted?: boolean }> {
  const ws = ctx.client.workspaces;
  const name = d.name as string;
  const { kind, req } = requestOf(d, opts.template === true);
  const made = (w: WorkspaceInfo, adopted = false) => ({ id: w.id, answer: w, adopted });

  const takeOver = async (w: WorkspaceInfo, why: string): Promise<WorkspaceInfo> => {
    const problems = await ws.differences(w, req);
    if (problems.length) {
      throw new ProviderError(`workspace '${name}' (${w.id}) exists in ${ctx.where} but cannot be ${why}: ${problems.join("; ")}. Fixed properties must match: change the program, or choose another name`);
    }
    markTakenOver(w.id);
    return opts.template && !w.template ? ws.setTemplate({ id: w.id }, true) : w;
  };

  if (d.adoptExisting === true) {
    const existing = await ws.find({ name }, { fresh: true });
    if (existing) return made(await takeOver(existing, "adopted"), true);
  }
  if (d.cloneFrom !== undefined && d.sessionType !== undefined) {
    const source = await ws.resolve(d.cloneFrom);
    if (source?.session_type && source.session_type !== d.sessionType) {
      throw new ProviderError(`sessionType: the clone source '${d.cloneFrom}' is a ${source.session_type} workspace, the program says '${d.sessionType}' (a clone inherits its source's session type)`);
    }
  }
  let w: WorkspaceInfo;
  try {
    w = kind === "import" ? await ws.import(req as ImportWorkspace) : await ws.create(req as CreateWorkspace);
  } catch (e) {
    if (!(e instanceof ConflictError && e.code === "workspace_name_taken" && isOwnAutoName(type, d as Props, name))) throw e;
    const existing = await ws.find({ name }, { fresh: true });
    if (!existing) throw e;
    return made(await takeOver(existing, "taken over as this resource's own (left by an interrupted update)"));
  }
  if (!opts.template || kind === "create" && req.template) return made(w);
  try {
    return made(await ws.setTemplate({ id: w.id }, true));
  } catch (err) {
    // Leave nothing behind: the operation failed as a whole.
    const removed = await ws.delete({ id: w.id }, { force: true }).catch(() => false);
    throw new ProviderError(
      `workspace '${name}' was created but could not be flagged as a template (${(err as Error).message}); ` +
        (removed ? "it was removed again, so nothing was left behind" : `removing it failed too: adopt it with adoptExisting: true (id ${w.id})`),
    );
  }
}

/**
 * For a preview: the workspace of this definition's name that `adoptExisting` would take over, with the fixed
 * properties that differ from the program's known ones. Reads only.
 */
export async function adoptableWorkspace(ctx: Context, d: Definition, opts: { template?: boolean } = {}): Promise<{ id: string; differences: Difference[] } | undefined> {
  const w = await ctx.client.workspaces.find({ name: d.name as string }, { fresh: true });
  if (!w) return undefined;
  const known = Object.fromEntries(Object.entries(d).filter(([, v]) => !isUnknown(v))) as Definition;
  // Whether it is a clone or an import is not known yet: only what is known for sure is compared now.
  const uncertain = isUnknown(d.cloneFrom) || isUnknown(d.githubRepo);
  const differences = (await ctx.client.workspaces.fixedDifferences(w, requestOf(known, opts.template === true).req, { fresh: false }))
    .filter((x) => !isUnknown((d as Props)[x.property]) && (!uncertain || x.property === "sessionType"));
  return { id: w.id, differences };
}

/**
 * The workspace an interrupted create of this definition made, if it exists and is what it asks for: its name
 * (an auto-name only this resource generates; a fixed name only if created since the interrupted update began),
 * its fixed properties.
 */
export async function findCreatedWorkspace(ctx: Context, type: string, d: Definition, found: FoundOpts, opts: { template?: boolean } = {}): Promise<{ id: string; answer: WorkspaceInfo } | undefined> {
  const name = d.name as string;
  const w = await ctx.client.workspaces.find({ name }, { fresh: found.fresh ?? true });
  if (!w || found.keep.has(w.id)) return undefined;
  if (!isOwnAutoName(type, d as Props, name) && !madeSince(w.created_at, found.since)) return undefined;
  if ((await ctx.client.workspaces.differences(w, requestOf(d, opts.template === true).req, { fresh: found.fresh ?? true })).length > 0) return undefined;
  return { id: w.id, answer: w };
}

export function protection(kind: string) {
  return (state: Props, id: string, action: string): string | undefined =>
    state.deletionProtection === true
      ? `${kind} '${state.name ?? id}' (${id}) has deletionProtection: true, so it cannot be ${action}. Set deletionProtection: false, run \`pulumi up\`, then try again.`
      : undefined;
}

/** A replacement keeping a fixed name must delete the old workspace first (names are unique per account). */
export function collidesOnName(olds: Props, news: Props): boolean {
  return news.__autoNamed !== true && typeof news.name === "string" && typeof olds.name === "string" && news.name.toLowerCase() === olds.name.toLowerCase();
}

/**
 * A clone's source matters only at creation: a change of `cloneFrom` (its template replaced, so its id changes) is
 * recorded in state and the workspace keeps its disk, unless the program asks for `recloneOnSourceChange`.
 */
export function recloneOnSourceChange(_olds: Props, news: Props, d: TableDiff): TableDiff {
  if (news.recloneOnSourceChange !== true || !d.changed.includes("cloneFrom") || d.replaces.includes("cloneFrom")) return d;
  return { changed: d.changed, replaces: [...d.replaces, "cloneFrom"] };
}

/** What a change of the clone source does, said beside the workspace. */
export function cloneNotes(olds: Props, news: Props, d: TableDiff): string[] {
  if (!d.changed.includes("cloneFrom") || d.replaces.length > 0) return [];
  const to = isUnknown(news.cloneFrom) ? "a value known only after apply" : news.cloneFrom === undefined ? "none" : `'${news.cloneFrom}'`;
  return [
    `cloneFrom changes from '${olds.cloneFrom ?? "none"}' to ${to}: the workspace keeps its disk and is not cloned again (a clone's source matters only at creation). ` +
      "To re-clone it from the new source (its disk and snapshots replaced), set recloneOnSourceChange: true, or run `pulumi up --replace` with its URN",
  ];
}

/** Advice for what goes wrong with workspaces. */
export function workspaceAdvice(e: ChaserApiError, op: string, props: Props, where: string): string | undefined {
  if (e.code === "workspace_name_taken") {
    return (
      `the name '${props.name}' is taken in ${where} (names are unique case-insensitively). If an interrupted \`pulumi up\` created it, ` +
      "run `npx chaser-recover` to bring it into the stack; to manage a workspace made outside Pulumi, set adoptExisting: true (its fixed properties must match); or choose another name"
    );
  }
  if (e.code === "workspace_busy" && op === "delete") {
    return "a session is attached to the workspace, so it cannot be deleted. To terminate the session and delete anyway, set forceDelete: true and run `pulumi up` first (deletion uses the flags recorded in the stack), then try again";
  }
  return undefined;
}

export const workspace: Behaviour<typeof WorkspaceModel, WorkspaceInfo> = {
  model: WorkspaceModel,
  autoName: true,
  create: (ctx, inputs) => createWorkspace(ctx, WorkspaceModel.name, inputs),
  adoptable: (ctx, inputs) => adoptableWorkspace(ctx, inputs),
  adjustDiff: recloneOnSourceChange,
  diffNotes: cloneNotes,
  read: (ctx, id) => ctx.client.workspaces.find({ id }),
  update: async (ctx, id, _olds, news) => ({ answer: await ctx.client.workspaces.rename({ id }, news.name ?? null) }),
  delete: async (ctx, id, state) => {
    await ctx.client.workspaces.delete({ id }, { force: state.forceDelete === true });
  },
  findCreated: (ctx, inputs, found) => findCreatedWorkspace(ctx, WorkspaceModel.name, inputs, found),
  guard: protection("workspace"),
  deleteBeforeReplace: collidesOnName,
  advice: workspaceAdvice,
};

export const { configure, check, diff, create, read, update, remove, recover } = defineResource(workspace);
export { remove as delete };
