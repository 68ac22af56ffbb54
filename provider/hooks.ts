/**
 * A resource's hooks: its module under provider/resources/, which is also its dynamic provider. Loaded on first
 * use, by the name the registry gives (the modules import the skeleton, which imports the registry).
 */
import { BUNDLED } from "./grpc-modules";
import type { Hooks } from "./resource";
import type { ResourceKind } from "./registry";

export function hooksOf(r: ResourceKind): Hooks {
  // In the bundled plugin (scripts/release/bundle.js), esbuild turns a require of a template into a table of the
  // directory's files by their names with extension: the same module, named as the table knows it.
  return (BUNDLED ? require(`./resources/${r.module}.js`) : require(`./resources/${r.module}`)) as Hooks;
}
