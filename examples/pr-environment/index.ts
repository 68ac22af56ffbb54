// One Chaser environment per pull request: the stack is named after it (`pr-42`, made by
// examples/github-actions/pr-environment.yml when the pull request opens, destroyed with the stack when it closes).
// The environment is a workspace cloned from a template the team maintains, plus a key the pull request's own
// jobs can use to start sessions in it. Stack config:
//   template   the template to clone, by name or id (required), e.g. `prod-golden` from examples/quickstart
//   snapshot   optional: the name of a restore point to take of the fresh clone
import * as pulumi from "@pulumi/pulumi";
import * as chaser from "pulumi-chaser";

const config = new pulumi.Config();
const env = pulumi.getStack(); // pr-42

const workspace = new chaser.Workspace("env", {
  name: `${env}-app`,
  cloneFrom: config.require("template"), // type and image come from the template
  forceDelete: true, // closing the pull request ends sessions still attached to it
});

const snapshot = config.get("snapshot");
if (snapshot) {
  new chaser.Snapshot("seed", { workspace: workspace.workspaceId, name: snapshot });
}

// Only what the pull request's jobs need: start sessions in this environment and read it.
const key = new chaser.ApiKey("ci", {
  name: `${env}-ci`,
  scopes: ["sessions.read", "sessions.write", "workspaces.read"],
});

export const workspaceName = workspace.name;
export const workspaceId = workspace.workspaceId;
export const sessionType = workspace.sessionType;
export const clonedFrom = workspace.sourceWorkspaceId;
export const ciKeyPrefix = key.keyPrefix;
export const ciKey = key.key; // secret
