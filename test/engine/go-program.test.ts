/**
 * A Go program through the `chaser` provider plugin (issue 29): examples/go itself (a template from an image, a clone,
 * a snapshot, an API key with scopes whose secret is an output, a lookup), built and run by our Go language host
 * (engine/cmd/pulumi-language-go, built by engine/build.sh) against chaser-local, with the repository's Go SDK
 * (sdk/go, by the example's `replace`) and github.com/pulumi/pulumi/sdk/v3 at the engine's version. One stack for
 * everything: `pulumi install`, preview with no API write, up, a preview and a refresh that expect no changes, a
 * rename in place, the key replaced; `pulumi import` of a workspace made outside, its printed Go code pasted into the
 * program, then a preview with no change; bad input (a field that does not exist fails the build, an invalid scope
 * and a name with spaces fail the preview, saying what TypeScript says, with no API write); destroy, the server
 * empty, no secret in plaintext in the state files or in anything the engine printed.
 *
 * The program is built with engine/build.sh's Go settings (CGO off, its build tags, -trimpath: the host adds
 * -trimpath), as test/engine/sdks.test.ts builds sdk/go, so the compiled github.com/pulumi/pulumi/sdk/v3 packages
 * are shared: only the first build on a machine compiles them.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Local, writesTo } from "../support/local";
import { REPO } from "../support/pack";
import { Project, changes, engineDir, expectOk, headerOf, killTree, occurrences, processesIn } from "./support/stack";
import { expectServerEmpty } from "./support/scenario";

jest.setTimeout(1_200_000);

// Project.env() hands the test process's environment to pulumi, which hands it to the language host and `go build`.
Object.assign(process.env, { GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod -tags=osusergo,grpcnotrace", GOSUMDB: "off", CGO_ENABLED: "0" });

const local = Local.forSuite();
const EXAMPLE = path.join(REPO, "examples", "go");

/**
 * examples/go as a user's project: the plugin from the npm package the project installed, the Go SDK from the
 * repository (the example's `replace`, made absolute).
 */
function goProject(): Project {
  const p = Project.create("go");
  fs.rmSync(path.join(p.dir, "package.json")); // a Go program; node_modules only holds the npm package's plugin
  for (const f of ["Pulumi.yaml", "main.go", "go.mod", "go.sum"]) fs.copyFileSync(path.join(EXAMPLE, f), path.join(p.dir, f));
  const plugin = path.join(p.dir, "node_modules", "pulumi-chaser", "plugin");
  expect(fs.existsSync(path.join(plugin, "pulumi-resource-chaser"))).toBe(true);
  edit(p, "Pulumi.yaml", "      path: ../../plugin\n", `      path: ${plugin}\n`);
  edit(p, "go.mod", "=> ../../sdk/go\n", `=> ${path.join(REPO, "sdk", "go")}\n`);
  return p;
}

function edit(p: Project, file: string, from: string, to: string): void {
  const f = path.join(p.dir, file);
  const text = fs.readFileSync(f, "utf8");
  expect(text).toContain(from);
  fs.writeFileSync(f, text.replace(from, to));
}

/** The program's last statement, before which code is added (the example has one `return nil`, at its end). */
const END = "\t\treturn nil\n\t})\n}\n";

/** The diagnostic the engine reported for the resource named `name`, without its trailing newlines. */
function diagnosticOf(diagnostics: string[], name: string): string {
  const found = diagnostics.filter((d) => d.includes(`resource '${name}'`)).map((d) => d.trim());
  expect(found).toHaveLength(1);
  return found[0];
}

/** Runs `go ARGS` in dir (the test process's Go settings); the result as one comparable object. */
function go(dir: string, args: string[]) {
  const r = spawnSync("go", args, { cwd: dir, env: process.env, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`cannot run go: ${r.error.message}`);
  return { command: `go ${args.join(" ")}`, status: r.status, out: `${r.stdout}${r.stderr}`.trim() };
}

test("examples/go and the README's Go program: go vet and go build against the repository's sdk/go and github.com/pulumi/pulumi/sdk/v3 at the engine's version", () => {
  const mod = fs.readFileSync(path.join(EXAMPLE, "go.mod"), "utf8");
  const engineVersion = fs.readFileSync(path.join(REPO, "engine", "build.sh"), "utf8").match(/^VERSION=(\S+)$/m)?.[1];
  expect(engineVersion).toMatch(/^\d+\.\d+\.\d+$/);
  expect(mod).toMatch(new RegExp(`^\\tgithub\\.com/pulumi/pulumi/sdk/v3 v${engineVersion!.replace(/\./g, "\\.")}$`, "m"));
  expect(mod).toMatch(/^replace github\.com\/pulumi-chaser\/pulumi-chaser\/sdk\/go => \.\.\/\.\.\/sdk\/go$/m);
  for (const args of [["vet", "-trimpath", "./..."], ["build", "-trimpath", "-o", os.devNull, "./..."]]) {
    expect(go(EXAMPLE, args)).toEqual({ command: `go ${args.join(" ")}`, status: 0, out: "" });
  }

  // The README's Go program, in a copy of the example's module.
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const programs = [...readme.matchAll(/```go\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => b.startsWith("package main\n"));
  expect(programs).toHaveLength(1);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-readme-go-"));
  try {
    fs.writeFileSync(path.join(dir, "go.mod"), fs.readFileSync(path.join(EXAMPLE, "go.mod"), "utf8").replace("=> ../../sdk/go\n", `=> ${path.join(REPO, "sdk", "go")}\n`));
    fs.copyFileSync(path.join(EXAMPLE, "go.sum"), path.join(dir, "go.sum"));
    fs.writeFileSync(path.join(dir, "main.go"), programs[0]);
    expect(go(dir, ["vet", "-trimpath", "."])).toEqual({ command: "go vet -trimpath .", status: 0, out: "" });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("examples/go through the plugin: preview, up, no changes after, rename, replacement, import, bad input, destroy; no secret in plaintext", async () => {
  expect(fs.existsSync(path.join(engineDir(), "pulumi-language-go"))).toBe(true);
  const p = goProject();
  // The host's temporary builds go to TMPDIR: this test's own, which must hold none after each command.
  const tmp = path.join(p.root, "tmp");
  fs.mkdirSync(tmp);
  const tmpBefore = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  const builds = () => fs.readdirSync(tmp).filter((f) => f.startsWith("pulumi-go."));
  const secrets: string[] = [];
  const expectNoLeak = async () => {
    const written = p.stateFilesText() + "\n" + p.logs.join("\n");
    for (const s of secrets) expect(occurrences(written, s)).toBe("");
  };
  try {
    // `pulumi install` runs the host's `go mod tidy` (nothing to change in the example's go.mod and go.sum). The
    // plugin comes from Pulumi.yaml's path, which `pulumi install`'s plugin step does not consider: --no-plugins.
    const install = await p.run(["install", "--no-plugins"]);
    expect({ code: install.code, out: install.stdout + install.stderr }).toEqual({ code: 0, out: expect.stringContaining("go mod tidy") });
    expect(fs.readFileSync(path.join(p.dir, "go.sum"), "utf8")).toBe(fs.readFileSync(path.join(EXAMPLE, "go.sum"), "utf8"));

    await p.init({ "chaser:apiUrl": local.url, "chaser-go:prefix": "gop" }, { "chaser:apiKey": local.rootKey });
    secrets.push(local.rootKey);

    await local.clearRequests();
    const preview = expectOk(await p.preview());
    expect(changes(preview).sort()).toEqual(["create baseline", "create ci", "create dev", "create golden"]);
    expect(await writesTo(local)).toEqual([]);

    const up = expectOk(await p.up());
    expect(changes(up).sort()).toEqual(["create baseline", "create ci", "create dev", "create golden"]);
    const out = await p.outputs(true);
    expect(out).toMatchObject({ templateName: "gop-golden", workspaceName: "gop-dev", snapshotName: "baseline", account: expect.any(String) });
    const server = await local.workspaces();
    expect(out.clonedFrom).toBe(server.find((w) => w.name === "gop-golden")?.id);
    expect(server.find((w) => w.name === "gop-golden")).toMatchObject({ session_type: "sandbox", image: "ghcr.io/example/dev:latest" });
    expect((await local.keys()).find((k) => k.name === "gop-ci")?.scopes).toEqual(["sessions.read", "sessions.write", "workspaces.read"]);
    expect(typeof out.ciKey).toBe("string");
    secrets.push(out.ciKey as string);
    expect((await p.outputs()).ciKey).toBe("[secret]");
    // `pulumi about`: the host's About and GetProgramDependencies, the plugin the program needs (pulumi-plugin.json).
    const about = await p.ok(["about"]);
    expect(about.stdout).toMatch(/This project is written in go: executable='[^']*go' version='[\d.]+'/);
    expect(about.stdout).toMatch(/github\.com\/pulumi-chaser\/pulumi-chaser\/sdk\/go\s/);
    expect(about.stdout).toMatch(/resource\s+chaser\s+0\.3\.0/);
    await expectNoLeak();

    expectOk(await p.preview(["--expect-no-changes"]));
    expectOk(await p.refresh(["--expect-no-changes"]));

    // A rename is made in place: same workspace id, new name on the server.
    await local.clearRequests();
    edit(p, "main.go", `pulumi.String(prefix + "-dev"),`, `pulumi.String(prefix + "-dev-renamed"),`);
    expect(changes(expectOk(await p.preview())).sort()).toEqual(["update dev"]);
    expect(await writesTo(local)).toEqual([]);
    expect(changes(expectOk(await p.up()))).toEqual(["update dev"]);
    expect((await local.workspaces()).find((w) => w.id === out.workspaceId)?.name).toBe("gop-dev-renamed");
    expectOk(await p.preview(["--expect-no-changes"]));

    // A change of scopes replaces the key: a new key (a new secret) before the old one is revoked.
    edit(p, "main.go", "\t\t\t\tchaser.ScopeWorkspacesRead,\n", "\t\t\t\tchaser.ScopeWorkspacesRead,\n\t\t\t\tchaser.ScopeWorkspacesWrite,\n");
    const replaced = expectOk(await p.up());
    expect(changes(replaced).sort()).toEqual(["create-replacement ci", "delete-replaced ci", "replace ci"]);
    const newKey = (await p.outputs(true)).ciKey as string;
    expect(newKey).not.toBe(out.ciKey);
    secrets.push(newKey);
    expect((await local.keys()).filter((k) => k.name === "gop-ci" && !k.revoked_at).map((k) => k.scopes)).toEqual([["sessions.read", "sessions.write", "workspaces.read", "workspaces.write"]]);
    expectOk(await p.preview(["--expect-no-changes"]));
    expectOk(await p.refresh(["--expect-no-changes"]));
    await expectNoLeak();

    // `pulumi import` of a workspace made outside Pulumi: reads only; the Go code it prints (Pulumi's Go generator,
    // from the plugin's schema), pasted into the program as it is (in a block of its own), previews with no change.
    const outside = (await local.api<{ id: string }>("POST", "/v1/workspaces", { name: "made-outside", session_type: "sandbox", image: "ghcr.io/acme/dev:1" })).body.id;
    await local.clearRequests();
    const imported = await p.run(["import", "chaser:index:Workspace", "outside", outside, "--yes", "--non-interactive", "--protect=false"]);
    expect({ code: imported.code, err: imported.code === 0 ? "" : imported.stdout + imported.stderr }).toEqual({ code: 0, err: "" });
    expect(await writesTo(local)).toEqual([]);
    const printed = imported.stdout.slice(imported.stdout.indexOf("package main\n"));
    expect(printed).toContain(`\t"github.com/pulumi-chaser/pulumi-chaser/sdk/go/chaser"\n`);
    expect(printed).toContain(`\t\t_, err := chaser.NewWorkspace(ctx, "outside", &chaser.WorkspaceArgs{\n`);
    expect(printed).toMatch(/\t\t\tSessionType: chaser\.SessionTypeSandbox,\n/);
    expect(printed).toMatch(/\t\t\tImage: +pulumi\.String\("ghcr\.io\/acme\/dev:1"\),\n/);
    const body = printed.match(/pulumi\.Run\(func\(ctx \*pulumi\.Context\) error \{\n([\s\S]*?)\t\treturn nil\n\t\}\)\n\}/)?.[1];
    expect(body).toContain("chaser.NewWorkspace");
    edit(p, "main.go", END, `\t\t{ // pasted from pulumi import\n${body}\t\t}\n${END}`);
    expect(changes(expectOk(await p.preview(["--expect-no-changes"])))).toEqual([]);
    expect(await writesTo(local)).toEqual([]);

    // Bad input, one bad resource at a time (the engine stops at the first failing check) on the same stack.
    const program = fs.readFileSync(path.join(p.dir, "main.go"), "utf8");
    const tryBad = async (declaration: string) => {
      fs.writeFileSync(path.join(p.dir, "main.go"), program.replace(END, `\t\t${declaration}\n${END}`));
      await local.clearRequests();
      const r = await p.preview();
      expect(r.code).not.toBe(0);
      expect(await writesTo(local)).toEqual([]);
      return r;
    };
    // A field that does not exist: Go's compiler refuses the program (what the user sees: its message, then the host's).
    const typo = await tryBad(`chaser.NewWorkspace(ctx, "bad", &chaser.WorkspaceArgs{Nmae: pulumi.String("typo")})`);
    const typoText = typo.diagnostics.join("\n");
    expect(typoText).toMatch(/\.\/main\.go:\d+:\d+: unknown field Nmae in struct literal of type chaser\.WorkspaceArgs/);
    expect(typoText).toContain(`go build of the program in ${p.dir} failed`);
    expect(changes(typo)).toEqual([]);
    // An invalid scope and a name with spaces: the plugin's check at preview names the property and the rule.
    const scope = diagnosticOf((await tryBad(`chaser.NewApiKey(ctx, "bad", &chaser.ApiKeyArgs{Scopes: chaser.ScopeArray{chaser.ScopeWorkspacesRead, chaser.Scope("admin")}})`)).diagnostics, "bad");
    expect(scope).toMatch(/^chaser:index:ApiKey resource 'bad'.*scopes/);
    expect(scope).toContain("workspaces.write"); // the allowed scopes are listed
    const spaces = diagnosticOf((await tryBad(`chaser.NewWorkspace(ctx, "bad", &chaser.WorkspaceArgs{Name: pulumi.String("has spaces"), SessionType: chaser.SessionTypeBrowser})`)).diagnostics, "bad");
    expect(spaces).toMatch(/^chaser:index:Workspace resource 'bad'.*name.*has spaces.*must contain only letters, digits/);
    fs.writeFileSync(path.join(p.dir, "main.go"), program);
    // The engine closed the host while the program ran (a signal to the host's process group): no build left behind.
    expect(builds()).toEqual([]);

    // What TypeScript says for the same two resources (pulumi-chaser/plugin): the same words.
    const ts = Project.create("go-ts", { flavour: "plugin" });
    try {
      await ts.init({ "chaser:apiUrl": local.url }, { "chaser:apiKey": local.rootKey });
      const tsSays = async (declaration: string) => {
        ts.program(`${headerOf("plugin")}${declaration}\n`);
        const r = await ts.preview();
        expect(r.code).not.toBe(0);
        return diagnosticOf(r.diagnostics, "bad");
      };
      expect(scope).toBe(await tsSays(`new chaser.ApiKey("bad", { scopes: [chaser.Scope.WorkspacesRead, "admin"] });`));
      expect(spaces).toBe(await tsSays(`new chaser.Workspace("bad", { name: "has spaces", sessionType: "browser" });`));
    } finally {
      ts.cleanup();
    }
    expect(await writesTo(local)).toEqual([]);

    // `kill -9` of the CLI's process group while the program runs (a slow API holds the preview): the engine's
    // plugins each have a group of their own, so the language host notices its engine is gone and stops the
    // program and itself, removing the build; nothing of the project stays running.
    await local.faults([], 5_000);
    try {
      const running = p.start(["preview", "--non-interactive"], { detached: true });
      const goProgram = () => processesIn(p.dir).filter((x) => x.command.startsWith(path.join(tmp, "pulumi-go.")));
      for (const until = Date.now() + 120_000; goProgram().length === 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
      expect(goProgram()).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1_000));
      const killedAt = Date.now();
      process.kill(-running.pid, "SIGKILL");
      await running.done;
      let left = processesIn(p.dir);
      while (left.length > 0 && Date.now() - killedAt < 5_000) {
        await new Promise((r) => setTimeout(r, 100));
        left = processesIn(p.dir);
      }
      for (const l of left) killTree(l.pid); // never leave them to the next test
      expect(left.map((l) => l.command)).toEqual([]);
      expect(builds()).toEqual([]);
    } finally {
      await local.faults([]);
    }
    expect(await writesTo(local)).toEqual([]);

    const destroyed = expectOk(await p.destroy());
    expect(changes(destroyed).sort()).toEqual(["delete baseline", "delete ci", "delete dev", "delete golden", "delete outside"]);
    await expectServerEmpty(local);
    await expectNoLeak();
    expect(builds()).toEqual([]);
  } finally {
    if (tmpBefore === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpBefore;
    p.cleanup();
  }
});
