/**
 * One provider object per resource type, shared by every resource of that type (Pulumi serializes it once and
 * caches the text). Each method only delegates to a module of this package; the closure serializer captures
 * those modules as `require("pulumi-chaser/dist/provider/…")`, so the state holds a few hundred bytes of glue,
 * no credential, and no copy of the provider code. Module paths are part of the package's stable surface: old
 * state requires them on refresh and destroy.
 */
import type * as pulumi from "@pulumi/pulumi";
import * as apikey from "../provider/resources/apikey";
import * as snapshot from "../provider/resources/snapshot";
import * as template from "../provider/resources/template";
import * as workspace from "../provider/resources/workspace";
import * as settings from "../provider/settings";

type Provider = pulumi.dynamic.ResourceProvider;
type Props = Record<string, unknown>;
interface Hooks {
  check(olds: Props, news: Props): Promise<pulumi.dynamic.CheckResult>;
  diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Props): Promise<pulumi.dynamic.CreateResult>;
  read(id: string, props?: Props): Promise<pulumi.dynamic.ReadResult>;
  update(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.UpdateResult>;
  remove(id: string, props?: Props): Promise<void>;
}

/** The provider object of one resource type: every method delegates to that type's hooks module. */
function providerFor(hooks: Hooks): Provider {
  return {
    configure: async (req) => settings.configure(req.config),
    check: (olds, news) => hooks.check(olds, news),
    diff: (id, olds, news) => hooks.diff(id, olds, news),
    create: (inputs) => hooks.create(inputs),
    read: (id, props) => hooks.read(id, props),
    update: (id, olds, news) => hooks.update(id, olds, news),
    delete: (id, props) => hooks.remove(id, props),
  };
}

export const workspaceProvider = providerFor(workspace);
export const templateProvider = providerFor(template);
export const snapshotProvider = providerFor(snapshot);
export const apiKeyProvider = providerFor(apikey);
