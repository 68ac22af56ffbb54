/**
 * A Pulumi YAML program through the `chaser` provider plugin (issue 19, first "Must show"): examples/yaml itself
 * (a template, a clone, a snapshot, an API key and a lookup), run by the engine's YAML language host
 * (pulumi-language-yaml, built by engine/build.sh) against chaser-local: preview with no API write, up, a preview and
 * a refresh that expect no changes, a rename in place, a replacement, destroy, the server empty; the key's secret
 * never in plaintext in the state files or in anything the engine printed.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Local, writesTo } from "../support/local";
import { Project, changes, engineDir, expectOk, occurrences } from "./support/stack";
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
