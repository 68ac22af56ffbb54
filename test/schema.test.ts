/**
 * schema.json is the package's contract, generated from the resource models like the SDK's classes. These tests
 * fail when they and the code disagree: the committed files against the models, required inputs against zod,
 * willReplaceOnChanges against what diff() actually does, and secret outputs against the resource classes'
 * additionalSecretOutputs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { generatedFiles, pluginSdkSource, sdkSource } from "../provider/codegen";
import { inputFields } from "../provider/model";
import { hooksOf } from "../provider/hooks";
import { RESOURCES, TOKENS } from "../provider/registry";
import { argFields } from "../provider/lookup";
import { LOOKUPS } from "../provider/lookups";
import { buildSchema } from "../provider/schema";
import * as lookups from "../sdk/nodejs/generated/lookups";

const committed = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "schema.json"), "utf8"));

/**
 * Per resource of the registry: a valid set of inputs and, per property, a different valid value. A resource
 * without a case fails its tests below: each new one is covered.
 */
const cases: Record<string, { base: Record<string, unknown>; other: Record<string, unknown> }> = {
  Workspace: {
    base: { name: "ws-a", sessionType: "sandbox", image: "img:1", account: "acme", deletionProtection: false, forceDelete: false, adoptExisting: false, recloneOnSourceChange: false },
    other: { name: "ws-b", sessionType: "browser", image: "img:2", cloneFrom: "src", githubRepo: "o/r", account: "other", deletionProtection: true, forceDelete: true, adoptExisting: true, recloneOnSourceChange: true },
  },
  Template: {
    base: { name: "t-a", sessionType: "sandbox", image: "img:1", account: "acme", template: true },
    other: { workspace: "ws", name: "t-b", sessionType: "browser", image: "img:2", cloneFrom: "src", githubRepo: "o/r", account: "other", deletionProtection: true, forceDelete: true, adoptExisting: true, recloneOnSourceChange: true, template: false },
  },
  Snapshot: {
    base: { workspace: "ws", name: "s-a", force: false, restoreTrigger: "1", account: "acme", adoptExisting: false },
    other: { workspace: "ws2", name: "s-b", force: true, restoreTrigger: "2", account: "other", adoptExisting: true },
  },
  ApiKey: {
    base: { name: "k-a", scopes: ["workspaces.read"], fullAccess: false, serviceAccountId: "sa1", rotationTriggers: { a: "1" }, account: "acme" },
    other: { name: "k-b", scopes: ["keys.read"], fullAccess: true, serviceAccountId: "sa2", rotationTriggers: { a: "2" }, account: "other" },
  },
  ServiceAccount: {
    base: { name: "ci-a", account: "acme", adoptExisting: false },
    other: { name: "ci-b", account: "other", adoptExisting: true },
  },
  OrganizationMember: {
    base: { email: "a@example.com", role: "member", account: "acme", adoptExisting: false },
    other: { email: "b@example.com", role: "admin", account: "other", adoptExisting: true },
  },
  SshKey: {
    base: { publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA a@host", account: "acme", adoptExisting: false },
    other: { publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB b@host", account: "other", adoptExisting: true },
  },
  WorkspaceCommand: {
    base: { workspace: "ws", create: "make a", update: "make u", delete: "make d", environment: { A: "1" }, stdin: "x", cwd: "/w", user: "root", timeoutMs: 1000, triggers: ["1"], account: "acme" },
    other: { workspace: "ws2", create: "make b", update: "make v", delete: "make e", environment: { A: "2" }, stdin: "y", cwd: "/v", user: "ubuntu", timeoutMs: 2000, triggers: ["2"], account: "other" },
  },
};

describe("schema.json", () => {
  test("is what the models generate (run `make schema` after changing a model)", () => {
    expect(committed).toEqual(buildSchema());
  });

  test("sdk/nodejs/generated/ is what the models, the lookups, the settings and schema.json's enums generate, and nothing else (run `make schema`)", () => {
    const dir = path.join(__dirname, "..", "sdk", "nodejs", "generated");
    const files = generatedFiles();
    expect(fs.readdirSync(dir).sort()).toEqual(Object.keys(files).sort());
    for (const [file, source] of Object.entries(files)) expect({ file, text: fs.readFileSync(path.join(dir, file), "utf8") }).toEqual({ file, text: source });
  });

  test("declares the provider configuration: the keys as secrets, the environment fallbacks as defaultInfo", () => {
    const v = committed.config.variables;
    expect(v.apiKey.secret).toBe(true);
    expect(v.accountKeys.secret).toBe(true);
    expect(Object.keys(v).sort()).toEqual(["account", "accountKeys", "apiKey", "apiUrl"]);
    expect([v.apiKey, v.apiUrl, v.account].map((x: any) => x.defaultInfo.environment)).toEqual([["CHASER_API_KEY"], ["CHASER_API_URL"], ["CHASER_ACCOUNT"]]);
  });

  test("is the `chaser` package at the npm package's version, with the language sections every SDK needs", () => {
    expect(committed.name).toBe("chaser");
    expect(committed.version).toBe(JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")).version);
    expect(committed.language.python.packageName).toBe("pulumi_chaser");
    expect(committed.language.go.importBasePath).toBe("github.com/pulumi-chaser/pulumi-chaser/sdk/go/chaser");
    expect(committed.language.csharp.rootNamespace).toBe("PulumiChaser");
    expect(committed.language.csharp.packageReferences.Pulumi).toBeDefined();
    expect(committed.language.nodejs.packageName).toBe("pulumi-chaser/plugin") // the entry whose classes target the plugin: what `pulumi import` code imports;
  });

  test("declares the provider's inputs as the configuration: same keys, secrets and environment fallbacks", () => {
    expect(committed.provider.inputProperties).toEqual(committed.config.variables);
  });

  test("keys every resource of the registry by the plugin's token, and names the dynamic flavour's token too", () => {
    expect(Object.keys(committed.resources)).toEqual(RESOURCES.map((r) => TOKENS.plugin(r.name)));
    expect(Object.keys(committed.resources)[0]).toBe("chaser:index:Workspace");
    for (const r of RESOURCES) expect(committed.resources[TOKENS.plugin(r.name)].description).toContain(`\`${TOKENS.dynamic(r.name)}\``);
  });

  test("lists every lookup the package exports (and each has an Output variant)", () => {
    const exported = Object.keys(lookups).filter((k) => typeof (lookups as Record<string, unknown>)[k] === "function" && !k.endsWith("Output"));
    expect(LOOKUPS.map((l) => l.name).sort()).toEqual(exported.sort());
    for (const name of exported) expect(typeof (lookups as Record<string, unknown>)[`${name}Output`]).toBe("function");
    expect(Object.keys(committed.functions).sort()).toEqual(exported.map((n) => `chaser:index:${n}`).sort());
  });

  test("functions take their arguments plus `account`; a get… returns the info object, a list… `{ items }` of them", () => {
    for (const l of LOOKUPS) {
      const f = committed.functions[TOKENS.plugin(l.name)];
      expect(Object.keys(f.inputs.properties).sort()).toEqual([...argFields(l).map((a) => a.key), "account"].sort());
      expect(f.inputs.required ?? []).toEqual([]);
      const info = committed.types[TOKENS.plugin(l.result.name)];
      if (l.list) {
        expect(f.outputs).toMatchObject({ properties: { items: { type: "array", items: { $ref: `#/types/${TOKENS.plugin(l.result.name)}` } } }, required: ["items"] });
      } else {
        expect(f.outputs).toEqual({ properties: info.properties, required: info.required });
      }
    }
  });

  test("enums are types of their own, referenced by the properties that take them", () => {
    expect(committed.types["chaser:index:SessionType"].enum.map((e: any) => e.value)).toEqual(["browser", "sandbox"]);
    expect(committed.types["chaser:index:Scope"].enum).toHaveLength(14);
    expect(committed.resources[TOKENS.plugin("Workspace")].inputProperties.sessionType.$ref).toBe("#/types/chaser:index:SessionType");
    expect(committed.resources[TOKENS.plugin("ApiKey")].inputProperties.scopes.items.$ref).toBe("#/types/chaser:index:Scope");
  });

  for (const r of RESOURCES) {
    const { name, model } = r;
    const res = committed.resources[TOKENS.plugin(name)];
    const c = cases[name];
    const userInputs = inputFields(model).filter((f) => !f.meta.internal);

    test(`${name}: every input the code validates is documented, and nothing else`, () => {
      expect(res).toBeDefined();
      expect(Object.keys(res.inputProperties).sort()).toEqual(userInputs.map((f) => f.key).sort());
    });

    test(`${name}: requiredInputs match the inputs zod requires`, () => {
      const zodRequired = userInputs.filter((f) => !f.schema.safeParse(undefined).success).map((f) => f.key).sort();
      expect([...res.requiredInputs].sort()).toEqual(zodRequired);
    });

    test(`${name}: willReplaceOnChanges is exactly what diff() replaces on, for every input`, async () => {
      expect(c).toBeDefined(); // add a case for the resource above
      expect(Object.keys(c.other)).toEqual(expect.arrayContaining(Object.keys(res.inputProperties)));
      for (const prop of Object.keys(res.inputProperties)) {
        const olds = { ...c.base };
        const news = { ...c.base, [prop]: c.other[prop] };
        const d = await hooksOf(r).diff("id", olds, news);
        expect({ prop, changes: d.changes }).toEqual({ prop, changes: true });
        const replaced = (d.replaces ?? []).includes(prop);
        expect({ prop, replaced }).toEqual({ prop, replaced: res.inputProperties[prop].willReplaceOnChanges === true });
      }
    });

    test(`${name}: secret outputs are the ones the resource class marks secret`, () => {
      const secrets = Object.entries(res.properties as Record<string, { secret?: boolean }>).filter(([, p]) => p.secret).map(([k]) => k);
      expect(secrets).toEqual(name === "ApiKey" ? ["key"] : name === "WorkspaceCommand" ? ["output"] : []);
      for (const source of [sdkSource(), pluginSdkSource()]) {
        const cls = source.split(`export class ${name} `)[1].split("\n}\n")[0];
        const marked = /withSecretOutputs\(opts, (\[[^\]]*\])\)/.exec(cls);
        expect(marked ? JSON.parse(marked[1]) : []).toEqual(secrets);
      }
    });
  }
});

test("the README's resource reference is the one schema.json generates", () => {
  const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
  const r = spawnSync(process.execPath, [path.join(__dirname, "..", "scripts", "gen-reference.js"), "--check"], { encoding: "utf8" });
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
});

test("the plugin entry's enum values are schema.json's (what the code `pulumi import` prints refers to)", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const enums = require("../sdk/nodejs/generated/enums") as Record<string, Record<string, string>>;
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "schema.json"), "utf8"));
  for (const name of ["SessionType", "Scope", "Role", "AccountKind"]) {
    const expected = Object.fromEntries(schema.types[`chaser:index:${name}`].enum.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect({ name, values: enums[name] }).toEqual({ name, values: expected });
  }
});
