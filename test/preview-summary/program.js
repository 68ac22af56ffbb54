// The program behind the preview fixtures (test/preview-summary/record.js): each `phase` (stack config) changes it
// so that one preview shows one kind of change.
const pulumi = require("@pulumi/pulumi");
const chaser = require("pulumi-chaser");

const phase = Number(new pulumi.Config().get("phase") ?? "1");

// 6: a new image replaces the template (its own disk is lost); the clone `dev` keeps its disk (an update).
const golden = new chaser.Template("golden", { name: "fx-golden", sessionType: "sandbox", image: phase === 6 ? "ghcr.io/example/dev:2" : "ghcr.io/example/dev:1" });
const dev = new chaser.Workspace("dev", { name: "fx-dev", cloneFrom: golden.workspaceId });
// 2: restored in place (restoreTrigger).
new chaser.Snapshot("baseline", { workspace: dev.workspaceId, name: "baseline", restoreTrigger: phase >= 2 ? "1" : "0" });
// 2: renamed in place; 3: replaced (session type; fixed name, so deleted first); 4: deleted.
if (phase < 4) {
  new chaser.Workspace("scratch", { name: phase >= 2 ? "fx-scratch-2" : "fx-scratch", sessionType: phase >= 3 ? "sandbox" : "browser" });
}
// 3: replaced (scopes; a new key is created before the old one is revoked); 5: an invalid scope fails the preview.
const scopes = phase >= 3 ? ["sessions.read", "sessions.write"] : ["sessions.read"];
const ci = new chaser.ApiKey("ci", { name: "fx-ci", scopes: phase === 5 ? [...scopes, "nope.scope"] : scopes });

// 6: a workspace made outside Pulumi (by record.js) is adopted, not created.
if (phase === 6) new chaser.Workspace("legacy", { name: "fx-legacy", sessionType: "browser", adoptExisting: true });

exports.workspaceName = dev.name;
exports.ciKey = ci.key;
