/**
 * Workspace: a named persistent disk of one session type; fresh, cloned, or imported from GitHub; renamed in place.
 */
import { z } from "zod";
import type { ChaserClient, WorkspaceInfo } from "../client/client";
import { clientFor } from "../settings";
import {
  Failure,
  ResourceSpec,
  SLUG,
  compact,
  diffByTable,
  known,
  nameFor,
  refreshedInputs,
  validateProps,
} from "./common";

export const SESSION_TYPES = ["browser", "sandbox"] as const;
const GITHUB_REPO = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/** The zod rules for each input, property by property. */
export function inputShape() {
  return {
    name: z
      .string()
      .min(1, "must not be empty")
      .max(64, "must be at most 64 characters")
      .regex(SLUG, "must contain only letters, digits, '-', '_' and '.', and start with a letter or digit")
      .optional(),
    sessionType: z.enum(SESSION_TYPES, "must be 'browser' or 'sandbox'").optional(),
    image: z.string().min(1, "must not be empty").max(512, "must be at most 512 characters").regex(/^\S+$/, "must be an OCI image reference without spaces").optional(),
    cloneFrom: z.string().min(1, "must name a workspace (name or id)").optional(),
    githubRepo: z.string().regex(GITHUB_REPO, "must be a GitHub repository as 'owner/repo'").optional(),
    account: z.string().min(1, "must not be empty").optional(),
    deletionProtection: z.boolean("must be true or false").optional(),
    forceDelete: z.boolean("must be true or false").optional(),
    adoptExisting: z.boolean("must be true or false").optional(),
  };
}

const COMMON_OUTPUTS: ResourceSpec["outputs"] = {
  workspaceId: { type: "string", always: true, description: "The workspace's UUID (also the resource id)." },
  name: { type: "string", always: true, description: "The workspace's name." },
  sessionType: { type: "string", description: "`browser` or `sandbox` (inherited by clones)." },
  image: { type: "string", description: "OCI image of a sandbox workspace, or null." },
  template: { type: "boolean", always: true, description: "Whether the workspace is flagged as a template." },
  githubRepo: { type: "string", description: "The GitHub repository it was imported from, or null." },
  status: { type: "string", description: "Status as reported by the API (an open set of values)." },
  createdAt: { type: "string", description: "Creation time (RFC 3339)." },
  persistence: { type: "boolean", description: "Whether the disk persists after sessions end." },
  activeSessionId: { type: "string", description: "The session attached now, or null." },
  lastSessionId: { type: "string", description: "The last session attached, or null." },
  sourceWorkspaceId: { type: "string", description: "For a clone: the workspace it was cloned from." },
  nodeEndpoint: { type: "string", description: "Node endpoint reported by the API, or null." },
  assistantHome: { type: "string", description: "Assistant home reported by the API, or null." },
};

/** Inputs shared by Workspace and by a Template that creates its own workspace. */
export const WORKSPACE_INPUTS: ResourceSpec["inputs"] = {
  name: { type: "string", behavior: "update", computed: true, description: "Name, unique per account case-insensitively, at most 64 characters (letters, digits, `-`, `_`, `.`). Renamed in place. Default: the logical name plus a random suffix." },
  sessionType: { type: "string", behavior: "replace", computed: true, description: "`browser` or `sandbox`. Required for a fresh workspace; inherited by clones." },
  image: { type: "string", behavior: "replace", computed: true, description: "OCI image for a fresh sandbox workspace." },
  cloneFrom: { type: "string", behavior: "replace", description: "Clone this workspace or template (name or id) instead of starting fresh." },
  githubRepo: { type: "string", behavior: "replace", description: "Import this GitHub repository (`owner/repo`) into `/workspace`." },
  account: { type: "string", behavior: "replace", description: "Account (id, exact name or `personal`) to create it in; default the provider's `chaser:account`." },
  deletionProtection: { type: "boolean", behavior: "state", description: "When true, destroying or replacing the workspace fails until this is set to false and applied." },
  forceDelete: { type: "boolean", behavior: "state", description: "When true, deletion terminates attached sessions instead of failing." },
  adoptExisting: { type: "boolean", behavior: "state", description: "Take over the existing workspace of this `name` (fixed properties must match) instead of creating one; stands in for `pulumi import`." },
};

export const spec: ResourceSpec = {
  name: "Workspace",
  description: "A named persistent disk of one session type: fresh, cloned from another workspace or template, or imported from a GitHub repository. Renaming is done in place; everything else fixed at creation replaces it.",
  inputs: WORKSPACE_INPUTS,
  outputs: COMMON_OUTPUTS,
};
export const OUTPUT_KEYS = Object.keys(COMMON_OUTPUTS);

export function outputsOf(w: WorkspaceInfo): Record<string, unknown> {
  return {
    workspaceId: w.id,
    name: w.name ?? null,
    sessionType: w.session_type ?? null,
    image: w.image ?? null,
    template: w.template ?? false,
    githubRepo: w.github_repo ?? null,
    status: w.status ?? null,
    createdAt: w.created_at ?? null,
    persistence: w.persistence ?? null,
    activeSessionId: w.active_session_id ?? null,
    lastSessionId: w.last_session_id ?? null,
    sourceWorkspaceId: w.source_workspace_id ?? null,
    nodeEndpoint: w.node_endpoint ?? null,
    assistantHome: w.assistant_home ?? null,
  };
}

/** The cross-property rules of a workspace definition (each value known). */
export function workspaceFailures(news: Record<string, unknown>): Failure[] {
  const f: Failure[] = [...validateProps(inputShape(), news)];
  const { sessionType, image, cloneFrom, githubRepo, adoptExisting, name } = news;
  if (!known(sessionType, image, cloneFrom, githubRepo)) return f;
  if (cloneFrom !== undefined && githubRepo !== undefined) {
    f.push({ property: "githubRepo", reason: "githubRepo and cloneFrom cannot both be set: a workspace is either cloned or imported" });
  }
  if (githubRepo !== undefined && sessionType !== undefined) {
    f.push({ property: "sessionType", reason: "sessionType cannot be set with githubRepo: the import endpoint decides the session type" });
  }
  if (cloneFrom === undefined && githubRepo === undefined && sessionType === undefined) {
    f.push({ property: "sessionType", reason: "sessionType is required for a fresh workspace ('browser' or 'sandbox'); or set cloneFrom or githubRepo" });
  }
  if (image !== undefined) {
    if (cloneFrom !== undefined) f.push({ property: "image", reason: "image cannot be set with cloneFrom: a clone inherits the image of its source" });
    else if (githubRepo !== undefined) f.push({ property: "image", reason: "image cannot be set with githubRepo" });
    else if (sessionType === "browser") f.push({ property: "image", reason: "image is only accepted for sandbox workspaces (sessionType 'browser' takes no image)" });
  }
  if (adoptExisting === true && (news.__autoNamed === true || (known(name) && news.name === undefined))) {
    f.push({ property: "adoptExisting", reason: "adoptExisting needs an explicit name: the workspace to take over is found by name" });
  }
  return f;
}

/** Normalises the inputs: fills the auto-name. */
export function normalize(olds: Record<string, unknown>, news: Record<string, unknown>): Record<string, unknown> {
  const out = { ...news };
  const n = nameFor(olds, news);
  if (n) {
    out.name = n.name;
    out.__autoNamed = n.autoNamed;
  }
  return out;
}

/** Checks a workspace found by name against the program's fixed properties before adopting it. */
async function checkAdoptable(client: ChaserClient, w: WorkspaceInfo, inputs: Record<string, unknown>): Promise<void> {
  const problems: string[] = [];
  if (typeof inputs.sessionType === "string" && w.session_type && w.session_type !== inputs.sessionType) {
    problems.push(`sessionType is '${w.session_type}', the program says '${inputs.sessionType}'`);
  }
  if (typeof inputs.image === "string" && (w.image ?? null) !== inputs.image) {
    problems.push(`image is '${w.image ?? "none"}', the program says '${inputs.image}'`);
  }
  if (typeof inputs.githubRepo === "string" && (w.github_repo ?? "").toLowerCase() !== inputs.githubRepo.toLowerCase()) {
    problems.push(`githubRepo is '${w.github_repo ?? "none"}', the program says '${inputs.githubRepo}'`);
  }
  if (typeof inputs.cloneFrom === "string") {
    const source = (await client.findWorkspace({ id: inputs.cloneFrom })) ?? (await client.findWorkspace({ name: inputs.cloneFrom }));
    if (!w.source_workspace_id || !source || source.id !== w.source_workspace_id) {
      problems.push(`it was not cloned from '${inputs.cloneFrom}'`);
    }
  }
  if (problems.length) {
    throw new Error(`cannot adopt workspace '${w.name}' (${w.id}): ${problems.join("; ")}. Fixed properties must match; change the program or choose another name`);
  }
}

/** Creates (or adopts) the workspace an inputs set describes; `template` flags it as a clone source. */
export async function createWorkspace(inputs: Record<string, unknown>, opts: { template?: boolean } = {}): Promise<WorkspaceInfo> {
  const client = clientFor(inputs.account as string | undefined);
  const name = inputs.name as string;
  if (inputs.adoptExisting === true) {
    const existing = await client.findWorkspace({ name }, { fresh: true });
    if (existing) {
      await checkAdoptable(client, existing, inputs);
      if (opts.template && !existing.template) return client.setTemplate({ id: existing.id }, true);
      return existing;
    }
  }
  let w: WorkspaceInfo;
  if (typeof inputs.githubRepo === "string") {
    w = await client.importWorkspace({ github_repo: inputs.githubRepo, name });
  } else if (typeof inputs.cloneFrom === "string") {
    w = await client.createWorkspace({ clone_from: inputs.cloneFrom, name });
    if (typeof inputs.sessionType === "string" && w.session_type && w.session_type !== inputs.sessionType) {
      await client.deleteWorkspace({ id: w.id }, { force: true });
      throw new Error(`sessionType: the clone source '${inputs.cloneFrom}' is a ${w.session_type} workspace, the program says '${inputs.sessionType}'; the clone was removed`);
    }
  } else {
    return client.createWorkspace(compact({ name, session_type: inputs.sessionType as string, image: inputs.image as string | undefined, template: opts.template ? true : undefined }));
  }
  if (!opts.template) return w;
  try {
    return await client.setTemplate({ id: w.id }, true);
  } catch (err) {
    // Leave nothing behind: the operation failed as a whole.
    const removed = await client.deleteWorkspace({ id: w.id }, { force: true }).catch(() => false);
    throw new Error(
      `workspace '${name}' was created but could not be flagged as a template (${(err as Error).message}); ` +
        (removed ? "it was removed again, so nothing was left behind" : `removing it failed too: adopt it with adoptExisting: true (id ${w.id})`),
    );
  }
}

export function deletionProtectionMessage(kind: string, id: string, props: Record<string, unknown>, action: string): string {
  return `${kind} '${props.name ?? id}' (${id}) has deletionProtection: true, so it cannot be ${action}. ` +
    "Set deletionProtection: false, run `pulumi up`, then try again.";
}

/** Whether a replacement must delete first: the user fixed the name and the new object keeps it. */
export function collidesOnName(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  return news.__autoNamed !== true && typeof news.name === "string" && typeof olds.name === "string" && news.name.toLowerCase() === olds.name.toLowerCase();
}

/** Output fields kept from the old state on an update that does not call the API. */
export function keepOutputs(olds: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in olds).map((k) => [k, olds[k]]));
}

// ---- hooks -------------------------------------------------------------------------------------------------

type Props = Record<string, unknown>;

export async function check(olds: Props, news: Props) {
  const inputs = normalize(olds, news);
  const failures = workspaceFailures(inputs);
  return { inputs, failures };
}

export async function diff(id: string, olds: Props, news: Props) {
  const d = diffByTable(spec, olds, news);
  if (d.replaces.length > 0 && olds.deletionProtection === true) {
    throw new Error(deletionProtectionMessage("workspace", id, olds, `replaced (${d.replaces.join(", ")} changed)`));
  }
  return { changes: d.changes, replaces: d.replaces, deleteBeforeReplace: d.replaces.length > 0 && collidesOnName(olds, news) };
}

export async function create(inputs: Props) {
  const w = await createWorkspace(inputs);
  return { id: w.id, outs: { ...inputs, ...outputsOf(w) } };
}

export async function read(id: string, props: Props = {}) {
  const w = await clientFor(props.account as string | undefined).findWorkspace({ id });
  if (!w) return { id: "" };
  const outs = { ...props, ...outputsOf(w) };
  return { id, props: outs, inputs: refreshedInputs(spec, props, { name: w.name ?? undefined }) };
}

export async function update(id: string, olds: Props, news: Props) {
  const client = clientFor(news.account as string | undefined);
  if (olds.name !== news.name) {
    const w = await client.renameWorkspace({ id }, (news.name as string | undefined) ?? null);
    return { outs: { ...news, ...outputsOf(w) } };
  }
  // Only state-only flags changed: no API call.
  return { outs: { ...keepOutputs(olds, OUTPUT_KEYS), ...compact(news) } };
}

export async function remove(id: string, props: Props = {}) {
  if (props.deletionProtection === true) throw new Error(deletionProtectionMessage("workspace", id, props, "deleted"));
  await clientFor(props.account as string | undefined).deleteWorkspace({ id }, { force: props.forceDelete === true });
}
