#!/usr/bin/env node
// chaser-recover: after an interrupted `pulumi up`, resolves what it left pending (see dist/cli/recover.js).
"use strict";
require("../dist/cli/recover.js").main();
