/**
 * Python programs through the real engine: a project made from examples/python (Pulumi.yaml, requirements.txt,
 * __main__.py), its `chaser` plugin taken from the npm package installed beside it (`plugins: providers: path:`, as
 * a Python user who installed `pulumi-chaser` from npm does), its virtualenv made by `pulumi install` (our Python
 * language host: python3 -m venv, then pip install -r requirements.txt from PyPI), the pulumi_chaser wheel found
 * where `scripts/sdk-python.sh` built it (PIP_FIND_LINKS), as a user installs the wheel of a release.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "../../support/pack";
import { Project, RunResult } from "./stack";

export const PYTHON_EXAMPLE = path.join(REPO, "examples", "python");

let wheels: string | undefined;

/**
 * The directory holding the pulumi_chaser wheel (and sdist) of sdk/python as it is now: built by
 * scripts/sdk-python.sh once per content of sdk/python and of the script, into
 * ~/.cache/pulumi-chaser/python/wheels/<hash> (a test file after the first one finds it there).
 */
export function wheelDir(): string {
  if (wheels) return wheels;
  const hash = createHash("sha256");
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name === "__pycache__") continue;
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else hash.update(`${path.relative(REPO, f)}\0`).update(fs.readFileSync(f));
    }
  };
  walk(path.join(REPO, "sdk", "python"));
  hash.update(fs.readFileSync(path.join(REPO, "scripts", "sdk-python.sh")));
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache");
  const dir = path.join(cache, "pulumi-chaser", "python", "wheels", hash.digest("hex").slice(0, 16));
  if (!fs.existsSync(dir)) {
    // Built beside, then renamed into place: two test processes never see half a directory.
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    const tmp = fs.mkdtempSync(`${dir}.tmp-`);
    execFileSync("bash", [path.join(REPO, "scripts", "sdk-python.sh"), tmp], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      fs.renameSync(tmp, dir);
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true }); // another process was first
    }
  }
  return (wheels = dir);
}

/** The wheel file in wheelDir(). */
export function wheelFile(): string {
  const dir = wheelDir();
  const whl = fs.readdirSync(dir).find((f) => /^pulumi_chaser-.*\.whl$/.test(f));
  if (!whl) throw new Error(`no pulumi_chaser wheel in ${dir}`);
  return path.join(dir, whl);
}

/** pip's extra places to find packages: the wheel's directory first, then what the environment already names. */
export function pipEnv(): Record<string, string> {
  return { PIP_FIND_LINKS: [wheelDir(), process.env.PIP_FIND_LINKS].filter(Boolean).join(" ") };
}

/**
 * A project of examples/python (its program unless `program` is given), with the plugin path pointing at the
 * installed npm package's plugin/. `venvFrom`: a project whose virtualenv this one uses (a link named venv, so
 * Pulumi.yaml stays the example's own); otherwise none exists until `install`.
 */
export function pythonProject(name: string, opts: { program?: string; venvFrom?: Project } = {}): Project {
  const p = Project.create(name);
  // Project.create makes a Node.js project: this one is the example's (the npm package stays, for its plugin).
  for (const f of ["package.json", "index.js"]) fs.rmSync(path.join(p.dir, f), { force: true });
  const plugin = path.join(p.dir, "node_modules", "pulumi-chaser", "plugin");
  expect(fs.existsSync(path.join(plugin, "pulumi-resource-chaser"))).toBe(true);
  const yaml = fs.readFileSync(path.join(PYTHON_EXAMPLE, "Pulumi.yaml"), "utf8");
  expect(yaml).toContain("      path: ../../plugin\n");
  fs.writeFileSync(path.join(p.dir, "Pulumi.yaml"), yaml.replace("      path: ../../plugin\n", `      path: ${plugin}\n`));
  for (const f of ["requirements.txt", "pyrightconfig.json"]) fs.copyFileSync(path.join(PYTHON_EXAMPLE, f), path.join(p.dir, f));
  writeProgram(p, opts.program ?? fs.readFileSync(path.join(PYTHON_EXAMPLE, "__main__.py"), "utf8"));
  if (opts.venvFrom) fs.symlinkSync(path.join(opts.venvFrom.dir, "venv"), path.join(p.dir, "venv"));
  return p;
}

/** Writes the project's Python program (__main__.py). */
export function writeProgram(p: Project, source: string): void {
  fs.writeFileSync(path.join(p.dir, "__main__.py"), source);
}

export function readProgram(p: Project): string {
  return fs.readFileSync(path.join(p.dir, "__main__.py"), "utf8");
}

/** Replaces one occurrence of `from` (which must be there) in the program. */
export function editProgram(p: Project, from: string, to: string): void {
  const text = readProgram(p);
  expect(text).toContain(from);
  writeProgram(p, text.replace(from, to));
}

/**
 * `pulumi install --no-plugins`: the virtualenv and the requirements (our language host's InstallDependencies).
 * Plugins are left out: `pulumi install` acquires the plugins the SDKs name (chaser at the wheel's version) from
 * their server and does not look at Pulumi.yaml's `plugins: providers:`, which is where this plugin comes from.
 */
export async function install(p: Project): Promise<RunResult> {
  const r = await p.run(["install", "--no-plugins"], { env: pipEnv(), timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`pulumi install exited ${r.code}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r;
}

/** pyright (the devDependency) on the project: its summary and diagnostics. */
export function pyright(dir: string): { summary: { errorCount: number; warningCount: number; filesAnalyzed: number }; diagnostics: string[] } {
  let out: string;
  try {
    out = execFileSync(process.execPath, [path.join(REPO, "node_modules", "pyright", "index.js"), "--outputjson"], { cwd: dir, encoding: "utf8", maxBuffer: 64 << 20 });
  } catch (e) {
    out = (e as { stdout?: string }).stdout ?? ""; // exit 1 when it found errors: the JSON is on stdout all the same
    if (!out) throw e;
  }
  const report = JSON.parse(out);
  return {
    summary: report.summary,
    diagnostics: report.generalDiagnostics.map((d: any) => `${path.basename(d.file)}:${d.range.start.line + 1}: ${d.severity}: ${d.message}`),
  };
}
