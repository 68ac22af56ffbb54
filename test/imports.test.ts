/**
 * The source tree has no import cycle: provider/ (the client included), contract/, sdk/, cli/ and chaser-local's
 * src/. A cycle makes module load order matter (an import that is still undefined while its module loads) and
 * means two modules are one in truth. Type-only imports count too: they tie the modules' meaning together.
 * A module loaded by computed name at run time (provider/hooks.ts loads provider/resources/<name>) is not an import.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
const SOURCES = ["provider", "contract", "sdk", "cli", "chaser-local/src"];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith(".ts") && !p.endsWith(".d.ts") ? [p] : [];
  });
}

/** The modules of this tree a file imports (import/export … from "./x", require("./x")). */
function importsOf(file: string): string[] {
  const src = fs.readFileSync(file, "utf8");
  const specs = [
    ...src.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/gms),
    ...src.matchAll(/^\s*import\s+"(\.[^"]+)"/gm),
    ...src.matchAll(/\brequire\(\s*"(\.[^"]+)"\s*\)/g),
  ].map((m) => m[1]);
  return specs.flatMap((spec) => {
    const target = path.resolve(path.dirname(file), spec);
    return [`${target}.ts`, path.join(target, "index.ts")].filter((f) => fs.existsSync(f)).slice(0, 1);
  });
}

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
        scc.push(path.relative(ROOT, w));
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test("no import cycle in provider/, contract/, sdk/, cli/ and chaser-local/src/", () => {
  const files = SOURCES.flatMap((d) => sourceFiles(path.join(ROOT, d)));
  const graph = new Map(files.map((f) => [f, importsOf(f)]));
  expect(files.length).toBeGreaterThan(50);
  // The client's config and transport imported each other before; the graph must see such edges.
  expect(graph.get(path.join(ROOT, "provider/client/transport.ts"))).toContain(path.join(ROOT, "provider/client/config.ts"));
  expect(cycles(graph)).toEqual([]);
});
