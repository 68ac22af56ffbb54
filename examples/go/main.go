// A golden template, a working clone of it, a restore point and a key CI can use: the stack of examples/yaml, in Go.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/pulumi-chaser/pulumi-chaser/sdk/go/chaser"
)

// long: one program read top to bottom, the stack of examples/yaml
func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		prefix := cfg.Get("prefix")   // default in Pulumi.yaml: go-demo
		restore := cfg.Get("restore") // change it to roll the workspace back to the snapshot

		// A sandbox workspace flagged as a clone source.
		golden, err := chaser.NewTemplate(ctx, "golden", &chaser.TemplateArgs{
			Name:        pulumi.String(prefix + "-golden"),
			SessionType: chaser.SessionTypeSandbox,
			Image:       pulumi.String("ghcr.io/example/dev:latest"),
		})
		if err != nil {
			return err
		}

		// An independent copy of the template: type and image are inherited.
		dev, err := chaser.NewWorkspace(ctx, "dev", &chaser.WorkspaceArgs{
			Name:      pulumi.String(prefix + "-dev"),
			CloneFrom: golden.WorkspaceId,
		})
		if err != nil {
			return err
		}

		// A restore point of the clone; change `restore` to roll the workspace back to it.
		baseline, err := chaser.NewSnapshot(ctx, "baseline", &chaser.SnapshotArgs{
			Workspace:      dev.WorkspaceId,
			Name:           pulumi.String("baseline"),
			RestoreTrigger: pulumi.String(restore),
		})
		if err != nil {
			return err
		}

		// A key for CI with only what it needs; its secret is a secret output.
		ci, err := chaser.NewApiKey(ctx, "ci", &chaser.ApiKeyArgs{
			Name: pulumi.String(prefix + "-ci"),
			Scopes: chaser.ScopeArray{
				chaser.ScopeSessionsRead,
				chaser.ScopeSessionsWrite,
				chaser.ScopeWorkspacesRead,
			},
		})
		if err != nil {
			return err
		}

		// A lookup: an invoke of the plugin (a List… function returns Items, a Get… the object).
		account, err := chaser.GetAccount(ctx, &chaser.GetAccountArgs{})
		if err != nil {
			return err
		}

		ctx.Export("templateName", golden.Name)
		ctx.Export("workspaceName", dev.Name)
		ctx.Export("workspaceId", dev.WorkspaceId)
		ctx.Export("clonedFrom", dev.SourceWorkspaceId)
		ctx.Export("snapshotName", baseline.Name)
		ctx.Export("ciKeyPrefix", ci.KeyPrefix)
		ctx.Export("ciKey", ci.Key) // secret: shown only with `pulumi stack output --show-secrets`
		ctx.Export("account", pulumi.String(account.Name))
		return nil
	})
}
