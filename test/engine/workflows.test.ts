/**
 * The workflows of examples/github-actions, run offline: each workflow file is parsed and its steps executed in
 * order by test/support/workflow-runner.ts (every `run:` step by bash, as written), with local equivalents of the
 * actions (test/engine/support/actions.ts), against chaser-local and a local file backend shared by the runs, like
 * one repository's history:
 *   a fork's pull request (fork-preview.yml, no secret anywhere) → the first push to main (deploy.yml) → a pull
 *   request previewed and commented on twice (preview.yml) → drift checks around a change made outside Pulumi
 *   (drift.yml, deploy.yml) → a pull request's environment opened, updated and closed (pr-environment.yml).
 * After every step, what chaser-local holds is recorded (printed at the end) and checked where it matters.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { Local } from "../support/local";
import { RunOptions, WorkflowResult, runWorkflow } from "../support/workflow-runner";
import { FakePullRequests, RepoLayout, WORKFLOWS, layRepo, offline, tempRoot } from "./support/actions";
import { PASSPHRASE, engineDir } from "./support/stack";

jest.setTimeout(900_000);

const execFileAsync = promisify(execFile);

const REPOSITORY = "acme/infra";
const root = tempRoot("workflows");
const state = path.join(root, "backend");
const runner = offline(root);
const prs = new FakePullRequests();
let local: Local;
/** One line per step of every run: what it did and what chaser-local held after it. */
const transcript: string[] = [];

beforeAll(async () => {
  local = await Local.start();
  fs.mkdirSync(state, { recursive: true });
});
afterAll(async () => {
  try {
    if (stacks().includes("chaser-quickstart/prod")) {
      await destroyProd();
      transcript.push(`[cleanup] pulumi destroy --stack prod → ${await held(local)}`);
    }
    console.log(`What chaser-local held after each step:\n${transcript.join("\n")}`);
  } finally {
    await local?.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});

/** Leaves nothing behind: destroys the production stack the runs built (in a checkout, as deploy.yml would). */
async function destroyProd(): Promise<void> {
  const dir = path.join(root, "cleanup");
  layRepo(dir, infra());
  const cwd = path.join(dir, "infra");
  const env: Record<string, string> = { ...runner.baseEnv(path.join(dir, "home")), PULUMI_BACKEND_URL: `file://${state}`, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, CHASER_API_KEY: local.rootKey, CHASER_API_URL: local.url };
  env.PATH = `${engineDir()}${path.delimiter}${env.PATH}`;
  // Asynchronously: chaser-local runs in this process and must go on answering.
  for (const [cmd, ...args] of [["npm", "ci"], ["pulumi", "destroy", "--stack", "prod", "--yes", "--non-interactive", "--skip-preview"]]) {
    await execFileAsync(cmd, args, { cwd, env }).catch((e) => {
      throw new Error(`cleanup: ${cmd} ${args.join(" ")} failed:\n${e.stdout}\n${e.stderr}`);
    });
  }
}

/** What a chaser-local server holds, in one line: workspaces (template flag, clone source, snapshots) and live keys. */
async function held(server: { url: string; rootKey: string }): Promise<string> {
  const get = async (p: string) => (await fetch(`${server.url}${p}`, { headers: { authorization: `Bearer ${server.rootKey}` } })).json() as Promise<any>;
  const ws: Array<Record<string, any>> = await get("/v1/workspaces");
  const names = new Map(ws.map((w) => [w.id, w.name]));
  const parts: string[] = [];
  for (const w of [...ws].sort((a, b) => a.name.localeCompare(b.name))) {
    const snaps: Array<Record<string, any>> = await get(`/v1/workspaces/${w.id}/snapshots`);
    let s = w.name;
    if (w.template) s += " (template)";
    if (w.source_workspace_id) s += ` ← ${names.get(w.source_workspace_id) ?? w.source_workspace_id}`;
    if (snaps.length) s += ` [snapshot ${snaps.map((x) => x.name).join(", ")}]`;
    parts.push(s);
  }
  const keys = ((await get("/v1/keys")).keys as Array<Record<string, any>>).filter((k) => !k.revoked_at && k.name !== "root").map((k) => k.name).sort();
  return `workspaces: ${parts.join(", ") || "none"}; keys: ${keys.join(", ") || "none"}`;
}

/** The stacks the shared backend holds, as project/stack. */
function stacks(dir = state): string[] {
  const base = path.join(dir, ".pulumi", "stacks");
  if (!fs.existsSync(base)) return [];
  return fs
    .readdirSync(base)
    .flatMap((project) => fs.readdirSync(path.join(base, project)).filter((f) => f.endsWith(".json")).map((f) => `${project}/${f.replace(/\.json$/, "")}`))
    .sort();
}

interface Run {
  workflow: string;
  label: string;
  event: RunOptions["event"];
  layout: RepoLayout;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** The server whose contents are recorded after each step, given the job's environment (default: the test's). */
  server?: (env: Record<string, string>) => { url: string; rootKey: string } | undefined;
  checkouts?: Array<Record<string, string>>;
}

const held_after: Record<string, string[]> = {};

/** The fork preview's own chaser-local, once its step has started it (its URL is in the job's GITHUB_ENV). */
const jobServer = (env: Record<string, string>) => (env.CHASER_API_URL ? { url: env.CHASER_API_URL, rootKey: env.CHASER_API_KEY } : undefined);

/** Runs one workflow for one event; records after each step what the server holds. */
async function run(r: Run): Promise<WorkflowResult> {
  const dir = path.join(root, "runs", `${Object.keys(held_after).length + 1}-${r.label.replace(/[^a-z0-9]+/gi, "-")}`);
  fs.mkdirSync(dir, { recursive: true });
  const lines: string[] = [];
  held_after[r.label] = lines;
  const result = await runWorkflow(path.join(WORKFLOWS, r.workflow), {
    event: r.event,
    repository: REPOSITORY,
    sha: "1111111111111111111111111111111111111111",
    ref: r.event.name === "push" ? "refs/heads/main" : `refs/pull/${(r.event.payload as any).pull_request?.number}/merge`,
    secrets: r.secrets ?? {},
    vars: r.vars ?? {},
    baseEnv: runner.baseEnv(path.join(dir, "home")),
    actions: runner.actions(r.layout, prs, r.checkouts),
    root: dir,
    afterStep: async (job, step, env) => {
      const server = r.server ? r.server(env) : local;
      const what = server ? await held(server) : "(server not started)";
      lines.push(`${step.name}: ${step.outcome} → ${what}`);
      transcript.push(`[${r.label}] ${job} / ${step.name}: ${step.outcome}${step.exitCode ? ` (exit ${step.exitCode})` : ""} → ${what}`);
    },
  });
  return result;
}

/** Fails with the run's transcript when the run did not end as expected. */
function expectConclusion(result: WorkflowResult, conclusion: "success" | "failure"): void {
  if (result.conclusion !== conclusion) throw new Error(`expected ${conclusion}, got ${result.conclusion}:\n${result.transcript()}`);
}

const pullRequest = (number: number, action: string, opts: { fork?: boolean; sha?: string } = {}) => ({
  name: "pull_request",
  payload: {
    action,
    number,
    pull_request: {
      number,
      head: { sha: opts.sha ?? "abcdef0123456789abcdef0123456789abcdef01", ref: "feature", repo: { full_name: opts.fork ? "contributor/infra" : REPOSITORY } },
      base: { ref: "main", sha: "1111111111111111111111111111111111111111", repo: { full_name: REPOSITORY } },
    },
    repository: { full_name: REPOSITORY },
  },
});
const push = { name: "push", payload: { ref: "refs/heads/main", repository: { full_name: REPOSITORY } } };

const secrets = () => ({ PULUMI_CONFIG_PASSPHRASE: PASSPHRASE, CHASER_API_KEY: local.rootKey });
const vars = () => ({ PULUMI_BACKEND_URL: `file://${state}`, CHASER_API_URL: local.url });
const infra = (edit?: (s: string) => string): RepoLayout => ({ infra: { example: "quickstart", edit } });

/** The pull request's change to examples/quickstart: a new workspace, the key's scopes (a replacement), no snapshot. */
const prChange = (s: string) =>
  s
    .replace('scopes: ["sessions.read", "sessions.write", "workspaces.read"]', 'scopes: ["sessions.read", "sessions.write", "workspaces.read", "workspaces.write"]')
    .replace(/\/\/ A restore point[\s\S]*?\}\);\n/, "")
    .replace("export const snapshotName = baseline.name;\n", "")
    .concat('\nexport const scratch = new chaser.Workspace("scratch", { name: `${prefix}-scratch`, sessionType: "browser" }).name;\n');

test("fork pull request: fork-preview.yml previews offline with no secret; preview.yml stays out", async () => {
  // The same event as seen by preview.yml: its job is for same-repository pull requests only.
  const skipped = await run({ workflow: "preview.yml", label: "fork PR: preview.yml", event: pullRequest(3, "opened", { fork: true }), layout: infra(), secrets: secrets(), vars: vars() });
  expect(skipped.jobs.map((j) => `${j.id}: ${j.outcome}`)).toEqual(["preview: skipped"]);

  // No secrets and no variables given at all, and the runner's environment holds none either.
  const result = await run({
    workflow: "fork-preview.yml",
    label: "fork PR: fork-preview.yml",
    event: pullRequest(3, "opened", { fork: true }),
    layout: infra(),
    server: jobServer,
  });
  expectConclusion(result, "success");
  expect([...result.reads].filter((p) => p.startsWith("secrets") || p.startsWith("vars"))).toEqual([]);
  const job = result.job("preview");
  // The job's own chaser-local and backend (from GITHUB_ENV), not the test's.
  expect(job.env.CHASER_API_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(job.env.CHASER_API_URL).not.toBe(local.url);
  expect(job.env.PULUMI_BACKEND_URL).toBe(`file://${job.runnerTemp}/pulumi-state`);
  expect(job.summary).toContain("### Preview of this pull request (offline: empty stack, chaser-local) (stack `fork-preview`, project `chaser-quickstart`)");
  expect(job.summary).toContain("**4 to create**");
  for (const row of ["`golden` | chaser:Template | create", "`dev` | chaser:Workspace | create", "`baseline` | chaser:Snapshot | create", "`ci` | chaser:ApiKey | create"]) {
    expect(job.summary).toContain(row);
  }
  expect(job.summary).toContain("| name | `fork-preview-golden` |");
  // The job's server held nothing after any step: a preview creates nothing.
  expect(held_after["fork PR: fork-preview.yml"].slice(-3)).toEqual([
    "Start chaser-local and a local backend: success → workspaces: none; keys: none",
    "Preview on an empty stack: success → workspaces: none; keys: none",
    "Summarize the preview: success → workspaces: none; keys: none",
  ]);
  // Nothing reached the test's server (the job's server ended with the job).
  expect(await local.requests()).toEqual([]);
  expect(await held(local)).toBe("workspaces: none; keys: none");
  expect(stacks()).toEqual([]);
}, 300_000);

test("fork-preview.yml validates every input: a bad one fails the job and the summary names it", async () => {
  const result = await run({
    workflow: "fork-preview.yml",
    label: "fork PR with a bad input: fork-preview.yml",
    event: pullRequest(4, "opened", { fork: true }),
    layout: infra((s) => s.replace('"workspaces.read"]', '"workspaces.read", "workspaces.delete" as any]')),
    server: jobServer,
  });
  expectConclusion(result, "failure");
  const job = result.job("preview");
  expect(job.steps.map((s) => `${s.name}: ${s.outcome}`).slice(-3)).toEqual(["Start chaser-local and a local backend: success", "Preview on an empty stack: failure", "Summarize the preview: success"]);
  expect(job.summary).toContain("**❌ The preview failed** with an error");
  expect(job.summary).toContain("`ci` (chaser:ApiKey):");
  expect(job.summary).toMatch(/scopes\[3\]: 'workspaces\.delete' is not a scope; did you mean 'workspaces\.write'\? The scopes are sessions\.read/);
}, 300_000);

test("push to main: deploy.yml creates the stack and applies the program", async () => {
  const result = await run({ workflow: "deploy.yml", label: "push to main: deploy.yml", event: push, layout: infra(), secrets: secrets(), vars: vars() });
  expectConclusion(result, "success");
  const after = held_after["push to main: deploy.yml"];
  expect(after.find((l) => l.startsWith("Select the stack"))).toBe("Select the stack (created on the first run): success → workspaces: none; keys: none");
  expect(await held(local)).toBe("workspaces: prod-dev ← prod-golden [snapshot baseline], prod-golden (template); keys: prod-ci");
  expect(stacks()).toEqual(["chaser-quickstart/prod"]);
  const outputs = result.job("up").summary;
  expect(outputs).toContain("### Outputs of `prod` (secrets hidden)");
  expect(outputs).toMatch(/workspaceName\s+prod-dev\n/);
  expect(outputs).toMatch(/ciKey\s+\[secret\]\n/);
}, 300_000);

test("pull request: preview.yml comments the summary of the preview, then updates that one comment", async () => {
  await local.clearRequests();
  const first = await run({ workflow: "preview.yml", label: "PR #7 opened: preview.yml", event: pullRequest(7, "opened"), layout: infra(prChange), secrets: secrets(), vars: vars() });
  expectConclusion(first, "success");
  const job = first.job("preview");
  // The comment is the command's Markdown (also the job summary), with the marker and a link to the job.
  const comments = prs.on(7);
  expect(comments).toHaveLength(1);
  const md = fs.readFileSync(path.join(job.runnerTemp, "preview.md"), "utf8");
  expect(job.summary).toBe(md);
  expect(comments[0].body).toBe(`<!-- chaser-preview stack=prod -->\n${md.trim()}\n\n<sub>Commit abcdef0 · [job log](https://github.com/acme/infra/actions/runs/${comments[0].body.match(/runs\/(\d+)/)![1]})</sub>`);
  expect(md).toContain("### Preview of prod (stack `prod`, project `chaser-quickstart`)");
  expect(md).toContain("**1 to create, 1 to replace, 1 to delete** · 2 unchanged");
  expect(md).toContain("| 🟢 | `scratch` | chaser:Workspace | create | name, sessionType |");
  expect(md).toContain("| 🟠 | `ci` | chaser:ApiKey | **replace** (create first) | **scopes** (replaces) |");
  expect(md).toContain("| 🔴 | `baseline` | chaser:Snapshot | delete | – |");
  // The policy pack ran (policy-config.json of the example lowers deletion protection to advisory): its section lists the violations.
  expect(md).toMatch(/#### Policy violations \(`pulumi-chaser \d+\.\d+\.\d+[^`]*`\)/);
  expect(md).toContain("| ⚠️ advisory | `chaser-apikey-rotation-triggers` | `ci` (chaser:ApiKey) | ApiKey 'ci': rotationTriggers is not set");
  expect(md).toContain("| ⚠️ advisory | `chaser-workspace-deletion-protection` | `scratch` (chaser:Workspace) | Workspace 'scratch': deletionProtection is not true in stack 'prod'");
  expect(md).toContain("| ⚠️ advisory | `chaser-sandbox-image-digest` | `golden` (chaser:Template) | Template 'golden': image 'ghcr.io/example/dev:latest' is not pinned by digest");
  // A preview writes nothing.
  expect((await local.requests()).filter((r) => r.method !== "GET")).toEqual([]);

  const second = await run({ workflow: "preview.yml", label: "PR #7 synchronize: preview.yml", event: pullRequest(7, "synchronize", { sha: "fedcba9876543210fedcba9876543210fedcba98" }), layout: infra(prChange), secrets: secrets(), vars: vars() });
  expectConclusion(second, "success");
  expect(prs.on(7)).toHaveLength(1);
  expect(prs.calls.slice(-2)).toEqual(["listComments #7", "updateComment 1"]);
  expect(prs.on(7)[0].body).toContain("<sub>Commit fedcba9 ·");
  expect(await held(local)).toBe("workspaces: prod-dev ← prod-golden [snapshot baseline], prod-golden (template); keys: prod-ci");
}, 400_000);

test("drift.yml passes when nothing changed, fails after a rename outside Pulumi, passes after deploy.yml", async () => {
  const clean = await run({ workflow: "drift.yml", label: "schedule: drift.yml", event: { name: "schedule", payload: { schedule: "17 6 * * *" } }, layout: infra(), secrets: secrets(), vars: vars() });
  expectConclusion(clean, "success");
  expect(clean.job("drift").summary).toContain("**No changes.** (4 unchanged)");

  const dev = (await local.workspaces()).find((w) => w.name === "prod-dev")!;
  // Renamed by hand, with another key of root's (a laptop's): the failure and the summary name who, from the audit log.
  const { key: laptop, id: laptopId } = await local.createKey({ name: "laptop" });
  expect((await local.api("PUT", `/v1/workspaces/${dev.id}/name`, { name: "renamed-by-hand" }, { key: laptop })).status).toBe(200);
  const drifted = await run({ workflow: "drift.yml", label: "schedule after a rename: drift.yml", event: { name: "schedule", payload: {} }, layout: infra(), secrets: secrets(), vars: vars() });
  expectConclusion(drifted, "failure");
  const summary = drifted.job("drift").summary;
  expect(summary).toContain("### Drift check of prod");
  expect(summary).toContain("| 🟡 | `dev` | chaser:Workspace | update | name |");
  expect(summary).toContain("| name | `renamed-by-hand` | `prod-dev` |");
  const failing = drifted.job("drift").steps.find((s) => s.name.startsWith("Refresh and preview"))!;
  expect(failing.stderr).toContain("no changes were expected");
  const who = `renamed from 'prod-dev' to 'renamed-by-hand' by root@chaser.local (user, key ${laptop.slice(0, 6)}`;
  expect(failing.stdout).toMatch(/^::error title=Changed outside Pulumi::dev \(chaser:Workspace\) changed outside Pulumi: renamed from 'prod-dev' to 'renamed-by-hand' by root@chaser\.local \(user, key sk_\S+…\) at \d{4}-\d\d-\d\d \d\d:\d\d UTC$/m);
  expect(failing.stdout).toContain(who);
  expect(summary).toContain("> **Changed outside Pulumi** (found by the refresh; the account's audit log says who and when):");
  expect(summary).toContain(`> - \`dev\` (chaser:Workspace) changed: ${who}`);
  expect((await local.api("DELETE", `/v1/keys/${laptopId}`)).status).toBe(204);

  const repaired = await run({ workflow: "deploy.yml", label: "manual deploy: deploy.yml", event: { name: "workflow_dispatch", payload: {} }, layout: infra(), secrets: secrets(), vars: vars() });
  expectConclusion(repaired, "success");
  expect(await held(local)).toBe("workspaces: prod-dev ← prod-golden [snapshot baseline], prod-golden (template); keys: prod-ci");
  const again = await run({ workflow: "drift.yml", label: "schedule after the deploy: drift.yml", event: { name: "schedule", payload: {} }, layout: infra(), secrets: secrets(), vars: vars() });
  expectConclusion(again, "success");
}, 500_000);

test("pr-environment.yml: opened → up of stack pr-12, synchronize → update, closed → destroy and stack rm", async () => {
  const prod = "prod-dev ← prod-golden [snapshot baseline], prod-golden (template)";
  const prEnv = (edit?: (s: string) => string): RepoLayout => ({ "pr-environment": { example: "pr-environment", edit } });

  const opened = await run({ workflow: "pr-environment.yml", label: "PR #12 opened: pr-environment.yml", event: pullRequest(12, "opened"), layout: prEnv(), secrets: secrets(), vars: vars() });
  expectConclusion(opened, "success");
  expect(opened.jobs.map((j) => `${j.id}: ${j.outcome}`)).toEqual(["up: success", "destroy: skipped"]);
  expect(await held(local)).toBe(`workspaces: pr-12-app ← prod-golden, ${prod}; keys: pr-12-ci, prod-ci`);
  expect(stacks()).toEqual(["chaser-pr-environment/pr-12", "chaser-quickstart/prod"]);
  const cloned = (await local.workspaces()).find((w) => w.name === "pr-12-app")!;
  expect(cloned.session_type).toBe("sandbox");
  expect(prs.on(12)).toHaveLength(1);
  expect(prs.on(12)[0].body).toContain(`| Workspace | \`pr-12-app\` (\`${cloned.id}\`) |`);
  expect(prs.on(12)[0].body).toContain("| Cloned from | `prod-golden` (sandbox) |");

  // A new commit renames the environment's workspace and adds a restore point.
  const synced = await run({
    workflow: "pr-environment.yml",
    label: "PR #12 synchronize: pr-environment.yml",
    event: pullRequest(12, "synchronize", { sha: "2222222222222222222222222222222222222222" }),
    layout: prEnv((s) => s.replace("name: `${env}-app`", "name: `${env}-web`").replace('const snapshot = config.get("snapshot");', 'const snapshot = config.get("snapshot") ?? "seed";')),
    secrets: secrets(),
    vars: vars(),
  });
  expectConclusion(synced, "success");
  expect(await held(local)).toBe(`workspaces: pr-12-web ← prod-golden [snapshot seed], ${prod}; keys: pr-12-ci, prod-ci`);
  expect((await local.workspaces()).find((w) => w.name === "pr-12-web")!.id).toBe(cloned.id); // renamed in place
  expect(prs.on(12)).toHaveLength(1);
  expect(prs.on(12)[0].body).toContain("`pr-12-web`");
  expect(prs.on(12)[0].body).toContain("Up to date with 2222222.");

  const checkouts: Array<Record<string, string>> = [];
  const closed = await run({ workflow: "pr-environment.yml", label: "PR #12 closed: pr-environment.yml", event: pullRequest(12, "closed", { sha: "2222222222222222222222222222222222222222" }), layout: prEnv(), secrets: secrets(), vars: vars(), checkouts });
  expectConclusion(closed, "success");
  expect(closed.jobs.map((j) => `${j.id}: ${j.outcome}`)).toEqual(["up: skipped", "destroy: success"]);
  expect(checkouts).toEqual([{ ref: "2222222222222222222222222222222222222222", "persist-credentials": "false" }]);
  const after = held_after["PR #12 closed: pr-environment.yml"];
  expect(after.find((l) => l.startsWith("Destroy the environment"))).toBe(`Destroy the environment and remove its stack: success → workspaces: ${prod}; keys: prod-ci`);
  expect(await held(local)).toBe(`workspaces: ${prod}; keys: prod-ci`);
  expect(stacks()).toEqual(["chaser-quickstart/prod"]);
  expect(prs.on(12)[0].body).toContain("Destroyed, and its stack removed, when the pull request closed.");

  // Closing again (a re-run, or a pull request whose environment never came up) finds nothing to do.
  const again = await run({ workflow: "pr-environment.yml", label: "PR #12 closed again: pr-environment.yml", event: pullRequest(12, "closed"), layout: prEnv(), secrets: secrets(), vars: vars() });
  expectConclusion(again, "success");
  expect(again.job("destroy").steps.find((s) => s.name.startsWith("Destroy"))!.stdout).toContain("No stack pr-12 (the environment was never created): nothing to destroy.");
}, 600_000);
