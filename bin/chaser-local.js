#!/usr/bin/env node
require("../dist/chaser-local/src/cli.js").main();
