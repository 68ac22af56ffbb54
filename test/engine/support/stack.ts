/**
 * Real-engine harness: a Pulumi project in a temporary directory whose node_modules holds this package as
 * `npm pack` publishes it (so the engine serializes providers exactly as for users) and symlinks to the rest,
 * a local file backend, passphrase secrets, and nothing fetched from anywhere. Operations are read from the
 * engine's own event stream (`--json`).
 */
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO, installInto } from "../../support/pack";
export { processesIn } from "../../support/proc";

export { REPO };

/**
 * The two ways a program reaches Chaser: the package's dynamic resources (`pulumi-chaser`), or the `chaser`
 * provider plugin (`pulumi-chaser/plugin`, the plugin found through `plugins: providers:` in Pulumi.yaml).
 */
export type Flavour = "dynamic" | "plugin";
export const FLAVOURS: Flavour[] = ["dynamic", "plugin"];
/** The first lines of every JavaScript test program, per flavour. */
export const headerOf = (flavour: Flavour) =>
  `const pulumi = require("@pulumi/pulumi");\nconst chaser = require("${flavour === "plugin" ? "pulumi-chaser/plugin" : "pulumi-chaser"}");\n`;
/** The first lines of every JavaScript test program (dynamic resources). */
export const HEADER = headerOf("dynamic");
export const PASSPHRASE = "engine-tests-passphrase";

let engineBin: string | undefined;

/** The directory holding pulumi, pulumi-language-nodejs and pulumi-resource-pulumi-nodejs. */
export function engineDir(): string {
  if (engineBin) return engineBin;
  const fromEnv = process.env.CHASER_ENGINE_BIN;
  if (fromEnv && fs.existsSync(path.join(fromEnv, "pulumi"))) return (engineBin = fromEnv);
  const out = execFileSync("bash", [path.join(REPO, "engine", "build.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  engineBin = out.trim().split("\n").pop()!;
  return engineBin;
}

export interface EngineStep {
  op: string;
  urn: string;
  name: string;
  type: string;
  diffs?: string[];
  /** The `name` input the step announces (what the object will be named), if any. */
  objectName?: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Resource steps the engine reported, in order (from the event log), `pulumi:pulumi:Stack` excluded. */
  steps: EngineStep[];
  /** Diagnostics the engine reported (errors, warnings, info, program output; debug lines left out). */
  diagnostics: string[];
  /** The raw event log text. */
  events: string;
  /** The engine's summary: count per operation ("create", "update", "same", "delete", …). */
  summary: Record<string, number>;
}

export class Project {
  readonly dir: string;
  readonly home: string;
  readonly state: string;
  readonly logs: string[] = [];
  private stackName = "test";
  passphrase = PASSPHRASE;
  flavour: Flavour = "dynamic";

  private constructor(readonly root: string) {
    this.dir = path.join(root, "project");
    this.home = path.join(root, "home");
    this.state = path.join(root, "state");
  }

  /**
   * A JavaScript project (program source given); `typescript: true` makes it an index.ts run through ts-node,
   * with the README's tsconfig.json, compiled by the repository's TypeScript (5.9) or, with `compiler:
   * "typescript6"`, by TypeScript 6 (the devDependency alias), found where Pulumi's runner looks for it.
   * `symlink`: the package installed through a symlink (npm workspaces, `npm link`), not copied.
   * `flavour: "plugin"`: Pulumi.yaml names the installed package's plugin directory as the `chaser` provider
   * (what the README tells users), and `header` requires `pulumi-chaser/plugin`.
   */
  static create(name: string, opts: { typescript?: boolean; compiler?: "typescript6"; passphrase?: string; symlink?: boolean; flavour?: Flavour } = {}): Project {
    const p = new Project(fs.mkdtempSync(path.join(os.tmpdir(), `chaser-e2e-${name}-`)));
    if (opts.passphrase) p.passphrase = opts.passphrase;
    p.flavour = opts.flavour ?? "dynamic";
    for (const d of [p.dir, p.home, p.state]) fs.mkdirSync(d, { recursive: true });
    const ts = opts.typescript === true;
    const plugins = p.flavour === "plugin" ? `plugins:\n  providers:\n    - name: chaser\n      path: ${path.join(p.dir, "node_modules", "pulumi-chaser", "plugin")}\n` : "";
    fs.writeFileSync(
      path.join(p.dir, "Pulumi.yaml"),
      `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: ${ts}\n${ts ? "" : "main: index.js\n"}${plugins}`,
    );
    fs.writeFileSync(path.join(p.dir, "package.json"), JSON.stringify({ name, private: true, main: ts ? "index.ts" : "index.js" }, null, 2));
    if (ts) {
      fs.writeFileSync(path.join(p.dir, "tsconfig.json"), JSON.stringify(readmeTsconfig(), null, 2));
    }
    installInto(p.dir, { symlink: opts.symlink });
    if (opts.compiler) useCompiler(p.dir, opts.compiler);
    return p;
  }

  /** The first lines of a JavaScript program of this project's flavour. */
  get header(): string {
    return headerOf(this.flavour);
  }

  /** Writes the program (index.js or index.ts). */
  program(source: string): this {
    const file = fs.existsSync(path.join(this.dir, "tsconfig.json")) ? "index.ts" : "index.js";
    fs.writeFileSync(path.join(this.dir, file), source);
    return this;
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The engine must find credentials in stack config, not in the test runner's environment.
    for (const k of ["CHASER_API_KEY", "CHASER_API_URL", "CHASER_ACCOUNT", "PULUMI_ACCESS_TOKEN"]) delete env[k];
    return {
      ...env,
      PATH: `${engineDir()}${path.delimiter}${process.env.PATH}`,
      PULUMI_BACKEND_URL: `file://${this.state}`,
      PULUMI_CONFIG_PASSPHRASE: this.passphrase,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_HOME: this.home,
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
      ...extra,
    };
  }

  /**
   * Runs `pulumi <args>` in the project; never throws on a non-zero exit (tests assert on it). preview, up,
   * refresh and destroy run with `--json`, which streams the engine's events (one JSON object a line).
   */
  run(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
    const streaming = ["preview", "up", "refresh", "destroy"].includes(args[0]);
    const full = streaming ? [...args, "--json"] : args;
    const env = this.env({ ...(streaming ? { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" } : {}), ...opts.env });
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", full, { cwd: this.dir, env, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 180_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        const events = streaming ? stdout : "";
        // The harness's own command line for `config set --secret` is the one place the test itself holds the
        // value: record it masked, so the leak checks below search only what Pulumi and the provider wrote.
        // Likewise `--show-secrets` is the one command asked to reveal them: its output is not recorded.
        const shown = full[0] === "config" && full.includes("--secret") ? [...full.slice(0, -1), "<masked by harness>"] : full;
        const revealed = full.includes("--show-secrets");
        this.logs.push(`$ pulumi ${shown.join(" ")}\n${revealed ? "<output not recorded: --show-secrets>" : `${stdout}\n${stderr}`}`);
        resolve({ code: code ?? -1, stdout, stderr, events, ...parseEvents(events) });
      });
    });
  }

  /**
   * Starts `pulumi <args>` without waiting (for tests that kill it): the child, and its result when it ends.
   * `detached`: in a process group of its own, as a shell or a CI runner starts it (then `kill -9 -PID` kills
   * that group, which is the CLI alone: the engine starts each plugin in a group of its own).
   */
  start(args: string[], opts: { env?: Record<string, string>; detached?: boolean } = {}): { pid: number; done: Promise<number> } {
    const child = spawn("pulumi", args, { cwd: this.dir, env: this.env(opts.env), stdio: ["ignore", "ignore", "ignore"], detached: opts.detached === true });
    return { pid: child.pid!, done: new Promise((resolve) => child.on("close", (code) => resolve(code ?? -1))) };
  }

  /** Runs a command of this package's bin (as `npx <name>` would in the project), with the project's environment. */
  bin(name: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(this.dir, "node_modules", "pulumi-chaser", "bin", `${name}.js`), ...args], { cwd: this.dir, env: this.env(), stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => {
        this.logs.push(`$ ${name} ${args.join(" ")}\n${stdout}\n${stderr}`);
        resolve({ code: code ?? -1, stdout, stderr });
      });
    });
  }

  /** Runs a command that must succeed; on failure the error carries everything the engine said. */
  async ok(args: string[], opts: { env?: Record<string, string> } = {}): Promise<RunResult> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.diagnostics.join("\n") || r.stdout}\n${r.stderr}`);
    return r;
  }

  async init(config: Record<string, string> = {}, secrets: Record<string, string> = {}): Promise<void> {
    await this.ok(["stack", "init", this.stackName]);
    for (const [k, v] of Object.entries(config)) await this.ok(["config", "set", k, v]);
    for (const [k, v] of Object.entries(secrets)) await this.ok(["config", "set", "--secret", k, v]);
  }

  preview(extra: string[] = []) {
    return this.run(["preview", "--non-interactive", "--diff", ...extra]);
  }
  up(extra: string[] = []) {
    return this.run(["up", "--yes", "--non-interactive", "--skip-preview", "--diff", ...extra]);
  }
  refresh(extra: string[] = []) {
    return this.run(["refresh", "--yes", "--non-interactive", "--skip-preview", ...extra]);
  }
  destroy(extra: string[] = []) {
    return this.run(["destroy", "--yes", "--non-interactive", "--skip-preview", ...extra]);
  }

  async outputs(showSecrets = false): Promise<Record<string, unknown>> {
    const r = await this.ok(["stack", "output", "--json", ...(showSecrets ? ["--show-secrets"] : [])]);
    return JSON.parse(r.stdout);
  }

  /** `pulumi stack export` (secrets stay encrypted). */
  async exportState(): Promise<{ text: string; resources: Array<Record<string, any>> }> {
    const r = await this.ok(["stack", "export"]);
    const parsed = JSON.parse(r.stdout);
    return { text: r.stdout, resources: parsed.deployment.resources ?? [] };
  }

  /** The state files the backend wrote on disk (current checkpoint, history and backups). */
  stateFilesText(): string {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const f = path.join(d, e.name);
        if (e.isDirectory()) walk(f);
        else out.push(fs.readFileSync(f).toString("utf8"));
      }
    };
    walk(this.state);
    return out.join("\n");
  }

  cleanup(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** The `tsconfig.json` the README gives for TypeScript programs (its first JSON block with compilerOptions). */
export function readmeTsconfig(): Record<string, unknown> {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const block = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('"compilerOptions"'));
  if (!block) throw new Error("README.md shows no tsconfig.json");
  return JSON.parse(block);
}

/** The files of the README's section "A TypeScript project": each block after its "`FILE`:" label. */
export function readmeTypeScriptProject(): Record<"Pulumi.yaml" | "package.json" | "tsconfig.json" | "index.ts", string> {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const start = readme.indexOf("\n## A TypeScript project\n");
  if (start < 0) throw new Error("README.md has no section 'A TypeScript project'");
  const section = readme.slice(start, readme.indexOf("\n## ", start + 5));
  const files: Record<string, string> = {};
  for (const m of section.matchAll(/^`([^`]+)`:\n\n```\w+\n([\s\S]*?)```/gm)) files[m[1]] = m[2];
  const names = Object.keys(files).sort().join(", ");
  if (names !== "Pulumi.yaml, index.ts, package.json, tsconfig.json") throw new Error(`README.md's TypeScript project shows ${names}`);
  return files as Record<"Pulumi.yaml" | "package.json" | "tsconfig.json" | "index.ts", string>;
}

/**
 * Makes `compiler` the project's `typescript`. Pulumi's runner (and its ts-node) `require("typescript")` from
 * @pulumi/pulumi's real directory, so @pulumi/pulumi becomes the project's own (hard links to the repository's
 * files: one copy in the project, as an install makes it) instead of a symlink to the repository's.
 */
function useCompiler(dir: string, compiler: string): void {
  const nm = path.join(dir, "node_modules");
  fs.rmSync(path.join(nm, "typescript"));
  fs.symlinkSync(path.join(REPO, "node_modules", compiler), path.join(nm, "typescript"));
  fs.rmSync(path.join(nm, "@pulumi"));
  fs.mkdirSync(path.join(nm, "@pulumi"));
  for (const entry of fs.readdirSync(path.join(REPO, "node_modules", "@pulumi"))) {
    const from = path.join(REPO, "node_modules", "@pulumi", entry);
    if (entry === "pulumi") {
      try {
        execFileSync("cp", ["-al", from, path.join(nm, "@pulumi", entry)], { stdio: "ignore" });
      } catch {
        fs.rmSync(path.join(nm, "@pulumi", entry), { recursive: true, force: true });
        fs.cpSync(from, path.join(nm, "@pulumi", entry), { recursive: true }); // another file system
      }
    } else fs.symlinkSync(from, path.join(nm, "@pulumi", entry));
  }
}

/** Kills a process and every process below it at once (SIGKILL), as a crash or a power cut would. */
export function killTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  const tree: number[] = [];
  const walk = (p: number) => {
    tree.push(p);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  for (const p of tree) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone
    }
  }
  return tree;
}

/** Reads the engine's event log: resource steps (op and urn) and diagnostics. */
export function parseEvents(text: string): { steps: EngineStep[]; diagnostics: string[]; summary: Record<string, number> } {
  const steps: EngineStep[] = [];
  const diagnostics: string[] = [];
  let summary: Record<string, number> = {};
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    let ev: any;
    try {
      ev = JSON.parse(line);
    } catch {
      continue;
    }
    const md = ev.resourcePreEvent?.metadata;
    if (md && md.type !== "pulumi:pulumi:Stack" && !String(md.type).startsWith("pulumi:providers:")) {
      const urn: string = md.urn;
      const objectName = md.new?.inputs?.name;
      steps.push({ op: md.op, urn, name: urn.split("::").pop()!, type: md.type, diffs: md.diffs, ...(typeof objectName === "string" ? { objectName } : {}) });
    }
    if (ev.diagnosticEvent?.message && ev.diagnosticEvent.severity !== "debug") diagnostics.push(String(ev.diagnosticEvent.message));
    if (ev.summaryEvent?.resourceChanges) summary = ev.summaryEvent.resourceChanges;
  }
  return { steps, diagnostics, summary };
}

/** Ops excluding unchanged resources. */
export function changes(r: RunResult): string[] {
  return r.steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${s.name}`);
}

/** Fails the test with everything the engine said when a command did not succeed. */
export function expectOk(r: RunResult): RunResult {
  if (r.code !== 0) {
    throw new Error(`pulumi exited ${r.code}:\n${r.diagnostics.join("\n")}\n${r.stderr.slice(-4000)}`);
  }
  return r;
}

/** Where `secret` occurs in `text` (with context), or "" when it does not: a readable failure for leak checks. */
export function occurrences(text: string, secret: string): string {
  const found: string[] = [];
  for (let i = text.indexOf(secret); i >= 0 && found.length < 3; i = text.indexOf(secret, i + 1)) {
    found.push(`…${text.slice(Math.max(0, i - 300), i)}<<SECRET>>${text.slice(i + secret.length, i + secret.length + 100)}…`);
  }
  return found.join("\n---\n");
}

/** A JavaScript project with a stack configured for a chaser-local server (the key stored as a secret). */
export async function projectFor(local: { url: string; rootKey: string }, name: string, flavour: Flavour = "dynamic"): Promise<Project> {
  const p = Project.create(name, { flavour });
  await p.init({ "chaser:apiUrl": local.url }, { "chaser:apiKey": local.rootKey });
  return p;
}
