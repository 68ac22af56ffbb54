#!/usr/bin/env node
// chaser-sweep: destroys and removes per-pull-request stacks whose pull request is closed or whose expiry passed
// (see dist/cli/sweep.js).
"use strict";
require("../dist/cli/sweep.js").main().then((code) => { process.exitCode = code; });
