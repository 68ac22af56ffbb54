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
 * - then `pulumi refresh` reads every resource's current state (skip with --no-refresh).
 *
 * - before all that, on a file backend, a metadata file the kill left torn (which makes every command on the
 *   stack fail with `failed to load checkpoint: EOF`) is removed: the state beside it is written atomically.
 * - first of all (Linux), a dynamic-provider process of this project left running by the killed update (its
 *   engine's address no longer answers) is stopped, so that nothing writes to the account while it is repaired.
 *   Providers of this release stop by themselves within seconds of their engine's end; older ones did not.
 *
 * Usage: chaser-recover [--stack NAME] [--cwd DIR] [--no-refresh]
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { isAlive } from "../chaser-local/src/lock";
import { hooksOf } from "../provider/hooks";
import { outputFields } from "../provider/model";
import { TOKENS, resourceOfToken } from "../provider/registry";
import type { ResourceKind } from "../provider/registry";
import { withoutTransient } from "../provider/grpc/props";
import * as settings from "../provider/settings";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

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

function run(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile("pulumi", args, { cwd, maxBuffer: 512 * 1024 * 1024, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code as number) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

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
    for (let attempt = 0; ; attempt++) {
      const r = await run(["stack", "import", "--file", file, ...stackArgs], cwd);
      if (r.code === 0) return;
      const text = `${r.stderr}\n${r.stdout}`;
      if (attempt > 0 || !/currently locked/.test(text)) throw new RecoverError(`\`pulumi stack import\` failed:\n${text.trim()}`);
      const holder = /created by \S+@(\S+) \(pid (\d+)\)/.exec(text);
      if (holder && holder[1] === os.hostname() && isAlive(Number(holder[2]))) {
        throw new RecoverError(`the stack is locked by process ${holder[2]}, which is still running on this machine: wait for it to end (or stop it), then run chaser-recover again`);
      }
      say(`the stack is locked by an update that no longer runs${holder ? ` (pid ${holder[2]} on ${holder[1]})` : ""}: clearing the lock with \`pulumi cancel\``);
      await ok(["cancel", "--yes", ...stackArgs], cwd);
    }
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

export async function recover(opts: { cwd: string; stack?: string; refresh: boolean; say: (s: string) => void }): Promise<{ changed: number }> {
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

  const resources = dep.resources ?? [];
  const pending = dep.pending_operations ?? [];
  const keep = new Set(resources.map((r) => r.id).filter((id): id is string => typeof id === "string" && id !== ""));
  const remaining: PendingOperation[] = [];
  let changed = 0;
  const now = new Date().toISOString();
  if (pending.length === 0) say("no interrupted operation in the stack");

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
      const r = await hooks.recover(inputs, { keep, since: dep.manifest?.time });
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
      } else if (r.kind === "removed") {
        say(r.ids.length
          ? `${what}: revoked ${r.ids.length} key(s) the interrupted create made, whose secret was lost (${r.ids.join(", ")}); the next \`pulumi up\` creates it`
          : `${what}: the interrupted create made nothing; the next \`pulumi up\` creates it`);
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

  if (changed > 0) {
    dep.resources = resources;
    dep.pending_operations = remaining;
    await importState(exported, stackArgs, cwd, say);
    say(`the stack was updated (${changed} interrupted operation(s) resolved)`);
  }
  if (opts.refresh) {
    if (remaining.some((op) => op.type === "creating")) {
      say("not refreshing: creates of other providers are still pending; resolve them with `pulumi refresh` (interactively)");
    } else {
      const r = await run(["refresh", "--yes", "--skip-preview", "--non-interactive", ...stackArgs], cwd);
      if (r.code !== 0) throw new RecoverError(`\`pulumi refresh\` failed:\n${(r.stderr || r.stdout).trim()}`);
      say("refreshed: the stack holds what the account holds; run `pulumi up` to finish the update");
    }
  }
  return { changed };
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  let values: { stack?: string; cwd?: string; "no-refresh"?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { stack: { type: "string" }, cwd: { type: "string" }, "no-refresh": { type: "boolean" }, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (e) {
    process.stderr.write(`chaser-recover: ${(e as Error).message}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write("Usage: chaser-recover [--stack NAME] [--cwd DIR] [--no-refresh]\n\nAfter an interrupted `pulumi up`: stops a provider process the kill left running, clears the stale stack lock, brings objects its interrupted creates made into the stack, revokes keys whose secret was lost, checks interrupted deletes, then refreshes. Run `pulumi up` afterwards.\n");
    return;
  }
  try {
    await recover({ cwd: path.resolve(values.cwd ?? "."), stack: values.stack, refresh: !values["no-refresh"], say: (s) => process.stdout.write(`chaser-recover: ${s}\n`) });
  } catch (e) {
    process.stderr.write(`chaser-recover: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

if (require.main === module) void main();
