/**
 * `pulumi-chaser/plugin`: the package's resources and lookups served by the `chaser` provider plugin
 * (`plugin/pulumi-resource-chaser`), tokens `chaser:index:<Name>`. Same classes, arguments and outputs as the
 * main entry (dynamic resources); the plugin is found through `plugins: providers:` in Pulumi.yaml.
 */
import { installDebugFilter } from "./debug-filter";

// The SDK debug-logs registration answers with secret outputs in plaintext: the same filter as the main entry.
installDebugFilter();

export * from "./generated/plugin-resources";
export { AccountKind, Role, Scope, SessionType } from "./generated/enums";
export * from "./generated/plugin-lookups";
export { Provider } from "./generated/plugin-provider";
export type { ProviderArgs } from "./generated/plugin-provider";
