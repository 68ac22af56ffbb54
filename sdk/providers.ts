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

export const workspaceProvider: Provider = {
  configure: async (req) => settings.configure(req.config),
  check: (olds, news) => workspace.check(olds, news),
  diff: (id, olds, news) => workspace.diff(id, olds, news),
  create: (inputs) => workspace.create(inputs),
  read: (id, props) => workspace.read(id, props),
  update: (id, olds, news) => workspace.update(id, olds, news),
  delete: (id, props) => workspace.remove(id, props),
};

export const templateProvider: Provider = {
  configure: async (req) => settings.configure(req.config),
  check: (olds, news) => template.check(olds, news),
  diff: (id, olds, news) => template.diff(id, olds, news),
  create: (inputs) => template.create(inputs),
  read: (id, props) => template.read(id, props),
  update: (id, olds, news) => template.update(id, olds, news),
  delete: (id, props) => template.remove(id, props),
};

export const snapshotProvider: Provider = {
  configure: async (req) => settings.configure(req.config),
  check: (olds, news) => snapshot.check(olds, news),
  diff: (id, olds, news) => snapshot.diff(id, olds, news),
  create: (inputs) => snapshot.create(inputs),
  read: (id, props) => snapshot.read(id, props),
  update: (id, olds, news) => snapshot.update(id, olds, news),
  delete: (id, props) => snapshot.remove(id, props),
};

export const apiKeyProvider: Provider = {
  configure: async (req) => settings.configure(req.config),
  check: (olds, news) => apikey.check(olds, news),
  diff: (id, olds, news) => apikey.diff(id, olds, news),
  create: (inputs) => apikey.create(inputs),
  read: (id, props) => apikey.read(id, props),
  update: (id, olds, news) => apikey.update(id, olds, news),
  delete: (id, props) => apikey.remove(id, props),
};
