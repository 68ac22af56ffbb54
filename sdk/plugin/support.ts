/** What the generated plugin classes (sdk/plugin/resources.ts) share beyond ../support. */

/**
 * The properties a resource of the plugin registers: a slot for every output, then the arguments. No logical
 * name or URN: the plugin's Check derives the auto-name from the URN the engine sends.
 */
export function pluginProps(args: object | undefined, keys: string[]): Record<string, unknown> {
  const props: Record<string, unknown> = {};
  for (const k of keys) props[k] = undefined;
  return Object.assign(props, args ?? {});
}
