#!/usr/bin/env node
// Writes the generated TypeScript SDK sources into sdk/nodejs/generated/ from the resource models, the lookups, the
// settings and schema.json's enums (run after a build: `make schema`): resources.ts and lookups.ts (the main entry,
// `pulumi-chaser`), plugin-resources.ts, plugin-lookups.ts, plugin-provider.ts and enums.ts (`pulumi-chaser/plugin`).
// What is written by hand stays beside them in sdk/nodejs/.
const fs = require("node:fs");
const path = require("node:path");
const codegen = require("../dist/provider/codegen.js");
const out = path.join(__dirname, "..", "sdk", "nodejs", "generated");
fs.mkdirSync(out, { recursive: true });
for (const [file, source] of Object.entries(codegen.generatedFiles())) fs.writeFileSync(path.join(out, file), source);
