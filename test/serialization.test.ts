/**
 * What Pulumi writes into state for each resource: the provider object serialized by @pulumi/pulumi's closure
 * serializer, exactly as `new pulumi.dynamic.Resource` does, from the INSTALLED package layout (npm pack, then
 * unpacked under node_modules), because local files are serialized by value and packages by `require`.
 */
import { execFileSync } from "node:child_process";
import { installInto } from "./support/pack";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { RESOURCES, stateModule } from "../provider/registry";

const SECRET_ENV = "sk_env_secret_must_not_be_captured_0001";
const SECRET_CFG = "sk_cfg_secret_must_not_be_captured_0002";
let dir: string;
let result: Record<string, { text: string; checkFailures: unknown[]; containsSecrets: boolean }>;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-ser-"));
  installInto(dir);
  const script = `
    const sc = require("@pulumi/pulumi/runtime/closure/serializeClosure");
    const requireFromString = require("require-from-string");
    const { providerOf } = require("pulumi-chaser/dist/sdk/nodejs/providers");
    const { RESOURCES } = require("pulumi-chaser/dist/provider/registry");
    (async () => {
      await providerOf("Workspace").configure({ config: { get: (k) => k === "chaser:apiKey" ? ${JSON.stringify(SECRET_CFG)} : undefined } });
      const out = {};
      for (const { name } of RESOURCES) {
        const p = providerOf(name);
        const sf = await sc.serializeFunction(() => p, { allowSecrets: true });
        // Deserialize as the dynamic-provider host does, and run a hook from the serialized form.
        const revived = requireFromString(sf.text).handler();
        const checked = await revived.check({}, { __logicalName: "x", name: "x".repeat(200), account: "" });
        out[name] = { text: sf.text, containsSecrets: sf.containsSecrets, checkFailures: checked.failures };
      }
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { console.error(e); process.exit(1); });
  `;
  const stdout = execFileSync(process.execPath, ["-e", script], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, CHASER_API_KEY: SECRET_ENV },
  });
  result = JSON.parse(stdout);
}, 120_000);

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("the serialized provider stored in state", () => {
  for (const r of RESOURCES) {
    const { name } = r;
    test(`${name}: at most 512 bytes, one require of its module, no code, no credential`, () => {
      const { text, containsSecrets } = result[name];
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(512);
      expect([...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual([stateModule(r)]);
      expect(text).not.toContain(SECRET_ENV);
      expect(text).not.toContain(SECRET_CFG);
      expect(text).not.toMatch(/undici|zod|safeParse/);
      expect(containsSecrets).toBe(false);
    });

    test(`${name}: the deserialized provider runs its hooks`, () => {
      expect(result[name].checkFailures).toEqual(expect.arrayContaining([expect.objectContaining({ property: "account" })]));
    });
  }
});
