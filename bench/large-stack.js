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
// Per N and operation (up, preview with no changes, refresh, destroy) they run back to back, in rotating order,
// for several rounds;
// it prints min/median/max per variant, the ratio of medians, the requests the API received and the state bytes
// per resource, and writes the figures (JSON) and a chart of time against N (SVG).
//
// Run after `make build` (and `make engine`):  node bench/large-stack.js [--sizes 50,200,500] [--rounds 3]
//   [--latency 50] [--out bench/results] [--ops up,preview,refresh,destroy]
//   [--variants floor,package,plugin,executable,bound] [--release DIR]
// With --engine-options it measures instead what users of big stacks can do on the engine's side, on the package's
// program at the largest size: `up` with --parallel 32, and with PULUMI_SKIP_CHECKPOINTS=true, against a plain
// `up`; `preview` and `refresh` of one resource (--target) against the whole stack.
// --smoke (the test suite): 3 resources, 1 round, 10 ms latency, results in a temporary directory (bench/results
// untouched); with --engine-options the same size, a plain `up` and the targeted preview and refresh only. It
// must load and run; the figures mean nothing then.
"use strict";
const { execFileSync } = require("node:child_process");
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
    "engine-options": { type: "boolean", default: false },
    release: { type: "string" },
    smoke: { type: "boolean", default: false },
  },
});
const SMOKE = args.smoke;
args.sizes ??= SMOKE ? "3" : "50,200,500";
args.rounds ??= SMOKE ? "1" : "3";
args.latency ??= SMOKE ? "10" : "50";
args.out ??= SMOKE ? fs.mkdtempSync(path.join(os.tmpdir(), "chaser-bench-smoke-")) : path.join(REPO, "bench", "results");
if (SMOKE && !process.argv.includes("--out")) process.on("exit", () => fs.rmSync(args.out, { recursive: true, force: true }));
const SIZES = args.sizes.split(",").map(Number);
const ROUNDS = Number(args.rounds);
const LATENCY = Number(args.latency);
const OPS = args.ops.split(",");
const VARIANTS = args.variants.split(",");
if (!VARIANTS.includes("floor")) throw new Error("--variants must include floor (the ratios are to it)");
for (const v of VARIANTS) if (!["floor", "package", "plugin", "executable", "bound"].includes(v)) throw new Error(`--variants: no variant '${v}' (floor, package, plugin, executable, bound)`);
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
 * The "executable" variant's project: the plugin's program, no plugins: block, the release's linux-amd64 executable
 * installed in the project's PULUMI_HOME (what `pulumi()` below uses) by `pulumi plugin install --file`.
 */
function executableProject(root, bin) {
  let archive = args.release && path.join(path.resolve(args.release), `pulumi-resource-chaser-v${VERSION}-linux-amd64.tar.gz`);
  if (!archive || !fs.existsSync(archive)) {
    const out = path.join(root, "release");
    execFileSync(process.execPath, [path.join(REPO, "scripts", "release", "build.js"), "--out", out, "--platforms", "linux-amd64", "--parts", "plugin,schema"], { stdio: ["ignore", "ignore", "inherit"] });
    archive = path.join(out, `pulumi-resource-chaser-v${VERSION}-linux-amd64.tar.gz`);
  }
  const dir = project(root, "executable", PLUGIN);
  pulumi(dir, bin, ["plugin", "install", "resource", "chaser", VERSION, "--file", archive]);
  return dir;
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

function pulumi(dir, bin, pargs, extraEnv = {}) {
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
  for (const k of ["CHASER_API_KEY", "CHASER_API_URL", "CHASER_ACCOUNT", "CHASER_DEBUG"]) delete env[k];
  Object.assign(env, extraEnv);
  const t0 = process.hrtime.bigint();
  const out = execFileSync("pulumi", pargs, { cwd: dir, env, encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, out };
}

const COMMANDS = {
  up: ["up", "--yes", "--skip-preview", "--non-interactive"],
  preview: ["preview", "--non-interactive"],
  refresh: ["refresh", "--yes", "--skip-preview", "--non-interactive"],
  destroy: ["destroy", "--yes", "--skip-preview", "--non-interactive"],
};

function svg(results) {
  const W = 900, H = 640, panels = OPS.length, cols = 2, rows = Math.ceil(panels / cols);
  const pw = W / cols, ph = (H - 40) / rows;
  const colors = { floor: "#7a7a7a", package: "#c2185b", plugin: "#1565c0", executable: "#ef6c00", bound: "#2e7d32" };
  let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`;
  s += `<rect width="${W}" height="${H}" fill="white"/><text x="${W / 2}" y="22" text-anchor="middle" font-size="15">Large stacks: seconds (median of ${ROUNDS}) against resources, package vs the engine's floor</text>`;
  OPS.forEach((op, i) => {
    const x0 = (i % cols) * pw + 60, y0 = 40 + Math.floor(i / cols) * ph + 20, w = pw - 90, h = ph - 70;
    const pts = (variant) => SIZES.map((n) => [n, median(results[variant][n][op].seconds)]);
    const maxY = Math.max(...VARIANTS.flatMap((v) => pts(v).map((p) => p[1]))) * 1.1 || 1;
    const maxX = Math.max(...SIZES);
    const X = (n) => x0 + (n / maxX) * w, Y = (t) => y0 + h - (t / maxY) * h;
    s += `<text x="${x0 + w / 2}" y="${y0 - 6}" text-anchor="middle" font-weight="bold">${op}</text>`;
    s += `<line x1="${x0}" y1="${y0 + h}" x2="${x0 + w}" y2="${y0 + h}" stroke="black"/><line x1="${x0}" y1="${y0}" x2="${x0}" y2="${y0 + h}" stroke="black"/>`;
    for (const n of SIZES) s += `<text x="${X(n)}" y="${y0 + h + 16}" text-anchor="middle">${n}</text>`;
    for (let k = 0; k <= 4; k++) s += `<text x="${x0 - 6}" y="${Y((maxY * k) / 4) + 4}" text-anchor="end">${((maxY * k) / 4).toFixed(1)}</text>`;
    for (const v of VARIANTS) {
      s += `<polyline fill="none" stroke="${colors[v]}" stroke-width="2" points="${pts(v).map(([n, t]) => `${X(n)},${Y(t)}`).join(" ")}"/>`;
      for (const [n, t] of pts(v)) s += `<circle cx="${X(n)}" cy="${Y(t)}" r="3" fill="${colors[v]}"/>`;
    }
  });
  s += `<rect x="${W - 230}" y="${H - 30}" width="12" height="12" fill="${colors.floor}"/><text x="${W - 212}" y="${H - 20}">floor (trivial dynamic resource)</text>`;
  s += `<rect x="${W - 420}" y="${H - 30}" width="12" height="12" fill="${colors.package}"/><text x="${W - 402}" y="${H - 20}">pulumi-chaser (dynamic)</text>`;
  if (VARIANTS.includes("plugin")) s += `<rect x="${W - 610}" y="${H - 30}" width="12" height="12" fill="${colors.plugin}"/><text x="${W - 592}" y="${H - 20}">pulumi-chaser/plugin</text>`;
  if (VARIANTS.includes("executable")) s += `<rect x="${W - 890}" y="${H - 48}" width="12" height="12" fill="${colors.executable}"/><text x="${W - 872}" y="${H - 38}">pulumi-chaser/plugin on the executable</text>`;
  if (VARIANTS.includes("bound")) s += `<rect x="${W - 890}" y="${H - 30}" width="12" height="12" fill="${colors.bound}"/><text x="${W - 872}" y="${H - 20}">bound (a Go plugin doing nothing)</text>`;
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
    const urn = `urn:pulumi:${stack}::chaser::${resourceToken("Workspace")}::r0`;
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

async function main() {
  const bin = engineBin();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-bench-large-"));
  const tgz = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", root], { cwd: REPO, encoding: "utf8" }).trim().split("\n").pop();
  fs.mkdirSync(path.join(root, "pkg"));
  execFileSync("tar", ["xzf", path.join(root, tgz), "-C", path.join(root, "pkg"), "--strip-components=1"]);
  const server = await startServer();
  const dirs = { floor: project(root, "floor", FLOOR), package: project(root, "chaser", PACKAGE), plugin: project(root, "plugin", PLUGIN, { plugin: true }) };
  if (VARIANTS.includes("executable")) dirs.executable = executableProject(root, bin);
  if (VARIANTS.includes("bound")) dirs.bound = project(root, "bound", PLUGIN, { plugin: true, pluginDir: buildNullProvider(path.join(root, "null-provider")) });
  if (args["engine-options"]) {
    try {
      await engineOptions(bin, dirs.package, server);
    } finally {
      server.child.kill("SIGTERM");
      fs.rmSync(root, { recursive: true, force: true });
    }
    return;
  }
  const results = Object.fromEntries(VARIANTS.map((v) => [v, {}]));
  for (const v of VARIANTS) for (const n of SIZES) results[v][n] = Object.fromEntries(OPS.map((op) => [op, { seconds: [], requests: [], stateBytesPerResource: [] }]));
  console.log(`${os.cpus().length} cores; pulumi ${pulumi(dirs.floor, bin, ["version"]).out.trim()}; API latency ${LATENCY} ms; sizes ${SIZES.join(", ")}; ${ROUNDS} rounds`);
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of SIZES) {
        const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
        for (const v of order) {
          const dir = dirs[v];
          const stack = `n${n}r${round}`;
          pulumi(dir, bin, ["stack", "init", stack]);
          pulumi(dir, bin, ["config", "set", "n", String(n)]);
          if (v !== "floor") {
            pulumi(dir, bin, ["config", "set", "chaser:apiUrl", server.url]);
            pulumi(dir, bin, ["config", "set", "--secret", "chaser:apiKey", KEY]);
          }
          for (const op of OPS) {
            await control(server.url, "DELETE", "/requests");
            const { seconds } = pulumi(dir, bin, COMMANDS[op]);
            const requests = (await control(server.url, "GET", "/requests")).requests.length;
            const r = results[v][n][op];
            r.seconds.push(seconds);
            r.requests.push(requests);
            if (op === "up") {
              const exported = pulumi(dir, bin, ["stack", "export"]).out;
              r.stateBytesPerResource.push(Buffer.byteLength(exported) / n);
            }
            process.stdout.write(`round ${round + 1} N=${n} ${v.padEnd(7)} ${op.padEnd(7)} ${seconds.toFixed(2)} s, ${requests} requests\n`);
          }
          pulumi(dir, bin, ["stack", "rm", "--yes", "--force", stack]);
        }
      }
    }
  } finally {
    server.child.kill("SIGTERM");
  }

  const others = VARIANTS.filter((v) => v !== "floor");
  const fmt = (xs) => `${median(xs).toFixed(2)} s (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`.padEnd(27);
  console.log(`\nN    op       ${["floor", ...others].map((v) => `${v}: median (min-max)`.padEnd(28)).join("")}${others.map((v) => `${v}/floor`.padEnd(15)).join("")}requests  state bytes/resource (${VARIANTS.join(" / ")})`);
  for (const n of SIZES) {
    for (const op of OPS) {
      const f = results.floor[n][op];
      const ratios = others.map((v) => `${(median(results[v][n][op].seconds) / median(f.seconds)).toFixed(2)}x`.padEnd(15)).join("");
      const requests = others.map((v) => median(results[v][n][op].requests)).join("/");
      const state = op === "up" ? VARIANTS.map((v) => Math.round(median(results[v][n][op].stateBytesPerResource))).join(" / ") : "";
      console.log(`${String(n).padEnd(4)} ${op.padEnd(8)} ${["floor", ...others].map((v) => fmt(results[v][n][op].seconds) + " ").join("")}${ratios}${requests.padEnd(8)}  ${state}`);
    }
  }
  if (SIZES.length > 1) {
    const [a, b] = [SIZES[SIZES.length - 2], SIZES[SIZES.length - 1]];
    for (const v of others) {
      const up = (m) => median(results[v][m].up.seconds);
      const ratio = (m) => up(m) / median(results.floor[m].up.seconds);
      console.log(`scaling of up from N=${a} to N=${b}, ${v}: ${(up(b) / up(a)).toFixed(2)}x time for ${(b / a).toFixed(2)}x resources (floor ${(median(results.floor[b].up.seconds) / median(results.floor[a].up.seconds)).toFixed(2)}x); seconds per resource ${(up(a) / a).toFixed(3)} -> ${(up(b) / b).toFixed(3)}; up ratio ${ratio(a).toFixed(2)}x -> ${ratio(b).toFixed(2)}x`);
    }
  }
  fs.mkdirSync(args.out, { recursive: true });
  fs.writeFileSync(path.join(args.out, "large-stack.json"), JSON.stringify({ latencyMs: LATENCY, rounds: ROUNDS, sizes: SIZES, results }, null, 2) + "\n");
  fs.writeFileSync(path.join(args.out, "large-stack.svg"), svg(results));
  console.log(`\nwrote ${path.relative(REPO, path.join(args.out, "large-stack.json"))} and large-stack.svg`);
  fs.rmSync(root, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
