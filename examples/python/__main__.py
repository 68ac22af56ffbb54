"""A golden template, a working clone of it, a restore point and a key CI can use: examples/yaml in Python, through
the `chaser` provider plugin (pulumi_chaser, generated from schema.json)."""

import pulumi
import pulumi_chaser as chaser

config = pulumi.Config()
prefix = config.get("prefix") or "py-demo"

# A sandbox workspace flagged as a clone source.
golden = chaser.Template(
    "golden",
    name=f"{prefix}-golden",
    session_type=chaser.SessionType.SANDBOX,
    image="ghcr.io/example/dev:latest",
)

# An independent copy of the template: type and image are inherited.
dev = chaser.Workspace(
    "dev",
    name=f"{prefix}-dev",
    clone_from=golden.workspace_id,
)

# A restore point of the clone; change `restore` to roll the workspace back to it.
baseline = chaser.Snapshot(
    "baseline",
    workspace=dev.workspace_id,
    name="baseline",
    restore_trigger=config.get("restore") or "0",
)

# A key for CI with only what it needs; its secret is a secret output.
ci = chaser.ApiKey(
    "ci",
    name=f"{prefix}-ci",
    scopes=[
        chaser.Scope.SESSIONS_READ,
        chaser.Scope.SESSIONS_WRITE,
        chaser.Scope.WORKSPACES_READ,
    ],
)

# A lookup: an invoke of the plugin (a list_… function returns an object with `items`, a get_… the object).
account = chaser.get_account_output()

pulumi.export("templateName", golden.name)
pulumi.export("workspaceName", dev.name)
pulumi.export("workspaceId", dev.workspace_id)
pulumi.export("clonedFrom", dev.source_workspace_id)
pulumi.export("snapshotName", baseline.name)
pulumi.export("ciKeyPrefix", ci.key_prefix)
pulumi.export("ciKey", ci.key)  # secret: shown only with `pulumi stack output --show-secrets`
pulumi.export("account", account.name)
