#!/usr/bin/env node
// Benchmark (not a test): how long the `chaser` plugin takes to start, from spawn to the port it prints (what the
// engine waits for before its first call), and to its first answer (GetPluginInfo, the engine's first call), for
// the two ways it is installed, side by side in one run, in rotating order:
//   executable  the release's self-contained executable (linux-amd64: Node.js single executable application)
//   npm         `node plugin/pulumi-resource-chaser` from the package's files (the npm route, node_modules)
// Prints min/median/max per variant and the ratio of medians, and the executables' sizes (release/manifest.json).
//
// Run after `make release` (or give --release DIR):  node bench/plugin-start.js [--rounds 20] [--release DIR]
// --smoke (the test suite): 2 rounds; the figures mean nothing then.
"use strict";
const { execFileSync, spawn } = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const { parseArgs } = require("node:util");

const REPO = path.resolve(__dirname, "..");
const { values: args } = parseArgs({ options: { rounds: { type: "string" }, release: { type: "string" }, smoke: { type: "boolean", default: false } } });
const ROUNDS = Number(args.rounds ?? (args.smoke ? 2 : 20));
const RELEASE = path.resolve(args.release ?? path.join(REPO, "release"));
const VERSION = require("../package.json").version;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A stand-in for the engine's address: a port that accepts connections (the plugin's lifeline looks at it). */
function fakeEngine() {
  return new Promise((resolve) => {
    const sockets = new Set();
    const server = net.createServer((s) => (sockets.add(s), s.on("close", () => sockets.delete(s)), s.on("error", () => undefined)));
    server.listen(0, "127.0.0.1", () => resolve({ address: `127.0.0.1:${server.address().port}`, close: () => (sockets.forEach((s) => s.destroy()), server.close()) }));
  });
}

/** One start: spawn → the first stdout line (the port), then → GetPluginInfo answered; the process is then ended. */
function startOnce(cmd, argv, grpc) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (!out.includes("\n")) reject(new Error(`${cmd} exited ${code} before printing its port:\n${err}`));
    });
    child.stdout.on("data", (d) => {
      if (out.includes("\n")) return;
      out += d;
      if (!out.includes("\n")) return;
      const toPort = Number(process.hrtime.bigint() - t0) / 1e6;
      const port = Number(out.split("\n")[0]);
      const client = new grpc.services.ResourceProviderClient(`127.0.0.1:${port}`, grpc.grpc.credentials.createInsecure());
      client.getPluginInfo(new grpc.empty.Empty(), (e, info) => {
        const toAnswer = Number(process.hrtime.bigint() - t0) / 1e6;
        client.close();
        child.kill("SIGKILL");
        if (e) reject(e);
        else resolve({ toPort, toAnswer, version: info.getVersion() });
      });
    });
  });
}

async function main() {
  const archive = path.join(RELEASE, `pulumi-resource-chaser-v${VERSION}-linux-amd64.tar.gz`);
  if (!fs.existsSync(archive)) throw new Error(`${archive} is missing: run \`make release\` (or give --release DIR)`);
  if (!fs.existsSync(path.join(REPO, "dist", "provider", "grpc", "main.js"))) throw new Error("dist/ is not built: run `make build`");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-plugin-start-"));
  execFileSync("tar", ["xzf", archive, "-C", dir]);
  const { pulumiModule } = require("../dist/provider/grpc-modules");
  const grpc = { grpc: pulumiModule("@grpc/grpc-js"), services: pulumiModule("@pulumi/pulumi/proto/provider_grpc_pb"), empty: pulumiModule("google-protobuf/google/protobuf/empty_pb") };
  const engine = await fakeEngine();
  const variants = {
    executable: [path.join(dir, "pulumi-resource-chaser"), [engine.address]],
    npm: [process.execPath, [path.join(REPO, "plugin", "pulumi-resource-chaser"), engine.address]],
  };
  const names = Object.keys(variants);
  const times = Object.fromEntries(names.map((n) => [n, { toPort: [], toAnswer: [] }]));
  console.log(`${os.cpus().length} cores; node ${process.version} (npm route); ${ROUNDS} rounds`);
  try {
    for (const n of names) await startOnce(...variants[n], grpc); // warm the page cache once each
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? names : [...names].reverse();
      for (const n of order) {
        const r = await startOnce(...variants[n], grpc);
        if (r.version !== VERSION) throw new Error(`${n} answered version ${r.version}`);
        times[n].toPort.push(r.toPort);
        times[n].toAnswer.push(r.toAnswer);
      }
    }
  } finally {
    engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const fmt = (xs) => `${median(xs).toFixed(0)} ms (${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)})`.padEnd(22);
  console.log(`\n${"variant".padEnd(12)}${"spawn to port: median (min-max)".padEnd(34)}spawn to GetPluginInfo answered`);
  for (const n of names) console.log(`${n.padEnd(12)}${fmt(times[n].toPort).padEnd(34)}${fmt(times[n].toAnswer)}`);
  const ratio = (k) => (median(times.executable[k]) / median(times.npm[k])).toFixed(2);
  console.log(`executable/npm: ${ratio("toPort")}x to the port, ${ratio("toAnswer")}x to the first answer`);
  const manifest = path.join(RELEASE, "manifest.json");
  if (fs.existsSync(manifest)) {
    const m = JSON.parse(fs.readFileSync(manifest, "utf8"));
    console.log(`\nexecutables (release ${m.version}): ${Object.entries(m.plugin?.executables ?? {}).map(([p, e]) => `${p} ${(e.bytes / 1048576).toFixed(1)} MiB`).join(", ")}`);
    console.log(`archives: ${Object.entries(m.files).filter(([f]) => f.startsWith("pulumi-resource-chaser")).map(([f, b]) => `${f.replace(/^pulumi-resource-chaser-v[^-]+-|\.tar\.gz$/g, "")} ${(b / 1048576).toFixed(1)} MiB`).join(", ")}`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
