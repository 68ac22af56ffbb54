/**
 * chaser-local's sources (and contract/, which they import) transpiled once per test file into a directory under
 * node_modules/.cache, so tests run the current code as a process without a build; `zod` and package.json are
 * found from there as from dist/. Returns the path of the transpiled cli.js and a cleanup.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";

export const ROOT = path.resolve(__dirname, "..", "..");

export function buildCli(): { cli: string; dir: string; cleanup: () => void } {
  const cache = path.join(ROOT, "node_modules", ".cache");
  fs.mkdirSync(cache, { recursive: true });
  const dir = fs.mkdtempSync(path.join(cache, "chaser-local-test-"));
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else if (e.name.endsWith(".ts")) {
        const out = ts.transpileModule(fs.readFileSync(path.join(ROOT, r), "utf8"), {
          compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020, esModuleInterop: true },
          fileName: e.name,
        });
        fs.mkdirSync(path.join(dir, rel), { recursive: true });
        fs.writeFileSync(path.join(dir, r.replace(/\.ts$/, ".js")), out.outputText);
      }
    }
  };
  walk(path.join("chaser-local", "src"));
  walk("contract");
  return { cli: path.join(dir, "chaser-local", "src", "cli.js"), dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
