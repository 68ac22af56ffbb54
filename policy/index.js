// The entry point of pulumi-chaser's policy pack (this directory holds its PulumiPolicy.yaml). The policies are
// written in TypeScript (policy/pack.ts, policy/policies.ts) and compiled into dist/ by `make build`.
require("../dist/policy/pack.js");
