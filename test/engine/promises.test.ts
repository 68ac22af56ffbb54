/**
 * The promises the README makes, kept through the real engine: waits on the API are told in the engine's output;
 * a bad `chaser:apiUrl` fails the preview; after the key is rotated, `pulumi refresh` says what to do and the
 * advice works; an alias changes nothing; a Template flagging a Workspace of the same program leaves no stale
 * output.
 */
import { Local } from "../support/local";
import { Step, runScenario } from "./support/scenario";
import { HEADER, Project, changes, expectOk, projectFor } from "./support/stack";

jest.setTimeout(600_000);

const local = Local.forSuite();

test("a create that waits on the API (429s, 503s) says so in the engine's output, beside the resource", async () => {
  await runScenario(local, "waits", [
    {
      name: "rate limited twice, then unavailable once",
      program: `${HEADER}new chaser.Workspace("patient", { name: "patient-ws", sessionType: "sandbox" });`,
      faults: [
        { kind: "429", method: "POST", count: 2, retryAfter: 1 },
        { kind: "503", method: "POST", count: 1 },
      ],
      up: ["create patient"],
      after: async (_p, up) => {
        const told = up.events
          .split("\n")
          .filter((l) => l.includes("diagnosticEvent") && l.includes("waiting for the Chaser API"))
          .map((l) => JSON.parse(l).diagnosticEvent);
        expect(told.length).toBeGreaterThanOrEqual(2);
        // Attached to the resource it delays (the URN the engine knows it by), as information.
        expect(new Set(told.map((d) => d.urn))).toEqual(new Set(["urn:pulumi:test::waits::pulumi-nodejs:dynamic/chaser:Workspace::patient"]));
        expect(told.map((d) => d.message).join("")).toMatch(/rate limited \(429\) on POST \/v1\/workspaces, attempt 2 in 1 s/);
        expect(told.every((d) => d.severity === "info" || d.severity === "info#err")).toBe(true);
      },
    },
  ]);
});

test("a malformed or plain-http chaser:apiUrl fails the preview, before anything is sent", async () => {
  const p = await projectFor(local, "badurl");
  try {
    p.program(`${HEADER}new chaser.Workspace("w", { sessionType: "browser" });`);
    for (const [url, said] of [
      ["not a url", /chaser:apiUrl: apiUrl 'not a url' is not a valid URL/],
      ["http://api.example.com", /chaser:apiUrl: apiUrl 'http:\/\/api.example.com' uses plain http:\/\/ to a non-loopback host/],
    ] as const) {
      await p.ok(["config", "set", "chaser:apiUrl", url]);
      await local.clearRequests();
      const r = await p.preview();
      expect(r.code).not.toBe(0);
      expect(r.diagnostics.join("\n")).toMatch(said);
      expect(await local.requests()).toEqual([]);
    }
  } finally {
    p.cleanup();
  }
});

test("after the provider's key is rotated, refresh says what to do in one message, and that advice works", async () => {
  const old = await local.createKey({ name: "first" });
  const p = await projectFor(local, "rotate");
  try {
    await p.ok(["config", "set", "--secret", "chaser:apiKey", old.key]);
    p.program(`${HEADER}new chaser.Workspace("w", { name: "rotate-ws", sessionType: "browser" });`);
    expectOk(await p.up());
    // The key is rotated: a new one in the stack's config, the old one revoked.
    const fresh = await local.createKey({ name: "second" });
    await p.ok(["config", "set", "--secret", "chaser:apiKey", fresh.key]);
    await local.api("DELETE", `/v1/keys/${old.id}`);

    const r = await p.refresh();
    expect(r.code).not.toBe(0);
    const said = r.diagnostics.join("\n");
    expect(said).toMatch(/refused the API key .* `pulumi refresh` and `pulumi destroy` use the provider configuration stored by the stack's last update: after changing or rotating the key, run `pulumi up` \(or `pulumi refresh --run-program`\) once/);
    // One message, not a stack trace.
    expect(said).not.toMatch(/\n\s+at /);
    expect(r.diagnostics.filter((d) => /refused the API key/.test(d))).toHaveLength(1);

    expectOk(await p.refresh(["--run-program"]));
    expectOk(await p.refresh());
    expect(changes(expectOk(await p.preview()))).toEqual([]);
    expectOk(await p.destroy());
  } finally {
    p.cleanup();
  }
});

test("an alias renames the resource in the stack and nothing on the server", async () => {
  await runScenario(local, "alias", [
    {
      name: "auto-named resources",
      program: `${HEADER}const ws = new chaser.Workspace("old", { sessionType: "sandbox" });
new chaser.Snapshot("snap", { workspace: ws.workspaceId });
new chaser.ApiKey("key", { scopes: ["keys.read"] });`,
      up: ["create old", "create snap", "create key"],
    },
    {
      name: "the workspace and the key renamed with aliases: the engine reports no change, the server sees no write",
      program: `${HEADER}const ws = new chaser.Workspace("new", { sessionType: "sandbox" }, { aliases: [{ name: "old" }] });
new chaser.Snapshot("snap", { workspace: ws.workspaceId });
new chaser.ApiKey("key2", { scopes: ["keys.read"] }, { aliases: [{ name: "key" }] });`,
      before: async () => {
        await local.clearRequests();
      },
      preview: [],
      up: [],
      after: async () => {
        expect((await local.requests()).filter((r) => r.method !== "GET")).toEqual([]);
      },
    },
  ]);
});

test("a Template flagging a Workspace of the same program: steady, and no output says otherwise", async () => {
  await runScenario(local, "stale", [
    {
      name: "a workspace and the template that flags it",
      program: `${HEADER}const base = new chaser.Workspace("base", { name: "stale-base", sessionType: "browser" });
const tpl = new chaser.Template("tpl", { workspace: base.workspaceId });
exports.flag = tpl.template; exports.baseOutputs = base.template;`,
      up: ["create base", "create tpl"],
      after: async (p) => {
        // The Template says true (as the server does); the Workspace holds no copy of the flag to go stale.
        expect(await p.outputs()).toEqual({ flag: true });
        const ws = (await p.exportState()).resources.find((r) => r.urn.endsWith("::base"))!;
        expect(Object.keys(ws.outputs)).not.toContain("template");
        expect((await local.workspaces())[0].template).toBe(true);
      },
    },
  ]);
});

test("installed through a symlink (npm workspaces, npm link): the engine serializes the providers and runs them", async () => {
  const p = Project.create("linked", { symlink: true });
  try {
    await p.init({ "chaser:apiUrl": local.url }, { "chaser:apiKey": local.rootKey });
    const steps: Step[] = [
      {
        name: "every resource through the symlinked package",
        program: `${HEADER}const ws = new chaser.Workspace("ws", { sessionType: "sandbox" });
new chaser.Template("tpl", { workspace: ws.workspaceId });
new chaser.Snapshot("snap", { workspace: ws.workspaceId });
new chaser.ApiKey("key", { scopes: ["keys.read"] });`,
        up: ["create ws", "create tpl", "create snap", "create key"],
        after: async (proj) => {
          // The package is not under a node_modules by its real path: each provider requires it by name at run time.
          const state = await proj.exportState();
          const provider = String(state.resources.find((r) => r.urn.endsWith("::ws"))!.inputs.__provider);
          expect(provider).toContain("pulumi-chaser/dist/provider/resources/workspace.js");
          expect(provider).not.toMatch(/zod|undici/);
        },
      },
    ];
    await runScenario(local, "linked", steps, { project: async () => p });
  } finally {
    p.cleanup();
  }
});

test("a preview of an update tells the truth about dependents: a rename replaces nothing that uses the workspace id", async () => {
  const program = (name: string) => `${HEADER}const ws = new chaser.Workspace("ws", { name: "${name}", sessionType: "sandbox" });
new chaser.Snapshot("snap", { workspace: ws.workspaceId, name: "kept" });
new chaser.Workspace("clone", { name: "clone-of-${name}".slice(0, 0) + "the-clone", cloneFrom: ws.workspaceId });
const key = new chaser.ApiKey("key", { scopes: ["keys.read"] });
exports.keyId = key.keyId;`;
  await runScenario(local, "truthful", [
    { name: "create", program: program("first-name"), up: ["create ws", "create snap", "create clone", "create key"] },
    { name: "rename: the preview and the up agree on one in-place update", program: program("second-name"), preview: ["update ws"], up: ["update ws"] },
  ]);
});

test("Workspace.get reads an existing workspace into a program; destroy leaves it alone", async () => {
  const w = (await local.api<any>("POST", "/v1/workspaces", { name: "existing-box", session_type: "sandbox" })).body;
  await local.clearRequests();
  await runScenario(
    local,
    "get",
    [
      {
        name: "read by id",
        program: `${HEADER}const seen = chaser.Workspace.get("seen", ${JSON.stringify(w.id)});
exports.name = seen.name; exports.type = seen.sessionType; exports.id = seen.workspaceId;
exports.isWorkspace = chaser.Workspace.isInstance(seen); exports.isTemplate = chaser.Template.isInstance(seen);`,
        up: ["read seen"],
        after: async (p) => {
          expect(await p.outputs()).toEqual({ name: "existing-box", type: "sandbox", id: w.id, isWorkspace: true, isTemplate: false });
          expect((await local.requests()).filter((r) => r.method !== "GET")).toEqual([]);
        },
      },
    ],
    { empty: async () => expect((await local.workspaces()).map((x) => x.name)).toEqual(["existing-box"]) },
  );
});
