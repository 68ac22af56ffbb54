/**
 * The house's layers, drawn from every import of the code we ship and checked:
 *
 *   entry points and CLIs: sdk/, plugin/, policy/, cli/, bin/  (and the examples/, which users copy)
 *     → provider/  (the resources, the plugin server, ...)
 *       → provider/client/  (the HTTP client: it imports nothing else of provider/, not even the lifeline; whoever
 *                            makes a client passes an AbortSignal)
 *         → contract/  (the API's facts: imports nothing of this tree)
 *   chaser-local/src/ → contract/; shipped code reaches chaser-local only through its bin (bin/chaser-local.js);
 *   tests, benchmarks and scripts may import anything (they are not read here).
 *
 * An import that runs against that direction fails the test, unless it is one of the KNOWN_EXCEPTIONS below (which
 * must still occur: an exception that is gone fails too, so the list only shrinks). Imports are found with the
 * TypeScript compiler's parser: `import`, `import type`, `export … from`, `import x = require()`, `import()`,
 * `typeof import()` and `require()`. A require whose argument is not a literal is evaluated when it is
 * `path.join(__dirname, "…")` or `require.resolve("…")`; any other must be in DYNAMIC_REQUIRES with the modules
 * it can reach, or the test fails. Paths into dist/ count as the sources they are compiled from, and
 * `pulumi-chaser/…` as this package.
 *
 * No module imports another in a cycle either: a cycle makes module load order matter (an import that is still
 * undefined while its module loads) and means two modules are one in truth. Type-only and lazy imports count.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { RESOURCES, stateModule } from "../provider/registry";

const ROOT = path.join(__dirname, "..");

/** The folders read, and what is left out of them: the SDKs generated for other languages hold no TypeScript of ours. */
const READ = ["bin", "plugin", "policy", "cli", "sdk", "provider", "contract", "chaser-local", "examples"];
const LEFT_OUT = ["sdk/python", "sdk/go", "sdk/dotnet", "node_modules"];

type Layer = "entry" | "examples" | "provider" | "client" | "contract" | "chaser-local";

function layerOf(rel: string): Layer {
  if (rel.startsWith("contract/")) return "contract";
  if (rel.startsWith("provider/client/")) return "client";
  if (rel.startsWith("provider/")) return "provider";
  if (rel.startsWith("chaser-local/")) return "chaser-local";
  if (rel.startsWith("examples/")) return "examples";
  return "entry";
}

/** What each layer may import (besides packages). */
const MAY_IMPORT: Record<Layer, Layer[]> = {
  examples: ["entry"],
  entry: ["entry", "provider", "client", "contract"],
  provider: ["provider", "client", "contract"],
  client: ["client", "contract"],
  contract: ["contract"],
  "chaser-local": ["chaser-local", "contract"],
};

/** The one way into chaser-local from shipped code: its command line. */
const CHASER_LOCAL_BIN = { from: "bin/chaser-local.js", to: "chaser-local/src/cli.ts" };

/**
 * Imports against the direction allowed anyway, each with its reason (none today: the last ones, the provider's
 * lookups in sdk/ and chaser-recover's use of chaser-local's lock helper, are gone). The test fails when one of them
 * no longer occurs: take it off the list.
 */
const KNOWN_EXCEPTIONS: Array<{ from: string; to: string; why: string }> = [];

/**
 * Requires whose argument is not a literal, with the modules each can reach (specifiers, resolved from the file
 * like a literal). A new one fails the test until it is listed here; one that is gone fails too.
 */
const DYNAMIC_REQUIRES: Array<{ file: string; argument: string; reaches: () => string[] }> = [
  // A resource's module (its hooks, which are its dynamic provider), by the registry's name for it.
  { file: "provider/hooks.ts", argument: "`./resources/${r.module}`", reaches: () => RESOURCES.map((r) => `./resources/${r.module}`) },
  // The same in the bundled plugin (the release executables): esbuild turns a template with the extension into a table.
  { file: "provider/hooks.ts", argument: "`./resources/${r.module}.js`", reaches: () => RESOURCES.map((r) => `./resources/${r.module}`) },
  // In a symlinked install, the module state requires, by the package's name (provider/registry.ts stateModule).
  { file: "sdk/nodejs/providers.ts", argument: "m", reaches: () => RESOURCES.map(stateModule) },
  // @pulumi/pulumi's gRPC runtime and messages, from the program's own install: packages, nothing of this tree.
  { file: "provider/grpc-modules.ts", argument: "require.resolve(name, { paths: [pulumiDir] })", reaches: () => [] },
];

// ---- reading the imports ----------------------------------------------------------------------------------------

const rel = (abs: string) => path.relative(ROOT, abs).split(path.sep).join("/");

/** A node script without an extension (`plugin/pulumi-resource-chaser`). */
const isNodeScript = (file: string) => path.extname(file) === "" && fs.readFileSync(file, "utf8").startsWith("#!/usr/bin/env node");

function sourceFiles(dir: string): string[] {
  if (!fs.existsSync(dir) || LEFT_OUT.some((l) => rel(dir) === l || path.basename(dir) === l)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|js)$/.test(e.name) || isNodeScript(p) ? [p] : [];
  });
}

/** One import of a file: the specifier as resolved (undefined: a package), how it was written, and where. */
interface Edge {
  from: string;
  to: string;
  how: string;
}

/** The file of this tree a specifier names from `file`, or undefined for a package (or a built-in). */
function resolve(file: string, spec: string): string | undefined {
  let p: string;
  if (spec.startsWith(".") || spec.startsWith("/")) p = path.resolve(path.dirname(file), spec);
  else if (spec === "pulumi-chaser") p = path.join(ROOT, require("../package.json").main);
  else if (spec.startsWith("pulumi-chaser/")) p = path.join(ROOT, spec.slice("pulumi-chaser/".length));
  else return undefined;
  // dist/ is compiled from the sources: an import of dist/x/y.js is one of x/y.ts.
  if (rel(p).startsWith("dist/")) p = path.join(ROOT, rel(p).slice("dist/".length).replace(/\.js$/, ""));
  const candidates = [p, `${p}.ts`, path.join(p, "index.ts"), `${p}.js`, path.join(p, "index.js"), p.replace(/\.js$/, ".ts")];
  const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  if (!found) throw new Error(`${rel(file)}: '${spec}' names no file of this tree`);
  return found;
}

/** The value of an expression known without running it: a string, `__dirname`, `path.join`/`path.resolve` of those, `require.resolve(x)`. */
function staticValue(file: string, e: ts.Expression): string | undefined {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  if (ts.isIdentifier(e) && e.text === "__dirname") return path.dirname(file);
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression)) {
    const callee = e.expression.getText();
    if (callee === "require.resolve" && e.arguments.length >= 1) return staticValue(file, e.arguments[0]);
    if (callee === "path.join" || callee === "path.resolve") {
      const parts = e.arguments.map((a) => staticValue(file, a));
      if (parts.every((x): x is string => x !== undefined)) return (callee === "path.join" ? path.join : path.resolve)(...parts);
    }
  }
  return undefined;
}

/** Every import of `file` into this tree, and the dynamic requires it makes (as `argument` texts). */
function importsOf(file: string): { edges: Edge[]; dynamic: string[] } {
  const text = fs.readFileSync(file, "utf8");
  const kind = file.endsWith(".ts") ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, kind);
  const edges: Edge[] = [];
  const dynamic: string[] = [];
  const add = (spec: string, how: string) => {
    const to = resolve(file, spec);
    if (to) edges.push({ from: file, to, how });
  };
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, ts.isImportDeclaration(node) ? "import" : "export … from");
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteral(node.moduleReference.expression)) {
      add(node.moduleReference.expression.text, "import = require()");
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      add(node.argument.literal.text, "typeof import()");
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if (isImport || isRequire) {
        const how = isImport ? "import()" : "require()";
        const value = staticValue(file, node.arguments[0]);
        if (value !== undefined) add(path.isAbsolute(value) ? path.relative(path.dirname(file), value).replace(/^(?!\.)/, "./") : value, how);
        else {
          const argument = node.arguments[0].getText();
          dynamic.push(argument);
          const listed = DYNAMIC_REQUIRES.find((d) => d.file === rel(file) && d.argument === argument);
          for (const spec of listed?.reaches() ?? []) add(spec, `${how} of a computed name`);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { edges, dynamic };
}

// ---- the checks ------------------------------------------------------------------------------------------------

const files = READ.flatMap((d) => sourceFiles(path.join(ROOT, d)));
const read = new Map(files.map((f) => [f, importsOf(f)]));
const edges = [...read.values()].flatMap((r) => r.edges);

/** Whether an import runs against the layers (see the top of this file). */
function against(e: Edge): boolean {
  const [from, to] = [rel(e.from), rel(e.to)];
  if (from === CHASER_LOCAL_BIN.from && to === CHASER_LOCAL_BIN.to) return false;
  return !MAY_IMPORT[layerOf(from)].includes(layerOf(to));
}

test("the parser sees every form of import: static, type-only, export … from, import(), require() through dist/ and computed", () => {
  expect(files.length).toBeGreaterThan(80);
  const seen = (from: string, to: string) => [...new Set(edges.filter((e) => rel(e.from) === from && rel(e.to) === to).map((e) => e.how))];
  expect(seen("provider/client/transport.ts", "provider/client/config.ts")).toContain("import");
  expect(seen("provider/context.ts", "provider/client/index.ts")).toEqual(expect.arrayContaining(["import", "typeof import()", "require()"]));
  expect(seen("provider/grpc/server.ts", "provider/lookups/index.ts")).toEqual(["import()"]);
  expect(seen("contract/index.ts", "contract/wire.ts")).toEqual(["export … from"]);
  expect(seen("bin/chaser-local.js", "chaser-local/src/cli.ts")).toEqual(["require()"]);
  expect(seen("plugin/pulumi-resource-chaser", "provider/grpc/main.ts")).toEqual(["require()"]);
  expect(seen("plugin/index.d.ts", "sdk/nodejs/plugin.ts")).toEqual(["export … from"]);
  expect(seen("provider/hooks.ts", "provider/resources/workspace.ts")).toEqual(["require() of a computed name"]);
  expect(seen("sdk/nodejs/providers.ts", "provider/resources/apikey.ts")).toEqual(["require() of a computed name"]);
  expect(seen("examples/quickstart/index.ts", "sdk/nodejs/index.ts")).toEqual(["import"]);
});

test("every require of a computed name is listed with what it reaches, and every listed one still occurs", () => {
  const found = [...read.entries()].flatMap(([f, r]) => r.dynamic.map((argument) => ({ file: rel(f), argument })));
  expect(found.filter((d) => !DYNAMIC_REQUIRES.some((l) => l.file === d.file && l.argument === d.argument))).toEqual([]);
  expect(DYNAMIC_REQUIRES.filter((l) => !found.some((d) => l.file === d.file && l.argument === d.argument)).map((l) => `${l.file}: require(${l.argument})`)).toEqual([]);
});

test("no import runs against the layers (entry points and CLIs → provider → client → contract; chaser-local → contract; chaser-local only through its bin), but the known exceptions", () => {
  const wrong = [...new Set(edges.filter(against).map((e) => `${rel(e.from)} → ${rel(e.to)}`))].sort();
  const known = KNOWN_EXCEPTIONS.map((k) => `${k.from} → ${k.to}`);
  expect(wrong.filter((w) => !known.includes(w))).toEqual([]);
  // An exception that no longer occurs is taken off the list.
  expect(known.filter((k) => !wrong.includes(k))).toEqual([]);
});

test("provider/client/ imports nothing of provider/ outside it, and nothing but contract/", () => {
  const out = edges.filter((e) => layerOf(rel(e.from)) === "client" && !["client", "contract"].includes(layerOf(rel(e.to))));
  expect(out.map((e) => `${rel(e.from)} → ${rel(e.to)} (${e.how})`)).toEqual([]);
});

test("the layering rule sees a violation (a sample of each kind of arrow)", () => {
  const probe = (from: string, to: string) => against({ from: path.join(ROOT, from), to: path.join(ROOT, to), how: "import" });
  expect(
    [
      ["contract/rules.ts", "provider/model.ts"],
      ["provider/client/transport.ts", "provider/lifeline.ts"],
      ["provider/resource.ts", "sdk/nodejs/index.ts"],
      ["chaser-local/src/api.ts", "provider/values.ts"],
      ["cli/sweep.ts", "chaser-local/src/store.ts"],
      ["provider/context.ts", "chaser-local/src/server.ts"],
      ["examples/quickstart/index.ts", "provider/registry.ts"],
    ].map(([f, t]) => probe(f, t)),
  ).toEqual([true, true, true, true, true, true, true]);
  expect([probe("sdk/nodejs/generated/lookups.ts", "provider/client/index.ts"), probe("provider/context.ts", "provider/client/index.ts"), probe("bin/chaser-local.js", "chaser-local/src/cli.ts")]).toEqual([false, false, false]);
});

/** Every cycle's modules (strongly connected components of more than one module, or a module importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        scc.push(rel(w));
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test("no import cycle (type-only and lazy imports count)", () => {
  const graph = new Map(files.map((f) => [f, [...new Set(read.get(f)!.edges.map((e) => e.to))]]));
  expect(cycles(graph)).toEqual([]);
});
