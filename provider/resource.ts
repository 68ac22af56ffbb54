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
import { checkApiUrl } from "./client/config";
import { debug } from "./client/transport";
import { Operation, ProviderError, advise } from "./advice";
import { Context, contextFor } from "./context";
import { credentialProblem } from "./credentials";
import { current, engineLog } from "./engine-log";
import { INTERNAL_KEYS, UNKNOWN, isUnknown, InputsOf, OutputsOf, ResourceModel, TableDiff, diffInputs, inputFields, outputsFrom, validate } from "./model";
import { nameFor, noteInState, seedOf } from "./naming";
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
  /** For messages: "workspace", "API key". */
  noun: string;
  /** A missing `name` is generated from the resource's identity (see naming.ts); a function: only for such inputs. */
  autoName?: boolean | ((news: Props) => boolean);
  /** Normalises the inputs after naming (e.g. sorts scopes); must tolerate unknown values. */
  normalize?(inputs: Props): Props;
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
   * revoked here and reported. `keep`: ids the stack holds, never touched; `since`: when the interrupted
   * update last wrote its state.
   */
  findCreated?(ctx: Context, inputs: Inputs<M>, opts: { keep: Set<string>; since?: string }): Promise<{ id: string; answer: A } | { removed: string[] } | undefined>;
  /**
   * For a preview of a create with `adoptExisting`: the object `create` would take over (its id and the fixed
   * properties that differ from the program's), or undefined when there is none (it would be created). Reads only.
   */
  adoptable?(ctx: Context, inputs: Inputs<M>): Promise<{ id: string; differences: Difference[] } | undefined>;
  /** What the user should know about this change, said beside the resource by `diff` (preview and up). */
  diffNotes?(olds: Props, news: Props, d: TableDiff): string[] | Promise<string[]>;
  /** Advice for this resource's own failures (undefined: the general advice). */
  advice?(e: ChaserApiError, op: Operation, props: Props, where: string): string | undefined;
}

/** Objects a create took over in this process (its own, left by an interrupted create). */
const takenOver = new Set<string>();
export function markTakenOver(id: string): void {
  takenOver.add(id);
}

export interface Hooks {
  configure(req: { config: { get(key: string): string | undefined } }): Promise<void>;
  check(olds: Props, news: Props): Promise<{ inputs: Props; failures: { property: string; reason: string }[] }>;
  diff(id: string, olds: Props, news: Props): Promise<{ changes: boolean; replaces: string[]; deleteBeforeReplace: boolean }>;
  create(inputs: Props): Promise<{ id: string; outs: Props }>;
  read(id: string, props?: Props): Promise<{ id: string; props?: Props; inputs?: Props }>;
  update(id: string, olds: Props, news: Props): Promise<{ outs: Props }>;
  remove(id: string, props?: Props): Promise<void>;
  delete(id: string, props?: Props): Promise<void>;
  /** For `chaser-recover`: what an interrupted create with these inputs left behind. */
  recover(inputs: Props, opts: { keep: Set<string>; since?: string }): Promise<Recovered>;
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

export function defineResource<M extends ResourceModel, A>(b: Behaviour<M, A>): Hooks {
  const type = b.model.name;
  const inputKeys = [...INTERNAL_KEYS, ...inputFields(b.model).map((f) => f.key)];
  const outputKeys = Object.keys(b.model.outputs.shape);
  const refreshed = inputFields(b.model).filter((f) => f.meta.refreshed).map((f) => f.key);
  const updatable = new Set(inputFields(b.model).filter((f) => f.meta.behavior === "update").map((f) => f.key));
  const autoNamed = (p: Props) => b.autoName === true || (typeof b.autoName === "function" && b.autoName(p));
  /** The model's diff table, adjusted by the resource. */
  const table = (olds: Props, news: Props): TableDiff => {
    const d = diffInputs(b.model, olds, news);
    return b.adjustDiff ? b.adjustDiff(olds, news, d) : d;
  };

  /** The inputs part of a set of props (state holds the inputs among the outputs). */
  const inputsOf = (p: Props): Props => present(Object.fromEntries(inputKeys.map((k) => [k, p[k]])));
  /**
   * Every output the model declares is in the outputs, null when the object has no value: an output absent from
   * state is unknown in the next preview (the SDK reads a missing output as "known after apply").
   */
  const complete = (o: Props): Props => ({ ...Object.fromEntries(outputKeys.map((k) => [k, null])), ...present(o) });
  const outputsOf = (inputs: Props, answer: A, previous: Props): Props =>
    complete({ ...inputsOf(inputs), ...(b.outputs ? b.outputs(answer, inputs, previous) : outputsFrom(b.model, answer as Props)) });
  /** Runs `fn` with the engine's messages placed beside this resource (check and diff run outside withContext). */
  const beside = <T>(props: Props, fn: () => T): T =>
    current.run({ urn: typeof props.__urn === "string" ? props.__urn : undefined, what: `${b.noun}${typeof props.name === "string" ? ` '${props.name}'` : ""}` }, fn);

  const situation = (op: Operation, props: Props, ctx?: Context, id?: string) => {
    const where = ctx?.where ?? "the configured account";
    return {
      op,
      noun: b.noun,
      name: typeof props.name === "string" ? props.name : id,
      where,
      specific: b.advice ? (e: ChaserApiError) => b.advice!(e, op, props, where) : undefined,
    };
  };

  /** Runs a hook's API work with its context; failures become advice. */
  async function withContext<T>(op: Operation, props: Props, id: string | undefined, fn: (ctx: Context) => Promise<T>): Promise<T> {
    let ctx: Context | undefined;
    try {
      ctx = contextFor(props.account as string | undefined);
      const name = typeof props.name === "string" ? props.name : id;
      const c = ctx;
      return await current.run({ urn: typeof props.__urn === "string" ? props.__urn : undefined, what: `${b.noun}${name ? ` '${name}'` : ""}` }, () => fn(c));
    } catch (e) {
      throw advise(e, situation(op, props, ctx, id));
    }
  }

  /**
   * What `create` will do with `adoptExisting`, found with reads only: a message beside the resource when it will
   * adopt an object, or a failure per fixed property that differs. Nothing when it cannot be known now (the API
   * unreachable, a value known only after apply): `create` checks again.
   */
  async function previewAdoption(inputs: Props): Promise<{ property: string; reason: string }[]> {
    if (isUnknown(inputs.name)) return [];
    let found: { id: string; differences: Difference[] } | undefined;
    try {
      const ctx = contextFor(inputs.account as string | undefined);
      found = await b.adoptable!(ctx, inputs as Inputs<M>);
      const what = `${b.noun}${typeof inputs.name === "string" ? ` '${inputs.name}'` : ""}`;
      if (!found) return [];
      if (found.differences.length === 0) {
        const later = Object.values(inputs).some(isUnknown) ? " (properties known only after apply are compared at up)" : "";
        beside(inputs, () => engineLog(`will adopt the existing ${what} (id ${found!.id}) instead of creating one${later}`));
        return [];
      }
      return found.differences.map((x) => ({
        property: x.property,
        reason: `${x.property}: adoptExisting: the existing ${what} (id ${found!.id}) in ${ctx.where} has ${x.property} ${show(x.server)}, the program says ${show(x.program)}; fixed properties must match to adopt it: change the program, or choose another name`,
      }));
    } catch (e) {
      debug(`adoption of ${b.noun} not previewed: ${(e as Error).message}`);
      return [];
    }
  }

  async function remove(id: string, props: Props = {}): Promise<void> {
    const refusal = b.guard?.(props, id, "deleted");
    if (refusal) throw new ProviderError(refusal);
    if (takenOver.has(id)) {
      // A replacement in this process took this object over as its own: it is the new resource's now.
      debug(`not deleting ${b.noun} ${id}: the replacement created in this run took it over`);
      return;
    }
    await withContext("delete", props, id, async (ctx) => {
      try {
        await b.delete(ctx, id, props as State<M>);
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    });
  }

  return {
    remove,
    delete: remove,

    async recover(inputs, opts) {
      if (!b.findCreated) return { kind: "absent" };
      return withContext("read", inputs, undefined, async (ctx) => {
        const r = await b.findCreated!(ctx, inputs as Inputs<M>, opts);
        if (r === undefined) return { kind: "absent" };
        if ("removed" in r) return { kind: "removed", ids: r.removed };
        return { kind: "found", id: r.id, outs: outputsOf(inputs, r.answer, {}) };
      });
    },

    async configure(req) {
      settings.configure(req.config);
    },

    async check(olds, news) {
      const url = settings.currentSettings().apiUrl ?? process.env.CHASER_API_URL;
      if (url) {
        try {
          checkApiUrl(url);
        } catch (e) {
          throw new ProviderError(`chaser:apiUrl: ${(e as Error).message}`);
        }
      }
      let inputs: Props = present(news);
      if (autoNamed(inputs)) {
        const n = nameFor(type, olds, inputs);
        if (n) inputs = { ...inputs, name: n.name, __autoNamed: n.autoNamed };
      }
      const failures = validate(b.model, inputs);
      // The account's credential, found out now rather than half-way through an `up` (one read per account).
      let credential = !isUnknown(inputs.account);
      if (!failures.some((f) => f.property === "account") && !isUnknown(inputs.account)) {
        const problem = await credentialProblem(inputs.account as string | undefined);
        if (problem) failures.push({ property: "account", reason: `account: ${problem}` });
        credential = !problem;
      }
      const normalized = b.normalize ? b.normalize(inputs) : inputs;
      // A create that adopts: said (or refused) now, when the credential allows a read, instead of at `up`.
      const creating = Object.keys(olds).length === 0 && !(typeof news.__urn === "string" && diffed.has(news.__urn));
      if (creating && credential && failures.length === 0 && normalized.adoptExisting === true && b.adoptable) {
        failures.push(...(await previewAdoption(normalized)));
      }
      return { inputs: normalized, failures };
    },

    async diff(id, olds, news) {
      if (autoNamed(olds)) noteInState(seedOf(type, news), olds.name);
      if (typeof news.__urn === "string") diffed.add(news.__urn);
      const d = table(olds, news);
      if (b.diffNotes) {
        await beside({ ...olds, ...news }, async () => {
          try {
            for (const n of await b.diffNotes!(olds, news, d)) {
              // The engine may ask for the same diff twice in one run: say it once.
              const key = `${String(news.__urn ?? olds.__urn ?? id)}\0${n}`;
              if (said.has(key)) continue;
              said.add(key);
              engineLog(n);
            }
          } catch (e) {
            debug(`${b.noun}: no note for the change (${(e as Error).message})`);
          }
        });
      }
      if (d.replaces.length > 0) {
        const refusal = b.guard?.(olds, id, `replaced (${d.replaces.join(", ")} changed)`);
        if (refusal) throw new ProviderError(refusal);
      }
      return {
        changes: d.changed.length > 0,
        replaces: d.replaces,
        deleteBeforeReplace: d.replaces.length > 0 && (b.deleteBeforeReplace?.(olds, news, d.replaces) ?? false),
      };
    },

    async create(inputs) {
      return withContext("create", inputs, undefined, async (ctx) => {
        const { id, answer, adopted } = await b.create(ctx, inputs as Inputs<M>);
        if (adopted) engineLog(`adopted the existing ${b.noun}${typeof inputs.name === "string" ? ` '${inputs.name}'` : ""} (id ${id}) instead of creating one`);
        return { id, outs: outputsOf(inputs, answer, {}) };
      });
    },

    async read(id, props = {}) {
      return withContext("read", props, id, async (ctx) => {
        let answer: A | undefined;
        try {
          answer = await b.read(ctx, id, props as State<M>);
        } catch (e) {
          if (!(e instanceof NotFoundError)) throw e;
        }
        if (answer === undefined) {
          // A refresh of an object that is gone drops it; a `get` must name an object that exists.
          if (isGet(props)) throw new ProviderError(`no ${b.noun} with id '${id}' in ${ctx.where}: ${type}.get needs the id of an existing ${b.noun}`);
          return { id: "" };
        }
        const outs = outputsOf(props, answer, props);
        const inputs = inputsOf(props);
        for (const k of refreshed) if (outs[k] !== undefined && outs[k] !== null) inputs[k] = outs[k];
        return { id, props: outs, inputs: b.readBack ? b.readBack(inputs, outs) : inputs };
      });
    },

    async update(id, olds, news) {
      const calls = table(olds, news).changed.filter((k) => updatable.has(k));
      // Only state changed (or nothing the API can change): the object's outputs stay, the inputs are the new ones.
      const kept = (): Props => complete({ ...Object.fromEntries(outputKeys.map((k) => [k, olds[k]])), ...inputsOf(news) });
      if (calls.length === 0 || !b.update) return { outs: kept() };
      return withContext("update", news, id, async (ctx) => {
        const r = await b.update!(ctx, id, olds as State<M>, news as Inputs<M>, calls);
        const base = r.answer !== undefined ? outputsOf(news, r.answer, olds) : kept();
        return { outs: complete({ ...base, ...(r.set ?? {}) }) };
      });
    },
  };
}
