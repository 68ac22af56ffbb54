import * as pulumi from "@pulumi/pulumi";
import * as chaser from "pulumi-chaser";

// The golden pipeline: a sandbox workspace, prepared by commands (in order), snapshotted, flagged as a template,
// and cloned. Every step is declared here, so what is on the template's disk is reviewed in the pull request.
const config = new pulumi.Config();

// 1. The workspace the template is prepared in.
const golden = new chaser.Workspace("golden", { name: "golden", sessionType: "sandbox", image: "ubuntu:24.04" });

// 2. Commands, each run once (exactly once, even when the API answers 5xx or 429 or an answer is lost). A
//    failing command fails the `up` with its exit code and the end of its output; nothing after it is created.
const toolchain = new chaser.WorkspaceCommand("toolchain", {
  workspace: golden.workspaceId,
  create: "apt-get update && apt-get install -y build-essential jq",
  user: "root",
  timeoutMs: 15 * 60_000,
});
const repos = new chaser.WorkspaceCommand("repos", {
  workspace: golden.workspaceId,
  create: "git clone https://github.com/acme/api /workspace/api && git clone https://github.com/acme/web /workspace/web",
  environment: { GIT_TOKEN: config.getSecret("gitToken") ?? pulumi.secret("") }, // secret: kept out of state and logs
  // Any change of a trigger runs `create` again.
  triggers: [config.get("reposRevision") ?? "1"],
}, { dependsOn: [toolchain] });
const caches = new chaser.WorkspaceCommand("caches", {
  workspace: golden.workspaceId,
  create: "cd /workspace/api && npm ci",
  update: "cd /workspace/api && npm ci --prefer-offline", // runs when this resource's inputs change
  delete: "rm -rf /workspace/api/node_modules",
}, { dependsOn: [repos] });

// 3. The prepared disk: the commands ended their sessions, so no `force` is needed.
const prepared = new chaser.Snapshot("prepared", { workspace: golden.workspaceId, name: "prepared" }, { dependsOn: [caches] });

// 4. The template: the prepared workspace flagged as a clone source.
const template = new chaser.Template("golden-template", { workspace: golden.workspaceId }, { dependsOn: [prepared] });

// 5. Clones: independent copies of the prepared disk.
const clones = ["alice", "bob", "carol"].map((who) => new chaser.Workspace(`dev-${who}`, { name: `dev-${who}`, cloneFrom: template.workspaceId }));

export const templateName = template.name;
export const snapshot = prepared.name;
export const cacheExitCode = caches.exitCode;
export const devWorkspaces = clones.map((c) => c.name);
