/**
 * The policy pack (policy/, shipped in the package) through the real engine: `pulumi preview --policy-pack
 * node_modules/pulumi-chaser/policy`, as a user runs it after an npm install. One program violates every
 * resource policy once (each assertion is per policy: which resource, which level, the property and the fix); a
 * compliant program of the same resources passes them all; mandatory violations fail the preview and advisory
 * ones only warn (shown by overriding the levels with a policy config file). No preview makes an API write.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parsePreview, render, summarize } from "../../cli/preview-summary";
import { Local, writesTo } from "../support/local";
import { HEADER, Project, RunResult, projectFor } from "./support/stack";

jest.setTimeout(600_000);

const local = Local.forSuite();

const sshString = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, 0].map((_, i) => (b.length >>> (24 - 8 * i)) & 0xff)), b]);
function rsaKey(bits: number): string {
  const jwk = generateKeyPairSync("rsa", { modulusLength: bits }).publicKey.export({ format: "jwk" }) as { n: string; e: string };
  const mpint = (b64: string) => {
    const b = Buffer.from(b64, "base64url");
    return sshString(b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
  };
  return `ssh-rsa ${Buffer.concat([sshString(Buffer.from("ssh-rsa")), mpint(jwk.e), mpint(jwk.n)]).toString("base64")} old@laptop`;
}
const ed25519Key = () => `ssh-ed25519 ${Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(randomBytes(32))]).toString("base64")} new@laptop`;

const VIOLATING = `${HEADER}
const admin = new chaser.ApiKey("admin", { fullAccess: true });
const base = new chaser.Workspace("base", { sessionType: "sandbox", image: "ubuntu:24.04" });
const clone = new chaser.Workspace("clone", { cloneFrom: base.workspaceId, deletionProtection: true });
const boss = new chaser.OrganizationMember("boss", { email: "boss@example.com", role: "owner" });
const laptop = new chaser.SshKey("laptop", { publicKey: ${JSON.stringify(rsaKey(2048))} });
`;

const COMPLIANT = `${HEADER}
const golden = new chaser.Template("golden", { sessionType: "sandbox", image: "registry.example.com/base@sha256:${"ab".repeat(32)}", deletionProtection: true });
const dev = new chaser.Workspace("dev", { cloneFrom: golden.workspaceId, deletionProtection: true });
const ci = new chaser.ApiKey("ci", { scopes: ["workspaces.read"], rotationTriggers: { rotatedOn: "2026-12" } });
const breakGlass = new chaser.ApiKey("break-glass", { fullAccess: true, rotationTriggers: { rotatedOn: "2026-12" } });
const alice = new chaser.OrganizationMember("alice", { email: "alice@example.com", role: "admin" });
const laptop = new chaser.SshKey("laptop", { publicKey: ${JSON.stringify(ed25519Key())} });
`;

/** The policy configuration both programs run with: the stack "test" is a protected one; one key may have full access. */
const CONFIG = {
  "chaser-workspace-deletion-protection": { stackPattern: "^test$" },
  "chaser-apikey-no-full-access": { allowedNames: ["break-glass"] },
};

interface Violation {
  policy: string;
  resource: string;
  level: string;
  message: string;
}

/** The policy violations of a preview's event stream, sorted by policy. */
function violations(r: RunResult): Violation[] {
  return r.events
    .split("\n")
    .filter((l) => l.includes('"policyEvent"'))
    .map((l) => JSON.parse(l).policyEvent)
    .map((e) => ({ policy: e.policyName, resource: String(e.resourceUrn ?? "").split("::").pop()!, level: e.enforcementLevel, message: e.message }))
    .sort((a, b) => a.policy.localeCompare(b.policy));
}

async function previewWithPack(p: Project, config: object): Promise<RunResult> {
  const file = path.join(p.root, "policy-config.json");
  fs.writeFileSync(file, JSON.stringify(config));
  await local.clearRequests();
  const r = await p.preview(["--policy-pack", path.join(p.dir, "node_modules", "pulumi-chaser", "policy"), "--policy-pack-config", file]);
  expect(await writesTo(local)).toEqual([]); // a preview never writes, whatever the policies say
  return r;
}

test("each policy: the violating program reports it (mandatory fails, advisory warns) naming resource, property and fix; the compliant program passes", async () => {
  const p = await projectFor(local, "policy");

  p.program(VIOLATING);
  const bad = await previewWithPack(p, CONFIG);
  const found = violations(bad);
  expect(found.map((v) => `${v.policy}: ${v.resource} (${v.level})`)).toEqual([
    "chaser-apikey-no-full-access: admin (mandatory)",
    "chaser-apikey-rotation-triggers: admin (advisory)",
    "chaser-clone-from-template: clone (advisory)",
    "chaser-no-owner-role: boss (mandatory)",
    "chaser-sandbox-image-digest: base (advisory)",
    "chaser-ssh-key-strength: laptop (advisory)",
    "chaser-workspace-deletion-protection: base (mandatory)",
  ]);
  const message = (policy: string) => found.find((v) => v.policy === policy)!.message;
  expect(message("chaser-apikey-no-full-access")).toContain("ApiKey 'admin': fullAccess is true");
  expect(message("chaser-apikey-no-full-access")).toContain("Fix: list only the scopes it needs");
  expect(message("chaser-apikey-rotation-triggers")).toContain("ApiKey 'admin': rotationTriggers is not set");
  expect(message("chaser-clone-from-template")).toContain("Workspace 'clone': cloneFrom comes from a Workspace, not a Template. Fix: clone a Template");
  expect(message("chaser-no-owner-role")).toContain("OrganizationMember 'boss': role is 'owner'");
  expect(message("chaser-sandbox-image-digest")).toContain("Workspace 'base': image 'ubuntu:24.04' is not pinned by digest");
  expect(message("chaser-ssh-key-strength")).toContain("SshKey 'laptop': publicKey is of type ssh-rsa, weaker than this policy's minimum (ecdsa-sha2-nistp256). Fix: generate an ed25519 key");
  expect(message("chaser-workspace-deletion-protection")).toContain("Workspace 'base': deletionProtection is not true in stack 'test'");
  // Mandatory violations fail the preview.
  expect(bad.code).not.toBe(0);
  expect(bad.events).toContain('"result":"failed"');
  // chaser-preview-summary's policy section: the violations by level.
  const md = render(summarize(parsePreview(bad.stdout)));
  expect(md).toMatch(/#### Policy violations \(`pulumi-chaser \d+\.\d+\.\d+[^`]*`\)/);
  expect(md).toContain("**❌ 3 mandatory (the preview fails)** · **⚠️ 4 advisory (a warning)**");
  expect(md).toContain("| ❌ mandatory | `chaser-apikey-no-full-access` | `admin` (chaser:ApiKey) | ApiKey 'admin': fullAccess is true");
  expect(md).toContain("| ⚠️ advisory | `chaser-clone-from-template` | `clone` (chaser:Workspace) | Workspace 'clone': cloneFrom comes from a Workspace");

  // The same program with every mandatory policy lowered to advisory (the README's policy config file): warnings only.
  const lowered = { ...CONFIG, "chaser-apikey-no-full-access": { enforcementLevel: "advisory" }, "chaser-no-owner-role": "advisory", "chaser-workspace-deletion-protection": { enforcementLevel: "advisory", stackPattern: "^test$" } };
  const warned = await previewWithPack(p, lowered);
  expect(violations(warned).map((v) => `${v.policy}: ${v.resource} (${v.level})`)).toEqual(found.map((v) => `${v.policy}: ${v.resource} (advisory)`));
  expect(warned.code).toBe(0);

  // The compliant program: every policy passes (the full-access key is allowed by name in the config).
  p.program(COMPLIANT);
  const good = await previewWithPack(p, CONFIG);
  expect(violations(good)).toEqual([]);
  expect(good.code).toBe(0);
  expect(render(summarize(parsePreview(good.stdout)))).toMatch(/\*\*✅ No policy violations\*\* \(`pulumi-chaser /);
  const passed = new Set(
    good.events
      .split("\n")
      .filter((l) => l.includes("policyAnalyzeStackSummaryEvent") || l.includes("policyAnalyzeSummaryEvent"))
      .flatMap((l) => Object.values(JSON.parse(l)).flatMap((e: any) => e.passed ?? [])),
  );
  expect([...passed].sort()).toEqual([
    "chaser-apikey-max-age",
    "chaser-apikey-no-full-access",
    "chaser-apikey-rotation-triggers",
    "chaser-clone-from-template",
    "chaser-no-owner-role",
    "chaser-sandbox-image-digest",
    "chaser-ssh-key-strength",
    "chaser-workspace-deletion-protection",
  ]);
});

test("chaser-apikey-max-age: a key older than maxAgeDays (from the creation time in state) is reported at preview, with no write", async () => {
  const p = await projectFor(local, "policy-age");
  try {
    p.program(`${HEADER}new chaser.ApiKey("old", { scopes: ["workspaces.read"], rotationTriggers: { rotation: "1" } });\n`);
    const up = await p.up();
    expect({ code: up.code, out: up.code === 0 ? "" : up.stdout }).toEqual({ code: 0, out: "" });
    const fresh = violations(await previewWithPack(p, { "chaser-apikey-max-age": { maxAgeDays: 1 } }));
    expect(fresh.filter((v) => v.policy === "chaser-apikey-max-age")).toEqual([]);
    const aged = await previewWithPack(p, { "chaser-apikey-max-age": { maxAgeDays: 0 } });
    const found = violations(aged).filter((v) => v.policy === "chaser-apikey-max-age");
    expect(found.map((v) => `${v.policy}: ${v.resource} (${v.level})`)).toEqual(["chaser-apikey-max-age: old (advisory)"]);
    expect(aged.code).toBe(0); // advisory: a warning
    expect((await p.destroy()).code).toBe(0);
  } finally {
    p.cleanup();
  }
});
