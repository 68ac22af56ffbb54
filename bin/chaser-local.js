#!/usr/bin/env node
// chaser-local's command line: the compiled dist/chaser-local/src/cli.js (build with `npx tsc -p tsconfig.json`).
"use strict";
const path = require("node:path");
let cli;
try {
  cli = require(path.join(__dirname, "..", "dist", "chaser-local", "src", "cli.js"));
} catch (e) {
  if (e && e.code === "MODULE_NOT_FOUND" && String(e.message).includes("cli.js")) {
    process.stderr.write("chaser-local: not built yet: run `npx tsc -p tsconfig.json` (or `make build`) first\n");
    process.exit(1);
  }
  throw e;
}
cli.main();
