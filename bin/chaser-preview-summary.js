#!/usr/bin/env node
// chaser-preview-summary's command line: the compiled dist/cli/preview-summary.js (build with `npx tsc -p tsconfig.json`).
"use strict";
const path = require("node:path");
let cli;
try {
  cli = require(path.join(__dirname, "..", "dist", "cli", "preview-summary.js"));
} catch (e) {
  if (e && e.code === "MODULE_NOT_FOUND" && String(e.message).includes("preview-summary.js")) {
    process.stderr.write("chaser-preview-summary: not built yet: run `npx tsc -p tsconfig.json` (or `make build`) first\n");
    process.exit(2);
  }
  throw e;
}
cli.main();
