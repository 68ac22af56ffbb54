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
import { hooksOf } from "../../provider/hooks";
import { RESOURCES, ResourceKind, stateModule } from "../../provider/registry";

type Provider = pulumi.dynamic.ResourceProvider;

const installed = __dirname.split(path.sep).includes("node_modules");

/** A provider whose methods require the module by the package's name when they run (symlinked installs). */
function byName(r: ResourceKind): Provider {
  const m = stateModule(r);
  return {
    configure: (req) => require(m).configure(req),
    check: (olds, news) => require(m).check(olds, news),
    diff: (id, olds, news) => require(m).diff(id, olds, news),
    create: (inputs) => require(m).create(inputs),
    read: (id, props) => require(m).read(id, props),
    update: (id, olds, news) => require(m).update(id, olds, news),
    delete: (id, props) => require(m).remove(id, props),
  };
}

const providers = new Map(RESOURCES.map((r) => [r.name, installed ? (hooksOf(r) as Provider) : byName(r)]));

/** The provider of the resource class `name` (`Workspace`). */
export function providerOf(name: string): Provider {
  const p = providers.get(name);
  if (!p) throw new Error(`no resource '${name}' in provider/registry.ts`);
  return p;
}
