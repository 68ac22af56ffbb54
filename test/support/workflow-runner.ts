/**
 * Runs a GitHub Actions workflow file offline, the way a runner would, so a test executes the commands the
 * workflow really holds: jobs in order (job `if:` evaluated), each job's steps in order with `if:` and status
 * functions, workflow/job/step `env` and `defaults.run.working-directory` with their `${{ }}` expressions, and
 * every `run:` step executed by bash (`bash --noprofile --norc -eo pipefail`, GitHub's default shell) with the
 * runner's files: GITHUB_OUTPUT (step outputs), GITHUB_ENV and GITHUB_PATH (later steps), GITHUB_STEP_SUMMARY (the
 * job summary), GITHUB_EVENT_PATH, RUNNER_TEMP. `uses:` steps go to handlers the test gives (checkout, setup
 * actions, github-script…); an action without a handler fails the run. Processes a step leaves running are ended
 * with the job, as a runner does (each step runs in its own process group).
 * The environment is only what a runner has (the test's `baseEnv`), never the test process's own.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { ExprContext, evalCondition, interpolate, stringify } from "./gh-expr";

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: unknown;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  shell?: string;
  "working-directory"?: string;
  "continue-on-error"?: boolean;
}

export interface Job {
  if?: unknown;
  needs?: string | string[];
  env?: Record<string, unknown>;
  defaults?: { run?: { "working-directory"?: string; shell?: string } };
  steps: Step[];
  [k: string]: unknown;
}

export interface Workflow {
  name?: string;
  on: unknown;
  permissions?: Record<string, string> | string;
  concurrency?: unknown;
  env?: Record<string, unknown>;
  defaults?: { run?: { "working-directory"?: string; shell?: string } };
  jobs: Record<string, Job>;
}

export function readWorkflow(file: string): Workflow {
  return parseYaml(fs.readFileSync(file, "utf8")) as Workflow;
}

export interface StepResult {
  job: string;
  index: number;
  name: string;
  kind: "run" | "uses";
  outcome: "success" | "failure" | "skipped";
  exitCode?: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  /** For uses: steps, the inputs after expression evaluation. */
  with?: Record<string, string>;
}

export interface JobResult {
  id: string;
  outcome: "success" | "failure" | "skipped";
  steps: StepResult[];
  /** What the steps appended to GITHUB_STEP_SUMMARY. */
  summary: string;
  /** The job's environment at its end (workflow and job env plus what steps wrote to GITHUB_ENV). */
  env: Record<string, string>;
  workspace: string;
  runnerTemp: string;
}

export interface WorkflowResult {
  jobs: JobResult[];
  conclusion: "success" | "failure";
  /** Every expression path read, e.g. "secrets.CHASER_API_KEY" (to prove what a workflow never touches). */
  reads: Set<string>;
  /** A readable transcript: each step, its outcome and output. */
  transcript(): string;
  job(id: string): JobResult;
}

/** What a `uses:` handler gets: the evaluated inputs and ways to act like the action would. */
export interface ActionCall {
  action: string; // owner/name
  ref: string; // the part after @
  with: Record<string, string>;
  env: Record<string, string>;
  workspace: string;
  runnerTemp: string;
  event: Record<string, unknown>;
  /** Prepends a directory to PATH for later steps (GITHUB_PATH). */
  addPath(dir: string): void;
  /** Sets an output of the step. */
  setOutput(name: string, value: string): void;
  log(line: string): void;
}

export type ActionHandler = (call: ActionCall) => Promise<void> | void;

export interface RunOptions {
  event: { name: string; payload: Record<string, unknown> };
  repository: string;
  sha?: string;
  ref?: string;
  secrets?: Record<string, string>;
  vars?: Record<string, string>;
  /** The runner's own environment (PATH, HOME, …): nothing else from the test process reaches the steps. */
  baseEnv: Record<string, string>;
  /** Handlers for `uses:` steps by owner/name. */
  actions: Record<string, ActionHandler>;
  /** Called after every step that ran (to check what the world holds after it), with the job's environment then. */
  afterStep?: (job: string, step: StepResult, env: Record<string, string>) => Promise<void> | void;
  /** Where jobs' workspaces and temp directories go (default: a new temporary directory). */
  root?: string;
  stepTimeoutMs?: number;
}

function parseFileCommands(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(file)) return out;
  const lines = fs.readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]);
      if (i >= lines.length) throw new Error(`${file}: '${name}<<${delim}' is not closed`);
      out[name] = value.join("\n");
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`${file}: cannot read the line '${line}'`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function runBash(script: string, cwd: string, env: Record<string, string>, timeoutMs: number, pgids: number[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const file = path.join(env.RUNNER_TEMP, `step-${process.hrtime.bigint()}.sh`);
  fs.writeFileSync(file, script);
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", file], { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    if (child.pid) pgids.push(child.pid);
    let stdout = "";
    let stderr = "";
    let done = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      stderr += `\n[runner] step timed out after ${timeoutMs} ms\n`;
      killGroup(child.pid);
    }, timeoutMs);
    const finish = (code: number | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    };
    child.on("error", reject);
    child.on("close", (code) => finish(code));
    // A background process that kept the step's stdout open must not hold the step: give it a moment, then go on.
    child.on("exit", (code) => setTimeout(() => finish(code), 2000).unref());
  });
}

function killGroup(pgid: number | undefined): void {
  if (!pgid) return;
  try {
    process.kill(-pgid, "SIGTERM");
  } catch {
    // already gone
  }
}

const DEFAULT_SHELL = "bash";

/**
 * Runs every job of the workflow for one event. Never throws for a failing step: the result says what failed.
 * long: the jobs in the order their `needs` allow, with the contexts GitHub gives each, in one place
 */
export async function runWorkflow(file: string, opts: RunOptions): Promise<WorkflowResult> {
  const wf = readWorkflow(file);
  const root = opts.root ?? fs.mkdtempSync(path.join(os.tmpdir(), "gh-run-"));
  const reads = new Set<string>();
  const runId = String(Date.now());
  const github = {
    event_name: opts.event.name,
    event: opts.event.payload,
    action: String(opts.event.payload.action ?? ""),
    repository: opts.repository,
    repository_owner: opts.repository.split("/")[0],
    sha: opts.sha ?? "0".repeat(40),
    ref: opts.ref ?? "",
    run_id: runId,
    server_url: "https://github.com",
    api_url: "https://api.github.com",
    token: "offline-token",
    workspace: "",
  };
  const base = {
    github,
    secrets: { GITHUB_TOKEN: "offline-token", ...(opts.secrets ?? {}) },
    vars: opts.vars ?? {},
    // A workflow_dispatch's inputs (as its payload holds them); empty for every other event, as on GitHub.
    inputs: opts.event.name === "workflow_dispatch" ? ((opts.event.payload.inputs as Record<string, unknown> | undefined) ?? {}) : {},
    matrix: {},
    strategy: {},
    needs: {} as Record<string, unknown>,
  };
  const onRead = (p: string) => reads.add(p);
  const evalMap = (m: Record<string, unknown> | undefined, contexts: Record<string, unknown>): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m ?? {})) out[k] = interpolate(stringify(v as never), { contexts, onRead });
    return out;
  };
  // The workflow env may use github, secrets, vars, inputs (not env).
  const workflowEnv = evalMap(wf.env, { ...base, env: {} });
  const results: JobResult[] = [];
  const order = jobOrder(wf.jobs);
  for (const id of order) {
    const job = wf.jobs[id];
    const needsCtx = Object.fromEntries(results.map((r) => [r.id, { result: r.outcome, outputs: {} }]));
    const needsOk = needsOf(job).every((n) => results.find((r) => r.id === n)?.outcome === "success");
    const jobCtx = { ...base, needs: needsCtx, env: workflowEnv };
    const run = needsOk && evalCondition(job.if, { contexts: jobCtx, onRead, status: "success" });
    const workspace = path.join(root, id, "workspace");
    const runnerTemp = path.join(root, id, "temp");
    if (!run) {
      results.push({ id, outcome: "skipped", steps: [], summary: "", env: {}, workspace, runnerTemp });
      continue;
    }
    results.push(await runJob(id, job, { wf, opts, base, workflowEnv, workspace, runnerTemp, root, onRead, github, needsCtx }));
  }
  const conclusion = results.some((r) => r.outcome === "failure") ? "failure" : "success";
  return {
    jobs: results,
    conclusion,
    reads,
    job(id) {
      const j = results.find((r) => r.id === id);
      if (!j) throw new Error(`no job '${id}' in ${file}`);
      return j;
    },
    transcript() {
      const out: string[] = [];
      for (const j of results) {
        out.push(`== job ${j.id}: ${j.outcome}`);
        for (const s of j.steps) {
          out.push(`-- step ${s.index + 1} "${s.name}": ${s.outcome}${s.exitCode !== undefined ? ` (exit ${s.exitCode})` : ""}`);
          if (s.stdout.trim()) out.push(s.stdout.trimEnd().split("\n").slice(-60).join("\n"));
          if (s.stderr.trim()) out.push(`[stderr]\n${s.stderr.trimEnd().split("\n").slice(-60).join("\n")}`);
        }
      }
      return out.join("\n");
    },
  };
}

function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

function jobOrder(jobs: Record<string, Job>): string[] {
  const done: string[] = [];
  const visit = (id: string, seen: Set<string>) => {
    if (done.includes(id)) return;
    if (seen.has(id)) throw new Error(`job dependency cycle at ${id}`);
    seen.add(id);
    for (const n of needsOf(jobs[id])) visit(n, seen);
    done.push(id);
  };
  for (const id of Object.keys(jobs)) visit(id, new Set());
  return done;
}

interface JobSetup {
  wf: Workflow;
  opts: RunOptions;
  base: Record<string, unknown>;
  workflowEnv: Record<string, string>;
  workspace: string;
  runnerTemp: string;
  root: string;
  onRead: (p: string) => void;
  github: Record<string, unknown>;
  needsCtx: Record<string, unknown>;
}

// long: a job's steps with GitHub's semantics (if, continue-on-error, outputs, env files) read in the order a runner applies them
async function runJob(id: string, job: Job, s: JobSetup): Promise<JobResult> {
  const { opts, workspace, runnerTemp } = s;
  fs.mkdirSync(workspace, { recursive: true });
  fs.mkdirSync(runnerTemp, { recursive: true });
  const eventPath = path.join(runnerTemp, "event.json");
  fs.writeFileSync(eventPath, JSON.stringify(opts.event.payload));
  const envFile = path.join(runnerTemp, "github_env");
  const pathFile = path.join(runnerTemp, "github_path");
  fs.writeFileSync(envFile, "");
  fs.writeFileSync(pathFile, "");
  const github: Record<string, unknown> = { ...s.github, workspace, job: id };
  const runner = { os: "Linux", arch: "X64", temp: runnerTemp, tool_cache: path.join(runnerTemp, "toolcache"), name: "offline", debug: "" };
  const jobEnvCtx = { ...s.base, github, needs: s.needsCtx, env: s.workflowEnv };
  let env: Record<string, string> = { ...s.workflowEnv };
  for (const [k, v] of Object.entries(job.env ?? {})) env[k] = interpolate(stringify(v as never), { contexts: jobEnvCtx, onRead: s.onRead });
  const defaultsCtx = { ...s.base, github, needs: s.needsCtx, env };
  const defaultDir = job.defaults?.run?.["working-directory"] ?? s.wf.defaults?.run?.["working-directory"];
  const jobDir = defaultDir === undefined ? undefined : interpolate(defaultDir, { contexts: defaultsCtx, onRead: s.onRead });
  const extraPath: string[] = [];
  const steps: StepResult[] = [];
  const stepsCtx: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  const pgids: number[] = [];
  let summary = "";
  let status: "success" | "failure" = "success";
  const runnerEnv = (): Record<string, string> => ({
    ...opts.baseEnv,
    CI: "true",
    GITHUB_ACTIONS: "true",
    GITHUB_WORKSPACE: workspace,
    GITHUB_EVENT_NAME: opts.event.name,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: opts.repository,
    GITHUB_SHA: String(github.sha),
    GITHUB_REF: String(github.ref),
    GITHUB_REF_NAME: String(github.ref).replace(/^refs\/(heads|tags)\//, ""),
    GITHUB_REF_TYPE: String(github.ref).startsWith("refs/tags/") ? "tag" : "branch",
    GITHUB_RUN_ID: String(github.run_id),
    GITHUB_SERVER_URL: String(github.server_url),
    GITHUB_JOB: id,
    RUNNER_OS: "Linux",
    RUNNER_TEMP: runnerTemp,
    PATH: [...extraPath, opts.baseEnv.PATH].filter(Boolean).join(path.delimiter),
  });
  try {
    for (let index = 0; index < job.steps.length; index++) {
      const step = job.steps[index];
      const name = step.name ?? (step.uses ? step.uses : `Run ${String(step.run ?? "").split("\n")[0]}`);
      const ctx = (): ExprContext => ({ contexts: { ...s.base, github, needs: s.needsCtx, env, steps: stepsCtx, runner, job: { status } }, status, onRead: s.onRead });
      const result: StepResult = { job: id, index, name, kind: step.uses ? "uses" : "run", outcome: "skipped", stdout: "", stderr: "", outputs: {} };
      if (!evalCondition(step.if, ctx())) {
        steps.push(result);
        if (step.id) stepsCtx[step.id] = { outputs: {}, outcome: "skipped", conclusion: "skipped" };
        continue;
      }
      const stepEnv = { ...env };
      for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolate(stringify(v as never), ctx());
      const outputFile = path.join(runnerTemp, `github_output_${index}`);
      const summaryFile = path.join(runnerTemp, `step_summary_${index}`);
      fs.writeFileSync(outputFile, "");
      fs.writeFileSync(summaryFile, "");
      const fullEnv = { ...runnerEnv(), ...stepEnv, GITHUB_OUTPUT: outputFile, GITHUB_ENV: envFile, GITHUB_PATH: pathFile, GITHUB_STEP_SUMMARY: summaryFile };
      let ok: boolean;
      if (step.uses) {
        const [action, ref = ""] = step.uses.split("@");
        const handler = opts.actions[action];
        const inputs: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.with ?? {})) inputs[k] = interpolate(stringify(v as never), ctx());
        result.with = inputs;
        if (!handler) {
          result.stderr = `[runner] no local equivalent for the action ${step.uses}`;
          ok = false;
        } else {
          try {
            await handler({
              action,
              ref,
              with: inputs,
              env: fullEnv,
              workspace,
              runnerTemp,
              event: opts.event.payload,
              addPath: (dir) => fs.appendFileSync(pathFile, `${dir}\n`),
              setOutput: (k, v) => fs.appendFileSync(outputFile, `${k}=${v}\n`),
              log: (line) => (result.stdout += `${line}\n`),
            });
            ok = true;
          } catch (e) {
            result.stderr += `${(e as Error).stack ?? e}\n`;
            ok = false;
          }
        }
      } else {
        const script = interpolate(String(step.run ?? ""), ctx());
        const shell = step.shell ?? job.defaults?.run?.shell ?? s.wf.defaults?.run?.shell ?? DEFAULT_SHELL;
        if (shell !== "bash") throw new Error(`step "${name}": only bash is supported by this runner, not ${shell}`);
        const dirRaw = step["working-directory"] !== undefined ? interpolate(step["working-directory"], ctx()) : jobDir;
        const cwd = dirRaw === undefined ? workspace : path.resolve(workspace, dirRaw);
        if (!fs.existsSync(cwd)) {
          result.stderr = `[runner] working directory ${cwd} does not exist`;
          ok = false;
        } else {
          const r = await runBash(script, cwd, fullEnv, opts.stepTimeoutMs ?? 600_000, pgids);
          Object.assign(result, { exitCode: r.code, stdout: result.stdout + r.stdout, stderr: r.stderr });
          ok = r.code === 0;
        }
      }
      result.outputs = parseFileCommands(outputFile);
      summary += fs.readFileSync(summaryFile, "utf8");
      env = { ...env, ...parseFileCommands(envFile) };
      fs.writeFileSync(envFile, "");
      for (const dir of fs.readFileSync(pathFile, "utf8").split("\n").filter(Boolean)) extraPath.unshift(dir);
      fs.writeFileSync(pathFile, "");
      result.outcome = ok ? "success" : "failure";
      if (!ok && !step["continue-on-error"]) status = "failure";
      if (step.id) stepsCtx[step.id] = { outputs: result.outputs, outcome: result.outcome, conclusion: ok || step["continue-on-error"] ? "success" : "failure" };
      steps.push(result);
      await opts.afterStep?.(id, result, env);
    }
  } finally {
    // The runner ends what the job's steps left running.
    for (const pgid of pgids) killGroup(pgid);
  }
  return { id, outcome: status, steps, summary, env, workspace, runnerTemp };
}
