/**
 * The `chaser` provider plugin through the real engine: `pulumi import` of every resource kind (reads only, then an
 * empty preview of the program that declares them; what it imports is protected, so destroy refuses it until
 * `pulumi state unprotect`, or it is imported with `--protect=false`), the `import` resource option, and a stack of dynamic
 * resources moved to the plugin by changing its import (no API write, no change, destroyed by the plugin).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { RESOURCES, TOKENS } from "../../provider/registry";
import { Local, writesTo } from "../support/local";
import { HEADER, Project, changes, expectOk, headerOf } from "./support/stack";
import { expectServerEmpty, expectSteady } from "./support/scenario";

jest.setTimeout(900_000);

const local = Local.forSuite();

const PLUGIN_HEADER = headerOf("plugin");

function sshKey(comment: string): string {
  const str = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  const blob = Buffer.concat([str(Buffer.from("ssh-ed25519")), str(randomBytes(32))]);
  return `ssh-ed25519 ${blob.toString("base64")} ${comment}`;
}

test("pulumi import: every resource kind by its documented id, with reads only; the program then previews and refreshes empty", async () => {
  // Everything in an organization (service accounts and members exist only there), made with the API directly.
  const org = await local.api<{ id: string }>("POST", "/v1/accounts/organizations", { name: "Imports" });
  expect(org.status).toBe(201);
  const ownerKey = (await local.api<{ key: string }>("POST", "/v1/keys", { name: "imports-owner" }, { key: local.sessionToken(), account: "Imports" })).body.key;
  const as = { key: ownerKey };
  const post = async (p: string, body: unknown) => {
    const r = await local.api<any>("POST", p, body, as);
    expect([200, 201]).toContain(r.status);
    return r.body;
  };
  const ws = await post("/v1/workspaces", { name: "imp-ws", session_type: "sandbox", image: "ghcr.io/acme/dev:1" });
  const tpl = await post("/v1/workspaces", { name: "imp-tpl", session_type: "browser" });
  expect((await local.api("PUT", `/v1/workspaces/${tpl.id}/template`, { template: true }, as)).status).toBe(200);
  await post(`/v1/workspaces/${ws.id}/snapshots`, { name: "imp-snap" });
  const key = await post("/v1/keys", { name: "imp-key", scopes: ["workspaces.read", "workspaces.write"] });
  const sa = await post("/v1/accounts/current/service-accounts", { name: "imp-ci" });
  const member = await post("/v1/accounts/current/members", { email: "carol@example.com", role: "member" });
  const publicKey = sshKey("imp@ci");
  const ssh = await post("/v1/ssh-keys", { public_key: publicKey });

  const p = Project.create("imports", { flavour: "plugin" });
  try {
    await p.init({ "chaser:apiUrl": local.url, "chaser:account": "Imports" }, { "chaser:apiKey": ownerKey });
    p.program(`${PLUGIN_HEADER}`);
    const ids: Record<string, string> = {
      Workspace: ws.id,
      Template: tpl.id,
      Snapshot: `${ws.id}/imp-snap`,
      ApiKey: key.id,
      ServiceAccount: sa.id,
      OrganizationMember: member.user_id,
      SshKey: ssh.id,
    };
    // Every kind of object; a WorkspaceCommand is a command that ran, not an object to import (declared, it runs).
    expect(Object.keys(ids).sort()).toEqual(RESOURCES.map((r) => r.name).filter((n) => n !== "WorkspaceCommand").sort());
    await local.clearRequests();

    // The README's first form, one object: `pulumi import` protects what it imports, so destroy refuses it (nothing
    // sent) until `pulumi state unprotect`, as the README's import section says.
    const single = await p.run(["import", TOKENS.plugin("Workspace"), "workspace", ws.id, "--yes", "--non-interactive", "--out", path.join(p.root, "single.ts")]);
    expect({ code: single.code, out: single.code === 0 ? "" : single.stdout + single.stderr }).toEqual({ code: 0, out: "" });
    expect(fs.readFileSync(path.join(p.root, "single.ts"), "utf8")).toContain("protect: true");
    const wsState = (await p.exportState()).resources.find((r) => r.urn.endsWith("::workspace"))!;
    expect(wsState.protect).toBe(true);
    const refused = await p.destroy();
    expect(refused.code).not.toBe(0);
    expect(refused.diagnostics.join("\n")).toContain(`resource "${wsState.urn}" cannot be deleted\nbecause it is protected.`);
    expect(refused.diagnostics.join("\n")).toContain(`\`pulumi state unprotect '${wsState.urn}'\``);
    expect(await writesTo(local)).toEqual([]);
    await p.ok(["state", "unprotect", wsState.urn, "--yes"]);
    expect((await p.exportState()).resources.find((r) => r.urn === wsState.urn)?.protect ?? false).toBe(false);

    // The rest with `--protect=false`: imported unprotected (the final destroy deletes them all).
    const file = path.join(p.root, "import.json");
    const rest = Object.entries(ids).filter(([type]) => type !== "Workspace");
    fs.writeFileSync(file, JSON.stringify({ resources: rest.map(([type, id]) => ({ type: TOKENS.plugin(type), name: type.toLowerCase(), id })) }));
    const imported = await p.run(["import", "--file", file, "--yes", "--non-interactive", "--protect=false", "--out", path.join(p.root, "generated.ts")]);
    expect({ code: imported.code, out: imported.code === 0 ? "" : imported.stdout + imported.stderr }).toEqual({ code: 0, out: "" });
    expect(await writesTo(local)).toEqual([]);
    expect((await p.exportState()).resources.filter((r) => r.protect).map((r) => r.urn)).toEqual([]);
    // The code `pulumi import` prints (Pulumi's TypeScript generator, from the plugin's schema) declares them.
    const generated = fs.readFileSync(path.join(p.root, "single.ts"), "utf8") + fs.readFileSync(path.join(p.root, "generated.ts"), "utf8");
    expect(fs.readFileSync(path.join(p.root, "generated.ts"), "utf8")).not.toContain("protect: true");
    for (const name of Object.keys(ids)) expect(generated).toContain(`new chaser.${name}("${name.toLowerCase()}"`);
    expect(generated).toContain(`from "pulumi-chaser/plugin"`);
    expect(generated).toMatch(/workspace: (workspace\.id|"[0-9a-f-]+")/);
    expect(generated).toContain("publicKey:");
    // The key's secret exists once, at creation: the import says it has none.
    expect(imported.stdout + imported.stderr).toMatch(/imported without its key: the API shows it only once/);
    const state = await p.exportState();
    const inputs = (name: string) => state.resources.find((r) => r.urn.endsWith(`::${name}`))?.inputs;
    expect(inputs("snapshot")).toMatchObject({ workspace: ws.id, name: "imp-snap" });
    expect(inputs("sshkey")).toMatchObject({ publicKey });
    expect(inputs("workspace")).toMatchObject({ name: "imp-ws", sessionType: "sandbox", image: "ghcr.io/acme/dev:1" });

    // The program that declares what was imported (as `pulumi import` suggested it) changes nothing.
    p.program(`${PLUGIN_HEADER}
new chaser.Workspace("workspace", { name: "imp-ws", sessionType: "sandbox", image: "ghcr.io/acme/dev:1" });
new chaser.Template("template", { name: "imp-tpl", sessionType: "browser" });
new chaser.Snapshot("snapshot", { workspace: "${ws.id}", name: "imp-snap" });
new chaser.ApiKey("apikey", { name: "imp-key", scopes: ["workspaces.read", "workspaces.write"] });
new chaser.ServiceAccount("serviceaccount", { name: "imp-ci" });
new chaser.OrganizationMember("organizationmember", { email: "carol@example.com", role: "member" });
new chaser.SshKey("sshkey", { publicKey: ${JSON.stringify(publicKey)} });
`);
    const preview = expectOk(await p.preview());
    expect(changes(preview)).toEqual([]);
    await expectSteady(p, "after import");
    expect(await writesTo(local)).toEqual([]);

    // The `import` option: the snapshot forgotten by the stack, then adopted by the program with reads only.
    await p.ok(["state", "delete", state.resources.find((r) => r.urn.endsWith("::snapshot"))!.urn, "--yes"]);
    p.program(fs.readFileSync(path.join(p.dir, "index.js"), "utf8").replace(`name: "imp-snap" }`, `name: "imp-snap" }, { import: "${ws.id}/imp-snap" }`));
    const adopted = expectOk(await p.up());
    expect(changes(adopted)).toEqual(["import snapshot"]);
    expect(await writesTo(local)).toEqual([]);

    expectOk(await p.destroy());
    expect((await local.api<any[]>("GET", "/v1/workspaces", undefined, as)).body).toEqual([]);
    const sas = (await local.api<any[]>("GET", "/v1/accounts/current/service-accounts", undefined, as)).body;
    expect(sas).toEqual([]);
  } finally {
    p.cleanup();
  }
});

test("a stack of dynamic resources moves to the plugin by changing its import: no change, no API write, destroyed by the plugin", async () => {
  const program = (header: string) => `${header}
const base = new chaser.Workspace("base", { sessionType: "sandbox", image: "ghcr.io/acme/dev:1" });
const tpl = new chaser.Template("tpl", { workspace: base.workspaceId });
const snap = new chaser.Snapshot("snap", { workspace: base.workspaceId });
const key = new chaser.ApiKey("key", { scopes: ["workspaces.read"] });
exports.key = key.key; exports.base = base.name;
`;
  const p = Project.create("move", { flavour: "plugin" });
  try {
    await p.init({ "chaser:apiUrl": local.url }, { "chaser:apiKey": local.rootKey });
    p.program(program(HEADER));
    expect(changes(expectOk(await p.up()))).toEqual(expect.arrayContaining(["create base", "create tpl", "create snap", "create key"]));
    const before = await p.outputs(true);
    await local.clearRequests();

    p.program(program(PLUGIN_HEADER));
    const preview = expectOk(await p.preview());
    expect(changes(preview)).toEqual([]);
    const up = expectOk(await p.up());
    expect(changes(up)).toEqual([]);
    expect(await writesTo(local)).toEqual([]);
    const state = await p.exportState();
    const types = state.resources.filter((r) => !r.type.startsWith("pulumi:")).map((r) => r.type).sort();
    expect(types).toEqual(["Snapshot", "Template", "Workspace", "ApiKey"].map((t) => TOKENS.plugin(t)).sort());
    // The same objects, the same auto-names, the key's secret kept (it exists once).
    expect(await p.outputs(true)).toEqual(before);
    await expectSteady(p, "moved to the plugin");
    expect(await writesTo(local)).toEqual([]);
    expectOk(await p.destroy());
    await expectServerEmpty(local);
  } finally {
    p.cleanup();
  }
});
