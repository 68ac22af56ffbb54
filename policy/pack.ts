/**
 * pulumi-chaser's policy pack: `pulumi preview --policy-pack node_modules/pulumi-chaser/policy` (after an npm
 * install) or `--policy-pack <checkout>/policy` (after `make build`). policy/index.js loads this module, compiled
 * to dist/policy/pack.js. The policies are in ./policies; README.md ("Policy pack") documents them and how to
 * configure them and override their enforcement levels (`--policy-pack-config`).
 */
import { PolicyPack } from "@pulumi/policy";
import { POLICIES } from "./policies";

export const pack = new PolicyPack("pulumi-chaser", {
  description: "Guardrails for Chaser resources managed with pulumi-chaser: key scopes and rotation, protected workspaces, pinned images, owner grants, SSH key strength, clone sources.",
  policies: POLICIES,
});
