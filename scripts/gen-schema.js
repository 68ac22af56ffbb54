#!/usr/bin/env node
// Prints schema.json from the compiled property tables (run `make schema` after `make build`).
const { buildSchema } = require("../dist/provider/schema.js");
process.stdout.write(JSON.stringify(buildSchema(), null, 2) + "\n");
