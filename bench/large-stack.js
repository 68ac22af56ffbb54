#!/usr/bin/env node
// Benchmark (not a test): large stacks through the real engine, the package against the floor the engine itself
// sets. The programs declare N resources; the floor's is a trivial dynamic resource whose create and delete wait
// 50 ms (no read), the package's a Workspace against chaser-local answering after 50 ms, once as the dynamic
// resource (`pulumi-chaser`, "package") and once through the provider plugin (`pulumi-chaser/plugin`, "plugin").
// "executable" (not run unless asked) is the plugin's program on the release's self-contained executable, installed
// in the project's PULUMI_HOME with `pulumi plugin install --file` (no plugins: block, no node for the plugin): the
// linux-amd64 archive of --release DIR, else built from the sources (scripts/release/build.js, linux-amd64 only).
// "bound" (not run unless asked) is the plugin's program against engine/cmd/null-provider, a Go plugin that does
// nothing (create and delete wait the same 50 ms): what the engine and the Node.js SDK cost with any provider, the
// line no implementation of the plugin can go below.
// Each variant runs with the engine's checkpoints (the state rewritten after every step) and with
// PULUMI_SKIP_CHECKPOINTS=true (written once, at the end; safe with chaser-recover), each a column ("plugin+skip");
// ratios are to the floor with checkpoints.
// Per N and operation (up, preview with no changes, refresh, destroy) they run back to back, in rotating order,
// for several rounds;
// it prints min/median/max per column, the ratio of medians, the requests the API received and the state bytes
// per resource; per process (the program, the provider: the plugin or the dynamic provider, the engine) the peak
// RSS and the CPU time, sampled from /proc every 100 ms; from one size to the next, the marginal cost per resource.
// It writes the figures (JSON) and a chart of time against N (SVG).
//
// Run after `make build` (and `make engine`):  node bench/large-stack.js [--sizes 500,2000] [--rounds 3]
//   [--latency 50] [--out bench/results] [--ops up,preview,refresh,destroy]
//   [--variants floor,package,plugin,executable,bound] [--release DIR]
//   [--checkpoints on,skip]
// A variant is one entry of VARIANTS below (its program, whether it talks to the API, its plugin).
// With --engine-options it measures instead what users of big stacks can do on the engine's side, on the package's
// program at the largest size: `up` with --parallel 32, and with PULUMI_SKIP_CHECKPOINTS=true, against a plain
// `up`; `preview` and `refresh` of one resource (--target) against the whole stack.
// --smoke (the test suite): 3 resources, 1 round, 10 ms latency, results in a temporary directory (bench/results
// untouched); with --engine-options the same size, a plain `up` and the targeted preview and refresh only. It
// must load and run; the figures mean nothing then.
// Linux: the per-process figures come from /proc (elsewhere they are left out).
"use strict";
const { execFileSync, spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { parseArgs } = require("node:util");
const { startChaserLocal } = require("./chaser-local-process");
const { resourceToken } = require("../dist/provider/registry");

const REPO = path.resolve(__dirname, "..");
const { values: args } = parseArgs({
  options: {
    sizes: { type: "string" },
    rounds: { type: "string" },
    latency: { type: "string" },
    out: { type: "string" },
    ops: { type: "string", default: "up,preview,refresh,destroy" },
    variants: { type: "string", default: "floor,package,plugin" },
    checkpoints: { type: "string", default: "on,skip" },
    release: { type: "string" },
    "engine-options": { type: "boolean", default: false },
    smoke: { type: "boolean", default: false },
  },
});
const SMOKE = args.smoke;
args.sizes ??= SMOKE ? "3" : "500,2000";
args.rounds ??= SMOKE ? "1" : "3";
args.latency ??= SMOKE ? "10" : "50";
args.out ??= SMOKE ? fs.mkdtempSync(path.join(os.tmpdir(), "chaser-bench-smoke-")) : path.join(REPO, "bench", "results");
if (SMOKE && !process.argv.includes("--out")) process.on("exit", () => fs.rmSync(args.out, { recursive: true, force: true }));
const SIZES = args.sizes.split(",").map(Number);
const ROUNDS = Number(args.rounds);
const LATENCY = Number(args.latency);
const OPS = args.ops.split(",");
const MODES = args.checkpoints.split(",");
for (const m of MODES) if (!["on", "skip"].includes(m)) throw new Error(`--checkpoints: no mode '${m}' (on, skip)`);
const KEY = "sk_bench_large_stack_root_key_0001";
const VERSION = require("../package.json").version;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const FLOOR = `const pulumi = require("@pulumi/pulumi");
const n = Number(new pulumi.Config().require("n"));
const wait = () => new Promise((r) => setTimeout(r, ${LATENCY}));
const provider = {
  async create(inputs) { await wait(); return { id: inputs.name, outs: inputs }; },
  async delete() { await wait(); },
};
class Trivial extends pulumi.dynamic.Resource {
  constructor(name, args) { super(provider, name, args, undefined, "floor", "Trivial"); }
}
for (let i = 0; i < n; i++) new Trivial("r" + i, { name: "r" + i });
`;
const PACKAGE = `const pulumi = require("@pulumi/pulumi");
const chaser = require("pulumi-chaser");
const n = Number(new pulumi.Config().require("n"));
for (let i = 0; i < n; i++) new chaser.Workspace("r" + i, { sessionType: "sandbox" });
`;
const PLUGIN = PACKAGE.replace(`require("pulumi-chaser")`, `require("pulumi-chaser/plugin")`);

/**
 * The variants: the program each runs, whether it talks to chaser-local (`api`), and the plugin it names in
 * Pulumi.yaml (`plugin`: the package's; `pluginDir(root)`: another, built when the variant is asked for), or the plugin
 * it installs (`install`: the release's executable, by `pulumi plugin install`). A new
 * variant is one entry here.
 */
const VARIANTS_ALL = {
  floor: { label: "floor (trivial dynamic resource)", color: "#7a7a7a", program: FLOOR, api: false },
  package: { label: "pulumi-chaser (dynamic)", color: "#c2185b", program: PACKAGE, api: true },
  plugin: { label: "pulumi-chaser/plugin", color: "#1565c0", program: PLUGIN, api: true, plugin: true },
  executable: { label: "pulumi-chaser/plugin on the executable", color: "#ef6c00", program: PLUGIN, api: true, install: (dir, root, bin) => installExecutable(dir, root, bin) },
  bound: { label: "bound (a Go plugin doing nothing)", color: "#2e7d32", program: PLUGIN, api: true, plugin: true, pluginDir: (root) => buildNullProvider(path.join(root, "null-provider")) },
};
const VARIANTS = args.variants.split(",");
if (!VARIANTS.includes("floor")) throw new Error("--variants must include floor (the ratios are to it)");
for (const v of VARIANTS) if (!VARIANTS_ALL[v]) throw new Error(`--variants: no variant '${v}' (${Object.keys(VARIANTS_ALL).join(", ")})`);
/** The columns: each variant with checkpoints ("plugin") and with PULUMI_SKIP_CHECKPOINTS=true ("plugin+skip"). */
const COLUMNS = VARIANTS.flatMap((v) => MODES.map((m) => ({ key: m === "on" ? v : `${v}+skip`, variant: v, skip: m === "skip" })));
/** The column the ratios are to: the floor with checkpoints (else the floor as run). */
const BASE = COLUMNS.find((c) => c.key === "floor") ?? COLUMNS.find((c) => c.variant === "floor");

/**
 * Builds engine/cmd/null-provider (the "bound" variant's plugin) into `dir` as pulumi-resource-chaser, offline, with
 * engine/build.sh's toolchain settings: the engine build filled the module cache with everything it needs.
 */
function buildNullProvider(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const env = { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod", GOSUMDB: "off", CGO_ENABLED: "0" };
  execFileSync("go", ["build", "-tags", "osusergo,grpcnotrace", "-trimpath", "-ldflags", "-s -w", "-o", path.join(dir, "pulumi-resource-chaser"), "./cmd/null-provider"], {
    cwd: path.join(REPO, "engine"), env, stdio: ["ignore", "inherit", "inherit"],
  });
  return dir;
}

/**
 * The "executable" variant's plugin: the release's linux-amd64 executable installed in the project's PULUMI_HOME
 * (what `pulumi()` below uses) by `pulumi plugin install --file`; the project names no plugin in Pulumi.yaml.
 */
function installExecutable(dir, root, bin) {
  let archive = args.release && path.join(path.resolve(args.release), `pulumi-resource-chaser-v${VERSION}-linux-amd64.tar.gz`);
  if (!archive || !fs.existsSync(archive)) {
    const out = path.join(root, "release");
    execFileSync(process.execPath, [path.join(REPO, "scripts", "release", "build.js"), "--out", out, "--platforms", "linux-amd64", "--parts", "plugin,schema"], { stdio: ["ignore", "ignore", "inherit"] });
    archive = path.join(out, `pulumi-resource-chaser-v${VERSION}-linux-amd64.tar.gz`);
  }
  pulumi(dir, bin, ["plugin", "install", "resource", "chaser", VERSION, "--file", archive]);
}

/** The engine's bin directory: CHASER_ENGINE_BIN (as the engine tests take it) or engine/build.sh's answer. */
function engineBin() {
  const given = process.env.CHASER_ENGINE_BIN;
  if (given && fs.existsSync(path.join(given, "pulumi"))) return given;
  return execFileSync("bash", [path.join(REPO, "engine", "build.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop();
}

const startServer = () => startChaserLocal(KEY, ["--latency", String(LATENCY)]);

async function control(url, method, p) {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await fetch(`${url}/_local${p}`, { method, headers: { "x-chaser-local": "1" } });
      return await r.json();
    } catch (e) {
      // A kept-alive connection the server closed meanwhile: the request never reached it.
      if (attempt >= 3 || !["UND_ERR_SOCKET", "EPIPE", "ECONNRESET"].includes(e?.cause?.code)) throw e;
    }
  }
}

/** A project directory with this package as npm pack publishes it and links to the repository's dependencies. */
function project(root, name, program, opts = {}) {
  const dir = path.join(root, name);
  const nm = path.join(dir, "node_modules");
  fs.mkdirSync(nm, { recursive: true });
  for (const e of fs.readdirSync(path.join(REPO, "node_modules"))) {
    if (e !== "pulumi-chaser" && !e.startsWith(".")) fs.symlinkSync(path.join(REPO, "node_modules", e), path.join(nm, e));
  }
  fs.cpSync(path.join(root, "pkg"), path.join(nm, "pulumi-chaser"), { recursive: true });
  const pluginDir = opts.pluginDir ?? path.join(nm, "pulumi-chaser", "plugin");
  const plugins = opts.plugin ? `plugins:\n  providers:\n    - name: chaser\n      path: ${pluginDir}\n` : "";
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `name: ${name}\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n${plugins}`);
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, private: true, main: "index.js" }));
  fs.writeFileSync(path.join(dir, "index.js"), program);
  fs.mkdirSync(path.join(dir, ".state"));
  return dir;
}

function pulumiEnv(dir, bin, extraEnv = {}) {
  const env = {
    ...process.env,
    PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    PULUMI_BACKEND_URL: `file://${path.join(dir, ".state")}`,
    PULUMI_CONFIG_PASSPHRASE: "bench",
    PULUMI_HOME: path.join(dir, ".home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    NULL_PROVIDER_LATENCY_MS: String(LATENCY),
    NULL_PROVIDER_VERSION: VERSION,
  };
  for (const k of ["CHASER_API_KEY", "CHASER_API_URL", "CHASER_ACCOUNT", "CHASER_DEBUG", "PULUMI_SKIP_CHECKPOINTS"]) delete env[k];
  return Object.assign(env, extraEnv);
}

function pulumi(dir, bin, pargs, extraEnv = {}) {
  const env = pulumiEnv(dir, bin, extraEnv);
  const t0 = process.hrtime.bigint();
  const out = execFileSync("pulumi", pargs, { cwd: dir, env, encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, out };
}

const PROC = process.platform === "linux" && fs.existsSync("/proc/self/status");
const TICK = 100; // clock ticks per second of /proc/PID/stat (USER_HZ: 100 on Linux)

/** What a process of a run is: the program, the provider (plugin or dynamic provider), the engine, or other. */
function roleOf(cmdline, isRoot) {
  if (isRoot) return "engine";
  if (/[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]run([\\/\s]|$)/.test(cmdline) && !/run-plugin/.test(cmdline)) return "program";
  if (/cmd[\\/]dynamic-provider|pulumi-resource-chaser|provider[\\/]plugin[\\/]main/.test(cmdline)) return "provider";
  return undefined;
}

/**
 * Samples the process tree below `root` every 100 ms: per role (program, provider, engine) the peak resident
 * set (VmHWM, the kernel's own high-water mark) and the CPU time (user + system) last seen. `stop()` returns them.
 */
function sampler(root) {
  const seen = new Map(); // pid -> { role, hwmKb, cpuTicks }
  const tick = () => {
    const children = new Map();
    for (const e of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${e}/stat`, "utf8");
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        children.set(Number(e), { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]) });
      } catch {
        // exited meanwhile
      }
    }
    const tree = [root];
    for (let i = 0; i < tree.length; i++) for (const [pid, c] of children) if (c.ppid === tree[i] && !tree.includes(pid)) tree.push(pid);
    for (const pid of tree) {
      try {
        const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
        const hwm = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        let s = seen.get(pid);
        if (!s) {
          const role = roleOf(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" "), pid === root);
          if (!role) continue;
          seen.set(pid, (s = { role, hwmKb: 0, cpuTicks: 0 }));
        }
        s.hwmKb = Math.max(s.hwmKb, hwm);
        s.cpuTicks = Math.max(s.cpuTicks, children.get(pid)?.cpu ?? 0);
      } catch {
        // exited meanwhile
      }
    }
  };
  const timer = PROC ? setInterval(tick, 100) : undefined;
  return {
    tick: () => PROC && tick(),
    stop() {
      if (timer) clearInterval(timer);
      const out = {};
      for (const s of seen.values()) {
        const r = (out[s.role] ??= { rssMb: 0, cpuS: 0 });
        r.rssMb = Math.max(r.rssMb, s.hwmKb / 1024);
        r.cpuS += s.cpuTicks / TICK;
      }
      return out;
    },
  };
}

/** `pulumi` run asynchronously, its process tree sampled: seconds, output and per-role peak RSS and CPU. */
function measured(dir, bin, pargs, extraEnv = {}) {
  const env = pulumiEnv(dir, bin, extraEnv);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn("pulumi", pargs, { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] });
    const probe = sampler(child.pid);
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    // The last sample before the engine reaps its children: when its output ends.
    child.stdout.on("end", () => probe.tick());
    child.on("close", (code) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      const processes = probe.stop();
      if (code !== 0) return reject(new Error(`pulumi ${pargs.join(" ")} exited ${code}:\n${err || out}`));
      resolve({ seconds, out, processes });
    });
  });
}

const COMMANDS = {
  up: ["up", "--yes", "--skip-preview", "--non-interactive"],
  preview: ["preview", "--non-interactive"],
  refresh: ["refresh", "--yes", "--skip-preview", "--non-interactive"],
  destroy: ["destroy", "--yes", "--skip-preview", "--non-interactive"],
};

function svg(results) {
  const W = 900, H = 640, panels = OPS.length, cols = 2, rows = Math.ceil(panels / cols);
  const pw = W / cols, ph = (H - 60) / rows;
  const colorOf = (c) => VARIANTS_ALL[c.variant].color;
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`;
  s += `<rect width="${W}" height="${H}" fill="white"/><text x="${W / 2}" y="22" text-anchor="middle" font-size="15">Large stacks: seconds (median of ${ROUNDS}) against resources; dashed: PULUMI_SKIP_CHECKPOINTS=true</text>`;
  OPS.forEach((op, i) => {
    const x0 = (i % cols) * pw + 60, y0 = 40 + Math.floor(i / cols) * ph + 20, w = pw - 90, h = ph - 70;
    const pts = (c) => SIZES.map((n) => [n, median(results[c.key][n][op].seconds)]);
    const maxY = Math.max(...COLUMNS.flatMap((c) => pts(c).map((p) => p[1]))) * 1.1 || 1;
    const maxX = Math.max(...SIZES);
    const X = (n) => x0 + (n / maxX) * w, Y = (t) => y0 + h - (t / maxY) * h;
    s += `<text x="${x0 + w / 2}" y="${y0 - 6}" text-anchor="middle" font-weight="bold">${op}</text>`;
    s += `<line x1="${x0}" y1="${y0 + h}" x2="${x0 + w}" y2="${y0 + h}" stroke="black"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y0 + h}" stroke="black"/>`;
    for (const n of SIZES) s += `<text x="${X(n)}" y="${y0 + h + 16}" text-anchor="middle">${n}</text>`;
    for (let k = 0; k <= 4; k++) s += `<text x="${x0 - 6}" y="${Y((maxY * k) / 4) + 4}" text-anchor="end">${((maxY * k) / 4).toFixed(1)}</text>`;
    for (const c of COLUMNS) {
      s += `<polyline fill="none" stroke="${colorOf(c)}" stroke-width="2"${c.skip ? ' stroke-dasharray="6 4"' : ""} points="${pts(c).map(([n, t]) => `${X(n)},${Y(t)}`).join(" ")}"/>`;
      for (const [n, t] of pts(c)) s += `<circle cx="${X(n)}" cy="${Y(t)}" r="3" fill="${colorOf(c)}"/>`;
    }
  });
  VARIANTS.forEach((v, i) => {
    const x = 20 + i * (W / VARIANTS.length);
    s += `<rect x="${x}" y="${H - 30}" width="12" height="12" fill="${VARIANTS_ALL[v].color}"/><text x="${x + 18}" y="${H - 20}">${VARIANTS_ALL[v].label}</text>`;
  });
  return s + "</svg>\n";
}

/** Engine-side options at the largest size, on the package's program, side by side per round. */
async function engineOptions(bin, dir, server) {
  const n = Math.max(...SIZES);
  const cases = [
    ["up", COMMANDS.up, {}, "plain"],
    ["up", [...COMMANDS.up, "--parallel", "32"], {}, "--parallel 32"],
    ["up", COMMANDS.up, { PULUMI_SKIP_CHECKPOINTS: "true" }, "PULUMI_SKIP_CHECKPOINTS=true"],
  ].slice(0, SMOKE ? 1 : undefined); // smoke: every step once, not every variant
  const times = {};
  const add = (k, t) => (times[k] ??= []).push(t);
  for (let round = 0; round < ROUNDS; round++) {
    const stack = `opt${round}`;
    pulumi(dir, bin, ["stack", "init", stack]);
    pulumi(dir, bin, ["config", "set", "n", String(n)]);
    pulumi(dir, bin, ["config", "set", "chaser:apiUrl", server.url]);
    pulumi(dir, bin, ["config", "set", "--secret", "chaser:apiKey", KEY]);
    const order = round % 2 === 0 ? cases : [...cases].reverse();
    for (const [, cmd, env, label] of order) {
      const { seconds } = pulumi(dir, bin, cmd, env);
      add(`up, ${label}`, seconds);
      process.stdout.write(`round ${round + 1} up ${label}: ${seconds.toFixed(2)} s\n`);
      pulumi(dir, bin, COMMANDS.destroy);
    }
    pulumi(dir, bin, COMMANDS.up);
    const urn = `urn:pulumi:${stack}::package::${resourceToken("Workspace")}::r0`;
    const targeted = [
      ["preview, whole stack", COMMANDS.preview],
      ["preview, --target one resource", [...COMMANDS.preview, "--target", urn]],
      ["refresh, whole stack", COMMANDS.refresh],
      ["refresh, --target one resource", [...COMMANDS.refresh, "--target", urn]],
    ];
    for (const [label, cmd] of SMOKE ? targeted.filter((_, i) => i % 2 === 1) : targeted) {
      const { seconds } = pulumi(dir, bin, cmd);
      add(label, seconds);
      process.stdout.write(`round ${round + 1} ${label}: ${seconds.toFixed(2)} s\n`);
    }
    pulumi(dir, bin, COMMANDS.destroy);
    pulumi(dir, bin, ["stack", "rm", "--yes", "--force", stack]);
  }
  console.log(`\nengine-side options, ${n} workspaces, median of ${ROUNDS} (min-max):`);
  for (const [k, xs] of Object.entries(times)) console.log(`  ${k.padEnd(36)} ${median(xs).toFixed(2)} s (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`);
  fs.mkdirSync(args.out, { recursive: true });
  fs.writeFileSync(path.join(args.out, "engine-options.json"), JSON.stringify({ n, latencyMs: LATENCY, rounds: ROUNDS, times }, null, 2) + "\n");
}

const mb = (x) => (x === undefined ? "-" : `${Math.round(x)}`);
const fixed = (x, d = 2) => (x === undefined || !Number.isFinite(x) ? "-" : x.toFixed(d));

/** Each column's figures, per size and operation, over the rounds. */
function emptyResults() {
  const results = Object.fromEntries(COLUMNS.map((c) => [c.key, {}]));
  for (const c of COLUMNS) for (const n of SIZES) results[c.key][n] = Object.fromEntries(OPS.map((op) => [op, { seconds: [], requests: [], stateBytesPerResource: [], processes: [] }]));
  return results;
}

const load = () => os.loadavg().map((x) => x.toFixed(1)).join(" ");

/** Every round: per size, every column in rotating order, each operation measured (time, requests, processes). */
async function runRounds(dirs, bin, server, results) {
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of SIZES) {
        const order = COLUMNS.map((_, i) => COLUMNS[(i + round) % COLUMNS.length]);
        for (const c of order) {
          const dir = dirs[c.variant];
          const stack = `n${n}r${round}${c.skip ? "s" : ""}`;
          const env = c.skip ? { PULUMI_SKIP_CHECKPOINTS: "true" } : {};
          pulumi(dir, bin, ["stack", "init", stack]);
          pulumi(dir, bin, ["config", "set", "n", String(n)]);
          if (VARIANTS_ALL[c.variant].api) {
            pulumi(dir, bin, ["config", "set", "chaser:apiUrl", server.url]);
            pulumi(dir, bin, ["config", "set", "--secret", "chaser:apiKey", KEY]);
          }
          for (const op of OPS) {
            await control(server.url, "DELETE", "/requests");
            const { seconds, processes } = await measured(dir, bin, COMMANDS[op], env);
            const requests = (await control(server.url, "GET", "/requests")).requests.length;
            const r = results[c.key][n][op];
            r.seconds.push(seconds);
            r.requests.push(requests);
            r.processes.push(processes);
            if (op === "up") {
              const exported = pulumi(dir, bin, ["stack", "export"]).out;
              r.stateBytesPerResource.push(Buffer.byteLength(exported) / n);
            }
            const pr = (k) => (processes[k] ? `${k} ${mb(processes[k].rssMb)} MB ${fixed(processes[k].cpuS, 1)} s CPU` : "");
            process.stdout.write(`round ${round + 1} N=${n} ${c.key.padEnd(13)} ${op.padEnd(7)} ${seconds.toFixed(2)} s, ${requests} requests; ${["program", "provider", "engine"].map(pr).filter(Boolean).join(", ")} (load ${load()})\n`);
          }
          pulumi(dir, bin, ["stack", "rm", "--yes", "--force", stack]);
        }
      }
    }
  } finally {
    server.child.kill("SIGTERM");
  }
}

/** Per process, the median over the rounds of one figure (`rssMb`, `cpuS`) of one role. */
function procFigure(results, key, n, op, role, what) {
  const xs = results[key][n][op].processes.map((p) => p[role]?.[what]).filter((x) => x !== undefined);
  return xs.length ? median(xs) : undefined;
}

/** The tables: times and ratios to the base column, per-process figures, marginal costs. */
function report(results) {
  const proc = (key, n, op, role, what) => procFigure(results, key, n, op, role, what);
  const others = COLUMNS.filter((c) => c !== BASE);
  const fmt = (xs) => `${median(xs).toFixed(2)} s (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`.padEnd(27);
  console.log(`\nN    op       ${[BASE, ...others].map((c) => `${c.key}: median (min-max)`.padEnd(28)).join("")}${others.map((c) => `${c.key}/${BASE.key}`.padEnd(20)).join("")}requests  state bytes/resource (${COLUMNS.map((c) => c.key).join(" / ")})`);
  for (const n of SIZES) {
    for (const op of OPS) {
      const f = results[BASE.key][n][op];
      const ratios = others.map((c) => `${(median(results[c.key][n][op].seconds) / median(f.seconds)).toFixed(2)}x`.padEnd(20)).join("");
      const requests = others.filter((c) => VARIANTS_ALL[c.variant].api).map((c) => median(results[c.key][n][op].requests)).join("/");
      const state = op === "up" ? COLUMNS.map((c) => Math.round(median(results[c.key][n][op].stateBytesPerResource))).join(" / ") : "";
      console.log(`${String(n).padEnd(4)} ${op.padEnd(8)} ${[BASE, ...others].map((c) => fmt(results[c.key][n][op].seconds) + " ").join("")}${ratios}${requests.padEnd(8)}  ${state}`);
    }
  }
  // Per process, median over rounds: peak RSS (MB) and CPU (ms per resource).
  if (PROC) {
    console.log(`\nper process, median: peak RSS in MB, CPU in ms per resource (program / provider / engine)`);
    for (const op of OPS) {
      for (const n of SIZES) {
        const cells = COLUMNS.map((c) => {
          const rss = ["program", "provider"].map((r) => mb(proc(c.key, n, op, r, "rssMb"))).join("/");
          const cpu = ["program", "provider", "engine"].map((r) => fixed(((proc(c.key, n, op, r, "cpuS") ?? NaN) * 1000) / n, 1)).join("/");
          return `${c.key}: ${rss} MB, ${cpu} ms`;
        });
        console.log(`${String(n).padEnd(5)} ${op.padEnd(8)} ${cells.join("; ")}`);
      }
    }
  }
  // From one size to the next: the marginal cost of a resource against the average cost at the smaller size.
  for (let i = 1; i < SIZES.length; i++) {
    const [a, b] = [SIZES[i - 1], SIZES[i]];
    console.log(`\nfrom N=${a} to N=${b} (marginal cost per resource, against the cost per resource at N=${a}):`);
    for (const c of COLUMNS) {
      const t = (m, op = "up") => median(results[c.key][m][op].seconds);
      if (!OPS.includes("up")) break;
      const per = t(a) / a;
      const marginal = (t(b) - t(a)) / (b - a);
      let line = `  ${c.key.padEnd(13)} up ${(per * 1000).toFixed(1)} ms -> ${(marginal * 1000).toFixed(1)} ms per resource (${(marginal / per).toFixed(2)}x)`;
      if (PROC) {
        const d = (role, what) => ((proc(c.key, b, "up", role, what) ?? NaN) - (proc(c.key, a, "up", role, what) ?? NaN)) / (b - a);
        line += `; per added resource: program ${fixed(d("program", "rssMb") * 1024, 0)} KB RSS, ${fixed(d("program", "cpuS") * 1000, 1)} ms CPU; provider ${fixed(d("provider", "rssMb") * 1024, 0)} KB, ${fixed(d("provider", "cpuS") * 1000, 1)} ms; engine ${fixed(d("engine", "cpuS") * 1000, 1)} ms CPU`;
      }
      console.log(line);
    }
  }
}

async function main() {
  const bin = engineBin();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-bench-large-"));
  const tgz = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", root], { cwd: REPO, encoding: "utf8" }).trim().split("\n").pop();
  fs.mkdirSync(path.join(root, "pkg"));
  execFileSync("tar", ["xzf", path.join(root, tgz), "-C", path.join(root, "pkg"), "--strip-components=1"]);
  const server = await startServer();
  const dirs = {};
  for (const v of args["engine-options"] ? ["package"] : VARIANTS) {
    const d = VARIANTS_ALL[v];
    dirs[v] = project(root, v, d.program, { plugin: d.plugin === true, pluginDir: d.pluginDir ? d.pluginDir(root) : undefined });
    if (d.install) d.install(dirs[v], root, bin);
  }
  if (args["engine-options"]) {
    try {
      await engineOptions(bin, dirs.package, server);
    } finally {
      server.child.kill("SIGTERM");
      fs.rmSync(root, { recursive: true, force: true });
    }
    return;
  }
  const results = emptyResults();
  console.log(`${os.cpus().length} cores (load ${load()}); pulumi ${pulumi(dirs.floor, bin, ["version"]).out.trim()}; API latency ${LATENCY} ms; sizes ${SIZES.join(", ")}; ${ROUNDS} rounds; columns ${COLUMNS.map((c) => c.key).join(", ")}`);
  await runRounds(dirs, bin, server, results);
  report(results);
  fs.mkdirSync(args.out, { recursive: true });
  fs.writeFileSync(path.join(args.out, "large-stack.json"), JSON.stringify({ latencyMs: LATENCY, rounds: ROUNDS, sizes: SIZES, columns: COLUMNS.map((c) => c.key), results }, null, 2) + "\n");
  fs.writeFileSync(path.join(args.out, "large-stack.svg"), svg(results));
  console.log(`\nwrote ${path.relative(REPO, path.join(args.out, "large-stack.json"))} and large-stack.svg`);
  fs.rmSync(root, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
