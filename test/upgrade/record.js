#!/usr/bin/env node
// Records a stack written by a released pulumi-chaser, for test/engine/upgrade.test.ts: run from the repository with the
// release's code checked out and built (`make build`), the engine on PATH (`make engine`):
//   node test/upgrade/record.js test/upgrade/<version>
// It packs the package, runs test/upgrade/program.js with it through the real engine against chaser-local (data
// directory, fixed root key and port), and keeps: the packed package, the stack's exported state and config, and
// chaser-local's data directory, so a later release can be tested against exactly what this one wrote.
"use strict";
const { execFileSync, spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const REPO = path.resolve(__dirname, "..", "..");
const out = path.resolve(process.argv[2] || "");
if (!process.argv[2]) throw new Error("usage: record.js OUTPUT_DIR");
const ROOT_KEY = "sk_upgrade_fixture_root_key_0001";
const PORT = 18787;
const PASSPHRASE = "upgrade-fixture-passphrase";

async function main() {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-record-"));
  const tgz = execFileSync("npm", ["pack", "--silent", "--pack-destination", tmp], { cwd: REPO, encoding: "utf8" }).trim().split("\n").pop();
  fs.copyFileSync(path.join(tmp, tgz), path.join(out, "package.tgz"));
  const version = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version;

  const dataDir = path.join(tmp, "data");
  const server = spawn(process.execPath, [path.join(REPO, "bin", "chaser-local.js"), "--port", String(PORT), "--data", dataDir, "--root-key", ROOT_KEY], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    let text = "";
    server.stdout.on("data", (d) => ((text += d), /listening on/.test(text) && resolve()));
    server.on("exit", (c) => reject(new Error(`chaser-local exited ${c}`)));
  });

  const proj = path.join(tmp, "project");
  const nm = path.join(proj, "node_modules");
  fs.mkdirSync(path.join(nm, "pulumi-chaser"), { recursive: true });
  execFileSync("tar", ["xzf", path.join(out, "package.tgz"), "-C", path.join(nm, "pulumi-chaser"), "--strip-components=1"]);
  for (const e of fs.readdirSync(path.join(REPO, "node_modules"))) {
    if (e !== "pulumi-chaser" && !e.startsWith(".")) fs.symlinkSync(path.join(REPO, "node_modules", e), path.join(nm, e));
  }
  fs.copyFileSync(path.join(__dirname, "program.js"), path.join(proj, "index.js"));
  fs.writeFileSync(path.join(proj, "Pulumi.yaml"), "name: upgrade\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n");
  fs.writeFileSync(path.join(proj, "package.json"), JSON.stringify({ name: "upgrade", private: true, main: "index.js" }));
  const env = {
    ...process.env, PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`, PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_HOME: path.join(tmp, "home"), PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  for (const k of ["CHASER_API_KEY", "CHASER_API_URL", "CHASER_ACCOUNT"]) delete env[k];
  fs.mkdirSync(path.join(tmp, "state"));
  const pulumi = (...args) => execFileSync("pulumi", args, { cwd: proj, env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  pulumi("stack", "init", "test");
  pulumi("config", "set", "chaser:apiUrl", `http://127.0.0.1:${PORT}`);
  pulumi("config", "set", "--secret", "chaser:apiKey", ROOT_KEY);
  pulumi("up", "--yes", "--non-interactive", "--skip-preview");
  fs.writeFileSync(path.join(out, "stack.json"), pulumi("stack", "export"));
  fs.copyFileSync(path.join(proj, "Pulumi.test.yaml"), path.join(out, "Pulumi.test.yaml"));
  fs.copyFileSync(path.join(__dirname, "program.js"), path.join(out, "program.js"));

  server.kill("SIGTERM"); // a clean stop compacts the data directory into state.json
  await new Promise((r) => server.on("exit", r));
  fs.mkdirSync(path.join(out, "chaser-local"));
  for (const f of fs.readdirSync(dataDir)) if (f !== "lock") fs.copyFileSync(path.join(dataDir, f), path.join(out, "chaser-local", f));
  fs.writeFileSync(path.join(out, "fixture.json"), JSON.stringify({ version, rootKey: ROOT_KEY, port: PORT, passphrase: PASSPHRASE, stack: "test", project: "upgrade", recordedWith: "pulumi " + execFileSync("pulumi", ["version"], { encoding: "utf8" }).trim() }, null, 2) + "\n");
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`recorded ${version} into ${out}`);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
