// A golden template, a working clone of it, a restore point, and a key CI can use to start sessions.
import * as pulumi from "@pulumi/pulumi";
import * as chaser from "pulumi-chaser";

const config = new pulumi.Config();
const prefix = config.get("prefix") ?? pulumi.getStack();

// A sandbox workspace flagged as a clone source.
const golden = new chaser.Template("golden", {
  name: `${prefix}-golden`,
  sessionType: "sandbox",
  image: "ghcr.io/example/dev:latest",
});

// An independent copy of the template: type and image are inherited.
const dev = new chaser.Workspace("dev", {
  name: `${prefix}-dev`,
  cloneFrom: golden.workspaceId,
});

// A restore point of the clone; bump restoreTrigger to roll the workspace back to it.
const baseline = new chaser.Snapshot("baseline", {
  workspace: dev.workspaceId,
  name: "baseline",
  restoreTrigger: config.get("restore") ?? "0",
});

// A key for CI with only what it needs; its secret is a secret output.
const ci = new chaser.ApiKey("ci", {
  name: `${prefix}-ci`,
  scopes: ["sessions.read", "sessions.write", "workspaces.read"],
});

export const templateName = golden.name;
export const workspaceName = dev.name;
export const workspaceId = dev.workspaceId;
export const clonedFrom = dev.sourceWorkspaceId;
export const snapshotName = baseline.name;
export const ciKeyPrefix = ci.keyPrefix;
export const ciKey = ci.key; // secret: shown only with `pulumi stack output --show-secrets`
