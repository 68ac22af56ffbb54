/**
 * A Pulumi YAML program through the `chaser` provider plugin (issue 19, first "Must show"): examples/yaml itself
 * (a template, a clone, a snapshot, an API key and a lookup), run by the engine's YAML language host
 * (pulumi-language-yaml, built by engine/build.sh) against chaser-local: preview with no API write, up, a preview and
 * a refresh that expect no changes, a rename in place, a replacement, destroy, the server empty; the key's secret
 * never in plaintext in the state files or in anything the engine printed. And the README's YAML quick start as
 * shown: the error it quotes without the `plugins:` block, then its commands (chaser-local through npx in the
 * background, the two config lines, up), destroy, and chaser-local stopped with its npx process.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { callApi, callControl, Local, writesTo } from "../support/local";
import { processesIn, Running, startProcess } from "../support/proc";
import { Project, REPO, changes, engineDir, expectOk, occurrences } from "./support/stack";
import { expectServerEmpty } from "./support/scenario";

jest.setTimeout(900_000);

const local = Local.forSuite();
const EXAMPLE = path.join(__dirname, "..", "..", "examples", "yaml", "Pulumi.yaml");

/** The example's Pulumi.yaml with the plugin taken from the package the project installed (as a user's would). */
function yamlProject(): Project {
  const p = Project.create("yaml");
  const source = fs.readFileSync(EXAMPLE, "utf8");
  const plugin = path.join(p.dir, "node_modules", "pulumi-chaser", "plugin");
  expect(fs.existsSync(path.join(plugin, "pulumi-resource-chaser"))).toBe(true);
  expect(source).toContain("      path: ../../plugin\n");
  fs.writeFileSync(path.join(p.dir, "Pulumi.yaml"), source.replace("      path: ../../plugin\n", `      path: ${plugin}\n`));
  return p;
}

function edit(p: Project, from: string, to: string): void {
  const file = path.join(p.dir, "Pulumi.yaml");
  const text = fs.readFileSync(file, "utf8");
  expect(text).toContain(from);
  fs.writeFileSync(file, text.replace(from, to));
}

test("examples/yaml through the plugin: preview, up, no changes after, rename in place, replacement, destroy; the key's secret never plaintext", async () => {
  expect(fs.existsSync(path.join(engineDir(), "pulumi-language-yaml"))).toBe(true);
  const p = yamlProject();
  const secrets: string[] = [];
  const expectNoLeak = async () => {
    const written = p.stateFilesText() + "\n" + p.logs.join("\n");
    for (const s of secrets) expect(occurrences(written, s)).toBe("");
  };
  try {
    await p.init({ "chaser:apiUrl": local.url, "chaser-yaml:prefix": "yml" }, { "chaser:apiKey": local.rootKey });
    secrets.push(local.rootKey);

    await local.clearRequests();
    const preview = expectOk(await p.preview());
    expect(changes(preview).sort()).toEqual(["create baseline", "create ci", "create dev", "create golden"]);
    expect(await writesTo(local)).toEqual([]);

    const up = expectOk(await p.up());
    expect(changes(up).sort()).toEqual(["create baseline", "create ci", "create dev", "create golden"]);
    const out = await p.outputs(true);
    expect(out).toMatchObject({ templateName: "yml-golden", workspaceName: "yml-dev", snapshotName: "baseline", account: expect.any(String) });
    expect(out.clonedFrom).toBe((await local.workspaces()).find((w) => w.name === "yml-golden")?.id);
    expect(typeof out.ciKey).toBe("string");
    secrets.push(out.ciKey as string);
    expect((await p.outputs()).ciKey).toBe("[secret]");
    await expectNoLeak();

    expectOk(await p.preview(["--expect-no-changes"]));
    expectOk(await p.refresh(["--expect-no-changes"]));

    // A rename is made in place: same workspace id, new name on the server.
    await local.clearRequests();
    edit(p, "name: ${prefix}-dev\n", "name: ${prefix}-dev-renamed\n");
    expect(changes(expectOk(await p.preview())).sort()).toEqual(["update dev"]);
    expect(await writesTo(local)).toEqual([]);
    expect(changes(expectOk(await p.up()))).toEqual(["update dev"]);
    expect((await local.workspaces()).find((w) => w.id === out.workspaceId)?.name).toBe("yml-dev-renamed");
    expectOk(await p.preview(["--expect-no-changes"]));

    // A change of scopes replaces the key: a new key (a new secret) before the old one is revoked.
    edit(p, "        - workspaces.read\n", "        - workspaces.read\n        - workspaces.write\n");
    const replaced = expectOk(await p.up());
    expect(changes(replaced).sort()).toEqual(["create-replacement ci", "delete-replaced ci", "replace ci"]);
    const newKey = (await p.outputs(true)).ciKey as string;
    expect(newKey).not.toBe(out.ciKey);
    secrets.push(newKey);
    expectOk(await p.preview(["--expect-no-changes"]));
    expectOk(await p.refresh(["--expect-no-changes"]));
    await expectNoLeak();

    const destroyed = expectOk(await p.destroy());
    expect(changes(destroyed).sort()).toEqual(["delete baseline", "delete ci", "delete dev", "delete golden"]);
    await expectServerEmpty(local);
    await expectNoLeak();
  } finally {
    p.cleanup();
  }
});

/** The README's YAML quick start: its Pulumi.yaml and its commands. */
function readmeQuickStart(): { yaml: string; commands: string[] } {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const start = readme.indexOf("\n## Quick start: YAML");
  expect(start).toBeGreaterThan(0);
  const section = readme.slice(start, readme.indexOf("\n## ", start + 5));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
  const sh = /```sh\n([\s\S]*?)```/.exec(section)![1];
  // One command a line; comments after `#` are the README's.
  const commands = sh.split("\n").map((l) => l.replace(/\s+#.*$/, "").trim()).filter(Boolean);
  return { yaml, commands };
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

test("the README's YAML quick start as shown: the error it quotes without the plugins block; with it, chaser-local through npx, the config lines, up, destroy; stopping npx stops chaser-local", async () => {
  const { yaml, commands } = readmeQuickStart();
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  // The quick start's port, replaced by a free one (other tests run beside this one).
  const port = String(await freePort());
  const lines = commands.map((c) => c.replaceAll("8787", port));
  const p = Project.create("quickstart");
  let server: Running | undefined;
  try {
    fs.writeFileSync(path.join(p.dir, "Pulumi.yaml"), yaml);
    const withoutPlugins = yaml.replace(/^plugins:\n(?: .*\n)+/m, "");
    expect(withoutPlugins).not.toContain("plugins:");
    for (const line of lines) {
      if (line.startsWith("npm install ")) {
        // The harness installed the packed package instead of the registry's; what the line installs is it.
        expect(line).toBe("npm install pulumi-chaser");
        expect(fs.existsSync(path.join(p.dir, "node_modules", "pulumi-chaser", "plugin", "pulumi-resource-chaser"))).toBe(true);
      } else if (line.startsWith("npx chaser-local ")) {
        // In the background, as the README's `&` does: bash runs the command line as it is (and execs npx).
        expect(line.endsWith(" &")).toBe(true);
        server = await startProcess(["bash", "-c", line.slice(0, -2)], {}, { cwd: p.dir });
        expect(server.url).toBe(`http://127.0.0.1:${port}`);
      } else if (line === "pulumi up") {
        // Without the plugins block: the error the README quotes, as the engine prints it; nothing sent.
        fs.writeFileSync(path.join(p.dir, "Pulumi.yaml"), withoutPlugins);
        const quoted = /```\n(no resource plugin [^\n]*)\n```/.exec(readme)![1];
        const missing = await p.preview();
        expect(missing.code).not.toBe(0);
        expect(`${missing.diagnostics.join("\n")}\n${missing.stdout}\n${missing.stderr}`).toContain(quoted);
        // Where Pulumi may download plugins, it looks for a release of `chaser` first (offline here: it fails at once).
        const download = await p.run(["preview", "--non-interactive"], { env: { PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "false" } });
        expect(download.code).not.toBe(0);
        expect(`${download.diagnostics.join("\n")}\n${download.stdout}\n${download.stderr}`).toContain("could not find latest version for provider chaser");
        expect(readme).toContain("`could not find latest version for provider chaser`");
        const sent = (await callControl<{ requests: Array<{ method: string }> }>(server!.url, "GET", "/requests")).requests;
        expect(sent.filter((r) => r.method !== "GET")).toEqual([]);
        fs.writeFileSync(path.join(p.dir, "Pulumi.yaml"), yaml);
        const up = expectOk(await p.up());
        expect(changes(up).sort()).toEqual(["create baseline", "create ci", "create dev", "create golden"]);
      } else {
        expect(line).toMatch(/^pulumi (stack init|config set) /);
        await p.ok(line.split(/\s+/).slice(1));
      }
    }
    expect(server).toBeDefined();
    const key = /--root-key (\S+)/.exec(lines.find((l) => l.startsWith("npx "))!)![1];
    const out = await p.outputs();
    const listed = await callApi<any[]>(server!.url, "GET", "/v1/workspaces", undefined, { key });
    expect(listed.body.map((w: any) => w.id)).toContain(out.devId);
    expect(out.ciKey).toBe("[secret]");
    expectOk(await p.destroy());
    expect((await callApi<any[]>(server!.url, "GET", "/v1/workspaces", undefined, { key })).body).toEqual([]);

    // `kill %1`: a SIGTERM to npx stops chaser-local; its port is free and no chaser-local process is left.
    server!.child.kill("SIGTERM");
    await server!.exited;
    const left = () => processesIn(p.dir).filter((x) => /chaser-local/.test(x.command));
    const portTaken = () =>
      new Promise<boolean>((resolve) => {
        const c = net.connect(Number(port), "127.0.0.1");
        c.once("connect", () => (c.destroy(), resolve(true)));
        c.once("error", () => resolve(false));
      });
    const deadline = Date.now() + 2000;
    while ((left().length > 0 || (await portTaken())) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect({ left: left(), portTaken: await portTaken() }).toEqual({ left: [], portTaken: false });
    server = undefined;
  } finally {
    server?.child.kill("SIGKILL");
    for (const x of processesIn(p.dir)) process.kill(x.pid, "SIGKILL");
    p.cleanup();
  }
});
