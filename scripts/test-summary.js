#!/usr/bin/env node
// Prints jest's totals as one plain line, "tests: N passed, N failed[, N skipped]", for CI logs.
const fs = require("node:fs");
const file = process.argv[2];
if (!file || !fs.existsSync(file)) {
  console.log("tests: 0 passed, 1 failed (no jest results: the run did not start)");
  process.exit(0);
}
const r = JSON.parse(fs.readFileSync(file, "utf8"));
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`);
