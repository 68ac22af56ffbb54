/**
 * The workflow files of examples/github-actions, statically: actionlint finds nothing (the pinned actionlint, built
 * by scripts/actionlint.sh; it also runs shellcheck on every `run:` script when shellcheck is installed), and each
 * file keeps the rules its README promises: least permissions, actions pinned to exact release tags with inputs those
 * releases have, secrets named only in the workflow-level `env`, no `${{ }}` inside scripts, the concurrency each
 * needs, and no secret at all in the fork preview. (test/engine/workflows.test.ts runs them.)
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import type { Workflow } from "./support/workflow-runner";

const REPO = path.resolve(__dirname, "..");
const DIR = path.join(REPO, "examples", "github-actions");
const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();
const text = (f: string) => fs.readFileSync(path.join(DIR, f), "utf8");
const wf = (f: string) => parseYaml(text(f)) as Workflow;

/** The inputs of each pinned action, from its action.yml at that tag. */
const PINNED: Record<string, string[]> = {
  "actions/checkout@v7.0.1": ["repository", "ref", "token", "ssh-key", "ssh-known-hosts", "ssh-strict", "ssh-user", "persist-credentials", "path", "clean", "filter", "sparse-checkout", "sparse-checkout-cone-mode", "fetch-depth", "fetch-tags", "show-progress", "lfs", "submodules", "set-safe-directory", "github-server-url", "allow-unsafe-pr-checkout"],
  "actions/setup-node@v7.0.0": ["node-version", "node-version-file", "architecture", "check-latest", "registry-url", "scope", "token", "cache", "package-manager-cache", "cache-dependency-path", "mirror", "mirror-token"],
  "pulumi/actions@v7.0.0": ["command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr", "comment-on-pr-number", "comment-on-summary", "github-token", "cloud-url", "secrets-provider", "parallel", "message", "config-map", "expect-no-changes", "diff", "replace", "exclude", "exclude-dependents", "target", "target-dependents", "policyPacks", "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment", "color", "exclude-protected", "plan", "suppress-outputs", "suppress-progress", "always-include-summary", "continue-on-error", "log-verbosity", "log-flow", "debug"],
  "actions/github-script@v8.0.0": ["script", "github-token", "debug", "user-agent", "previews", "result-encoding", "retries", "retry-exempt-status-codes", "base-url"],
};

const allSteps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);

test("the six workflows are there", () => {
  expect(files).toEqual(["deploy.yml", "drift.yml", "fork-preview.yml", "pr-environment.yml", "pr-sweep.yml", "preview.yml"]);
});

test("actionlint (pinned, installed by scripts/actionlint.sh) reports nothing for any workflow file", () => {
  const bin = execFileSync("bash", [path.join(REPO, "scripts", "actionlint.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop()!;
  expect(execFileSync(bin, ["-version"], { encoding: "utf8" }).split("\n")[0]).toBe("v1.7.12");
  const r = spawnSync(bin, ["-no-color", ...files.map((f) => path.join(DIR, f))], { encoding: "utf8" });
  expect({ code: r.status, findings: `${r.stdout}${r.stderr}` }).toEqual({ code: 0, findings: "" });
  // And it does find problems: the same check on a broken copy fails.
  const broken = path.join(fs.mkdtempSync(path.join(require("node:os").tmpdir(), "actionlint-")), "broken.yml");
  fs.writeFileSync(broken, text("preview.yml").replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    needs: nothing-like-this"));
  const bad = spawnSync(bin, ["-no-color", broken], { encoding: "utf8" });
  expect(bad.status).toBe(1);
  expect(bad.stdout).toContain("nothing-like-this");
});

describe.each(files)("%s", (file) => {
  const w = wf(file);
  const raw = text(file);

  test("has top-level permissions, read-only contents, and write access only where it comments", () => {
    expect(typeof w.permissions).toBe("object");
    const perms = w.permissions as Record<string, string>;
    expect(perms.contents).toBe("read");
    const comments = allSteps(w).some((s) => s.uses?.startsWith("actions/github-script@"));
    // pr-sweep.yml reads the list of open pull requests.
    expect(perms["pull-requests"]).toBe(comments ? "write" : file === "pr-sweep.yml" ? "read" : undefined);
    expect(Object.entries(perms).filter(([k, v]) => v === "write" && k !== "pull-requests")).toEqual([]);
    for (const job of Object.values(w.jobs)) expect(job.permissions).toBeUndefined();
  });

  test("pins every action to an exact release tag, using only inputs that release has", () => {
    for (const step of allSteps(w).filter((s) => s.uses)) {
      expect(step.uses).toMatch(/@v\d+\.\d+\.\d+$/);
      expect(Object.keys(PINNED)).toContain(step.uses);
      for (const input of Object.keys(step.with ?? {})) expect(PINNED[step.uses!]).toContain(input);
    }
  });

  test("names secrets only in the workflow-level env, and puts no expression inside a script", () => {
    const lines = raw.split("\n");
    const envStart = lines.indexOf("env:");
    const envEnd = lines.findIndex((l, i) => i > envStart && /^\S/.test(l));
    lines.forEach((line, i) => {
      if (/secrets\./.test(line.replace(/#.*$/, ""))) expect({ line: i + 1, inWorkflowEnv: i > envStart && i < envEnd }).toEqual({ line: i + 1, inWorkflowEnv: true });
    });
    for (const step of allSteps(w)) if (step.run) expect(step.run).not.toContain("${{");
    for (const job of Object.values(w.jobs)) expect(job.env).toBeUndefined();
  });

  test("installs the pinned Pulumi CLI with pulumi/actions (install only) and runs pulumi itself", () => {
    const engineVersion = /^VERSION=(\S+)$/m.exec(fs.readFileSync(path.join(REPO, "engine", "build.sh"), "utf8"))![1];
    for (const job of Object.values(w.jobs)) {
      const setup = job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@"));
      expect(setup).toHaveLength(1);
      expect(setup[0].with).toEqual({ "pulumi-version": engineVersion });
      // (chaser-sweep runs pulumi destroy and stack rm itself.)
      expect(job.steps.some((s) => /\bpulumi (preview|up|destroy)\b|\bchaser-sweep\b/.test(s.run ?? ""))).toBe(true);
    }
  });
});

test("preview.yml: same-repository pull requests, a sticky comment, previews of old pushes cancelled", () => {
  const w = wf("preview.yml");
  expect(w.on).toEqual({ pull_request: { branches: ["main"] } });
  expect(w.jobs.preview.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  expect(w.concurrency).toEqual({ group: "chaser-preview-${{ github.event.pull_request.number }}", "cancel-in-progress": true });
  expect(allSteps(w).map((s) => s.run ?? "").join("\n")).toMatch(/pulumi preview --stack "\$STACK" --refresh .*--json/);
});

test("deploy.yml: pushes to main, one up at a time and never cancelled", () => {
  const w = wf("deploy.yml");
  expect(w.on).toEqual({ push: { branches: ["main"] }, workflow_dispatch: null });
  expect(w.concurrency).toEqual({ group: "chaser-deploy-prod", "cancel-in-progress": false });
  expect(allSteps(w).map((s) => s.run ?? "").join("\n")).toMatch(/pulumi up --stack "\$STACK" --refresh --yes/);
});

test("drift.yml: scheduled, fails on any change after a refresh", () => {
  const w = wf("drift.yml") as Workflow & { on: { schedule: Array<{ cron: string }> } };
  expect(w.on.schedule).toHaveLength(1);
  expect(allSteps(w).map((s) => s.run ?? "").join("\n")).toMatch(/pulumi preview --stack "\$STACK" --refresh --expect-no-changes/);
});

test("pr-environment.yml: open/reopen/sync → up of pr-<number>; closed → destroy and stack rm; one run per PR at a time", () => {
  const w = wf("pr-environment.yml");
  expect(w.on).toEqual({ pull_request: { types: ["opened", "reopened", "synchronize", "closed"] } });
  expect(w.env?.ENV_STACK).toBe("pr-${{ github.event.pull_request.number }}");
  expect(w.concurrency).toEqual({ group: "chaser-pr-environment-${{ github.event.pull_request.number }}", "cancel-in-progress": false });
  const up = w.jobs.up.steps.map((s) => s.run ?? "").join("\n");
  const destroy = w.jobs.destroy.steps.map((s) => s.run ?? "").join("\n");
  expect(up).toContain('pulumi stack select --create "$ENV_STACK"');
  expect(up).toContain('pulumi up --stack "$ENV_STACK"');
  expect(destroy).toContain('pulumi destroy --stack "$ENV_STACK"');
  expect(destroy).toContain('pulumi stack rm "$ENV_STACK" --yes');
  // Each push records when the environment expires (pr-sweep.yml removes it after that).
  expect(up).toContain('pulumi stack tag set --stack "$ENV_STACK" chaser:expires "$(date -u -d "+$ENV_TTL_DAYS days" +%Y-%m-%dT%H:%M:%SZ)"');
});

test("pr-sweep.yml: scheduled and on demand, one at a time, chaser-sweep given the open pull requests by gh", () => {
  const w = wf("pr-sweep.yml") as Workflow & { on: { schedule: Array<{ cron: string }> } };
  expect(Object.keys(w.on).sort()).toEqual(["schedule", "workflow_dispatch"]);
  expect(w.on.schedule).toHaveLength(1);
  expect(w.concurrency).toEqual({ group: "chaser-pr-environment-sweep", "cancel-in-progress": false });
  expect(w.env?.PROJECT_DIR).toBe(wf("pr-environment.yml").env?.PROJECT_DIR);
  const scripts = allSteps(w).map((s) => s.run ?? "").join("\n");
  expect(scripts).toContain("npx --no -- chaser-sweep");
  expect(scripts).toContain("--open-command \"gh pr list --repo '$GITHUB_REPOSITORY' --state open --limit 1000 --json number --jq '.[].number'\"");
  expect(scripts).toContain("set -o pipefail");
});

test("fork-preview.yml: forks only, no secret or variable anywhere, a local backend and chaser-local", () => {
  const w = wf("fork-preview.yml");
  const raw = text("fork-preview.yml").replace(/#.*$/gm, "");
  expect(raw).not.toMatch(/secrets\.|vars\./);
  expect(w.jobs.preview.if).toBe("github.event.pull_request.head.repo.full_name != github.repository");
  expect(w.permissions).toEqual({ contents: "read" });
  const scripts = allSteps(w).map((s) => s.run ?? "").join("\n");
  expect(scripts).toContain("npx --no -- chaser-local --port 0");
  expect(scripts).toContain('echo "PULUMI_BACKEND_URL=file://$RUNNER_TEMP/pulumi-state"');
  expect(scripts).not.toMatch(/pulumi (up|destroy|refresh)\b/);
});
