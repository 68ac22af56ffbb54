#!/usr/bin/env node
// Records real `pulumi preview --json` output for test/preview-summary.test.ts: run from the repository, built
// (`make build`), with the engine on PATH (`make engine`):
//   node test/preview-summary/record.js
// It packs the package, runs test/preview-summary/program.js through the real engine against chaser-local (in
// memory), one phase after the other, and writes into test/preview-summary/fixtures/ what `pulumi preview --json
// --show-replacement-steps` printed before each phase's `up`:
//   create.json  the first preview (an empty stack)      update.json  renames and a restore (in place)
//   replace.json a key replaced (create first) and a workspace replaced (delete first)
//   drift.json   `--refresh --expect-no-changes` after a workspace was renamed outside Pulumi (exit code non-zero)
//   delete.json  a workspace removed from the program     error.json   an invalid input: the preview fails
//   replace.events.jsonl  replace.json's preview as the engine's event stream (PULUMI_ENABLE_STREAMING_JSON_PREVIEW)
//   keep-adopt.json  the template's image changed (replaced: its disk lost; its clone keeps its disk, an update) and a
//                    workspace made outside Pulumi adopted (the provider's notes beside them); .events.jsonl: streamed
// Each file is the engine's output unchanged; fixtures/recorded.json says with what.
"use strict";
const { execFileSync, spawnSync, spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const REPO = path.resolve(__dirname, "..", "..");
const OUT = path.join(__dirname, "fixtures");
const ROOT_KEY = "sk_preview_fixture_root_key_0001";

// long: one recording session told in order: a stack driven through the previews whose JSON the fixtures keep
async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-preview-record-"));
  const tgz = execFileSync("npm", ["pack", "--silent", "--pack-destination", tmp], { cwd: REPO, encoding: "utf8" }).trim().split("\n").pop();
  const server = spawn(process.execPath, [path.join(REPO, "bin", "chaser-local.js"), "--port", "0", "--root-key", ROOT_KEY], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let text = "";
    server.stdout.on("data", (d) => {
      text += d;
      const m = /listening on (http:\/\/\S+)/.exec(text);
      if (m) resolve(m[1]);
    });
    server.on("exit", (c) => reject(new Error(`chaser-local exited ${c}`)));
  });
  try {
    const proj = path.join(tmp, "project");
    const nm = path.join(proj, "node_modules");
    fs.mkdirSync(path.join(nm, "pulumi-chaser"), { recursive: true });
    execFileSync("tar", ["xzf", path.join(tmp, tgz), "-C", path.join(nm, "pulumi-chaser"), "--strip-components=1"]);
    for (const e of fs.readdirSync(path.join(REPO, "node_modules"))) {
      if (e !== "pulumi-chaser" && !e.startsWith(".")) fs.symlinkSync(path.join(REPO, "node_modules", e), path.join(nm, e));
    }
    fs.copyFileSync(path.join(__dirname, "program.js"), path.join(proj, "index.js"));
    fs.writeFileSync(path.join(proj, "Pulumi.yaml"), "name: fixtures\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n");
    fs.writeFileSync(path.join(proj, "package.json"), JSON.stringify({ name: "fixtures", private: true, main: "index.js" }));
    fs.mkdirSync(path.join(tmp, "state"));
    const env = {
      ...process.env, PULUMI_BACKEND_URL: `file://${path.join(tmp, "state")}`, PULUMI_CONFIG_PASSPHRASE: "fixtures",
      PULUMI_HOME: path.join(tmp, "home"), PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true", NO_COLOR: "1",
    };
    for (const k of ["CHASER_API_KEY", "CHASER_API_URL", "CHASER_ACCOUNT", "PULUMI_ACCESS_TOKEN"]) delete env[k];
    const pulumi = (...args) => execFileSync("pulumi", args, { cwd: proj, env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    /** Runs a preview, keeps its stdout as fixtures/NAME, checks the exit code. */
    const preview = (name, args, { fails = false, extraEnv = {} } = {}) => {
      const r = spawnSync("pulumi", ["preview", "--non-interactive", "--json", "--show-replacement-steps", ...args], { cwd: proj, env: { ...env, ...extraEnv }, encoding: "utf8" });
      if ((r.status !== 0) !== fails) throw new Error(`preview for ${name} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
      fs.writeFileSync(path.join(OUT, name), r.stdout);
      console.log(`${name}: exit ${r.status}`);
    };
    const api = async (method, p, body, retried = false) => {
      // A kept-alive connection the server closed meanwhile fails the first write (EPIPE): one retry.
      const res = await fetch(`${url}${p}`, { method, headers: { authorization: `Bearer ${ROOT_KEY}`, "content-type": "application/json" }, body: body && JSON.stringify(body) }).catch((e) => {
        if (retried) throw e;
        return undefined;
      });
      if (!res) return api(method, p, body, true);
      if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    fs.rmSync(OUT, { recursive: true, force: true });
    fs.mkdirSync(OUT, { recursive: true });
    pulumi("stack", "init", "fixtures");
    pulumi("config", "set", "chaser:apiUrl", url);
    pulumi("config", "set", "--secret", "chaser:apiKey", ROOT_KEY);
    const up = () => pulumi("up", "--yes", "--non-interactive", "--skip-preview");
    const phase = (n) => pulumi("config", "set", "phase", String(n));

    phase(1);
    preview("create.json", []);
    up();
    phase(2);
    preview("update.json", []);
    up();
    phase(3);
    preview("replace.json", []);
    preview("replace.events.jsonl", [], { extraEnv: { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" } });
    up();
    const scratch = (await api("GET", "/v1/workspaces")).find((w) => w.name === "fx-scratch-2");
    await api("PUT", `/v1/workspaces/${scratch.id}/name`, { name: "renamed-by-hand" });
    preview("drift.json", ["--refresh", "--expect-no-changes"], { fails: true });
    up();
    phase(4);
    preview("delete.json", []);
    up();
    phase(5);
    preview("error.json", [], { fails: true });
    phase(6);
    await api("POST", "/v1/workspaces", { name: "fx-legacy", session_type: "browser" });
    preview("keep-adopt.json", []);
    preview("keep-adopt.events.jsonl", [], { extraEnv: { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" } });
    up();
    pulumi("destroy", "--yes", "--non-interactive", "--skip-preview");
    const recorded = { recordedWith: `pulumi ${execFileSync("pulumi", ["version"], { encoding: "utf8" }).trim()}`, package: JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version, program: "test/preview-summary/program.js" };
    fs.writeFileSync(path.join(OUT, "recorded.json"), JSON.stringify(recorded, null, 2) + "\n");
  } finally {
    server.kill("SIGTERM");
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
