// An organization as a team declares it: the service account CI applies with, its key, two members and an SSH
// key. Resources in the organization need a key bound to it:
//   pulumi config set organization "Acme"
//   pulumi config set --secret --path 'chaser:accountKeys.Acme' sk_…   (a key created in the organization)
//   pulumi config set sshPublicKey "$(cat ~/.ssh/id_ed25519.pub)"
// The organization's first key comes from a signed-in session (an OAuth token), which may act in any account of
// its user. With chaser-local, whose root user owns the organization it created (POST /v1/accounts/organizations):
//   TOKEN=$(npx chaser-local session-token --root-key "$ROOT_KEY")      (or the "session token:" line at its start)
//   curl -s -X POST "$URL/v1/keys" -H "Authorization: Bearer $TOKEN" -H "X-Chaser-Account: Acme" \
//     -H "Content-Type: application/json" -d '{"name":"acme"}'
// (with the real API: a key created while signed in, with the organization selected).
import * as pulumi from "@pulumi/pulumi";
import * as chaser from "pulumi-chaser";

const config = new pulumi.Config();
const org = config.require("organization");
const bobRole = config.get("bobRole") ?? "member";

// The identity CI uses, and its key: deleting the service account revokes its keys.
const ci = new chaser.ServiceAccount("ci", { account: org });
const ciKey = new chaser.ApiKey("ci-key", {
  account: org,
  serviceAccountId: ci.serviceAccountId,
  scopes: ["workspaces.read", "workspaces.write", "sessions.write"],
});

// People: a role change is an update in place.
new chaser.OrganizationMember("alice", { account: org, email: "alice@example.com", role: "admin" });
new chaser.OrganizationMember("bob", { account: org, email: "bob@example.com", role: bobRole === "admin" ? "admin" : "member" });

// `ssh <workspace>@ssh.chaser.sh` for the organization's sandbox workspaces.
const deploy = new chaser.SshKey("deploy", { account: org, publicKey: config.require("sshPublicKey") });

export const serviceAccountId = ci.serviceAccountId;
export const ciApiKey = ciKey.key; // a secret: `pulumi stack output ciApiKey --show-secrets`
export const sshFingerprint = deploy.fingerprint;
