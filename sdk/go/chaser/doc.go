// Chaser workspaces, snapshots, templates, API keys and the organization around them (service accounts, members, SSH keys): the `chaser` provider plugin for every Pulumi language, and the same resources as dynamic resources for TypeScript.
package chaser
