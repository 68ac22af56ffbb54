#!/usr/bin/env node
// Writes sdk/resources.ts from the resource models (run after a build: `make schema`).
const fs = require("node:fs");
const path = require("node:path");
const { sdkSource } = require("../dist/provider/codegen.js");
fs.writeFileSync(path.join(__dirname, "..", "sdk", "resources.ts"), sdkSource());
