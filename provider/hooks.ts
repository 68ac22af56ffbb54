/**
 * A resource's hooks: its module under provider/resources/, which is also its dynamic provider. Loaded on first
 * use, by the name the registry gives (the modules import the skeleton, which imports the registry).
 */
import type { Hooks } from "./resource";
import type { ResourceKind } from "./registry";

export function hooksOf(r: ResourceKind): Hooks {
  return require(`./resources/${r.module}`) as Hooks;
}
