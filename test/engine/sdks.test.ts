/**
 * The SDKs for Python, Go and .NET (issue 19) are generated from schema.json by Pulumi's own code generators
 * (engine/sdkgen.sh) and committed under sdk/. These tests keep them true: schema.json binds against Pulumi's
 * metaschema without a diagnostic, the committed SDKs are exactly what it generates (they cannot go stale), the
 * Go SDK compiles against github.com/pulumi/pulumi/sdk/v3 and the Python SDK byte-compiles. Offline, with
 * engine/build.sh's Go settings and flags, so the engine build's compiled packages are reused.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "../support/pack";

jest.setTimeout(20 * 60_000);

const GO_ENV = { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod", GOSUMDB: "off", CGO_ENABLED: "0" };

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? REPO, env: opts.env ?? GO_ENV, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

test("schema.json binds against Pulumi's metaschema, and the committed SDKs are what it generates", () => {
  const r = run("bash", [path.join(REPO, "engine", "sdkgen.sh"), "-check"]);
  expect({ status: r.status, out: r.out.slice(-6000) }).toEqual({ status: 0, out: expect.any(String) });
  expect(r.out).not.toMatch(/stale|does not bind/);
});

test("a schema that breaks Pulumi's metaschema fails the generator, naming the property and the rule", () => {
  const bad = JSON.parse(fs.readFileSync(path.join(REPO, "schema.json"), "utf8"));
  bad.resources["chaser:index:Workspace"].inputProperties.name.type = "text";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-sdkgen-"));
  try {
    const file = path.join(dir, "schema.json");
    fs.writeFileSync(file, JSON.stringify(bad));
    const r = run("bash", [path.join(REPO, "engine", "sdkgen.sh"), "-schema", file, "-lang", "none"]);
    expect(r.status).toBe(1);
    expect(r.out).toContain("does not bind cleanly against Pulumi's metaschema");
    expect(r.out).toContain("#/resources/chaser:index:Workspace/inputProperties/name/type: unknown type kind text");
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the Go SDK compiles against github.com/pulumi/pulumi/sdk/v3 (go build ./... in sdk/go)", () => {
  const r = run("go", ["build", "-tags", "osusergo,grpcnotrace", "-trimpath", "./..."], { cwd: path.join(REPO, "sdk", "go") });
  expect({ status: r.status, out: r.out.trim() }).toEqual({ status: 0, out: "" });
  const mod = fs.readFileSync(path.join(REPO, "sdk", "go", "go.mod"), "utf8");
  expect(mod).toMatch(/^module github\.com\/pulumi-chaser\/pulumi-chaser\/sdk\/go$/m);
  expect(mod).toMatch(/github\.com\/pulumi\/pulumi\/sdk\/v3 v3\.248\.0/);
});

test("the Python SDK byte-compiles", () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-pycache-"));
  try {
    // PYTHONPYCACHEPREFIX: the .pyc files go to a temporary directory, not into sdk/python.
    const r = run("python3", ["-m", "compileall", "-q", path.join(REPO, "sdk", "python", "pulumi_chaser")], { env: { ...process.env, PYTHONPYCACHEPREFIX: cache } });
    expect({ status: r.status, out: r.out.trim() }).toEqual({ status: 0, out: "" });
    const compiled: string[] = [];
    const walk = (d: string) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : compiled.push(e.name)));
    walk(cache);
    expect(compiled.filter((f) => f.endsWith(".pyc")).length).toBeGreaterThanOrEqual(20);
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
});
