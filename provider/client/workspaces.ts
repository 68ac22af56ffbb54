/** Workspaces: list (there is no get-one endpoint and no pagination), create, import, rename, flag, delete. */
import { endpoint, foldName, sameName, wire } from "../../contract";
import { Core } from "./core";
import { createOnce } from "./create-once";
import { ConflictError, existed } from "./errors";

export type WorkspaceInfo = wire.WorkspaceInfo;
/** A workspace is addressed by its id (preferred: stable across renames) or its name. */
export type WorkspaceSelector = { id: string; name?: undefined } | { name: string; id?: undefined };
/** Creates always name the workspace: the name is how an unknown outcome is reconciled. */
export type CreateWorkspace = wire.CreateWorkspaceRequest & { name: string };
export type ImportWorkspace = wire.ImportWorkspaceRequest & { name: string };
/** A fixed property in which an existing workspace differs from a request: its value on the server, the request's. */
export interface Difference {
  property: string;
  server: unknown;
  program: unknown;
  /** "sessionType is 'sandbox', not 'browser'" */
  text: string;
}

/** The path parameter of a workspace: its id (preferred) or its name. */
const ws = (sel: WorkspaceSelector) => sel.id ?? sel.name;

export class Workspaces {
  constructor(private readonly core: Core) {}

  list(opts: { fresh?: boolean } = {}): Promise<WorkspaceInfo[]> {
    return this.core.shared("workspaces", () => this.core.call(endpoint("listWorkspaces"), wire.workspaceList), opts.fresh);
  }

  /** One workspace by id (case-insensitively, as UUIDs are), or by name (as the API compares names). */
  async find(sel: WorkspaceSelector, opts: { fresh?: boolean } = {}): Promise<WorkspaceInfo | undefined> {
    const want = sel.id ?? sel.name;
    if (want.trim() === "") return undefined;
    const all = await this.list(opts);
    return sel.id !== undefined ? all.find((w) => sameName(w.id, want)) : all.find((w) => sameName(w.name, want));
  }

  /** A selector as the API reads it: a name (preferred), else an id. */
  async resolve(selector: string, opts: { fresh?: boolean } = {}): Promise<WorkspaceInfo | undefined> {
    return (await this.find({ name: selector }, opts)) ?? (await this.find({ id: selector }, opts));
  }

  /**
   * Whether `w` is what `req` asks for: the properties fixed at creation agree (session type, image, GitHub
   * repository, clone source). The one rule for "is this workspace the one we created or meant", used to
   * reconcile an unknown outcome, to take over an interrupted create, and to adopt.
   */
  async differences(w: WorkspaceInfo, req: Partial<CreateWorkspace & ImportWorkspace>, opts: { fresh?: boolean } = {}): Promise<string[]> {
    return (await this.fixedDifferences(w, req, opts)).map((d) => d.text);
  }

  /** The fixed properties in which `w` differs from `req`: the property, the server's value, the request's. */
  async fixedDifferences(w: WorkspaceInfo, req: Partial<CreateWorkspace & ImportWorkspace>, opts: { fresh?: boolean } = {}): Promise<Difference[]> {
    const problems: Difference[] = [];
    const add = (property: string, server: unknown, program: unknown, text: string) => problems.push({ property, server, program, text });
    const clone = typeof req.clone_from === "string";
    if (req.session_type && w.session_type && w.session_type !== req.session_type) add("sessionType", w.session_type, req.session_type, `sessionType is '${w.session_type}', not '${req.session_type}'`);
    if (!clone && (w.image ?? null) !== (req.image ?? null) && !req.github_repo) add("image", w.image ?? null, req.image ?? null, `image is '${w.image ?? "none"}', not '${req.image ?? "none"}'`);
    if ((req.github_repo ?? null) !== null || (!clone && w.github_repo)) {
      if (!sameName(w.github_repo ?? "", req.github_repo ?? "")) add("githubRepo", w.github_repo ?? null, req.github_repo ?? null, `githubRepo is '${w.github_repo ?? "none"}', not '${req.github_repo ?? "none"}'`);
    }
    if (clone) {
      const source = await this.resolve(req.clone_from as string, { fresh: opts.fresh ?? true });
      if (!w.source_workspace_id || !source || foldName(source.id) !== foldName(w.source_workspace_id)) {
        add("cloneFrom", w.source_workspace_id ?? null, req.clone_from, `it was not cloned from '${req.clone_from}'`);
      }
    } else if (w.source_workspace_id) {
      add("cloneFrom", w.source_workspace_id, null, "it is a clone of another workspace");
    }
    return problems;
  }

  create(req: CreateWorkspace): Promise<WorkspaceInfo> {
    return this.createReconciled({ ...endpoint("createWorkspace"), body: req }, req);
  }

  import(req: ImportWorkspace): Promise<WorkspaceInfo> {
    return this.createReconciled({ ...endpoint("importWorkspace"), body: req }, req);
  }

  private createReconciled(spec: { method: "POST"; path: string; body: unknown }, req: Partial<CreateWorkspace & ImportWorkspace> & { name: string }): Promise<WorkspaceInfo> {
    return createOnce(this.core, {
      what: `workspace '${req.name}'`,
      send: () => this.core.call(spec, wire.workspaceInfo),
      reconcile: async () => {
        const found = await this.find({ name: req.name }, { fresh: true });
        if (!found) return undefined;
        const problems = await this.differences(found, req);
        if (problems.length === 0) return found;
        throw new ConflictError({
          status: 409, code: "workspace_name_taken", method: spec.method, path: spec.path,
          detail: `workspace name '${req.name}' is taken by another workspace (${found.id}: ${problems.join("; ")})`,
        });
      },
    });
  }

  rename(sel: WorkspaceSelector, name: string | null): Promise<WorkspaceInfo> {
    return this.core.call({ ...endpoint("renameWorkspace", { ws: ws(sel) }), body: { name } }, wire.workspaceInfo);
  }

  setTemplate(sel: WorkspaceSelector, template: boolean): Promise<WorkspaceInfo> {
    return this.core.call({ ...endpoint("setWorkspaceTemplate", { ws: ws(sel) }), body: { template } }, wire.workspaceInfo);
  }

  /** Deletes a workspace; resolves false when it was already gone. */
  async delete(sel: WorkspaceSelector, opts: { force?: boolean } = {}): Promise<boolean> {
    return existed(this.core.call({ ...endpoint("deleteWorkspace", { ws: ws(sel) }), query: { force: opts.force ? true : undefined } }));
  }
}
