/**
 * The package as users get it: packed from a clean clone of the repository (its `prepack` builds dist) and
 * installed into a fresh project with npm, the files it promises are there and its commands run; every
 * TypeScript snippet of the README compiles, strict, against the installed package.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO, installInto, packedPackage } from "./support/pack";

jest.setTimeout(600_000);

const npm = (args: string[], cwd: string) => execFileSync("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

test("packed from a clean clone and installed with npm: the files it promises, and its commands", () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-clean-"));
  try {
    // What is committed, nothing else (no dist, no node_modules).
    const clone = path.join(root, "clone");
    execFileSync("git", ["clone", "--quiet", "--no-hardlinks", REPO, clone]);
    expect(fs.existsSync(path.join(clone, "dist"))).toBe(false);
    npm(["ci"], clone);
    const tgz = npm(["pack", "--silent", "--pack-destination", root], clone).trim().split("\n").pop()!;
    const listing = execFileSync("tar", ["tzf", path.join(root, tgz)], { encoding: "utf8" }).split("\n");
    for (const f of ["dist/sdk/nodejs/index.js", "dist/sdk/nodejs/index.d.ts", "dist/provider/resources/workspace.js", "dist/provider/settings.js", "dist/cli/recover.js", "dist/chaser-local/src/cli.js", "schema.json", "README.md", "LICENSE", "CHANGELOG.md", "docs/chaser-local.md", "bin/chaser-local.js", "plugin/pulumi-resource-chaser", "plugin/index.js", "plugin/index.d.ts", "dist/sdk/nodejs/plugin.js", "dist/sdk/nodejs/plugin.d.ts", "bin/chaser-sweep.js", "dist/cli/sweep.js", "policy/PulumiPolicy.yaml", "policy/package.json", "policy/index.js", "dist/policy/pack.js", "dist/policy/policies.js", "examples/yaml/Pulumi.yaml", "examples/quickstart/index.ts", "examples/github-actions/README.md"]) {
      expect({ f, packed: listing.includes(`package/${f}`) }).toEqual({ f, packed: true });
    }
    expect(listing.filter((f) => /\/(test|node_modules)\//.test(f))).toEqual([]);

    const app = path.join(root, "app");
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
    npm(["install", path.join(root, tgz), "@pulumi/pulumi@3.248.0"], app);
    const version = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version;
    const npx = (args: string[]) => spawnSync("npx", ["--no", "--", ...args], { cwd: app, encoding: "utf8" });
    expect(npx(["chaser-local", "--version"]).stdout.trim()).toBe(`chaser-local ${version}`);
    expect(npx(["chaser-recover", "--help"]).stdout).toMatch(/Usage: chaser-recover/);
    expect(npx(["chaser-preview-summary", "--help"]).status).toBe(0);
    expect(npx(["chaser-sweep", "--help"]).stdout).toMatch(/Usage: chaser-sweep/);
    // The policy pack runs from the install: @pulumi/policy resolves from its directory, and its policies load.
    const pack = path.join(app, "node_modules", "pulumi-chaser", "policy");
    const policies = spawnSync(process.execPath, ["-e", "require.resolve('@pulumi/policy'); console.log(require('pulumi-chaser/dist/policy/policies.js').POLICIES.length)"], { cwd: pack, encoding: "utf8" });
    expect(policies.stdout.trim()).toBe("8");
    const loaded = spawnSync(process.execPath, ["-e", "const c = require('pulumi-chaser'); console.log(typeof c.Workspace.get, typeof c.getWorkspaceOutput)"], { cwd: app, encoding: "utf8" });
    expect(loaded.stdout.trim()).toBe("function function");
    // The plugin's entry (a directory of the package, not an "exports" entry) and its executable, runnable as installed.
    const plugin = spawnSync(process.execPath, ["-e", "const c = require('pulumi-chaser/plugin'); console.log(typeof c.Workspace.get, typeof c.Provider, typeof c.listWorkspacesOutput)"], { cwd: app, encoding: "utf8" });
    expect(plugin.stdout.trim()).toBe("function function function");
    expect(fs.statSync(path.join(app, "node_modules", "pulumi-chaser", "plugin", "pulumi-resource-chaser")).mode & 0o111).toBe(0o111);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

/** The README's tsconfig.json (its first JSON block with compilerOptions). */
function readmeTsconfig(): { compilerOptions: Record<string, unknown> } {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const block = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('"compilerOptions"'));
  if (!block) throw new Error("README.md shows no tsconfig.json");
  return JSON.parse(block);
}

test.each(["typescript", "typescript6"])("every TypeScript snippet of the README compiles, strict, against the installed package, with the README's tsconfig (%s)", (compiler) => {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(snippets.length).toBeGreaterThanOrEqual(10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-readme-"));
  try {
    installInto(dir);
    const files = snippets.map((code, i) => {
      const f = `snippet${String(i + 1).padStart(2, "0")}.ts`;
      fs.writeFileSync(path.join(dir, f), code);
      return f;
    });
    const base = readmeTsconfig();
    const tsconfig = { ...base, compilerOptions: { ...base.compilerOptions, noEmit: true }, files };
    fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify(tsconfig));
    const r = spawnSync(process.execPath, [path.join(dir, "node_modules", compiler, "bin", "tsc"), "-p", "tsconfig.json"], { cwd: dir, encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the shipped docs work from the npm page and from node_modules: relative links resolve to shipped files, repository links to files that exist and that the package does not ship; the version they state is package.json's", () => {
  const { dir } = packedPackage();
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
  const repoUrl = String(pkg.repository.url).replace(/^git\+/, "").replace(/\.git$/, "");
  expect(pkg.homepage.startsWith(repoUrl)).toBe(true);
  const broken: string[] = [];
  const markdown = (d: string): string[] =>
    (fs.readdirSync(path.join(dir, d), { withFileTypes: true }) as fs.Dirent[]).flatMap((e) => (e.isDirectory() ? markdown(path.join(d, e.name)) : e.name.endsWith(".md") ? [path.join(d, e.name)] : []));
  const docs = ["README.md", ...markdown("docs"), ...markdown("examples")];
  expect(docs).toContain("docs/chaser-local.md");
  expect(docs).toContain("examples/github-actions/README.md");
  for (const doc of docs) {
    const text = fs.readFileSync(path.join(dir, doc), "utf8").replace(/```[\s\S]*?```/g, "");
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(mailto:|#)/.test(target)) continue;
      if (target.startsWith(`${repoUrl}/`)) {
        // A link into the repository: the file or directory must exist in it (on the default branch), and be
        // something the package does not ship (what it ships is linked relatively: it then opens from node_modules).
        const m = /^\/(?:blob|tree|raw)\/main\/([^#?]+)/.exec(target.slice(repoUrl.length));
        if (m && !fs.existsSync(path.join(REPO, decodeURIComponent(m[1])))) broken.push(`${doc}: ${target} (no such file in the repository)`);
        if (m && fs.existsSync(path.join(dir, decodeURIComponent(m[1])))) broken.push(`${doc}: ${target} (shipped in the package: link it relatively)`);
        continue;
      }
      if (/^[a-z]+:/i.test(target)) continue; // elsewhere on the web
      const file = path.join(dir, path.dirname(doc), decodeURIComponent(target.split("#")[0]));
      if (!fs.existsSync(file)) broken.push(`${doc}: ${target} (not in the package)`);
    }
  }
  expect(broken).toEqual([]);
  // Every `chaser-local X.Y.Z` the docs print is this version (what --version prints).
  const stated = [...fs.readFileSync(path.join(dir, "docs", "chaser-local.md"), "utf8").matchAll(/chaser-local (\d+\.\d+\.\d+)/g)].map((m) => m[1]);
  expect(stated.length).toBeGreaterThan(0);
  expect([...new Set(stated)]).toEqual([pkg.version]);
});
