import * as pulumi from "@pulumi/pulumi";
import * as chaser from "pulumi-chaser";

const config = new pulumi.Config();
const ws = new chaser.Workspace("app", { name: "snapshot-demo", sessionType: "sandbox" });

// Change `restore` (pulumi config set restore 2) and run `pulumi up`: the workspace is restored to this
// snapshot in place. `force` terminates an attached session instead of failing.
const beforeUpgrade = new chaser.Snapshot("before-upgrade", {
  workspace: ws.workspaceId,
  name: "before-upgrade",
  force: true,
  restoreTrigger: config.get("restore") ?? "0",
});

export const snapshot = beforeUpgrade.name;
export const restoredAt = beforeUpgrade.restoredAt;
