#!/usr/bin/env node
// Writes the generated SDK sources from the resource models, the lookups and the settings (run after a build:
// `make schema`): sdk/resources.ts and lookups.ts (the main entry) and sdk/plugin/resources.ts, lookups.ts and
// provider.ts (`pulumi-chaser/plugin`).
const fs = require("node:fs");
const path = require("node:path");
const { sdkSource, lookupsSource, pluginSdkSource, pluginLookupsSource, pluginProviderSource } = require("../dist/provider/codegen.js");
const sdk = path.join(__dirname, "..", "sdk");
fs.writeFileSync(path.join(sdk, "resources.ts"), sdkSource());
fs.writeFileSync(path.join(sdk, "lookups.ts"), lookupsSource());
fs.mkdirSync(path.join(sdk, "plugin"), { recursive: true });
fs.writeFileSync(path.join(sdk, "plugin", "resources.ts"), pluginSdkSource());
fs.writeFileSync(path.join(sdk, "plugin", "lookups.ts"), pluginLookupsSource());
fs.writeFileSync(path.join(sdk, "plugin", "provider.ts"), pluginProviderSource());
