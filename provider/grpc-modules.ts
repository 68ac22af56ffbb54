/**
 * @pulumi/pulumi's generated gRPC modules (proto/*_pb), google-protobuf's well-known types and @grpc/grpc-js, as the
 * provider plugin and the engine log speak them.
 *
 * From node_modules (the npm route: `plugin/pulumi-resource-chaser` run by node, the dynamic-provider host) they
 * are the copies beside the @pulumi/pulumi the program installed (its peer dependency), resolved from its
 * directory at run time: one google-protobuf for messages built here and by @pulumi/pulumi's stubs.
 * In the self-contained executable (scripts/release/bundle.js: esbuild defines `__CHASER_BUNDLE__`) there is no
 * node_modules at run time: the same modules are static requires, which the bundler follows and embeds.
 */
import * as path from "node:path";

declare const __CHASER_BUNDLE__: boolean | undefined;

/** True in the bundled plugin (the release executables), false when run from node_modules. */
export const BUNDLED: boolean = typeof __CHASER_BUNDLE__ !== "undefined" && __CHASER_BUNDLE__ === true;

const EMBEDDED = {
  "@grpc/grpc-js": () => require("@grpc/grpc-js"),
  "@pulumi/pulumi/proto/provider_pb": () => require("@pulumi/pulumi/proto/provider_pb"),
  "@pulumi/pulumi/proto/provider_grpc_pb": () => require("@pulumi/pulumi/proto/provider_grpc_pb"),
  "@pulumi/pulumi/proto/plugin_pb": () => require("@pulumi/pulumi/proto/plugin_pb"),
  "@pulumi/pulumi/proto/engine_pb": () => require("@pulumi/pulumi/proto/engine_pb"),
  "@pulumi/pulumi/proto/engine_grpc_pb": () => require("@pulumi/pulumi/proto/engine_grpc_pb"),
  "google-protobuf/google/protobuf/empty_pb": () => require("google-protobuf/google/protobuf/empty_pb"),
  "google-protobuf/google/protobuf/struct_pb": () => require("google-protobuf/google/protobuf/struct_pb"),
} satisfies Record<string, () => unknown>;

export type PulumiModule = keyof typeof EMBEDDED;

/** One of the modules above: embedded in the bundle, else resolved from @pulumi/pulumi's directory. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function pulumiModule<T = any>(name: PulumiModule): T {
  if (BUNDLED) return EMBEDDED[name]() as T;
  const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  return require(require.resolve(name, { paths: [pulumiDir] })) as T;
}
