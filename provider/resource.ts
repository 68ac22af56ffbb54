/**
 * The skeleton every resource shares, written once: `check` (naming, validation from the model, preview
 * unknowns), `diff` from the model's table, `read` that drops a vanished object and reads back the inputs it
 * owns, `update` that keeps the outputs when only state changed, `delete` for which a vanished object is done,
 * and user advice for every failure. A resource file holds only what is particular to it (its `Behaviour`).
 *
 * The hooks a resource module exports keep the names state written by 0.1.0 calls: check, diff, create, read,
 * update, remove (and delete, configure, so the module itself can be the dynamic provider).
 */
import type { Difference } from "./client";
import { ChaserApiError, NotFoundError } from "./client/errors";
import { debug } from "./client/debug";
import { Operation, ProviderError, advise } from "./advice";
import { Context, contextFor } from "./context";
import { credentialProblem } from "./credentials";
import { Drift, WRITTEN_AT, explainDrift, writtenNow } from "./drift";
import { current, engineLog } from "./engine-log";
import { INTERNAL_KEYS, InputsOf, OutputsOf, ResourceModel, TableDiff, diffInputs, inputFields, outputsFrom, validate } from "./model";
import { nameFor, noteInState, seedOf } from "./naming";
import { recoveryOf } from "./recovery";
import { resourceOfModel } from "./registry";
import { UNKNOWN, isUnknown, same } from "./values";
import * as settings from "./settings";

export type Props = Record<string, unknown>;

export type Inputs<M extends ResourceModel> = InputsOf<M>;
/** What state holds: the inputs and the outputs. */
export type State<M extends ResourceModel> = Inputs<M> & Partial<OutputsOf<M>>;

export interface Updated<M extends ResourceModel, A> {
  /** The object as the API answered (outputs are taken from it); absent: the old outputs are kept. */
  answer?: A;
  /** Outputs the provider sets itself (e.g. when it last restored). */
  set?: Partial<OutputsOf<M>>;
}

export interface Behaviour<M extends ResourceModel, A> {
  model: M;
  /** A missing `name` is generated from the resource's identity (see naming.ts); a function: only for such inputs. */
  autoName?: boolean | ((news: Props) => boolean);
  /** Normalises the inputs after naming (e.g. sorts scopes); must tolerate unknown values. `olds`: the inputs in state ({} for a create). */
  normalize?(inputs: Props, olds: Props): Props;
  /**
   * Rules that need the API (reads only), checked at preview once the inputs are valid and the credential works:
   * failures per property (e.g. a command on a browser workspace). Nothing when it cannot be known now.
   */
  previewChecks?(ctx: Context, inputs: Inputs<M>): Promise<{ property: string; reason: string }[]>;
  /** Creates the object; returns its id and the API's answer (`adopted`: an existing object taken over, `adoptExisting`). */
  create(ctx: Context, inputs: Inputs<M>): Promise<{ id: string; answer: A; adopted?: boolean }>;
  /** The object as it is now; undefined (or a NotFoundError) when it is gone. */
  read(ctx: Context, id: string, state: State<M>): Promise<A | undefined>;
  /** Applies changed "update" inputs in place. */
  update?(ctx: Context, id: string, olds: State<M>, news: Inputs<M>, changed: string[]): Promise<Updated<M, A>>;
  /** Deletes the object (a NotFoundError counts as done). */
  delete(ctx: Context, id: string, state: State<M>): Promise<void>;
  /** Outputs from an answer (default: each output field from its wire field). */
  outputs?(answer: A, inputs: Props, previous: Props): Partial<OutputsOf<M>>;
  /** A reason to refuse deleting or replacing (e.g. deletionProtection), or undefined. */
  guard?(state: Props, id: string, action: string): string | undefined;
  /** Whether a replacement must delete the old object first (a fixed unique name). */
  deleteBeforeReplace?(olds: Props, news: Props, replaces: string[]): boolean;
  /** Adjusts the table's verdict (e.g. a change of mode). */
  adjustDiff?(olds: Props, news: Props, d: TableDiff): TableDiff;
  /** The inputs refresh reports, from those it computed (old inputs, `refreshed` fields from the object). */
  readBack?(inputs: Props, outputs: Props): Props;
  /**
   * What an interrupted create with these inputs left on the server (for `chaser-recover`): the object, to
   * bring into the stack; or nothing. Objects that cannot be brought in (a key whose secret was lost) are
   * revoked here and reported. `keep`: ids the stack holds, never touched; `since`: when the interrupted update
   * began (an object with an identity the program fixed, a name or an email, created before it is not its
   * own: see FoundOpts); `fresh: false`: listings may be shared with concurrent lookups.
   */
  findCreated?(ctx: Context, inputs: Inputs<M>, opts: FoundOpts): Promise<{ id: string; answer: A } | { removed: string[] } | undefined>;
  /**
   * For a preview of a create with `adoptExisting`: the object `create` would take over (its id and the fixed
   * properties that differ from the program's), or undefined when there is none (it would be created). Reads only.
   */
  adoptable?(ctx: Context, inputs: Inputs<M>): Promise<{ id: string; differences: Difference[] } | undefined>;
  /**
   * For a read by id alone (`pulumi import`): the inputs that reproduce the object beyond the outputs of the same
   * name (e.g. a snapshot's `workspace`), so that the imported resource checks and previews without changes.
   */
  imported?(answer: A): Props;
  /** What the user should know about this change, said beside the resource by `diff` (preview and up). */
  diffNotes?(olds: Props, news: Props, d: TableDiff): string[] | Promise<string[]>;
  /** Advice for this resource's own failures (undefined: the general advice). */
  advice?(e: ChaserApiError, op: Operation, props: Props, where: string): string | undefined;
}

/**
 * How an interrupted create's object is looked for. An object whose name only this resource generates (an
 * auto-name) is its own whenever it was made; one with an identity the program fixed (a name, an email, a public
 * key) only when created at or after `since`, the start of the interrupted update: before, someone else made it.
 */
export interface FoundOpts {
  keep: Set<string>;
  since?: string;
  fresh?: boolean;
}

/** Objects a create took over in this process (its own, left by an interrupted create). */
const takenOver = new Set<string>();
export function markTakenOver(id: string): void {
  takenOver.add(id);
}

export interface Hooks {
  configure(req: { config: { get(key: string): string | undefined } }): Promise<void>;
  check(olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
  /** `diffs`: the inputs that change (the provider plugin's detailed diff). */
  diff(id: string, olds: Props, news: Props): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean; diffs?: string[] }>;
  create(inputs: Props): Promise<{ id: string; outs: Props }>;
  read(id: string, props?: Props): Promise<{ id: string; props?: Props; inputs?: Props }>;
  update(id: string, olds: Props, news: Props): Promise<{ outs: Props }>;
  remove(id: string, props?: Props): Promise<void>;
  delete(id: string, props?: Props): Promise<void>;
  /** For `chaser-recover`: what an interrupted create with these inputs left behind. */
  recover(inputs: Props, opts: FoundOpts): Promise<Recovered>;
}

export type Recovered =
  | { kind: "found"; id: string; outs: Props }
  | { kind: "removed"; ids: string[] }
  | { kind: "absent" };

function present(o: Props): Props {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}

/** Props of a `get` (a read by id alone): nothing but the resource class's and the provider's own keys. */
function isGet(props: Props): boolean {
  return Object.keys(props).every((k) => k.startsWith("__"));
}

/** URNs whose resource `diff` saw in state in this process: their check without old inputs is a replacement's. */
const diffed = new Set<string>();
/** Notes `diff` put beside a resource in this process (URN and text). */
const said = new Set<string>();

const show = (v: unknown) => (v === undefined || v === null ? "none" : v === UNKNOWN ? "(known after apply)" : `'${String(v)}'`);

/** What the hooks of one resource share: its behaviour, and what its model and the registry say, derived once. */
interface Resource<M extends ResourceModel, A> {
  b: Behaviour<M, A>;
  /** The class name (seeds auto-names). */
  type: string;
  noun: string;
  inputKeys: string[];
  outputKeys: string[];
  /** Inputs refresh reads back from the object. */
  refreshed: string[];
  /** Inputs changed in place by an API call. */
  updatable: Set<string>;
}

function resourceOf<M extends ResourceModel, A>(b: Behaviour<M, A>): Resource<M, A> {
  const fields = inputFields(b.model);
  return {
    b,
    type: b.model.name,
    noun: resourceOfModel(b.model).noun,
    inputKeys: [...INTERNAL_KEYS, ...fields.map((f) => f.key)],
    outputKeys: Object.keys(b.model.outputs.shape),
    refreshed: fields.filter((f) => f.meta.refreshed).map((f) => f.key),
    updatable: new Set(fields.filter((f) => f.meta.behavior === "update").map((f) => f.key)),
  };
}

const autoNamed = (r: Resource<ResourceModel, unknown>, p: Props) => r.b.autoName === true || (typeof r.b.autoName === "function" && r.b.autoName(p));

/** The model's diff table, adjusted by the resource. */
function table(r: Resource<ResourceModel, unknown>, olds: Props, news: Props): TableDiff {
  const d = diffInputs(r.b.model, olds, news);
  return r.b.adjustDiff ? r.b.adjustDiff(olds, news, d) : d;
}

/** The inputs part of a set of props (state holds the inputs among the outputs). */
function inputsOf(r: Resource<ResourceModel, unknown>, p: Props): Props {
  return present(Object.fromEntries(r.inputKeys.map((k) => [k, p[k]])));
}

/**
 * Every output the model declares is in the outputs, null when the object has no value: an output absent from
 * state is unknown in the next preview (the SDK reads a missing output as "known after apply").
 */
function complete(r: Resource<ResourceModel, unknown>, o: Props): Props {
  return { ...Object.fromEntries(r.outputKeys.map((k) => [k, null])), ...present(o) };
}

/** What state records after an answer: the inputs and the outputs taken from the answer. */
function outputsOf<A>(r: Resource<ResourceModel, A>, inputs: Props, answer: A, previous: Props): Props {
  return complete(r, { ...inputsOf(r, inputs), ...(r.b.outputs ? r.b.outputs(answer, inputs, previous) : outputsFrom(r.b.model, answer as Props)) });
}

/** How a failure is told: the operation, the resource, the account, and the resource's own advice. */
function situation<A>(r: Resource<ResourceModel, A>, op: Operation, props: Props, ctx?: Context, id?: string) {
  const where = ctx?.where ?? "the configured account";
  const { b } = r;
  return {
    op,
    noun: r.noun,
    name: typeof props.name === "string" ? props.name : id,
    where,
    specific: b.advice ? (e: ChaserApiError) => b.advice!(e, op, props, where) : undefined,
  };
}

/** What messages call the resource: its noun and name. */
function what(r: Resource<ResourceModel, unknown>, props: Props, id?: string): string {
  const name = typeof props.name === "string" ? props.name : id;
  return `${r.noun}${name ? ` '${name}'` : ""}`;
}

/** Runs `fn` with the engine's messages placed beside this resource (check and diff run outside withContext). */
function beside<T>(r: Resource<ResourceModel, unknown>, props: Props, fn: () => T, id?: string): T {
  return current.run({ urn: typeof props.__urn === "string" ? props.__urn : undefined, what: what(r, props, id) }, fn);
}

/** Runs a hook's API work with its context (the account's client, the engine's resource); failures become advice. */
async function withContext<T>(r: Resource<ResourceModel, unknown>, op: Operation, props: Props, id: string | undefined, fn: (ctx: Context) => Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = contextFor(props.account as string | undefined);
    const c = ctx;
    return await beside(r, props, () => fn(c), id);
  } catch (e) {
    throw advise(e, situation(r, op, props, ctx, id));
  }
}

/** `chaser:apiUrl` (or CHASER_API_URL), checked at preview by its setting's rule. */
function checkConfiguredUrl(): void {
  const problem = settings.settingProblems({ apiUrl: settings.resolveSettings().apiUrl })[0];
  if (problem) throw new ProviderError(problem.reason);
}

/**
 * What `create` will do with `adoptExisting`, found with reads only: a message beside the resource when it will
 * adopt an object, or a failure per fixed property that differs. Nothing when it cannot be known now (the API
 * unreachable, a value known only after apply): `create` checks again.
 */
async function previewAdoption<M extends ResourceModel, A>(r: Resource<M, A>, inputs: Props): Promise<{ property: string; reason: string }[]> {
  if (isUnknown(inputs.name)) return [];
  try {
    const ctx = contextFor(inputs.account as string | undefined);
    const found = await r.b.adoptable!(ctx, inputs as Inputs<M>);
    if (!found) return [];
    const it = what(r, inputs);
    if (found.differences.length === 0) {
      const later = Object.values(inputs).some(isUnknown) ? " (properties known only after apply are compared at up)" : "";
      beside(r, inputs, () => engineLog(`will adopt the existing ${it} (id ${found.id}) instead of creating one${later}`));
      return [];
    }
    return found.differences.map((x) => ({
      property: x.property,
      reason: `${x.property}: adoptExisting: the existing ${it} (id ${found.id}) in ${ctx.where} has ${x.property} ${show(x.server)}, the program says ${show(x.program)}; fixed properties must match to adopt it: change the program, or choose another name`,
    }));
  } catch (e) {
    debug(`adoption of ${r.noun} not previewed: ${(e as Error).message}`);
    return [];
  }
}

async function check<M extends ResourceModel, A>(r: Resource<M, A>, olds: Props, news: Props) {
  checkConfiguredUrl();
  let inputs: Props = present(news);
  if (autoNamed(r, inputs)) {
    const n = nameFor(r.type, olds, inputs);
    if (n) inputs = { ...inputs, name: n.name, __autoNamed: n.autoNamed };
  }
  const failures = validate(r.b.model, inputs);
  // The account's credential, found out now rather than half-way through an `up` (one read per account).
  let credential = !isUnknown(inputs.account);
  if (!failures.some((f) => f.property === "account") && !isUnknown(inputs.account)) {
    const problem = await credentialProblem(inputs.account as string | undefined);
    if (problem) failures.push({ property: "account", reason: `account: ${problem}` });
    credential = !problem;
  }
  const normalized = r.b.normalize ? r.b.normalize(inputs, olds) : inputs;
  if (credential && failures.length === 0 && r.b.previewChecks) {
    try {
      failures.push(...(await r.b.previewChecks(contextFor(normalized.account as string | undefined), normalized as Inputs<M>)));
    } catch (e) {
      debug(`${r.noun}: not checked against the API at preview (${(e as Error).message})`);
    }
  }
  // A create that adopts: said (or refused) now, when the credential allows a read, instead of at `up`.
  const creating = Object.keys(olds).length === 0 && !(typeof news.__urn === "string" && diffed.has(news.__urn));
  if (creating && credential && failures.length === 0 && normalized.adoptExisting === true && r.b.adoptable) {
    failures.push(...(await previewAdoption(r, normalized)));
  }
  // A problem with one element of a list or map is said by the reason alone (`scopes[1]: …`): the engine would
  // print the whole value Go-formatted beside the property's name.
  return { inputs: normalized, failures: failures.map((f) => (f.element ? { property: "", reason: f.reason } : { property: f.property, reason: f.reason })) };
}

async function diff<M extends ResourceModel, A>(r: Resource<M, A>, id: string, olds: Props, news: Props) {
  if (autoNamed(r, olds)) noteInState(seedOf(r.type, news), olds.name);
  if (typeof news.__urn === "string") diffed.add(news.__urn);
  const d = table(r, olds, news);
  if (r.b.diffNotes) await sayNotes(r, id, olds, news, d);
  if (d.replaces.length > 0) {
    const refusal = r.b.guard?.(olds, id, `replaced (${d.replaces.join(", ")} changed)`);
    if (refusal) throw new ProviderError(refusal);
  }
  return {
    changes: d.changed.length > 0,
    diffs: d.changed,
    replaces: d.replaces,
    deleteBeforeReplace: d.replaces.length > 0 && (r.b.deleteBeforeReplace?.(olds, news, d.replaces) ?? false),
  };
}

/** The resource's notes on a change, beside it in the engine's output, each once per process. */
async function sayNotes<M extends ResourceModel, A>(r: Resource<M, A>, id: string, olds: Props, news: Props, d: TableDiff): Promise<void> {
  await beside(r, { ...olds, ...news }, async () => {
    try {
      for (const n of await r.b.diffNotes!(olds, news, d)) {
        // The engine may ask for the same diff twice in one run: say it once.
        const key = `${String(news.__urn ?? olds.__urn ?? id)}\0${n}`;
        if (said.has(key)) continue;
        said.add(key);
        engineLog(n);
      }
    } catch (e) {
      debug(`${r.noun}: no note for the change (${(e as Error).message})`);
    }
  });
}

async function create<M extends ResourceModel, A>(r: Resource<M, A>, inputs: Props) {
  return withContext(r, "create", inputs, undefined, async (ctx) => {
    const taken = await takeOverRecovered(r, ctx, inputs);
    if (taken) return { id: taken.id, outs: { ...outputsOf(r, inputs, taken.answer, {}), [WRITTEN_AT]: writtenNow() } };
    const { id, answer, adopted } = await r.b.create(ctx, inputs as Inputs<M>);
    if (adopted) engineLog(`adopted the existing ${what(r, inputs)} (id ${id}) instead of creating one`);
    return { id, outs: { ...outputsOf(r, inputs, answer, {}), [WRITTEN_AT]: writtenNow() } };
  });
}

/**
 * In the update chaser-recover runs after an interrupted one whose checkpoints were skipped: the object that
 * chaser-recover found for this resource, looked for again by the same rule (its identity, its fixed properties,
 * when it was made), becomes this resource's instead of a new one being created.
 */
async function takeOverRecovered<M extends ResourceModel, A>(r: Resource<M, A>, ctx: Context, inputs: Props): Promise<{ id: string; answer: A } | undefined> {
  const plan = recoveryOf(inputs.__urn);
  if (!plan?.id || !r.b.findCreated) return undefined;
  const found = await r.b.findCreated(ctx, inputs as Inputs<M>, { keep: new Set(), since: plan.since, fresh: false });
  if (!found || !("id" in found) || found.id !== plan.id) {
    debug(`${r.noun}: the object chaser-recover found (${plan.id}) is not there as it was: created anew`);
    return undefined;
  }
  markTakenOver(found.id);
  engineLog(`took over ${what(r, inputs, found.id)} (id ${found.id}), which the interrupted update created`);
  return found;
}

/** Reads the object: a vanished one drops from the stack; inputs the resource owns are read back. */
async function read<M extends ResourceModel, A>(r: Resource<M, A>, id: string, props: Props) {
  return withContext(r, "read", props, id, async (ctx) => {
    let answer: A | undefined;
    try {
      answer = await r.b.read(ctx, id, props as State<M>);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    if (answer === undefined) {
      // A refresh of an object that is gone drops it; a `get` must name an object that exists.
      if (isGet(props)) throw new ProviderError(`no ${r.noun} with id '${id}' in ${ctx.where}: ${r.type}.get and \`pulumi import\` need the id of an existing ${r.noun}`);
      await explainDrift(ctx, id, props, { gone: true, changed: [] });
      return { id: "" };
    }
    const outs = outputsOf(r, props, answer, props);
    // A read by id alone (`get`, `pulumi import`): the inputs that reproduce the object are its values.
    const from = isGet(props) ? r.inputKeys.filter((k) => r.outputKeys.includes(k)) : r.refreshed;
    const inputs = inputsOf(r, props);
    for (const k of from) if (outs[k] !== undefined && outs[k] !== null) inputs[k] = outs[k];
    if (isGet(props) && r.b.imported) {
      // State holds the inputs among the outputs (as after a create), so that the next diff compares like with like.
      const extra = present(r.b.imported(answer));
      Object.assign(inputs, extra);
      Object.assign(outs, extra);
    }
    // Drift (a refreshed input that state holds differs): who did it, from the audit log; state takes it in now.
    const drift: Drift = { gone: false, changed: r.refreshed.filter((k) => props[k] !== undefined && props[k] !== null && !same(props[k], outs[k])).map((k) => ({ key: k, from: props[k], to: outs[k] })) };
    if (drift.changed.length > 0 && !isGet(props)) {
      await explainDrift(ctx, id, props, drift);
      outs[WRITTEN_AT] = writtenNow();
    } else if (typeof props[WRITTEN_AT] === "string") outs[WRITTEN_AT] = props[WRITTEN_AT];
    return { id, props: outs, inputs: r.b.readBack ? r.b.readBack(inputs, outs) : inputs };
  });
}

/** Calls the API for changed "update" inputs only; when only state changed, the object's outputs stay. */
async function update<M extends ResourceModel, A>(r: Resource<M, A>, id: string, olds: Props, news: Props) {
  const calls = table(r, olds, news).changed.filter((k) => r.updatable.has(k));
  const stamp = typeof olds[WRITTEN_AT] === "string" ? { [WRITTEN_AT]: olds[WRITTEN_AT] } : {};
  const kept = (): Props => ({ ...complete(r, { ...Object.fromEntries(r.outputKeys.map((k) => [k, olds[k]])), ...inputsOf(r, news) }), ...stamp });
  if (calls.length === 0 || !r.b.update) return { outs: kept() };
  return withContext(r, "update", news, id, async (ctx) => {
    const u = await r.b.update!(ctx, id, olds as State<M>, news as Inputs<M>, calls);
    const base = u.answer !== undefined ? outputsOf(r, news, u.answer, olds) : kept();
    return { outs: { ...complete(r, { ...base, ...(u.set ?? {}) }), [WRITTEN_AT]: writtenNow() } };
  });
}

/** Deletes the object, unless guarded or taken over by a replacement in this process; a vanished one is done. */
async function remove<M extends ResourceModel, A>(r: Resource<M, A>, id: string, props: Props): Promise<void> {
  const refusal = r.b.guard?.(props, id, "deleted");
  if (refusal) throw new ProviderError(refusal);
  if (takenOver.has(id)) {
    // A replacement in this process took this object over as its own: it is the new resource's now.
    debug(`not deleting ${r.noun} ${id}: the replacement created in this run took it over`);
    return;
  }
  await withContext(r, "delete", props, id, async (ctx) => {
    try {
      await r.b.delete(ctx, id, props as State<M>);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  });
}

/** For chaser-recover: what an interrupted create with these inputs left on the server. */
async function recover<M extends ResourceModel, A>(r: Resource<M, A>, inputs: Props, opts: FoundOpts): Promise<Recovered> {
  if (!r.b.findCreated) return { kind: "absent" };
  return withContext(r, "read", inputs, undefined, async (ctx) => {
    const found = await r.b.findCreated!(ctx, inputs as Inputs<M>, opts);
    if (found === undefined) return { kind: "absent" };
    if ("removed" in found) return { kind: "removed", ids: found.removed };
    return { kind: "found", id: found.id, outs: outputsOf(r, inputs, found.answer, {}) };
  });
}

/** The hooks of a resource: the skeleton above with its behaviour. */
export function defineResource<M extends ResourceModel, A>(b: Behaviour<M, A>): Hooks {
  const r = resourceOf(b);
  const removeHook = (id: string, props: Props = {}) => remove(r, id, props);
  return {
    configure: async (req) => settings.configure(req.config),
    check: (olds, news) => check(r, olds, news),
    diff: (id, olds, news) => diff(r, id, olds, news),
    create: (inputs) => create(r, inputs),
    read: (id, props = {}) => read(r, id, props),
    update: (id, olds, news) => update(r, id, olds, news),
    remove: removeHook,
    delete: removeHook,
    recover: (inputs, opts) => recover(r, inputs, opts),
  };
}
