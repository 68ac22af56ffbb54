import * as pulumi from "@pulumi/pulumi";
import * as chaser from "pulumi-chaser";

const config = new pulumi.Config();

// Fresh: a browser workspace, auto-named from its logical name.
const browser = new chaser.Workspace("browser", { sessionType: "browser" });

// Fresh sandbox with an image; renaming it later is an in-place update. Protected from deletion.
const api = new chaser.Workspace("api", {
  name: config.get("apiName") ?? "api-dev",
  sessionType: "sandbox",
  image: "ghcr.io/example/api-dev:2026.11",
  deletionProtection: config.getBoolean("protect") ?? false,
});

// Cloned: inherits the session type and the image; forceDelete terminates attached sessions on destroy.
const apiCopy = new chaser.Workspace("api-copy", { cloneFrom: api.workspaceId, forceDelete: true });

// Imported from GitHub into /workspace.
const repo = new chaser.Workspace("repo", { name: "octo-app", githubRepo: "octo/app" });

// Adoption: manage a workspace created outside Pulumi (fixed properties must match).
const adoptName = config.get("adopt");
const legacy = adoptName
  ? new chaser.Workspace("legacy", { name: adoptName, sessionType: "sandbox", adoptExisting: true })
  : undefined;

export const browserName = browser.name;
export const apiId = api.workspaceId;
export const copyType = apiCopy.sessionType;
export const repoSource = repo.githubRepo;
export const legacyId = legacy?.workspaceId;
