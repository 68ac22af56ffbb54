/**
 * One dynamic provider per resource type, shared by every resource of that type (Pulumi serializes it once
 * and stores the text in each resource's state). The provider is the resource's module of this package
 * itself, so the state holds one `require("pulumi-chaser/dist/provider/resources/<name>.js")`, no code and no
 * credential: the module paths are a stable surface, because old state requires them on refresh and destroy.
 *
 * When this package is not under a node_modules directory (a symlinked install: npm workspaces, `npm link`, a
 * `file:` dependency without install-links) Pulumi's serializer would copy the module by value; each method
 * then `require`s the module by the package's name at run time instead, which the provider's process resolves
 * from the program's node_modules.
 */
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import * as apikeyModule from "../provider/resources/apikey";
import * as memberModule from "../provider/resources/member";
import * as serviceAccountModule from "../provider/resources/serviceaccount";
import * as sshKeyModule from "../provider/resources/sshkey";
import * as snapshotModule from "../provider/resources/snapshot";
import * as templateModule from "../provider/resources/template";
import * as workspaceModule from "../provider/resources/workspace";

type Provider = pulumi.dynamic.ResourceProvider;

const installed = __dirname.split(path.sep).includes("node_modules");

/** A provider whose methods require the module by the package's name when they run (symlinked installs). */
function byName(name: string): Provider {
  const m = `pulumi-chaser/dist/provider/resources/${name}.js`;
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    configure: (req) => require(m).configure(req),
    check: (olds, news) => require(m).check(olds, news),
    diff: (id, olds, news) => require(m).diff(id, olds, news),
    create: (inputs) => require(m).create(inputs),
    read: (id, props) => require(m).read(id, props),
    update: (id, olds, news) => require(m).update(id, olds, news),
    delete: (id, props) => require(m).remove(id, props),
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

export const workspace: Provider = installed ? workspaceModule : byName("workspace");
export const template: Provider = installed ? templateModule : byName("template");
export const snapshot: Provider = installed ? snapshotModule : byName("snapshot");
export const apiKey: Provider = installed ? apikeyModule : byName("apikey");
export const serviceAccount: Provider = installed ? serviceAccountModule : byName("serviceaccount");
export const organizationMember: Provider = installed ? memberModule : byName("member");
export const sshKey: Provider = installed ? sshKeyModule : byName("sshkey");
