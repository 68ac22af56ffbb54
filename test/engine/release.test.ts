/**
 * The release (issue 28): the `chaser` plugin installed the way Pulumi installs every provider, through the pinned
 * engine, each test with a fresh PULUMI_HOME, from the archives `make release` writes (one build for the suite run:
 * test/support/release.ts; these tests use its linux-amd64 archive, and a second archive at another version built
 * from the same sources):
 * - `pulumi plugin install resource chaser <v> --file <archive>`, `pulumi plugin ls`, `pulumi package get-schema`,
 *   and a YAML program with no `plugins:` block (preview, up, no changes, destroy) run with no `node` on PATH;
 * - two versions side by side, each resource getting the version its program asks for;
 * - the engine acquiring the plugin by itself from the pluginDownloadURL the SDKs carry (redirected to a server on
 *   loopback by PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES: GitHub's release layout), and, when that fails, the message
 *   with the install command;
 * - a damaged archive refused with the engine's message, nothing installed; the executable run by hand: usage;
 * - the release's files: one version everywhere, SHA256SUMS, the archives' layout, darwin signatures;
 * - .github/workflows/release.yml run offline (a dry run: the build job, publishing jobs skipped).
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Local, writesTo } from "../support/local";
import { REPO } from "../support/pack";
import { RELEASE, VERSION, linuxArchive, pluginArchiveAt, sharedRelease } from "../support/release";
import { readWorkflow, runWorkflow } from "../support/workflow-runner";
import { Project, RunResult, changes, engineDir, expectOk, occurrences } from "./support/stack";
import { expectServerEmpty } from "./support/scenario";

jest.setTimeout(1_800_000);

const local = Local.forSuite();
const DOWNLOAD_URL = "github://api.github.com/pulumi-chaser/pulumi-chaser";
/** Another version of the plugin, built from the same sources (the next patch release). */
const OTHER = VERSION.replace(/(\d+)$/, (n) => String(Number(n) + 1));
const { authenticodeSize } = require("../../scripts/release/pe.js") as { authenticodeSize: (f: string) => number };
const { verifyAdhocSignature } = require("../../scripts/release/macho.js") as { verifyAdhocSignature: (f: string) => { cpu: string; segments: string[]; pages: number } };

/** A Pulumi YAML project (nothing of npm in it): `body` is what follows `runtime: yaml`. */
function yamlProject(name: string, body: string): Project {
  const p = Project.create(name);
  fs.rmSync(path.join(p.dir, "node_modules"), { recursive: true, force: true });
  fs.rmSync(path.join(p.dir, "package.json"), { force: true });
  fs.writeFileSync(path.join(p.dir, "Pulumi.yaml"), `name: ${name}\nruntime: yaml\n${body}`);
  return p;
}

/** A PATH holding only `pulumi` and the YAML language host (links to the engine's): no node. */
function pathWithoutNode(p: Project): string {
  const dir = path.join(p.root, "bin-without-node");
  fs.mkdirSync(dir, { recursive: true });
  for (const b of ["pulumi", "pulumi-language-yaml"]) fs.symlinkSync(path.join(engineDir(), b), path.join(dir, b));
  expect(spawnSync("node", ["--version"], { env: { PATH: dir } }).error).toMatchObject({ code: "ENOENT" });
  return dir;
}

const expectExit0 = (r: { code: number; stdout: string; stderr: string }) => {
  if (r.code !== 0) throw new Error(`exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r;
};

/** A JSON value without the object members whose value is an empty list. */
function withoutEmptyLists(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutEmptyLists);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).filter(([, x]) => !(Array.isArray(x) && x.length === 0)).map(([k, x]) => [k, withoutEmptyLists(x)]));
  return v;
}

/** `pulumi plugin ls --json`: name, kind and version of each installed plugin. */
async function installed(p: Project, env: Record<string, string> = {}): Promise<string[]> {
  const r = expectExit0(await p.run(["plugin", "ls", "--json"], { env }));
  return (JSON.parse(r.stdout || "[]") as Array<{ name: string; kind: string; version: string }>).map((x) => `${x.kind} ${x.name} ${x.version}`).sort();
}

/** The provider resources in the stack's state: name → the version input the engine recorded. */
async function providers(p: Project): Promise<Record<string, string | undefined>> {
  const { resources } = await p.exportState();
  return Object.fromEntries(resources.filter((r) => String(r.type).startsWith("pulumi:providers:chaser")).map((r) => [String(r.urn).split("::").pop(), r.inputs?.version]));
}

const TEMPLATE_AND_CLONE = `resources:
  golden:
    type: chaser:index:Template
    properties:
      name: rel-golden
      sessionType: sandbox
  dev:
    type: chaser:index:Workspace
    properties:
      name: rel-dev
      cloneFrom: \${golden.workspaceId}
variables:
  account:
    fn::invoke:
      function: chaser:index:getAccount
      arguments: {}
outputs:
  clonedFrom: \${dev.sourceWorkspaceId}
  account: \${account.name}
`;

test("installed from the linux-amd64 archive (pulumi plugin install --file): listed, its schema, and a YAML program with no plugins: block previews, ups, previews with no change and destroys with no node on PATH", async () => {
  const archive = linuxArchive();
  const p = yamlProject("rel-yaml", TEMPLATE_AND_CLONE);
  try {
    const env = { PATH: pathWithoutNode(p) };
    const install = expectExit0(await p.run(["plugin", "install", "resource", "chaser", VERSION, "--file", archive], { env }));
    expect(install.stderr + install.stdout).toContain(`[resource plugin chaser-${VERSION}] installing`);
    expect(await installed(p, env)).toEqual([`resource chaser ${VERSION}`]);
    const dir = path.join(p.home, "plugins", `resource-chaser-v${VERSION}`);
    expect(fs.readdirSync(dir).sort()).toEqual(["LICENSE", "LICENSE-node", "pulumi-resource-chaser"]);

    const schema = expectExit0(await p.run(["package", "get-schema", "chaser"], { env }));
    // The engine prints the schema it bound (empty lists such as `requiredInputs: []` dropped): the release's otherwise.
    expect(withoutEmptyLists(JSON.parse(schema.stdout))).toEqual(withoutEmptyLists(JSON.parse(fs.readFileSync(path.join(RELEASE, "schema.json"), "utf8"))));
    expect(JSON.parse(schema.stdout)).toMatchObject({ name: "chaser", version: VERSION, pluginDownloadURL: DOWNLOAD_URL });

    await p.init({ "chaser:apiUrl": local.url }, { "chaser:apiKey": local.rootKey });
    await local.clearRequests();
    const preview = expectOk(await p.run(["preview", "--non-interactive", "--diff"], { env }));
    expect(changes(preview).sort()).toEqual(["create dev", "create golden"]);
    expect(await writesTo(local)).toEqual([]);

    const up = expectOk(await p.run(["up", "--yes", "--non-interactive", "--skip-preview"], { env }));
    expect(changes(up).sort()).toEqual(["create dev", "create golden"]);
    const golden = (await local.workspaces()).find((w) => w.name === "rel-golden");
    expect((await p.outputs()).clonedFrom).toBe(golden?.id);
    expect(typeof (await p.outputs()).account).toBe("string");
    // The default provider the engine made runs the installed plugin (no path: no plugins: block).
    expect(Object.keys(await providers(p))).toEqual([expect.stringMatching(/^default/)]);

    expectOk(await p.run(["preview", "--non-interactive", "--expect-no-changes"], { env }));
    const destroyed = expectOk(await p.run(["destroy", "--yes", "--non-interactive", "--skip-preview"], { env }));
    expect(changes(destroyed).sort()).toEqual(["delete dev", "delete golden"]);
    await expectServerEmpty(local);
    // The key never reached the engine's output or the state in plaintext.
    expect(occurrences(p.stateFilesText() + p.logs.join("\n"), local.rootKey)).toBe("");
  } finally {
    p.cleanup();
  }
});

test("two versions installed side by side: each resource gets the version its program asks for (provider version option)", async () => {
  const other = pluginArchiveAt(OTHER);
  const program = (a: string, b: string) => `resources:
  a:
    type: chaser:index:Workspace
    properties:
      name: rel-a
      sessionType: sandbox
    options:
      version: ${a}
  b:
    type: chaser:index:Workspace
    properties:
      name: rel-b
      sessionType: sandbox
    options:
      version: ${b}
`;
  const p = yamlProject("rel-versions", program(OTHER, VERSION));
  try {
    const env = { PATH: pathWithoutNode(p) };
    expectExit0(await p.run(["plugin", "install", "resource", "chaser", VERSION, "--file", linuxArchive()], { env }));
    expectExit0(await p.run(["plugin", "install", "resource", "chaser", OTHER, "--file", other], { env }));
    expect(await installed(p, env)).toEqual([`resource chaser ${VERSION}`, `resource chaser ${OTHER}`].sort());
    await p.init({ "chaser:apiUrl": local.url }, { "chaser:apiKey": local.rootKey });

    // CHASER_DEBUG: each plugin says which version it is when it starts (its GetPluginInfo's version), on its
    // stderr, which the engine logs (--logtostderr -v=3).
    const up = expectOk(await p.run(["up", "--yes", "--non-interactive", "--skip-preview", "--logtostderr", "-v=3"], { env: { ...env, CHASER_DEBUG: "1" } }));
    expect(changes(up).sort()).toEqual(["create a", "create b"]);
    const said = `${up.stdout}\n${up.stderr}`;
    expect(said).toContain(`chaser provider plugin ${OTHER} listening`);
    expect(said).toContain(`chaser provider plugin ${VERSION} listening`);
    const { resources } = await p.exportState();
    const providerOf = (name: string) => String(resources.find((r) => String(r.urn).endsWith(`::${name}`))?.provider ?? "");
    const versionOf = (ref: string) => resources.find((r) => ref.startsWith(`${r.urn}::`))?.inputs?.version;
    expect({ a: versionOf(providerOf("a")), b: versionOf(providerOf("b")) }).toEqual({ a: OTHER, b: VERSION });
    expect(Object.values(await providers(p)).sort()).toEqual([VERSION, OTHER].sort());

    expectOk(await p.run(["destroy", "--yes", "--non-interactive", "--skip-preview"], { env }));
    await expectServerEmpty(local);
  } finally {
    p.cleanup();
  }
});

/** A loopback server laid out as GitHub's release downloads: /<owner>/<repo>/releases/download/v<version>/<asset>. */
async function releaseServer(assets: Record<string, string>): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const file = assets[decodeURIComponent(req.url ?? "")];
    if (!file) {
      res.writeHead(404).end("Not Found");
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test("the engine acquires the plugin from the pluginDownloadURL a program's resources carry (as the SDKs set it); a version it cannot get fails with the install command", async () => {
  const other = pluginArchiveAt(OTHER);
  const asset = `/pulumi-chaser/pulumi-chaser/releases/download/v${OTHER}/pulumi-resource-chaser-v${OTHER}-linux-amd64.tar.gz`;
  const server = await releaseServer({ [asset]: other });
  const program = (version: string) => `resources:
  w:
    type: chaser:index:Workspace
    properties:
      name: rel-acquired
      sessionType: sandbox
    options:
      version: ${version}
      pluginDownloadURL: ${DOWNLOAD_URL}
`;
  const p = yamlProject("rel-acquire", program("9.9.9"));
  try {
    // Acquisition on, as for users; the repository's GitHub releases redirected to the loopback server (the
    // engine's own override: regex=URL, ${VERSION} filled in).
    const env = {
      PATH: pathWithoutNode(p),
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "false",
      PULUMI_PLUGIN_DOWNLOAD_URL_OVERRIDES: `^github://api\\.github\\.com/pulumi-chaser/pulumi-chaser$=${server.url}/pulumi-chaser/pulumi-chaser/releases/download/v\${VERSION}`,
    };
    await p.init({ "chaser:apiUrl": local.url }, { "chaser:apiKey": local.rootKey });

    const missing: RunResult = await p.run(["preview", "--non-interactive"], { env });
    expect(missing.code).not.toBe(0);
    const said = `${missing.diagnostics.join("\n")}\n${missing.stdout}\n${missing.stderr}`;
    expect(said).toContain(`pulumi plugin install resource chaser v9.9.9 --server ${DOWNLOAD_URL}`);
    expect(server.requests).toContain(`GET /pulumi-chaser/pulumi-chaser/releases/download/v9.9.9/pulumi-resource-chaser-v9.9.9-linux-amd64.tar.gz`);
    expect(await installed(p, env)).toEqual([]);

    fs.writeFileSync(path.join(p.dir, "Pulumi.yaml"), `name: rel-acquire\nruntime: yaml\n${program(OTHER)}`);
    const up = expectOk(await p.run(["up", "--yes", "--non-interactive", "--skip-preview"], { env }));
    expect(changes(up)).toEqual(["create w"]);
    expect(server.requests).toContain(`GET ${asset}`);
    expect(await installed(p, env)).toEqual([`resource chaser ${OTHER}`]);
    expectOk(await p.run(["destroy", "--yes", "--non-interactive", "--skip-preview"], { env }));
    await expectServerEmpty(local);
  } finally {
    await server.close();
    p.cleanup();
  }
});

test("a damaged archive fails to install with the engine's message, leaving nothing usable installed (a good archive then installs); the executable run by hand prints its usage and exits non-zero", async () => {
  const archive = linuxArchive();
  const p = yamlProject("rel-damaged", "resources: {}\n");
  try {
    const env = { PATH: pathWithoutNode(p) };
    const bytes = fs.readFileSync(archive);
    const truncated = path.join(p.root, "truncated.tar.gz");
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 3)));
    const r = await p.run(["plugin", "install", "resource", "chaser", VERSION, "--file", truncated], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`error: installing [resource plugin chaser-${VERSION}] from ${truncated}: `);
    expect(r.stderr).toMatch(/unexpected EOF/);
    const flipped = Buffer.from(bytes);
    for (let i = 0; i < 64; i++) flipped[Math.floor(flipped.length / 2) + i] ^= 0xff;
    const corrupt = path.join(p.root, "corrupt.tar.gz");
    fs.writeFileSync(corrupt, flipped);
    const c = await p.run(["plugin", "install", "resource", "chaser", VERSION, "--file", corrupt], { env });
    expect(c.code).not.toBe(0);
    expect(c.stderr).toContain(`error: installing [resource plugin chaser-${VERSION}] from ${corrupt}: `);
    // What was unpacked before the damage stays marked partial: not listed, never run; a good archive replaces it.
    expect(await installed(p, env)).toEqual([]);
    expect(fs.existsSync(path.join(p.home, "plugins", `resource-chaser-v${VERSION}.partial`))).toBe(true);
    expectExit0(await p.run(["plugin", "install", "resource", "chaser", VERSION, "--file", archive], { env }));
    expect(await installed(p, env)).toEqual([`resource chaser ${VERSION}`]);
    expect(fs.existsSync(path.join(p.home, "plugins", `resource-chaser-v${VERSION}.partial`))).toBe(false);

    // By hand: the executable from the archive, with no node anywhere on PATH.
    const dir = path.join(p.root, "unpacked");
    fs.mkdirSync(dir);
    execFileSync("tar", ["xzf", archive, "-C", dir]);
    const exe = path.join(dir, "pulumi-resource-chaser");
    const byHand = (args: string[]) => spawnSync(exe, args, { env: { PATH: env.PATH }, encoding: "utf8", timeout: 60_000 });
    const bare = byHand([]);
    expect({ status: bare.status, stdout: bare.stdout }).toEqual({ status: 2, stdout: "" });
    expect(bare.stderr).toContain("pulumi-resource-chaser: no engine address: the Pulumi engine starts this plugin");
    expect(bare.stderr).toContain("usage: pulumi-resource-chaser [--logtostderr] [-v=N] [--tracing URL] ENGINE_ADDRESS");
    expect(bare.stderr).toContain(`pulumi plugin install resource chaser ${VERSION} --server ${DOWNLOAD_URL}`);
    expect(bare.stderr).toContain(`pulumi plugin install resource chaser ${VERSION} --file pulumi-resource-chaser-v${VERSION}-<os>-<arch>.tar.gz`);
    const unknown = byHand(["--serve", "127.0.0.1:1234"]);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^pulumi-resource-chaser: unknown flag --serve\n\nusage: /);
    expect(byHand(["--version"])).toMatchObject({ status: 0, stdout: `${VERSION}\n`, stderr: "" });
  } finally {
    p.cleanup();
  }
});

/** The files of a .tar.gz: name and mode. */
function tarList(file: string): string[] {
  return execFileSync("tar", ["tvzf", file], { encoding: "utf8" })
    .trim()
    .split("\n")
    .map((l) => {
      const cols = l.split(/\s+/);
      return `${cols[0]} ${cols[cols.length - 1]}`;
    });
}

test("the release's files: every platform's archive (the executable at the root, 0755), one version everywhere, SHA256SUMS over everything, darwin executables signed ad hoc", () => {
  const m = sharedRelease();
  const files = fs.readdirSync(RELEASE).filter((f) => fs.statSync(path.join(RELEASE, f)).isFile() && !f.startsWith(".") && f !== "manifest.json").sort();
  expect(files).toEqual(
    [
      ...["darwin-amd64", "darwin-arm64", "linux-amd64", "linux-arm64", "windows-amd64"].map((p) => `pulumi-resource-chaser-v${VERSION}-${p}.tar.gz`),
      `pulumi-chaser-${VERSION}.tgz`,
      `pulumi-chaser-sdk-dotnet-v${VERSION}.tar.gz`,
      `pulumi-chaser-sdk-go-v${VERSION}.tar.gz`,
      `pulumi_chaser-${VERSION}-py3-none-any.whl`,
      `pulumi_chaser-${VERSION}.tar.gz`,
      "SHA256SUMS",
      "schema.json",
    ].sort(),
  );
  // SHA256SUMS: every other file, each hash right.
  const sums = fs.readFileSync(path.join(RELEASE, "SHA256SUMS"), "utf8").trim().split("\n").map((l) => l.split("  "));
  expect(sums.map(([, f]) => f).sort()).toEqual(files.filter((f) => f !== "SHA256SUMS"));
  for (const [hash, f] of sums) expect(`${f} ${crypto.createHash("sha256").update(fs.readFileSync(path.join(RELEASE, f))).digest("hex")}`).toBe(`${f} ${hash}`);

  // The archives: the executable at the root, executable by all; Node.js's licence beside ours.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-release-files-"));
  try {
    for (const [platform, e] of Object.entries(m.plugin!.executables)) {
      const exe = platform.startsWith("windows") ? "pulumi-resource-chaser.exe" : "pulumi-resource-chaser";
      expect(tarList(path.join(RELEASE, e.archive)).sort()).toEqual(["-rw-r--r-- LICENSE", "-rw-r--r-- LICENSE-node", `-rwxr-xr-x ${exe}`]);
      const dir = path.join(scratch, platform);
      fs.mkdirSync(dir);
      execFileSync("tar", ["xzf", path.join(RELEASE, e.archive), "-C", dir]);
      const bin = fs.readFileSync(path.join(dir, exe));
      // The Node.js single executable application's fuse is set (the blob is read at start).
      expect(bin.includes(Buffer.from("NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1"))).toBe(true);
      const magic = bin.subarray(0, 4).toString("hex");
      if (platform.startsWith("linux")) expect(magic).toBe("7f454c46");
      if (platform.startsWith("windows")) {
        expect(magic.slice(0, 4)).toBe("4d5a");
        expect(authenticodeSize(path.join(dir, exe))).toBe(0); // node.exe's signature removed, not left broken
      }
      if (platform.startsWith("darwin")) {
        // Checked here again, independently of the build: ad hoc, SHA-256, every page's hash right.
        const sig = verifyAdhocSignature(path.join(dir, exe));
        expect(sig).toMatchObject({ cpu: platform.endsWith("arm64") ? "arm64" : "x86_64", segments: expect.arrayContaining(["NODE_SEA", "__TEXT", "__LINKEDIT"]) });
      }
    }
    // One version everywhere: the plugin (GetPluginInfo's version is what --version prints: contract/version), the
    // archives' names, schema.json, the npm package, the wheel and sdist, the Go and .NET SDKs.
    expect(execFileSync(path.join(scratch, "linux-amd64", "pulumi-resource-chaser"), ["--version"], { encoding: "utf8", env: { PATH: "/nonexistent" } })).toBe(`${VERSION}\n`);
    const schema = JSON.parse(fs.readFileSync(path.join(RELEASE, "schema.json"), "utf8"));
    expect({ version: schema.version, pluginDownloadURL: schema.pluginDownloadURL }).toEqual({ version: VERSION, pluginDownloadURL: DOWNLOAD_URL });
    const npmPkg = JSON.parse(execFileSync("tar", ["xzOf", path.join(RELEASE, `pulumi-chaser-${VERSION}.tgz`), "package/package.json"], { encoding: "utf8" }));
    expect(npmPkg.version).toBe(VERSION);
    const npmSchema = JSON.parse(execFileSync("tar", ["xzOf", path.join(RELEASE, `pulumi-chaser-${VERSION}.tgz`), "package/schema.json"], { encoding: "utf8", maxBuffer: 64 << 20 }));
    expect(npmSchema).toEqual(schema);
    const unzip = (member: string) => execFileSync("python3", ["-c", `import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).decode())`, path.join(RELEASE, `pulumi_chaser-${VERSION}-py3-none-any.whl`), member], { encoding: "utf8" });
    expect(unzip(`pulumi_chaser-${VERSION}.dist-info/METADATA`)).toMatch(new RegExp(`^Version: ${VERSION.replace(/\./g, "\\.")}$`, "m"));
    expect(JSON.parse(unzip("pulumi_chaser/pulumi-plugin.json"))).toEqual({ resource: true, name: "chaser", version: VERSION, server: DOWNLOAD_URL });
    expect(execFileSync("tar", ["xzOf", path.join(RELEASE, `pulumi_chaser-${VERSION}.tar.gz`), `pulumi_chaser-${VERSION}/PKG-INFO`], { encoding: "utf8" })).toMatch(new RegExp(`^Version: ${VERSION.replace(/\./g, "\\.")}$`, "m"));
    const goDir = path.join(RELEASE, "sdk", "go");
    expect(fs.readFileSync(path.join(goDir, "go.mod"), "utf8")).toMatch(/^module github\.com\/pulumi-chaser\/pulumi-chaser\/sdk\/go$/m);
    expect(fs.readFileSync(path.join(goDir, "chaser", "internal", "pulumiUtilities.go"), "utf8")).toContain(`semver.MustParse("${VERSION}")`);
    expect(fs.readFileSync(path.join(goDir, "chaser", "internal", "pulumiUtilities.go"), "utf8")).toContain(`pulumi.PluginDownloadURL("${DOWNLOAD_URL}")`);
    expect(JSON.parse(fs.readFileSync(path.join(goDir, "chaser", "pulumi-plugin.json"), "utf8"))).toEqual({ resource: true, name: "chaser", version: VERSION, server: DOWNLOAD_URL });
    expect(tarList(path.join(RELEASE, `pulumi-chaser-sdk-go-v${VERSION}.tar.gz`))).toContainEqual(expect.stringMatching(/ sdk\/go\/go\.mod$/));
    const dotnet = path.join(RELEASE, "sdk", "dotnet");
    expect(fs.readFileSync(path.join(dotnet, "version.txt"), "utf8").trim()).toBe(VERSION);
    expect(JSON.parse(fs.readFileSync(path.join(dotnet, "pulumi-plugin.json"), "utf8"))).toEqual({ resource: true, name: "chaser", version: VERSION, server: DOWNLOAD_URL });
    expect(fs.readFileSync(path.join(dotnet, "PulumiChaser.Chaser.csproj"), "utf8")).toContain(`<Version>${VERSION}</Version>`);
    console.log(
      `release ${VERSION} (built in ${m.seconds} s): bundle ${(m.plugin!.bundleBytes / 1048576).toFixed(2)} MiB, ${m.plugin!.modules} modules; executables: ${Object.entries(m.plugin!.executables)
        .map(([p, e]) => `${p} ${(e.bytes / 1048576).toFixed(1)} MiB (${e.node})`)
        .join(", ")}; archives: ${Object.entries(m.files)
        .filter(([f]) => f.startsWith("pulumi-resource-chaser"))
        .map(([f, b]) => `${f.replace(/^pulumi-resource-chaser-v[^-]+-/, "")} ${(b / 1048576).toFixed(1)} MiB`)
        .join(", ")}`,
    );
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});

test("the benchmarks of the executable run (smoke size, figures not judged): bench/plugin-start.js side by side with the npm route, bench/large-stack.js's executable variant", () => {
  sharedRelease();
  const env = { ...process.env, CHASER_ENGINE_BIN: engineDir() };
  const start = spawnSync(process.execPath, [path.join(REPO, "bench", "plugin-start.js"), "--smoke", "--release", RELEASE], { env, encoding: "utf8", timeout: 5 * 60_000 });
  expect({ code: start.status, out: `${start.stdout}\n${start.stderr}`.slice(-3000) }).toMatchObject({ code: 0 });
  expect(start.stdout).toMatch(/^executable +\d+ ms \(\d+-\d+\) +\d+ ms/m);
  expect(start.stdout).toMatch(/^npm +\d+ ms \(\d+-\d+\) +\d+ ms/m);
  expect(start.stdout).toMatch(/^executable\/npm: [\d.]+x to the port, [\d.]+x to the first answer$/m);
  const large = spawnSync(process.execPath, [path.join(REPO, "bench", "large-stack.js"), "--smoke", "--variants", "floor,executable", "--checkpoints", "on", "--ops", "up,preview,destroy", "--release", RELEASE], { env, encoding: "utf8", timeout: 8 * 60_000 });
  expect({ code: large.status, out: `${large.stdout}\n${large.stderr}`.slice(-3000) }).toMatchObject({ code: 0 });
  for (const op of ["up", "preview", "destroy"]) expect(large.stdout).toMatch(new RegExp(`^3 +${op} +[\\d.]+ s \\([\\d.-]+\\) +[\\d.]+ s \\([\\d.-]+\\) +[\\d.]+x `, "m"));
});

/** The repository as a checkout holds it, with the repository's node_modules, dist and the suite's release build. */
function checkout(into: string): void {
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: REPO, encoding: "utf8" }).split("\0").filter(Boolean);
  for (const f of files) {
    const from = path.join(REPO, f);
    if (!fs.existsSync(from)) continue; // deleted in the work tree
    fs.mkdirSync(path.dirname(path.join(into, f)), { recursive: true });
    fs.cpSync(from, path.join(into, f), { preserveTimestamps: true });
  }
  fs.symlinkSync(path.join(REPO, "node_modules"), path.join(into, "node_modules"));
  fs.cpSync(path.join(REPO, "dist"), path.join(into, "dist"), { recursive: true, preserveTimestamps: true });
  execFileSync("cp", ["-al", RELEASE, path.join(into, "release")]);
}

test(".github/workflows/release.yml, offline, as a dry run on a v* tag: the build job runs `make release` (the suite's build, up to date) and uploads every file; no publishing job runs", async () => {
  sharedRelease();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-release-wf-"));
  try {
    const shims = path.join(root, "shims");
    fs.mkdirSync(shims);
    // `npm ci` (the Makefile's install step) offline: the checkout links the repository's node_modules.
    const realNpm = execFileSync("bash", ["-c", "command -v npm"], { encoding: "utf8" }).trim();
    fs.writeFileSync(path.join(shims, "npm"), `#!/usr/bin/env bash\nif [ "$1" = ci ]; then echo "npm ci (offline): node_modules is the repository's"; exit 0; fi\nexec ${realNpm} "$@"\n`, { mode: 0o755 });
    const uploaded: Record<string, string[]> = {};
    const wf = await runWorkflow(path.join(REPO, ".github", "workflows", "release.yml"), {
      event: { name: "workflow_dispatch", payload: { inputs: { "dry-run": true }, ref: `refs/tags/v${VERSION}` } },
      repository: "pulumi-chaser/pulumi-chaser",
      ref: `refs/tags/v${VERSION}`,
      root,
      stepTimeoutMs: 20 * 60_000,
      baseEnv: {
        PATH: [shims, path.dirname(process.execPath), "/usr/local/go/bin", "/usr/local/bin", "/usr/bin", "/bin"].join(path.delimiter),
        HOME: process.env.HOME ?? os.homedir(),
        ...(process.env.XDG_CACHE_HOME ? { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME } : {}),
      },
      actions: {
        "actions/checkout": (call) => checkout(call.workspace),
        "actions/setup-node": () => undefined,
        "actions/setup-go": () => undefined,
        "actions/upload-artifact": (call) => {
          const dir = path.resolve(call.workspace, call.with.path);
          uploaded[call.with.name] = fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile() && !f.startsWith(".")).sort();
        },
      },
    });
    const transcript = wf.transcript();
    expect({ conclusion: wf.conclusion, transcript }).toMatchObject({ conclusion: "success" });
    const build = wf.job("build");
    expect(build.steps.map((s) => `${s.name}: ${s.outcome}`)).toEqual(
      ["actions/checkout", "actions/setup-node", "actions/setup-go", "The tag names package.json's version", "make release", "What was built", "actions/upload-artifact"].map((n) => expect.stringContaining(`${n}`)),
    );
    const make = build.steps.find((s) => s.name === "make release")!;
    expect(make.outcome).toBe("success");
    expect(make.stderr).toMatch(/release is up to date \(same inputs\): nothing to do/);
    expect(uploaded.release).toEqual(expect.arrayContaining(["SHA256SUMS", "schema.json", `pulumi-resource-chaser-v${VERSION}-linux-amd64.tar.gz`, `pulumi-chaser-${VERSION}.tgz`]));
    expect(build.summary).toContain(`Release v${VERSION}`);
    expect(wf.jobs.filter((j) => j.id !== "build").map((j) => `${j.id} ${j.outcome}`)).toEqual(["github-release", "npm", "pypi", "go-sdk", "nuget"].map((j) => `${j} skipped`));
    // The workflow as written: actionlint (pinned) finds nothing; least permissions per job, nothing at the top.
    const actionlint = spawnSync("bash", [path.join(REPO, "scripts", "actionlint.sh"), "-no-color", path.join(REPO, ".github", "workflows", "release.yml")], { encoding: "utf8" });
    expect({ code: actionlint.status, findings: actionlint.stdout }).toEqual({ code: 0, findings: "" });
    const raw = readWorkflow(path.join(REPO, ".github", "workflows", "release.yml"));
    expect(raw.permissions).toEqual({});
    expect(Object.fromEntries(Object.entries(raw.jobs).map(([id, j]) => [id, j.permissions]))).toEqual({
      build: { contents: "read" },
      "github-release": { contents: "write" },
      npm: { "id-token": "write" },
      pypi: { "id-token": "write" },
      "go-sdk": { contents: "write" },
      nuget: {},
    });
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
