#!/usr/bin/env node
// Bundles the `chaser` provider plugin into one CommonJS script for a Node.js single executable application:
// the npm route's own entry (plugin/pulumi-resource-chaser over dist/, so `make build` first), with everything it
// requires (the provider, @pulumi/pulumi's generated gRPC modules, @grpc/grpc-js, google-protobuf, undici, zod)
// embedded, and what the npm route reads from disk at run time defined instead: the version (package.json's, or
// --version) and schema.json's text (with that version). Nothing of node_modules is needed at run time.
//
// Usage: node scripts/release/bundle.js --out FILE [--version V] [--schema FILE]
// Writes FILE and FILE.meta.json (esbuild's metafile), and fails when the bundle holds a module it must not
// (TypeScript, ts-node, @pulumi/pulumi's runtime or automation API: dead weight the plugin never runs).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { parseArgs } = require("node:util");
const esbuild = require("esbuild");

const REPO = path.resolve(__dirname, "..", "..");
/** Inputs the bundle must never contain (their path in node_modules, or a prefix of it). */
const FORBIDDEN = [
  /(^|\/)node_modules\/typescript\//,
  /(^|\/)node_modules\/typescript6\//,
  /(^|\/)node_modules\/ts-node\//,
  /(^|\/)node_modules\/@pulumi\/pulumi\/(runtime|automation|resource|output|dynamic|cmd)\b/,
  /(^|\/)node_modules\/@opentelemetry\//,
  /(^|\/)node_modules\/jest/,
];

/**
 * `require("@pulumi/pulumi")` (the SDK's entry, not its proto/ modules) in the plugin's graph comes from
 * provider/settings.ts, which the lookups the plugin answers Invokes with share with a program's: it reads a
 * program's stack config (none in a plugin, whose configuration arrives by Configure). The SDK's
 * entry pulls in its whole runtime (closure serialization, TypeScript, OpenTelemetry): in the bundle it is this
 * module instead, whose `runtime.getConfig` finds no stack config and whose every other member throws, so a use
 * added later fails loudly (the engine tests run the executable) rather than silently.
 */
const PULUMI_STUB = `"use strict";
const runtime = { getConfig: () => undefined };
module.exports = new Proxy({ runtime }, {
  get(target, key) {
    if (key in target || typeof key === "symbol" || key === "__esModule" || key === "then") return target[key];
    throw new Error("@pulumi/pulumi." + String(key) + " is not in the bundled chaser plugin (scripts/release/bundle.js)");
  },
});
`;
const stubPulumi = {
  name: "stub-pulumi-sdk-entry",
  setup(build) {
    build.onResolve({ filter: /^@pulumi\/pulumi$/ }, () => ({ path: "@pulumi/pulumi", namespace: "chaser-stub" }));
    build.onLoad({ filter: /.*/, namespace: "chaser-stub" }, () => ({ contents: PULUMI_STUB, loader: "js" }));
  },
};

async function bundle({ out, version, schemaFile }) {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
  version ??= pkg.version;
  const schema = JSON.parse(fs.readFileSync(schemaFile ?? path.join(REPO, "schema.json"), "utf8"));
  schema.version = version;
  const entry = fs.readFileSync(path.join(REPO, "plugin", "pulumi-resource-chaser"), "utf8").replace(/^#!.*\n/, "");
  if (!fs.existsSync(path.join(REPO, "dist", "provider", "grpc", "main.js"))) throw new Error("dist/ is not built: run `make build` first");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: path.join(REPO, "plugin"), sourcefile: "plugin/pulumi-resource-chaser", loader: "js" },
    bundle: true,
    // Module names in the bundle relative to the repository, node_modules as seen from it (not the real path of a
    // linked node_modules): the same sources give the same bundle wherever the checkout is.
    absWorkingDir: REPO,
    preserveSymlinks: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile: out,
    metafile: true,
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: "none",
    logLevel: "warning",
    logOverride: { "require-resolve-not-external": "silent" },
    plugins: [stubPulumi],
    define: {
      __CHASER_BUNDLE__: "true",
      __CHASER_VERSION__: JSON.stringify(version),
      __CHASER_SCHEMA__: JSON.stringify(JSON.stringify(schema, null, 2) + "\n"),
    },
  });
  fs.writeFileSync(`${out}.meta.json`, JSON.stringify(result.metafile));
  const inputs = Object.keys(result.metafile.inputs);
  const bad = inputs.filter((f) => FORBIDDEN.some((re) => re.test(f)));
  if (bad.length) throw new Error(`the plugin bundle holds modules it never runs (${bad.length}), e.g. ${whyIncluded(result.metafile, bad[0]).join(" -> ")}`);
  return { out, version, bytes: fs.statSync(out).size, inputs };
}

/** The shortest chain of imports from the entry to `file` (the entry first). */
function whyIncluded(metafile, file) {
  const entry = Object.keys(metafile.inputs).find((f) => f.includes("pulumi-resource-chaser"));
  const parent = new Map([[entry, null]]);
  for (const queue = [entry]; queue.length; ) {
    const f = queue.shift();
    for (const i of metafile.inputs[f]?.imports ?? []) if (!parent.has(i.path)) (parent.set(i.path, f), queue.push(i.path));
  }
  const chain = [];
  for (let f = file; f; f = parent.get(f)) chain.unshift(f);
  return chain;
}

/** Bytes per package in a metafile's output (the largest first): what the bundle is made of. */
function packagesOf(metafile) {
  const sizes = new Map();
  for (const o of Object.values(metafile.outputs)) {
    for (const [file, { bytesInOutput }] of Object.entries(o.inputs)) {
      const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
      const name = m ? m[1] : "pulumi-chaser";
      sizes.set(name, (sizes.get(name) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

module.exports = { bundle, packagesOf };

if (require.main === module) {
  const { values } = parseArgs({ options: { out: { type: "string" }, version: { type: "string" }, schema: { type: "string" } } });
  if (!values.out) throw new Error("--out FILE is needed");
  bundle({ out: values.out, version: values.version, schemaFile: values.schema }).then(
    (r) => {
      const meta = JSON.parse(fs.readFileSync(`${r.out}.meta.json`, "utf8"));
      process.stderr.write(`bundle: ${r.out} (${r.bytes} bytes, version ${r.version}, ${r.inputs.length} modules)\n`);
      for (const [name, bytes] of packagesOf(meta)) process.stderr.write(`  ${String(bytes).padStart(9)}  ${name}\n`);
    },
    (e) => {
      process.stderr.write(`bundle: ${e.message}\n`);
      process.exit(1);
    },
  );
}
