/**
 * A stack written by an earlier release keeps working with this code: the recorded state of 0.1.0
 * (test/upgrade/0.1.0: its exported stack, config and chaser-local's data directory, written by
 * test/upgrade/record.js with that release's packed package) is imported into a project that has this package
 * installed. Its serialized providers `require` this package's modules by the paths 0.1.0 wrote; the new code
 * must preview it with no changes, refresh it without drift, update it, move to the provider plugin (the same
 * program on `pulumi-chaser/plugin`: no change, no API write) and be destroyed by the plugin.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Local, writesTo } from "../support/local";
import { Project, changes, expectOk } from "./support/stack";
import { expectSteady, runScenario } from "./support/scenario";

jest.setTimeout(600_000);

const FIXTURES = path.join(__dirname, "..", "upgrade");

describe.each(fs.readdirSync(FIXTURES).filter((d) => fs.existsSync(path.join(FIXTURES, d, "fixture.json"))))("stack written by %s", (version) => {
  const dir = path.join(FIXTURES, version);
  const fixture = JSON.parse(fs.readFileSync(path.join(dir, "fixture.json"), "utf8"));
  let local: Local;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-upgrade-data-"));
    fs.cpSync(path.join(dir, "chaser-local"), dataDir, { recursive: true });
    local = await Local.start({ port: 0, dataDir, rootKey: fixture.rootKey });
  });
  afterAll(async () => {
    await local?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  test("previews with no changes, refreshes without drift, updates and destroys with the new code", async () => {
    const recorded = JSON.parse(fs.readFileSync(path.join(dir, "stack.json"), "utf8"));
    const ids = (type: string) => recorded.deployment.resources.filter((r: any) => r.type.endsWith(`:${type}`)).map((r: any) => r.id);
    const idOf = (name: string) => recorded.deployment.resources.find((r: any) => r.urn.endsWith(`::${name}`)).id;
    // The recorded state requires exactly the module paths the serialized providers of that release used.
    const required = new Set<string>();
    for (const r of recorded.deployment.resources) {
      for (const m of String(r.inputs?.__provider ?? "").matchAll(/require\("([^"]+)"\)/g)) required.add(m[1]);
    }
    // (0.1.0 also required settings.js for `configure`; 0.2.0's providers configure through the resource module.)
    const resourceModules = [
      "pulumi-chaser/dist/provider/resources/apikey.js",
      "pulumi-chaser/dist/provider/resources/snapshot.js",
      "pulumi-chaser/dist/provider/resources/template.js",
      "pulumi-chaser/dist/provider/resources/workspace.js",
    ];
    expect([...required].filter((m) => !m.endsWith("/settings.js")).sort()).toEqual(resourceModules);
    expect([...required].filter((m) => !resourceModules.includes(m))).toEqual(version === "0.1.0" ? ["pulumi-chaser/dist/provider/settings.js"] : []);

    const makeProject = async () => {
      const p = Project.create(fixture.project, { passphrase: fixture.passphrase });
      await p.ok(["stack", "init", fixture.stack]);
      // The recording's server listened on a fixed port; this one on a free port: the stack's config and the
      // provider configuration recorded in its state point at it instead (nothing else changes).
      const recordedUrl = `http://127.0.0.1:${fixture.port}`;
      const moved = (file: string) => fs.readFileSync(path.join(dir, file), "utf8").split(recordedUrl).join(local.url);
      fs.writeFileSync(path.join(p.dir, `Pulumi.${fixture.stack}.yaml`), moved(`Pulumi.${fixture.stack}.yaml`));
      fs.writeFileSync(path.join(p.root, "stack.json"), moved("stack.json"));
      await p.ok(["stack", "import", "--file", path.join(p.root, "stack.json")]);
      p.program(fs.readFileSync(path.join(dir, "program.js"), "utf8"));
      return p;
    };

    await runScenario(local, "upgrade", [
      {
        name: "the recorded stack, untouched: nothing to change, no drift",
        before: async (p) => {
          const preview = expectOk(await p.preview());
          expect(changes(preview)).toEqual([]);
          expect(preview.steps.length).toBe(9);
          await expectSteady(p, "before any up");
        },
        up: [],
      },
      {
        name: "updates through the new code: a rename, a restore, a key rotation",
        config: { baseName: "up-base-renamed", restore: "1", rotation: "2" },
        up: ["update base", "update snap", "replace full", "create-replacement full", "delete-replaced full"],
        after: async () => {
          const workspaces = await local.workspaces();
          expect(workspaces.map((w) => w.name)).toContain("up-base-renamed");
          // Updated in place: the same workspaces as recorded, no new one.
          expect(workspaces.map((w) => w.id).sort()).toEqual([...new Set([...ids("Workspace"), ...ids("Template")])].sort());
          // The rotated key was replaced (new key first, then the old one revoked); the other one is untouched.
          const live = (await local.keys()).filter((k) => !k.revoked_at && k.name !== "root").map((k) => k.id);
          expect(live).toHaveLength(2);
          expect(live).toContain(idOf("scoped"));
          expect(live).not.toContain(idOf("full"));
          await local.clearRequests();
        },
      },
      {
        name: "moved to the provider plugin: the same program on pulumi-chaser/plugin changes nothing and writes nothing",
        before: async (p) => {
          fs.appendFileSync(path.join(p.dir, "Pulumi.yaml"), `plugins:\n  providers:\n    - name: chaser\n      path: ${path.join(p.dir, "node_modules", "pulumi-chaser", "plugin")}\n`);
          p.program(fs.readFileSync(path.join(dir, "program.js"), "utf8").replace(`require("pulumi-chaser")`, `require("pulumi-chaser/plugin")`));
          expect(changes(expectOk(await p.preview()))).toEqual([]);
        },
        up: [],
        after: async (p) => {
          expect(await writesTo(local)).toEqual([]);
          const state = await p.exportState();
          expect(state.resources.filter((r) => r.type.startsWith("pulumi-nodejs:dynamic/")).map((r) => r.urn)).toEqual([]);
        },
      },
    ], { project: makeProject });
  });
});
