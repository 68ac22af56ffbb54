/**
 * The policy pack's checks as plain functions (policy/policies.ts): what the engine test (test/engine/policy.test.ts)
 * cannot show cheaply: a key's age, RSA key sizes, allow-lists, unknown values in a preview, and that every flavour
 * of type token (dynamic resources, the provider plugin) is matched.
 */
import { generateKeyPairSync } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { UNKNOWN } from "../provider/values";
import { TOKENS } from "../provider/registry";
import { POLICIES, chaserType, checkCloneSource, checkDeletionProtection, checkFullAccess, checkKeyAge, checkSshKeyStrength, stackOfUrn } from "../policy/policies";

const sshString = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0].map((_, i) => (b.length >>> (24 - 8 * i)) & 0xff)), b]);
function rsaKey(bits: number): string {
  const jwk = generateKeyPairSync("rsa", { modulusLength: bits }).publicKey.export({ format: "jwk" }) as { n: string; e: string };
  const mpint = (b64: string) => {
    const b = Buffer.from(b64, "base64url");
    return sshString(b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  };
  return `ssh-rsa ${Buffer.concat([sshString(Buffer.from("ssh-rsa")), mpint(jwk.e), mpint(jwk.n)]).toString("base64")} k`;
}

test("every flavour's type token is matched; other packages' types are not", () => {
  for (const token of Object.values(TOKENS)) expect(chaserType(token("ApiKey"))).toBe("ApiKey");
  expect(chaserType("aws:s3/bucket:Bucket")).toBeUndefined();
  expect(stackOfUrn("urn:pulumi:prod::proj::pulumi-nodejs:dynamic/chaser:Workspace::dev")).toBe("prod");
});

test("every policy has a name, a description and a default level; configurable ones a schema", () => {
  for (const p of POLICIES) {
    expect(p.name).toMatch(/^chaser-[a-z-]+$/);
    expect(p.description.length).toBeGreaterThan(20);
    expect(["advisory", "mandatory"]).toContain(p.enforcementLevel);
  }
  expect(POLICIES.filter((p) => p.configSchema).map((p) => p.name).sort()).toEqual([
    "chaser-apikey-max-age",
    "chaser-apikey-no-full-access",
    "chaser-clone-from-template",
    "chaser-no-owner-role",
    "chaser-ssh-key-strength",
    "chaser-workspace-deletion-protection",
  ]);
  // The pack's package.json (read by @pulumi/policy for the pack's version) follows the package's version.
  const version = (f: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", f), "utf8")).version;
  expect(version("policy/package.json")).toBe(version("package.json"));
});

test("key age: older than maxAgeDays is reported with the fix; a key not created yet or unknown is not", () => {
  const now = Date.parse("2026-12-02T00:00:00Z");
  expect(checkKeyAge("ApiKey", "ci", { createdAt: "2026-01-01T00:00:00Z" }, { maxAgeDays: 90 }, now)[0].message).toBe(
    "ApiKey 'ci': createdAt is 2026-01-01T00:00:00Z: the key is 335 days old, more than 90. Fix: rotate it: change a value of its rotationTriggers and run `pulumi up`",
  );
  expect(checkKeyAge("ApiKey", "ci", { createdAt: "2026-11-30T00:00:00Z" }, {}, now)).toEqual([]);
  expect(checkKeyAge("ApiKey", "ci", { createdAt: UNKNOWN }, { maxAgeDays: 0 }, now)).toEqual([]);
  expect(checkKeyAge("ApiKey", "ci", {}, { maxAgeDays: 0 }, now)).toEqual([]);
});

test("SSH key strength: RSA under minimumRsaBits when RSA is allowed; the type order otherwise", () => {
  const k2048 = rsaKey(2048);
  expect(checkSshKeyStrength("SshKey", "k", { publicKey: k2048 }, {})[0].message).toContain("is of type ssh-rsa, weaker than this policy's minimum (ecdsa-sha2-nistp256)");
  expect(checkSshKeyStrength("SshKey", "k", { publicKey: k2048 }, { minimumType: "ssh-rsa" })[0].message).toContain("is a 2048-bit RSA key, under 3072 bits");
  expect(checkSshKeyStrength("SshKey", "k", { publicKey: k2048 }, { minimumType: "ssh-rsa", minimumRsaBits: 2048 })).toEqual([]);
});

test("allow-lists and patterns: full access by name, deletion protection only in matching stacks, unknowns skipped", () => {
  expect(checkFullAccess("ApiKey", "ops", { fullAccess: true, name: "break-glass" }, { allowedNames: ["break-glass"] })).toEqual([]);
  expect(checkFullAccess("ApiKey", "ops", { fullAccess: true }, {})).toHaveLength(1);
  expect(checkDeletionProtection("Workspace", "dev", {}, "prod", {})).toHaveLength(1);
  expect(checkDeletionProtection("Workspace", "dev", {}, "production-eu", {})).toHaveLength(1);
  expect(checkDeletionProtection("Workspace", "dev", {}, "pr-12", {})).toEqual([]);
  expect(checkDeletionProtection("Workspace", "dev", { deletionProtection: UNKNOWN }, "prod", {})).toEqual([]);
  expect(checkDeletionProtection("Template", "t", { workspace: "other" }, "prod", {})).toEqual([]);
});

test("clone source: a Template dependency or a Template's name passes; another workspace or an unknown name does not", () => {
  const tpl = { type: TOKENS.dynamic("Template"), props: {} };
  const ws = { type: TOKENS.dynamic("Workspace"), props: {} };
  expect(checkCloneSource({ type: "Workspace", name: "dev", props: { cloneFrom: UNKNOWN }, propertyDependencies: { cloneFrom: [tpl] } }, [], {})).toEqual([]);
  expect(checkCloneSource({ type: "Workspace", name: "dev", props: { cloneFrom: UNKNOWN }, propertyDependencies: { cloneFrom: [ws] } }, [], {})).toHaveLength(1);
  expect(checkCloneSource({ type: "Workspace", name: "dev", props: { cloneFrom: "golden" } }, [{ name: "golden" }], {})).toEqual([]);
  expect(checkCloneSource({ type: "Workspace", name: "dev", props: { cloneFrom: "scratch" } }, [{ name: "golden" }], {})[0].message).toContain("'scratch' is not a Template of this stack");
  expect(checkCloneSource({ type: "Workspace", name: "dev", props: { cloneFrom: "shared-base" } }, [], { allowedSources: ["shared-base"] })).toEqual([]);
});
