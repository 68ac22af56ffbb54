// chaser-local in its own process for the benchmarks (the built bin/chaser-local.js): started, and resolved once it
// prints its listening line.
"use strict";
const { spawn } = require("node:child_process");
const path = require("node:path");

const BIN = path.join(__dirname, "..", "bin", "chaser-local.js");

/**
 * Starts chaser-local on a free port with `key` as root key and `args`; with `shell`, runs that shell command
 * instead (which execs chaser-local itself, e.g. under ulimit). Resolves { child, url, port, stderr(), exited }.
 */
function startChaserLocal(key, args = [], { shell } = {}) {
  return new Promise((resolve, reject) => {
    const argv = shell ? ["/bin/sh", "-c", shell] : [process.execPath, BIN, "--port", "0", "--root-key", key, ...args];
    const child = spawn(argv[0], argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise((r) => child.once("exit", r));
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = /^chaser-local listening on (http:\/\/\S+)$/m.exec(out);
      if (m) resolve({ child, url: m[1], port: Number(new URL(m[1]).port), stderr: () => err, exited });
    });
    child.stderr.on("data", (d) => (err += d));
    void exited.then((code) => reject(new Error(`chaser-local exited ${code} before listening: ${out}${err}`)));
  });
}

module.exports = { BIN, startChaserLocal };
