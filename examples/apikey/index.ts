import * as pulumi from "@pulumi/pulumi";
import * as chaser from "pulumi-chaser";

const config = new pulumi.Config();

// Scoped: only what CI needs.
const ci = new chaser.ApiKey("ci", { scopes: ["sessions.read", "sessions.write"] });

// Full access must be asked for explicitly.
const admin = new chaser.ApiKey("admin", { fullAccess: true });

// Rotated whenever `rotation` changes: the new key exists before the old one is revoked.
const rotated = new chaser.ApiKey("rotated", {
  scopes: ["workspaces.read"],
  rotationTriggers: { rotation: config.get("rotation") ?? "2026-11" },
});

// A service account's key (organization accounts; owners and admins only).
const saId = config.get("serviceAccountId");
const deployer = saId ? new chaser.ApiKey("deployer", { serviceAccountId: saId, scopes: ["workspaces.write"] }) : undefined;

export const ciKey = ci.key; // secret
export const adminPrefix = admin.keyPrefix;
export const rotatedKey = rotated.key; // secret
export const deployerKeyId = deployer?.keyId;
