/**
 * Local equivalents of the actions examples/github-actions uses, for test/support/workflow-runner.ts, and the
 * offline runner around them: a repository laid out from the examples (checkout), the engine already built
 * (pulumi/actions installing the pinned CLI), the machine's Node (setup-node), github-script run in-process against
 * a fake of the GitHub API that keeps the pull request's comments, and an `npm` that does `npm ci` offline (this
 * package as `npm pack` publishes it, with its bins linked, plus the repository's dependencies).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import type { ActionCall, ActionHandler } from "../../support/workflow-runner";
import { packedPackage } from "../../support/pack";
import { REPO, engineDir } from "./stack";

export const WORKFLOWS = path.join(REPO, "examples", "github-actions");

/** The files of an example program (what a repository holds: no node_modules, no lock file). */
const PROGRAM_FILES = ["Pulumi.yaml", "index.ts", "package.json", "tsconfig.json", ".npmrc", "policy-config.json"];

/** A repository: directory inside it → example program, with optional edits of index.ts (a pull request's change). */
export interface RepoLayout {
  [dir: string]: { example: string; edit?: (source: string) => string };
}

export function layRepo(dest: string, layout: RepoLayout): void {
  for (const [dir, { example, edit }] of Object.entries(layout)) {
    const to = path.join(dest, dir);
    fs.mkdirSync(to, { recursive: true });
    for (const f of PROGRAM_FILES) {
      const from = path.join(REPO, "examples", example, f);
      if (fs.existsSync(from)) fs.copyFileSync(from, path.join(to, f));
    }
    if (edit) {
      const file = path.join(to, "index.ts");
      const before = fs.readFileSync(file, "utf8");
      const after = edit(before);
      if (after === before) throw new Error(`the edit of ${dir}/index.ts changed nothing`);
      fs.writeFileSync(file, after);
    }
  }
}

/** One pull request's comments, as the GitHub API would keep them. */
export class FakePullRequests {
  comments: Array<{ id: number; issue: number; body: string; user: { login: string; type: string } }> = [];
  calls: string[] = [];
  private next = 1;

  client() {
    const rest = {
      issues: {
        listComments: async (p: { issue_number: number }) => {
          this.calls.push(`listComments #${p.issue_number}`);
          return { data: this.comments.filter((c) => c.issue === p.issue_number) };
        },
        createComment: async (p: { issue_number: number; body: string }) => {
          this.calls.push(`createComment #${p.issue_number}`);
          const c = { id: this.next++, issue: p.issue_number, body: p.body, user: { login: "github-actions[bot]", type: "Bot" } };
          this.comments.push(c);
          return { data: c };
        },
        updateComment: async (p: { comment_id: number; body: string }) => {
          this.calls.push(`updateComment ${p.comment_id}`);
          const c = this.comments.find((x) => x.id === p.comment_id);
          if (!c) throw new Error(`no comment ${p.comment_id}`);
          c.body = p.body;
          return { data: c };
        },
      },
    };
    return { rest, paginate: async (fn: (p: any) => Promise<{ data: unknown[] }>, params: any) => (await fn(params)).data };
  }

  on(issue: number) {
    return this.comments.filter((c) => c.issue === issue);
  }
}

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor;

/** The pulumi CLI version of the engine the tests use ("3.248.0"). */
export function engineVersion(): string {
  return execFileSync(path.join(engineDir(), "pulumi"), ["version"], { encoding: "utf8" }).trim().replace(/^v/, "");
}

export interface Offline {
  /** The runner's environment: PATH (the offline npm first), HOME; nothing from the test process. */
  baseEnv(home: string): Record<string, string>;
  /** Handlers for actions/checkout (laying `layout`), actions/setup-node, pulumi/actions, actions/github-script. */
  actions(layout: RepoLayout, prs: FakePullRequests, checkouts?: Array<Record<string, string>>): Record<string, ActionHandler>;
}

/**
 * Sets up the offline npm once (in `dir`) and returns the runner's pieces.
 * long: the offline npm registry, its shims and every action handler the workflows use, set up together in the order npm needs them
 */
export function offline(dir: string): Offline {
  const shims = path.join(dir, "shims");
  fs.mkdirSync(shims, { recursive: true });
  const systemPath = "/usr/local/bin:/usr/bin:/bin";
  const nodeDir = path.dirname(process.execPath);
  const pathDirs = [nodeDir, ...systemPath.split(":")].filter((d, i, a) => a.indexOf(d) === i);
  const realNpm = pathDirs.map((d) => path.join(d, "npm")).find((f) => fs.existsSync(f));
  if (!realNpm) throw new Error("npm not found");
  const packed = packedPackage().dir;
  // `npm ci`, offline: this package as published, its bins linked as npm links them, and the repository's
  // dependencies (the lock file of a user's repository is not part of the examples). Anything else: the real npm.
  fs.writeFileSync(
    path.join(shims, "npm"),
    `#!${process.execPath}
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const args = process.argv.slice(2);
if (args[0] !== "ci") {
  const r = require("node:child_process").spawnSync(${JSON.stringify(realNpm)}, args, { stdio: "inherit" });
  process.exit(r.status === null ? 1 : r.status);
}
const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
if (!(pkg.dependencies || {})["pulumi-chaser"]) { console.error("npm ci (offline): package.json does not depend on pulumi-chaser"); process.exit(1); }
fs.rmSync("node_modules", { recursive: true, force: true });
fs.mkdirSync("node_modules/.bin", { recursive: true });
fs.cpSync(${JSON.stringify(packed)}, "node_modules/pulumi-chaser", { recursive: true });
const repoModules = ${JSON.stringify(path.join(REPO, "node_modules"))};
let n = 1;
for (const e of fs.readdirSync(repoModules)) {
  if (e === "pulumi-chaser" || e.startsWith(".")) continue;
  fs.symlinkSync(path.join(repoModules, e), path.join("node_modules", e));
  n++;
}
const bins = JSON.parse(fs.readFileSync("node_modules/pulumi-chaser/package.json", "utf8")).bin || {};
for (const [name, file] of Object.entries(bins)) {
  fs.symlinkSync(path.join("..", "pulumi-chaser", file), path.join("node_modules", ".bin", name));
  fs.chmodSync(path.join("node_modules", "pulumi-chaser", file), 0o755);
}
console.log("added " + n + " packages offline (pulumi-chaser as packed; bins: " + Object.keys(bins).join(", ") + ")");
`,
  );
  fs.chmodSync(path.join(shims, "npm"), 0o755);

  const version = engineVersion();
  return {
    baseEnv: (home) => {
      fs.mkdirSync(home, { recursive: true });
      return {
        PATH: [shims, ...pathDirs].join(path.delimiter),
        HOME: home,
        LANG: "C.UTF-8",
        // The runner is offline: plugins come only from the engine directory.
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      };
    },
    actions: (layout, prs, checkouts) => ({
      "actions/checkout": (call: ActionCall) => {
        checkouts?.push(call.with);
        layRepo(call.workspace, layout);
        call.log(`checked out ${Object.keys(layout).join(", ")}`);
      },
      "actions/setup-node": (call: ActionCall) => {
        const want = call.with["node-version"];
        const have = process.versions.node;
        if (want.split(".")[0] !== have.split(".")[0]) throw new Error(`setup-node asks for Node ${want}; this machine has ${have}`);
        call.log(`node ${have}`);
      },
      "pulumi/actions": (call: ActionCall) => {
        if (call.with.command) throw new Error(`pulumi/actions is used only to install the CLI here, not to run '${call.with.command}'`);
        if (call.with["pulumi-version"] !== version) throw new Error(`pulumi/actions installs ${call.with["pulumi-version"]}; the engine here is ${version}`);
        call.addPath(engineDir());
        call.log(`pulumi ${version} from ${engineDir()}`);
      },
      "actions/github-script": async (call: ActionCall) => {
        const payload = call.event as Record<string, any>;
        const [owner, repo] = String(call.env.GITHUB_REPOSITORY).split("/");
        const context = {
          eventName: call.env.GITHUB_EVENT_NAME,
          payload,
          repo: { owner, repo },
          issue: { owner, repo, number: payload.pull_request?.number ?? payload.issue?.number },
          serverUrl: call.env.GITHUB_SERVER_URL,
          runId: Number(call.env.GITHUB_RUN_ID),
          sha: call.env.GITHUB_SHA,
        };
        const core = { info: call.log, warning: call.log, notice: call.log, debug: () => undefined, setOutput: call.setOutput, setFailed: (m: string) => { throw new Error(m); } };
        const fakeProcess = { env: { ...call.env }, cwd: () => call.workspace };
        const req = createRequire(path.join(call.workspace, "github-script.js"));
        const gh = prs.client();
        const fn = new AsyncFunction("require", "github", "octokit", "context", "core", "process", call.with.script);
        await fn(req, gh, gh, context, core, fakeProcess);
      },
    }),
  };
}

/** A temporary directory for one test file's runs. */
export function tempRoot(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `chaser-gha-${name}-`));
}
