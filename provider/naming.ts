/**
 * Names the provider gives objects whose program leaves `name` unset: derived from the resource's identity in
 * the stack, never drawn at random, so the name a preview shows is the name `up` creates, and a rerun after a
 * crash looks for the same name its interrupted create used.
 *
 *   <logical name as a slug>-<7 hex of sha256(seed, generation)>
 *
 * The seed is a hash of the resource's URN (project, stack, parent types, type, logical name), which the
 * resource class computes as the engine does and sends as `__urn`. The generation counts replacements: a create-before-delete replacement needs a name
 * of its own while the old object still exists. The engine checks a replacement's inputs again without the old
 * ones, right after asking `diff`; `diff` notes the name the object in state has, so that second check continues
 * the sequence after it. Names kept in state (including the random names of 0.1.0) are never changed.
 */
import { createHash } from "node:crypto";
import { NAME_MAX, slugify } from "../contract";

const MAX_GENERATION = 1000;

/** seed → the name of the object the stack holds for that resource, as `diff` saw it in this process. */
const inState = new Map<string, string>();

const hex = (s: string, n: number) => createHash("sha256").update(s).digest("hex").slice(0, n);

/** The resource's seed: its URN's hash (hooks called without a URN: its type and logical name). */
export function seedOf(type: string, props: Record<string, unknown>): string {
  if (typeof props.__urn === "string" && props.__urn) return hex(props.__urn, 16);
  return hex(`${type}\0${typeof props.__logicalName === "string" ? props.__logicalName : ""}`, 16);
}

export function slugOf(logicalName: string): string {
  return slugify(logicalName).toLowerCase() || "chaser";
}

export function autoName(logicalName: string, seed: string, generation: number): string {
  const suffix = hex(`${seed}:${generation}`, 7);
  return `${slugOf(logicalName).slice(0, NAME_MAX - suffix.length - 1)}-${suffix}`;
}

/** Which generation of this resource's names `name` is, if it is one. */
export function generationOf(name: string, logicalName: string, seed: string): number | undefined {
  for (let g = 0; g < MAX_GENERATION; g++) if (autoName(logicalName, seed, g) === name) return g;
  return undefined;
}

/** Called by `diff` for every resource the stack holds: the name its object has now. */
export function noteInState(seed: string, name: unknown): void {
  if (typeof name === "string") inState.set(seed, name);
}

export interface Naming {
  name: string;
  autoNamed: boolean;
}

/**
 * The name for `check(olds, news)`: the program's, else the one kept in state, else the next generation after
 * the object being replaced, else generation 0. Undefined while the program's name is unknown (or invalid:
 * validation reports it).
 */
export function nameFor(type: string, olds: Record<string, unknown>, news: Record<string, unknown>): Naming | undefined {
  if (typeof news.name === "string") return { name: news.name, autoNamed: false };
  if (news.name !== undefined && news.name !== null) return undefined;
  if (olds.__autoNamed === true && typeof olds.name === "string") return { name: olds.name, autoNamed: true };
  const logical = typeof news.__logicalName === "string" ? news.__logicalName : "chaser";
  const seed = seedOf(type, news);
  const previous = typeof olds.name === "string" ? olds.name : inState.get(seed);
  const generation = previous === undefined ? 0 : (generationOf(previous, logical, seed) ?? -1) + 1;
  return { name: autoName(logical, seed, generation), autoNamed: true };
}

/** Whether `name` is one this resource generates (so an object holding it can only be its own). */
export function isOwnAutoName(type: string, props: Record<string, unknown>, name: string): boolean {
  if (props.__autoNamed !== true) return false;
  const logical = typeof props.__logicalName === "string" ? props.__logicalName : "chaser";
  return generationOf(name, logical, seedOf(type, props)) !== undefined;
}
