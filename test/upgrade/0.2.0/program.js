// The program of the upgrade fixtures: every resource of 0.1.0 in each of its modes. Later releases must preview
// this stack with no changes, refresh it, update it and destroy it (test/engine/upgrade.test.ts).
const pulumi = require("@pulumi/pulumi");
const chaser = require("pulumi-chaser");
const config = new pulumi.Config();

const base = new chaser.Workspace("base", { name: config.get("baseName") ?? "up-base", sessionType: "sandbox", image: "ghcr.io/acme/dev:1" });
const auto = new chaser.Workspace("auto", { sessionType: "browser", deletionProtection: false });
const clone = new chaser.Workspace("clone", { cloneFrom: base.workspaceId, forceDelete: true });
const repo = new chaser.Workspace("repo", { githubRepo: "octo/app" });
const flag = new chaser.Template("flag", { workspace: auto.workspaceId });
const own = new chaser.Template("own", { sessionType: "sandbox" });
const snap = new chaser.Snapshot("snap", { workspace: base.workspaceId, restoreTrigger: config.get("restore") ?? "0" });
const scoped = new chaser.ApiKey("scoped", { scopes: ["workspaces.read", "sessions.read"] });
const full = new chaser.ApiKey("full", { fullAccess: true, rotationTriggers: { rotation: config.get("rotation") ?? "1" } });

exports.baseId = base.workspaceId;
exports.autoName = auto.name;
exports.cloneType = clone.sessionType;
exports.repoName = repo.name;
exports.flagged = flag.template;
exports.ownName = own.name;
exports.snapName = snap.name;
exports.scopedKey = scoped.key;
exports.fullKeyId = full.keyId;
