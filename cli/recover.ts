/**
 * `npx chaser-recover`: after a `pulumi up` (or destroy) that was killed, brings the stack and the account back
 * in line in one step, and prints what it did. Run it in the project directory, with the environment `pulumi`
 * uses (backend, passphrase):
 *
 * - the stack lock the killed process left is cleared (`pulumi cancel`), unless that process still runs here;
 * - each create the engine left pending is looked up on the server by the inputs the engine recorded: the
 *   object it made is brought into the stack as a managed resource, a key whose secret was lost is revoked, and
 *   when nothing was made the pending create is dropped (the next `up` creates it). The state of what was made is
 *   written through `pulumi stack import`, for the provider plugin's resources (`chaser:index:*`) as for dynamic
 *   ones (the engine cannot read a dynamic resource it has no state for: its provider is serialized in that state;
 *   and Pulumi 3.248's `pulumi refresh --import-pending-creates URN ID` drops the pending creates it is given
 *   without recording them, while `pulumi stack import` clears every pending operation);
 * - each interrupted delete is checked: an object that is gone leaves the stack, one that still exists stays;
 * - what an update run with `PULUMI_SKIP_CHECKPOINTS=true` made is not in state at all (the engine writes the
 *   state once, at the end): the program's preview says which creates the stack still lacks, with the inputs
 *   they would have (names included: auto-names derive from the stack and the resource), and each is looked for
 *   by what the API matches (names, fixed properties, email, fingerprint; an identity the program fixed only
 *   when created since the interrupted update took the stack lock). What is found is taken over by a `pulumi up
 *   --target` of those resources, in which each create takes over its object instead of making one; a key whose
 *   secret was lost is revoked (the next `up` makes a new one); a WorkspaceCommand whose dependencies are in the
 *   stack is targeted too, and its create takes over a job its idempotency key (derived from the URN) names and
 *   that was made since then, or else runs the command (once). Rounds repeat until a preview finds nothing more
 *   (a dependent's inputs are known once what it depends on is in the stack). Skipped with --destroy (after an
 *   interrupted `pulumi destroy`, nothing is to be created);
 * - then `pulumi refresh` reads every resource's current state (skip with --no-refresh).
 *
 * - before all that, on a file backend, a metadata file the kill left torn (which makes every command on the
 *   stack fail with `failed to load checkpoint: EOF`) is removed: the state beside it is written atomically.
 * - first of all (Linux), a dynamic-provider process of this project left running by the killed update (its
 *   engine's address no longer answers) is stopped, so that nothing writes to the account while it is repaired.
 *   Providers of this release stop by themselves within seconds of their engine's end; older ones did not.
 *
 * Usage: chaser-recover [--stack NAME] [--cwd DIR] [--no-refresh] [--destroy] [--since TIME]
 *
 * `--since`: when the interrupted update began, if its stack lock is gone (else the lock's time, else the end of
 * the stack's last recorded update).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { PulumiRun, runPulumi } from "./pulumi";
import { isAlive } from "../contract/process";
import { withoutTransient } from "../provider/grpc/props";
import { hooksOf } from "../provider/hooks";
import { outputFields } from "../provider/model";
import { RECOVER_FILE_ENV, RecoveryPlan } from "../provider/recovery";
import { TOKENS, resourceOfToken } from "../provider/registry";
import type { ResourceKind } from "../provider/registry";
import { isUnknown } from "../provider/values";
import * as settings from "../provider/settings";

type Run = PulumiRun;

interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  [k: string]: unknown;
}
interface PendingOperation {
  type: string;
  resource: StateResource;
}

class RecoverError extends Error {}

const run = runPulumi;

async function ok(args: string[], cwd: string): Promise<string> {
  const r = await run(args, cwd);
  if (r.code !== 0) throw new RecoverError(`\`pulumi ${args.join(" ")}\` failed (exit ${r.code}):\n${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** Imports `deployment`, clearing a lock left by a process that no longer runs (never one that still does). */
async function importState(exported: Record<string, unknown>, stackArgs: string[], cwd: string, say: (s: string) => void): Promise<void> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "chaser-recover-")), "stack.json");
  fs.writeFileSync(file, JSON.stringify(exported));
  try {
    const r = await locked(["stack", "import", "--file", file], stackArgs, cwd, say);
    if (r.code !== 0) throw new RecoverError(`\`pulumi stack import\` failed:\n${`${r.stderr}\n${r.stdout}`.trim()}`);
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

/**
 * A file backend's directory (`file://…`, from `pulumi whoami`), or undefined for other backends.
 */
async function fileBackendDir(cwd: string): Promise<string | undefined> {
  const r = await run(["whoami", "--json"], cwd);
  if (r.code !== 0) return undefined;
  let url: string;
  try {
    url = String((JSON.parse(r.stdout) as { url?: unknown }).url ?? "");
  } catch {
    return undefined;
  }
  if (!url.startsWith("file://")) return undefined;
  const p = decodeURIComponent(url.slice("file://".length).split("?")[0]);
  return p === "~" || p.startsWith("~/") ? path.join(os.homedir(), p.slice(1)) : path.resolve(cwd, p);
}

/**
 * The file backend writes each state file atomically (a temporary file renamed into place), but the `.attrs`
 * file beside it (content type and checksum) with a plain create-then-write: a kill between the two leaves it
 * empty, and from then on every command on the stack fails with `failed to load checkpoint: EOF`. Such a torn
 * `.attrs` file holds nothing and the backend reads the state without one, so it is removed. Returns how many.
 */
export function repairTornAttrs(backendDir: string, say: (s: string) => void): number {
  const root = path.join(backendDir, ".pulumi");
  if (!fs.existsSync(root)) return 0;
  let removed = 0;
  for (const rel of fs.readdirSync(root, { recursive: true }) as string[]) {
    if (!rel.endsWith(".attrs")) continue;
    const file = path.join(root, rel);
    let torn: boolean;
    try {
      const text = fs.readFileSync(file, "utf8");
      try {
        torn = typeof JSON.parse(text) !== "object";
      } catch {
        torn = true;
      }
    } catch {
      continue; // a directory, or gone meanwhile
    }
    if (!torn) continue;
    fs.rmSync(file, { force: true });
    removed++;
    say(`the backend's ${path.relative(backendDir, file)} was left empty or partial by the kill: removed (the state file beside it is whole: the last one saved)`);
  }
  return removed;
}

export interface StackLock {
  pid: number;
  hostname: string;
  /** When the locking update began (its machine's clock). */
  timestamp: string;
}

/**
 * The lock an interrupted update left on a file backend's stack (`.pulumi/locks/<org>/<project>/<stack>/*.json`,
 * or `.pulumi/locks/<stack>/` in the older layout): the earliest one, or undefined.
 */
export function readStackLock(backendDir: string, project: string, stack: string): StackLock | undefined {
  const root = path.join(backendDir, ".pulumi", "locks");
  if (!fs.existsSync(root)) return undefined;
  const short = stack.split("/").pop()!;
  const locks: StackLock[] = [];
  for (const rel of fs.readdirSync(root, { recursive: true }) as string[]) {
    const parts = rel.split(path.sep);
    if (!rel.endsWith(".json") || parts[parts.length - 2] !== short) continue;
    if (parts.length > 2 && parts[parts.length - 3] !== project) continue;
    try {
      const l = JSON.parse(fs.readFileSync(path.join(root, rel), "utf8")) as Partial<StackLock>;
      if (typeof l.timestamp === "string" && Number.isFinite(Date.parse(l.timestamp))) locks.push({ pid: Number(l.pid), hostname: String(l.hostname ?? ""), timestamp: l.timestamp });
    } catch {
      // torn by the kill (written in place): no time from it
    }
  }
  return locks.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp))[0];
}

/**
 * How far the API's clock is ahead of this machine's (ms), from the `Date` header of one request (any answer has
 * one), and how uncertain that is (the header's one-second resolution and the round trip). Undefined when the API
 * does not answer or sends no date.
 */
export async function apiClockOffset(apiUrl: string): Promise<{ offsetMs: number; uncertaintyMs: number } | undefined> {
  try {
    const t0 = Date.now();
    const r = await fetch(new URL("/v1/accounts/current", apiUrl), { method: "GET", signal: AbortSignal.timeout(10_000) });
    const t1 = Date.now();
    await r.arrayBuffer().catch(() => undefined);
    const date = Date.parse(r.headers.get("date") ?? "");
    if (!Number.isFinite(date)) return undefined;
    // The header truncates to the second: the server's time was within [date, date + 1 s) at some point in [t0, t1].
    return { offsetMs: date + 500 - (t0 + t1) / 2, uncertaintyMs: 500 + (t1 - t0) / 2 };
  } catch {
    return undefined;
  }
}

/** Whether something accepts connections at `host:port` (an unanswered attempt counts as yes: never guess gone). */
function listening(address: string): Promise<boolean> {
  const i = address.lastIndexOf(":");
  const host = address.slice(0, i).replace(/^\[|\]$/g, "");
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(address.slice(i + 1)) });
    const done = (v: boolean) => {
      socket.destroy();
      resolve(v);
    };
    socket.setTimeout(2_000, () => done(true));
    socket.once("connect", () => done(true));
    socket.once("error", (e: NodeJS.ErrnoException) => done(e.code !== "ECONNREFUSED"));
  });
}

export interface StrayProvider {
  pid: number;
  /** The engine address it was started with. */
  engine: string;
}

/**
 * Dynamic-provider processes (`node …/@pulumi/pulumi/cmd/dynamic-provider ENGINE_ADDRESS`) whose working
 * directory is the project's (or below it) and whose engine no longer listens: left running by a killed update.
 * Linux only (read from /proc); elsewhere none are found.
 */
export async function strayProviders(projectDir: string): Promise<StrayProvider[]> {
  if (process.platform !== "linux" || !fs.existsSync("/proc/self/cmdline")) return [];
  const dir = fs.realpathSync(projectDir);
  const found: StrayProvider[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let argv: string[];
    let cwd: string;
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      const at = argv.findIndex((a) => /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]dynamic-provider([\\/]index\.js)?$/.test(a));
      if (at < 0 || !/^[\w.[\]:-]+:\d+$/.test(argv[at + 1] ?? "")) continue;
      argv = [argv[at + 1]];
      cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
    } catch {
      continue; // exited meanwhile, or not ours to read
    }
    if (cwd !== dir && !cwd.startsWith(dir + path.sep)) continue;
    const pid = Number(entry);
    if (!isAlive(pid) || (await listening(argv[0]))) continue;
    found.push({ pid, engine: argv[0] });
  }
  return found;
}

/** Stops the stray providers of the project (SIGTERM, then SIGKILL after 3 s), saying what it stopped. */
export async function stopStrayProviders(projectDir: string, say: (s: string) => void): Promise<number> {
  const strays = await strayProviders(projectDir);
  for (const s of strays) {
    try {
      process.kill(s.pid, "SIGTERM");
    } catch {
      // gone meanwhile
    }
  }
  for (const s of strays) {
    for (let waited = 0; isAlive(s.pid) && waited < 3_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    let how = "stopped";
    if (isAlive(s.pid)) {
      try {
        process.kill(s.pid, "SIGKILL");
        how = "killed";
      } catch {
        // gone meanwhile
      }
    }
    say(`${how} a Chaser provider process left running by the interrupted update (pid ${s.pid}; its engine at ${s.engine} is gone): it could still have been sending API requests`);
  }
  return strays.length;
}

/** Runs a command that takes the stack lock; a lock left by a process that no longer runs is cleared first. */
async function locked(args: string[], stackArgs: string[], cwd: string, say: (s: string) => void, env: Record<string, string> = {}): Promise<Run> {
  for (let attempt = 0; ; attempt++) {
    const r = await run([...args, ...stackArgs], cwd, env);
    const text = `${r.stderr}\n${r.stdout}`;
    if (r.code === 0 || attempt > 0 || !/currently locked/.test(text)) return r;
    await clearLock(text, stackArgs, cwd, say);
  }
}

async function clearLock(text: string, stackArgs: string[], cwd: string, say: (s: string) => void): Promise<void> {
  const holder = /created by \S+@(\S+) \(pid (\d+)\)/.exec(text);
  if (holder && holder[1] === os.hostname() && isAlive(Number(holder[2]))) {
    throw new RecoverError(`the stack is locked by process ${holder[2]}, which is still running on this machine: wait for it to end (or stop it), then run chaser-recover again`);
  }
  say(`the stack is locked by an update that no longer runs${holder ? ` (pid ${holder[2]} on ${holder[1]})` : ""}: clearing the lock with \`pulumi cancel\``);
  await ok(["cancel", "--yes", ...stackArgs], cwd);
}

/** The project's name (Pulumi.yaml) and the stack's (given, else the selected one). */
async function stackIdentity(cwd: string, stack: string | undefined): Promise<{ project: string; stack: string }> {
  let project = "";
  for (const f of ["Pulumi.yaml", "Pulumi.yml"]) {
    const file = path.join(cwd, f);
    if (fs.existsSync(file)) project = /^name:\s*["']?([^"'\s#]+)/m.exec(fs.readFileSync(file, "utf8"))?.[1] ?? "";
  }
  const name = stack ?? (await ok(["stack", "--show-name"], cwd)).trim();
  return { project, stack: name };
}

/** When the stack's last recorded update (of any kind) ended, or undefined. */
async function lastUpdateEnd(stackArgs: string[], cwd: string): Promise<string | undefined> {
  const r = await run(["stack", "history", "--json", "--page-size", "1", ...stackArgs], cwd);
  if (r.code !== 0) return undefined;
  try {
    const h = JSON.parse(r.stdout) as Array<{ endTime?: string }>;
    return h[0]?.endTime;
  } catch {
    return undefined;
  }
}

/** A step of `pulumi preview --json` (the document form). */
interface PreviewStep {
  op: string;
  urn: string;
  newState?: { type: string; custom?: boolean; parent?: string; inputs?: Record<string, unknown>; dependencies?: string[] };
}

/** What a failed `pulumi preview --json` said: its diagnostics (the document form holds them), else its output. */
function previewFailure(pv: Run): string {
  try {
    const d = JSON.parse(pv.stdout) as { diagnostics?: Array<{ message?: string; severity?: string }> };
    const errors = (d.diagnostics ?? []).filter((x) => x.severity === "error").map((x) => String(x.message ?? "").trim());
    if (errors.length) return errors.join("\n");
  } catch {
    // not JSON: the CLI's own error
  }
  return (pv.stderr || pv.stdout).trim();
}

/** Ops of a preview that create an object (the document form shows a replacement as one `replace` step). */
const CREATES = new Set(["create", "create-replacement", "replace"]);

/** The program's preview, in the document form: its steps (a failure stops chaser-recover with the program's errors). */
async function previewSteps(stackArgs: string[], cwd: string): Promise<PreviewStep[]> {
  const pv = await run(["preview", "--json", "--non-interactive", ...stackArgs], cwd, { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: undefined });
  try {
    if (pv.code !== 0) throw new Error("preview failed");
    return (JSON.parse(pv.stdout) as { steps?: PreviewStep[] }).steps ?? [];
  } catch {
    throw new RecoverError(`\`pulumi preview\` of the program failed, so what an update with skipped checkpoints made cannot be looked for (after an interrupted \`pulumi destroy\`, run chaser-recover --destroy):\n${previewFailure(pv)}`);
  }
}

/** One round's view: the preview's planned steps by URN, what the stack holds (URNs) and the ids it holds. */
interface Round {
  planned: Map<string, PreviewStep>;
  inState: Set<string>;
  keep: Set<string>;
}

/** What the skipped-checkpoint recovery remembers across rounds. */
interface Seen {
  attempted: Set<string>;
  revoked: Set<string>;
}

/**
 * The creates of this round's preview that the interrupted update made: URN → the id to take over (null: a command
 * whose dependencies are all settled, which takes over its job or runs). Keys found are revoked (their secret was
 * lost); creates whose inputs are not known yet wait for a later round.
 */
async function madeByTheInterruptedUpdate(steps: PreviewStep[], round: Round, seen: Seen, since: string | undefined, say: (s: string) => void): Promise<Map<string, string | null>> {
  const targets = new Map<string, string | null>();
  const lookups: Array<() => Promise<void>> = [];
  const commands: PreviewStep[] = [];
  for (const step of steps) {
    const type = step.newState?.type ?? "";
    const kind = resourceOfToken(type);
    if (!kind || !CREATES.has(step.op) || seen.attempted.has(step.urn) || !step.newState?.inputs) continue;
    const name = step.urn.split("::").pop()!;
    const plugin = type === TOKENS.plugin(kind.name);
    const inputs: Record<string, unknown> = { ...step.newState.inputs, ...(plugin ? { __urn: step.urn, __logicalName: name } : {}) };
    if (isUnknown(inputs)) continue; // known once what it depends on is in the stack: a later round
    if (kind.name === "WorkspaceCommand") {
      commands.push(step);
      continue;
    }
    lookups.push(async () => {
      const r = await hooksOf(kind).recover(inputs, { keep: round.keep, since, fresh: false });
      if (r.kind === "found") {
        targets.set(step.urn, r.id);
        say(`${kind.name} ${name}: the interrupted update made '${inputs.name ?? inputs.email ?? r.id}' (${r.id}), which the stack does not hold`);
      } else if (r.kind === "removed" && r.ids.some((id) => !seen.revoked.has(id))) {
        r.ids.forEach((id) => seen.revoked.add(id));
        say(`${kind.name} ${name}: revoked ${r.ids.length} key(s) the interrupted update made, whose secret was lost (${r.ids.join(", ")}); the next \`pulumi up\` creates it`);
      }
    });
  }
  // Lookups side by side (they share the account's listings), a few at a time.
  for (let i = 0; i < lookups.length; i += 16) await Promise.all(lookups.slice(i, i + 16).map((f) => f()));
  // A command may have run when everything it depends on was done: in the stack unchanged, taken over in this
  // round, or in the stack with an update the interrupted update made first (which goes with it: withWhatGoes).
  const settled = (urn: string, visited = new Set<string>()): boolean => {
    const s = round.planned.get(urn);
    if (targets.has(urn) || visited.has(urn)) return true;
    if (!round.inState.has(urn)) return false;
    if (!s || s.op === "same") return true;
    visited.add(urn);
    return s.op === "update" && (s.newState?.dependencies ?? []).every((d) => settled(d, visited));
  };
  for (const step of commands) {
    if ((step.newState?.dependencies ?? []).every((d) => settled(d))) targets.set(step.urn, null);
  }
  return targets;
}

/**
 * The targets and what goes with them in the targeted `up`: updates of what they depend on (the interrupted update
 * made them first), and component resources above them that the stack does not hold yet.
 */
function withWhatGoes(targets: Map<string, string | null>, round: Round): Set<string> {
  const all = new Set<string>(targets.keys());
  const add = (urn: string) => {
    const s = round.planned.get(urn);
    for (const d of [...(s?.newState?.dependencies ?? []), ...(s?.newState?.parent ? [s.newState.parent] : [])]) {
      const ds = round.planned.get(d);
      const goes = ds && ((round.inState.has(d) && ds.op === "update") || (!round.inState.has(d) && ds.newState?.custom === false));
      if (all.has(d) || !goes) continue;
      all.add(d);
      add(d);
    }
  };
  [...targets.keys()].forEach(add);
  return all;
}

/** The targeted `up` in which each create takes over its object (the plan named by CHASER_RECOVER_FILE). */
async function takeOver(targets: Map<string, string | null>, all: Set<string>, n: number, ctx: { cwd: string; stackArgs: string[]; since?: string; say: (s: string) => void }): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-recover-"));
  const file = path.join(dir, "plan.json");
  fs.writeFileSync(file, JSON.stringify({ since: ctx.since ?? new Date(0).toISOString(), resources: Object.fromEntries(targets) } satisfies RecoveryPlan));
  try {
    const cmds = [...targets.values()].filter((v) => v === null).length;
    ctx.say(`round ${n}: \`pulumi up --target\` of ${targets.size} resource(s) (${targets.size - cmds} taking over what the interrupted update made${cmds ? `, ${cmds} command(s): a job the interrupted update made is taken over, else the command runs now, once` : ""})`);
    const r = await locked(["up", "--yes", "--skip-preview", "--non-interactive", ...[...all].flatMap((u) => ["--target", u])], ctx.stackArgs, ctx.cwd, ctx.say, { [RECOVER_FILE_ENV]: file });
    if (r.code !== 0) throw new RecoverError(`the \`pulumi up\` that takes over what the interrupted update made failed:\n${(r.stderr || r.stdout).trim().split("\n").slice(-30).join("\n")}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * After an update whose checkpoints were skipped: finds what it made that the stack does not know, and has the
 * engine take it over (see the module's comment), round by round until a preview finds nothing more. Returns how
 * many resources were taken over or run.
 */
async function takeOverSkipped(opts: { cwd: string; stackArgs: string[]; since?: string; say: (s: string) => void }): Promise<number> {
  const { cwd, stackArgs, since, say } = opts;
  const seen: Seen = { attempted: new Set(), revoked: new Set() };
  let taken = 0;
  for (let n = 1; n <= 50; n++) {
    const steps = await previewSteps(stackArgs, cwd);
    const dep = (JSON.parse(await ok(["stack", "export", ...stackArgs], cwd)) as { deployment: { resources?: StateResource[] } }).deployment;
    const round: Round = {
      planned: new Map(steps.filter((s) => s.newState).map((s) => [s.urn, s])),
      inState: new Set((dep.resources ?? []).filter((r) => !r.delete).map((r) => r.urn)),
      keep: new Set((dep.resources ?? []).map((r) => r.id).filter((id): id is string => typeof id === "string" && id !== "")),
    };
    const targets = await madeByTheInterruptedUpdate(steps, round, seen, since, say);
    if (targets.size === 0) return taken;
    for (const urn of targets.keys()) seen.attempted.add(urn);
    await takeOver(targets, withWhatGoes(targets, round), n, opts);
    taken += targets.size;
  }
  return taken;
}

/** The state's signature of a secret value (a secret given in plaintext to `pulumi stack import` is encrypted by it). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** A plugin resource's outputs as the plugin's create returns them: no identity keys, its secret outputs secret. */
function pluginOutputs(kind: ResourceKind, outs: Record<string, unknown>): Record<string, unknown> {
  const secret = new Set(outputFields(kind.model).filter((f) => f.meta.secret).map((f) => f.key));
  return Object.fromEntries(
    Object.entries(withoutTransient(outs)).map(([k, v]) => [k, secret.has(k) && v !== null && v !== undefined ? { [SECRET_SIG]: SECRET_VALUE, plaintext: JSON.stringify(v) } : v]),
  );
}

/**
 * When the interrupted update began (--since, else its stack lock, else the end of the last update the stack
 * records), on the API's clock: objects with an identity the program fixed count as its own only when made since.
 */
async function interruptedSince(opts: { cwd: string; stack?: string; since?: string; say: (s: string) => void }, stackArgs: string[], backendDir: string | undefined, manifestTime: string | undefined): Promise<string | undefined> {
  const id = await stackIdentity(opts.cwd, opts.stack);
  const lock = backendDir ? readStackLock(backendDir, id.project, id.stack) : undefined;
  const began = opts.since ?? lock?.timestamp ?? (await lastUpdateEnd(stackArgs, opts.cwd)) ?? manifestTime;
  if (!began) return undefined;
  const apiUrl = settings.currentSettings().apiUrl ?? process.env.CHASER_API_URL;
  const clock = apiUrl ? await apiClockOffset(apiUrl) : undefined;
  opts.say(`the interrupted update began at ${began} (${opts.since ? "--since" : lock ? "its stack lock" : "the end of the last update the stack records"}): objects with a name the program fixed count as its own when made since then`);
  return new Date(Date.parse(began) + (clock ? clock.offsetMs - clock.uncertaintyMs : -2_000)).toISOString();
}

/**
 * Resolves the operations the engine left pending (see the module's comment) in `resources`: what an interrupted
 * create made is brought in, a lost key's twin revoked, an interrupted delete checked. Returns how many it resolved
 * and the operations it leaves pending (other providers').
 */
async function resolvePending(pending: PendingOperation[], resources: StateResource[], since: string | undefined, say: (s: string) => void): Promise<{ changed: number; remaining: PendingOperation[] }> {
  const keep = new Set(resources.map((r) => r.id).filter((rid): rid is string => typeof rid === "string" && rid !== ""));
  const remaining: PendingOperation[] = [];
  let changed = 0;
  const now = new Date().toISOString();
  for (const op of pending) {
    const kind = resourceOfToken(op.resource.type);
    const name = op.resource.urn.split("::").pop();
    if (!kind) {
      remaining.push(op);
      say(`${name} (${op.resource.type}): not a Chaser resource, left pending for \`pulumi refresh\``);
      continue;
    }
    const hooks = hooksOf(kind);
    const plugin = op.resource.type === TOKENS.plugin(kind.name);
    // The plugin's state holds no identity (the engine gives it with each call): auto-names are derived from the URN.
    const inputs: Record<string, unknown> = { ...(op.resource.inputs ?? {}), ...(plugin ? { __urn: op.resource.urn, __logicalName: name } : {}) };
    const what = `${kind.name} ${name}`;
    changed++;
    if (op.type === "creating") {
      const r = await hooks.recover(inputs, { keep, since });
      if (r.kind === "found") {
        // A replacement's create: the object it replaces is still in the stack under the same URN; the engine's
        // own way to hold both is to mark the old one for deletion, which the next `up` carries out.
        const old = resources.find((x) => x.urn === op.resource.urn && !x.delete && x.id !== r.id);
        if (old) old.delete = true;
        // A dynamic resource's outputs carry its serialized provider; the plugin's hold no identity, and its secret
        // outputs go in as secrets (the import encrypts them).
        const outputs = plugin ? pluginOutputs(kind, r.outs) : { ...r.outs, __provider: inputs.__provider };
        resources.push({ ...op.resource, id: r.id, outputs, created: now, modified: now });
        keep.add(r.id);
        say(`${what}: the interrupted create made '${inputs.name ?? r.id}' (${r.id}): brought into the stack${old ? `, replacing ${old.id} (deleted by the next \`pulumi up\`)` : ""}`);
      } else if (r.kind === "removed" && r.ids.length) {
        say(`${what}: revoked ${r.ids.length} key(s) the interrupted create made, whose secret was lost (${r.ids.join(", ")}); the next \`pulumi up\` creates it`);
      } else {
        say(`${what}: the interrupted create made nothing; the next \`pulumi up\` creates it`);
      }
    } else if (op.type === "deleting" && op.resource.id) {
      const r = await hooks.read(op.resource.id, op.resource.outputs ?? inputs);
      if (r.id === "") {
        const i = resources.findIndex((x) => x.urn === op.resource.urn && x.id === op.resource.id);
        if (i >= 0) resources.splice(i, 1);
        say(`${what}: the interrupted delete was done: removed from the stack`);
      } else {
        say(`${what}: the interrupted delete did not happen: it stays in the stack (the next update deletes it if the program no longer declares it)`);
      }
    } else {
      say(`${what}: interrupted while ${op.type}; its current state is read by the refresh`);
    }
  }
  return { changed, remaining };
}

export async function recover(opts: { cwd: string; stack?: string; refresh: boolean; destroy?: boolean; since?: string; say: (s: string) => void }): Promise<{ changed: number }> {
  const { cwd, say } = opts;
  const stackArgs = opts.stack ? ["--stack", opts.stack] : [];
  // Nothing may write to the account while it is repaired: a provider the kill left running goes first.
  await stopStrayProviders(cwd, say);
  const backendDir = await fileBackendDir(cwd);
  if (backendDir) repairTornAttrs(backendDir, say);
  const exported = JSON.parse(await ok(["stack", "export", ...stackArgs], cwd)) as { deployment: Record<string, unknown> };
  const dep = exported.deployment as { resources?: StateResource[]; pending_operations?: PendingOperation[]; manifest?: { time?: string } };
  const config = JSON.parse(await ok(["config", "--json", "--show-secrets", ...stackArgs], cwd)) as Record<string, { value?: string }>;
  settings.configure({ get: (k) => config[k]?.value });
  const since = await interruptedSince(opts, stackArgs, backendDir, dep.manifest?.time);

  const resources = dep.resources ?? [];
  const pending = dep.pending_operations ?? [];
  if (pending.length === 0) say("no interrupted operation in the stack");
  let { changed, remaining } = await resolvePending(pending, resources, since, say);
  if (changed > 0) {
    dep.resources = resources;
    dep.pending_operations = remaining;
    await importState(exported, stackArgs, cwd, say);
    say(`the stack was updated (${changed} interrupted operation(s) resolved)`);
  }
  if (!opts.destroy && !remaining.some((op) => op.type === "creating")) {
    const taken = await takeOverSkipped({ cwd, stackArgs, since, say });
    if (taken > 0) changed += taken;
    else say("the program's preview finds nothing of the interrupted update outside the stack");
  }
  if (!opts.refresh) return { changed };
  if (remaining.some((op) => op.type === "creating")) {
    say("not refreshing: creates of other providers are still pending; resolve them with `pulumi refresh` (interactively)");
    return { changed };
  }
  const r = await locked(["refresh", "--yes", "--skip-preview", "--non-interactive"], stackArgs, cwd, say);
  if (r.code !== 0) throw new RecoverError(`\`pulumi refresh\` failed:\n${(r.stderr || r.stdout).trim()}`);
  say(`refreshed: the stack holds what the account holds; run \`pulumi ${opts.destroy ? "destroy" : "up"}\` to finish the ${opts.destroy ? "destroy" : "update"}`);
  return { changed };
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  let values: { stack?: string; cwd?: string; "no-refresh"?: boolean; destroy?: boolean; since?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { stack: { type: "string" }, cwd: { type: "string" }, "no-refresh": { type: "boolean" }, destroy: { type: "boolean" }, since: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
    if (values.since !== undefined && !Number.isFinite(Date.parse(values.since))) throw new Error(`--since: '${values.since}' is not a time (e.g. 2026-05-01T12:00:00Z)`);
  } catch (e) {
    process.stderr.write(`chaser-recover: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(
      "Usage: chaser-recover [--stack NAME] [--cwd DIR] [--no-refresh] [--destroy] [--since TIME]\n\n" +
        "After an interrupted `pulumi up` (checkpoints skipped or not): stops a provider process the kill left running, clears the stale stack lock, " +
        "brings objects its interrupted creates made into the stack, revokes keys whose secret was lost, checks interrupted deletes, takes over what an " +
        "update with PULUMI_SKIP_CHECKPOINTS=true made (found through the program's preview), then refreshes. Run `pulumi up` afterwards.\n" +
        "--destroy: the interrupted command was `pulumi destroy` (nothing is looked for to take over); run `pulumi destroy` afterwards.\n" +
        "--since: when the interrupted update began, if its stack lock is gone.\n",
    );
    return;
  }
  try {
    await recover({ cwd: path.resolve(values.cwd ?? "."), stack: values.stack, refresh: !values["no-refresh"], destroy: values.destroy === true, since: values.since, say: (s) => process.stdout.write(`chaser-recover: ${s}\n`) });
  } catch (e) {
    process.stderr.write(`chaser-recover: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

if (require.main === module) void main();
