import * as chaser from "pulumi-chaser";

// 1. A template that owns its workspace: deleting the Template deletes the workspace.
const base = new chaser.Template("base", { name: "base-template", sessionType: "browser" });

// 2. Flag an existing workspace: deleting the Template only clears the flag.
const scratch = new chaser.Workspace("scratch", { name: "scratch", sessionType: "sandbox" });
const flagged = new chaser.Template("scratch-template", { workspace: scratch.workspaceId });

// Clones of either are independent and survive the template.
const fromBase = new chaser.Workspace("from-base", { cloneFrom: base.name });

export const baseTemplate = base.name;
export const flaggedTemplate = flagged.template;
export const cloneType = fromBase.sessionType;
export const templates = chaser.listWorkspaces({ template: true }).then((ws) => ws.map((w) => w.name));
