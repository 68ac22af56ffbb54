/**
 * Python programs on the `chaser` provider plugin, through the real engine and our Python language host
 * (engine/cmd/pulumi-language-python), against chaser-local (issue 29):
 * - examples/python as a user runs it: `pulumi install` makes the virtualenv Pulumi.yaml names and installs
 *   requirements.txt (the Pulumi SDK from PyPI at the engine's version, pulumi_chaser from the wheel
 *   scripts/sdk-python.sh builds); pyright (strict) finds no error in it; preview with no API write, up, a preview
 *   and a refresh that expect no changes, a rename in place, a key replaced; `pulumi import` of a workspace made
 *   outside, whose Python code (printed by the host with Pulumi's Python generator) pasted into the program previews
 *   with no change; destroy leaves the server empty; the key's secret never in plaintext in the state files or in
 *   anything the engine printed;
 * - bad input in Python (a wrong property name, an invalid scope, a name with spaces) fails the preview naming the
 *   property and the rule, with no API write, saying what a JavaScript program of the plugin is told.
 * One `pulumi install` for the file: the second test's projects use the first one's virtualenv.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { Local, writesTo } from "../support/local";
import { Project, changes, engineDir, expectOk, killTree, occurrences, processesIn, projectFor } from "./support/stack";
import { expectServerEmpty } from "./support/scenario";
import { editProgram, install, pyright, pythonProject, readProgram, wheelFile, writeProgram } from "./support/python";

jest.setTimeout(900_000);

const local = Local.forSuite();
/** The example's project: the virtualenv `pulumi install` made, which the other tests use too. */
let base: Project;
const timings: string[] = [];

beforeAll(async () => {
  expect(fs.existsSync(path.join(engineDir(), "pulumi-language-python"))).toBe(true);
  let t = Date.now();
  wheelFile();
  timings.push(`wheel (scripts/sdk-python.sh, or the cache): ${Date.now() - t} ms`);
  base = pythonProject("python");
  t = Date.now();
  const installed = await install(base);
  timings.push(`pulumi install (venv, pip install -r requirements.txt): ${Date.now() - t} ms`);
  expect(installed.stdout + installed.stderr).toMatch(/Successfully installed .*pulumi-3\.248\.0/);
}, 900_000);

afterAll(() => {
  console.log(`Python tests:\n  ${timings.join("\n  ")}`);
  base?.cleanup();
});

test("examples/python: installed with pip into its virtualenv, pyright-clean, preview, up, no changes, rename, key replacement, import, destroy; no secret in plaintext", async () => {
  const p = base;
  // What pip put into the virtualenv: the Pulumi SDK at the engine's version and our wheel's pulumi_chaser, which
  // carries pulumi-plugin.json (how the host tells the engine the program needs the chaser plugin).
  const venvPython = path.join(p.dir, "venv", "bin", "python");
  const versions = execFileSync(venvPython, ["-c", "import importlib.metadata as m, json; print(json.dumps([m.version('pulumi'), m.version('pulumi_chaser')]))"], { encoding: "utf8" });
  const schemaVersion = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "schema.json"), "utf8")).version;
  expect(JSON.parse(versions)).toEqual(["3.248.0", schemaVersion]);
  const about = await p.ok(["about", "--json"]);
  expect(JSON.parse(about.stdout).runtime).toMatchObject({ language: "python", version: expect.stringMatching(/^3\.\d+/) });

  // pyright (strict, as examples/python/pyrightconfig.json says) on the example, against the installed SDKs.
  const checked = pyright(p.dir);
  expect({ errors: checked.summary.errorCount, diagnostics: checked.diagnostics }).toEqual({ errors: 0, diagnostics: [] });
  expect(checked.summary.filesAnalyzed).toBe(1);

  const secrets: string[] = [];
  const expectNoLeak = () => {
    const written = p.stateFilesText() + "\n" + p.logs.join("\n");
    for (const s of secrets) expect(occurrences(written, s)).toBe("");
  };
  await p.init({ "chaser:apiUrl": local.url, "chaser-python:prefix": "py" }, { "chaser:apiKey": local.rootKey });
  secrets.push(local.rootKey);

  await local.clearRequests();
  let t = Date.now();
  const preview = expectOk(await p.preview());
  timings.push(`first preview: ${Date.now() - t} ms`);
  expect(changes(preview).sort()).toEqual(["create baseline", "create ci", "create dev", "create golden"]);
  expect(await writesTo(local)).toEqual([]);

  t = Date.now();
  const up = expectOk(await p.up());
  timings.push(`first up: ${Date.now() - t} ms`);
  expect(changes(up).sort()).toEqual(["create baseline", "create ci", "create dev", "create golden"]);
  const out = await p.outputs(true);
  expect(out).toMatchObject({ templateName: "py-golden", workspaceName: "py-dev", snapshotName: "baseline", account: expect.any(String) });
  expect(out.clonedFrom).toBe((await local.workspaces()).find((w) => w.name === "py-golden")?.id);
  expect(typeof out.ciKey).toBe("string");
  secrets.push(out.ciKey as string);
  expect((await p.outputs()).ciKey).toBe("[secret]");
  expectNoLeak();

  expectOk(await p.preview(["--expect-no-changes"]));
  expectOk(await p.refresh(["--expect-no-changes"]));

  // A rename is made in place: same workspace id, new name on the server.
  await local.clearRequests();
  editProgram(p, 'name=f"{prefix}-dev",', 'name=f"{prefix}-dev-renamed",');
  expect(changes(expectOk(await p.preview())).sort()).toEqual(["update dev"]);
  expect(await writesTo(local)).toEqual([]);
  expect(changes(expectOk(await p.up()))).toEqual(["update dev"]);
  expect((await local.workspaces()).find((w) => w.id === out.workspaceId)?.name).toBe("py-dev-renamed");
  expectOk(await p.preview(["--expect-no-changes"]));

  // A change of scopes replaces the key: a new key (a new secret) before the old one is revoked.
  editProgram(p, "        chaser.Scope.WORKSPACES_READ,\n", "        chaser.Scope.WORKSPACES_READ,\n        chaser.Scope.WORKSPACES_WRITE,\n");
  const replaced = expectOk(await p.up());
  expect(changes(replaced).sort()).toEqual(["create-replacement ci", "delete-replaced ci", "replace ci"]);
  const newKey = (await p.outputs(true)).ciKey as string;
  expect(newKey).not.toBe(out.ciKey);
  secrets.push(newKey);
  expectOk(await p.preview(["--expect-no-changes"]));
  expectOk(await p.refresh(["--expect-no-changes"]));
  expectNoLeak();

  // `pulumi import` of a workspace made outside Pulumi: reads only; the host prints its Python code (Pulumi's Python
  // generator, from the plugin's schema), which pasted into the program gives a preview with no change.
  const outside = (await local.api<{ id: string }>("POST", "/v1/workspaces", { name: "made-outside", session_type: "browser" })).body.id;
  await local.clearRequests();
  const generated = path.join(p.root, "imported.py");
  const imported = await p.run(["import", "chaser:index:Workspace", "outside", outside, "--yes", "--non-interactive", "--protect=false", "--out", generated]);
  expect({ code: imported.code, out: imported.code === 0 ? "" : imported.stdout + imported.stderr }).toEqual({ code: 0, out: "" });
  expect(await writesTo(local)).toEqual([]);
  const code = fs.readFileSync(generated, "utf8");
  expect(code).toContain("import pulumi_chaser as chaser");
  expect(code).toMatch(/outside = chaser\.Workspace\("outside",\s+name="made-outside",\s+session_type=chaser\.SessionType\.BROWSER\)/);
  // Pasted below the program's own code, less the imports the program already has (pyright would flag them twice).
  const declarations = code.replace(/^import pulumi\n/m, "").replace(/^import pulumi_chaser as chaser\n/m, "");
  writeProgram(p, `${readProgram(p)}\n# Printed by \`pulumi import\`:\n${declarations}`);
  expect(pyright(p.dir).diagnostics).toEqual([]);
  expectOk(await p.preview(["--expect-no-changes"]));
  expect(await writesTo(local)).toEqual([]);

  const destroyed = expectOk(await p.destroy());
  expect(changes(destroyed).sort()).toEqual(["delete baseline", "delete ci", "delete dev", "delete golden", "delete outside"]);
  await expectServerEmpty(local);
  expectNoLeak();
  expect(p.logs.length).toBeGreaterThan(10);
  // The Python SDK debug-logs the stack's outputs (the key's secret among them) into the --json event stream:
  // pulumi_chaser's filter (sdk/python/pulumi_chaser/_debug_filter.py) left that part out, which is why the search
  // above found nothing.
  expect(p.logs.join("\n")).toContain("props=[omitted by pulumi_chaser: may contain secret values]");
});

test("bad input in Python fails the preview naming the property and the rule, with no API write, as in JavaScript", async () => {
  // One bad resource per program (the engine stops at the first failed check). `js`: the same resource in a
  // JavaScript program of the plugin, whose message the Python one must equal (from "resource '…'" on); null when
  // the Python SDK refuses the program itself (a keyword argument the class does not have).
  const cases: Array<{ py: string; js: string | null; says: RegExp[] }> = [
    {
      py: 'chaser.Workspace("ws", nmae="typo", session_type=chaser.SessionType.SANDBOX)',
      js: null,
      says: [/TypeError: .*got an unexpected keyword argument 'nmae'/, /__main__\.py", line 3, in <module>/],
    },
    {
      py: 'chaser.ApiKey("key", scopes=[chaser.Scope.WORKSPACES_READ, "workspace.write"])',
      js: 'new chaser.ApiKey("key", { scopes: ["workspaces.read", "workspace.write"] });',
      says: [/chaser:index:ApiKey resource 'key' has a problem: scopes\[1\]: 'workspace\.write' is not a scope; did you mean 'workspaces\.write'\? The scopes are sessions\.read, sessions\.write, workspaces\.read, /],
    },
    {
      py: 'chaser.Workspace("ws", name="has spaces", session_type=chaser.SessionType.BROWSER)',
      js: 'new chaser.Workspace("ws", { name: "has spaces", sessionType: "browser" });',
      says: [/chaser:index:Workspace resource 'ws': property name value \{has spaces\} has a problem: name: must contain only letters, digits, '-', '_' and '\.', starting with a letter or digit/],
    },
  ];
  const py = pythonProject("pybad", { venvFrom: base });
  const js = await projectFor(local, "jsbad", "plugin");
  try {
    await py.init({ "chaser:apiUrl": local.url }, { "chaser:apiKey": local.rootKey });
    for (const c of cases) {
      writeProgram(py, `import pulumi_chaser as chaser\n\n${c.py}\n`);
      await local.clearRequests();
      const r = await py.preview();
      const said = r.diagnostics.join("\n");
      expect({ case: c.py, code: r.code === 0 ? 0 : "failed" }).toEqual({ case: c.py, code: "failed" });
      for (const re of c.says) expect(said).toMatch(re);
      expect({ case: c.py, writes: await writesTo(local) }).toEqual({ case: c.py, writes: [] });
      // The invalid scope's message shows no Go-formatted value of the list.
      expect(said).not.toMatch(/value \{\[/);
      if (c.js) {
        js.program(`${js.header}${c.js}\n`);
        const jr = await js.preview();
        expect(jr.code).not.toBe(0);
        const fromResource = (s: string) => s.split("\n").find((l) => l.includes(" resource '"))!.replace(/^.*?(resource ')/, "$1").trim();
        expect(fromResource(said)).toBe(fromResource(jr.diagnostics.join("\n")));
      }
    }
    // pyright (the example's strict settings) catches the first two before any run: no overload of Workspace takes
    // `nmae`, and a string that is no Scope is not a scope.
    writeProgram(py, `import pulumi_chaser as chaser\n\n${cases[0].py}\n${cases[1].py}\n`);
    const checked = pyright(py.dir).diagnostics.join("\n");
    expect(checked).toMatch(/__main__\.py:3: error: No overloads for "__init__" match the provided arguments\n\s+Argument types: \(Literal\['ws'\], Literal\['typo'\]/);
    expect(checked).toMatch(/__main__\.py:4: error: [^\n]*"scopes"[\s\S]*"Literal\['workspace\.write'\]" is not assignable to "Scope"/);

    // The README's Python snippets type-check as they are (strict), against the installed SDKs.
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    const snippets = [...readme.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(snippets.length).toBeGreaterThan(0);
    for (const snippet of snippets) {
      writeProgram(py, snippet);
      expect({ snippet, diagnostics: pyright(py.dir).diagnostics }).toEqual({ snippet, diagnostics: [] });
    }
  } finally {
    py.cleanup();
    js.cleanup();
  }
});

/** 29 resources, as test/engine/crash.test.ts's program: fixed and auto-named workspaces, clones, a template, snapshots, keys. */
const CRASH_PROGRAM = `import pulumi_chaser as chaser

fixed = [chaser.Workspace(f"fixed{i}", name=n, session_type=chaser.SessionType.SANDBOX) for i, n in enumerate(["pycrash-a", "pycrash-b"])]
auto = [chaser.Workspace(f"auto{i}", session_type=chaser.SessionType.BROWSER if i % 2 else chaser.SessionType.SANDBOX) for i in range(10)]
for i in range(6):
    chaser.Workspace(f"clone{i}", clone_from=fixed[i % 2].workspace_id)
chaser.Template("tpl", session_type=chaser.SessionType.BROWSER)
for i in range(4):
    chaser.Snapshot(f"snap{i}", workspace=auto[i].workspace_id)
for i in range(2):
    chaser.Snapshot(f"fsnap{i}", workspace=fixed[i].workspace_id, name="fixed-snap")
for i in range(3):
    chaser.ApiKey(f"key{i}", scopes=[chaser.Scope.WORKSPACES_READ])
chaser.ApiKey("fkey", name="pycrash-fixed-key", scopes=[chaser.Scope.SESSIONS_READ])
`;

describe("a Python stack's up killed mid-way recovers with chaser-recover and up: no duplicate, no orphan", () => {
  // `tree`: the whole process tree of `pulumi up` at once (a crash, a power cut); `group`: the CLI's process group
  // (a cancelled CI job), which leaves the engine's plugins running: the Python host and the plugin must notice.
  const trials: Array<[number, "tree" | "group"]> = [
    [6, "tree"],
    [18, "group"],
  ];
  for (const [killAfter, how] of trials) {
    test(`kill -9 of the ${how === "tree" ? "whole process tree" : "CLI's process group"} after ${killAfter} writes`, async () => {
      const p = pythonProject(`pycrash${killAfter}`, { program: CRASH_PROGRAM, venvFrom: base });
      try {
        await p.init({ "chaser:apiUrl": local.url }, { "chaser:apiKey": local.rootKey });
        await local.faults([], 120);
        const up = p.start(["up", "--yes", "--skip-preview", "--non-interactive"], { detached: how === "group" });
        while ((await local.requests()).filter((r) => r.method !== "GET").length < killAfter) await new Promise((r) => setTimeout(r, 50));
        const killedAt = Date.now();
        if (how === "tree") {
          killTree(up.pid);
          killTree(up.pid);
        } else {
          process.kill(-up.pid, "SIGKILL");
        }
        await up.done;
        // Nothing of the project runs 5 s after the kill (the Python host and the plugin follow their engine).
        let left = processesIn(p.dir);
        while (left.length > 0 && Date.now() - killedAt < 5_000) {
          await new Promise((r) => setTimeout(r, 100));
          left = processesIn(p.dir);
        }
        for (const l of left) killTree(l.pid); // never leave them to the next test
        expect({ left: left.map((l) => l.command) }).toEqual({ left: [] });
        await local.faults([]);
        const atKill = (await local.workspaces()).length;

        const exported = await p.run(["stack", "export"]);
        const pending = exported.code === 0 ? JSON.parse(exported.stdout).deployment.pending_operations?.length ?? 0 : "unreadable state (torn by the kill), ?";
        const recovered = await p.bin("chaser-recover");
        expect({ code: recovered.code, stderr: recovered.stderr }).toEqual({ code: 0, stderr: "" });
        console.log(`Python stack killed (${how}) after ${killAfter} writes: ${pending} pending operations; chaser-recover said:\n${recovered.stdout}`);
        const second = expectOk(await p.up());
        // The stack and the server hold the same objects, one each, all of them.
        const state = (await p.exportState()).resources;
        const ids = (type: string) => state.filter((r) => r.type === `chaser:index:${type}`).map((r) => r.id as string).sort();
        const workspaces = await local.workspaces();
        const names = workspaces.map((w) => String(w.name).toLowerCase());
        expect({ duplicates: names.filter((n, i) => names.indexOf(n) !== i) }).toEqual({ duplicates: [] });
        expect(workspaces.map((w) => w.id).sort()).toEqual([...ids("Workspace"), ...ids("Template")].sort());
        const snapshots: string[] = [];
        for (const w of workspaces) for (const s of (await local.api<any[]>("GET", `/v1/workspaces/${w.id}/snapshots`)).body) snapshots.push(`${w.id}/${s.name}`);
        expect(snapshots.sort()).toEqual(ids("Snapshot"));
        const liveKeys = (await local.keys()).filter((k) => !k.revoked_at && k.name !== "root").map((k) => k.id as string);
        expect(liveKeys.sort()).toEqual(ids("ApiKey"));
        expect([workspaces.length, snapshots.length, liveKeys.length]).toEqual([19, 6, 4]);
        expect(changes(expectOk(await p.preview()))).toEqual([]);
        timings.push(
          `crash (${how}, after ${killAfter} writes): ${atKill} workspaces at the kill; chaser-recover: ` +
            `${recovered.stdout.split("\n").filter((l) => /brought|imported by|revoked|made nothing|lock|torn|left empty/.test(l)).length} actions; ` +
            `then up: ${changes(second).length} changes; 0 duplicates, 0 orphans, empty preview`,
        );
        expectOk(await p.destroy());
        await expectServerEmpty(local);
      } finally {
        await local.faults([]);
        p.cleanup();
      }
    });
  }
});
