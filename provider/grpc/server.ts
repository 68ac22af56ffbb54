/**
 * The `chaser` provider plugin: Pulumi's ResourceProvider gRPC service, answered by the same hooks the dynamic
 * resources use (provider/resource.ts over the models of provider/models/), for every resource of the registry
 * under its token `chaser:index:<Name>`, and every lookup of provider/lookups/ as a function `chaser:index:<name>`.
 * Nothing here knows a resource: a resource added to the registry is served by both flavours.
 *
 * What the plugin adds to the hooks is only what the protocol asks: the configuration (CheckConfig, DiffConfig,
 * Configure: the same keys and environment fallbacks as `chaser:*`), secrets kept secret per property, the
 * resource's identity given to `check` from the request (auto-names), a detailed diff, provider previews of
 * creates and updates (outputs the provider cannot know yet are unknown), and reads by id alone (import).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { packageVersion } from "../../contract/version";
import { ProviderError } from "../advice";
import { debug } from "../client/debug";
import { pulumiModule } from "../grpc-modules";
import { hooksOf } from "../hooks";
import { inputFields, outputFields } from "../model";
import { ResourceKind, TOKENS, resourceOfToken } from "../registry";
import type { Hooks } from "../resource";
import { SECRET_SETTINGS, SETTING_KEYS, configure as configureSettings, currentSettings, settingProblems } from "../settings";
import { UNKNOWN, isUnknown, same } from "../values";
import { Props, fromWire, nameOfUrn, toWire, withoutTransient } from "./props";

/** The version GetPluginInfo answers: package.json's, or the one the release build embedded (contract/version). */
export const PLUGIN_VERSION: string = packageVersion();

declare const __CHASER_SCHEMA__: string | undefined;

/**
 * schema.json's text: embedded by the release build (the executable has no package directory), else read from the
 * package's root (dist/provider/grpc or provider/grpc below it).
 */
export function schemaText(): string {
  if (typeof __CHASER_SCHEMA__ === "string") return __CHASER_SCHEMA__;
  const root = [path.resolve(__dirname, "../../.."), path.resolve(__dirname, "../..")].find((d) => fs.existsSync(path.join(d, "schema.json")));
  if (!root) throw new Error(`schema.json not found above ${__dirname}`);
  return fs.readFileSync(path.join(root, "schema.json"), "utf8");
}

type Grpc = typeof import("@grpc/grpc-js");
// The generated message classes (google-protobuf): typed loosely, they are used through their setters.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Msg = any;

interface Protos {
  grpc: Grpc;
  provider: Msg;
  plugin: Msg;
  empty: Msg;
  struct: Msg;
  services: Msg;
}

/** The gRPC runtime and the messages: @pulumi/pulumi's (the program's peer dependency, or the plugin's own install). */
function loadProtos(): Protos {
  return {
    grpc: pulumiModule("@grpc/grpc-js"),
    provider: pulumiModule("@pulumi/pulumi/proto/provider_pb"),
    plugin: pulumiModule("@pulumi/pulumi/proto/plugin_pb"),
    empty: pulumiModule("google-protobuf/google/protobuf/empty_pb"),
    struct: pulumiModule("google-protobuf/google/protobuf/struct_pb"),
    services: pulumiModule("@pulumi/pulumi/proto/provider_grpc_pb"),
  };
}

/** What every resource's hooks get besides its properties: its identity in the stack. */
function identity(urn: string): Props {
  return urn ? { __urn: urn, __logicalName: nameOfUrn(urn) } : {};
}

/** The model's secret outputs (an ApiKey's `apiKey`). */
const secretOutputs = (r: ResourceKind) => outputFields(r.model).filter((f) => f.meta.secret).map((f) => f.key);
const secretInputs = (r: ResourceKind) => inputFields(r.model).filter((f) => f.meta.secret).map((f) => f.key);

export class ChaserProvider {
  private readonly pending = new Set<string>();

  constructor(private readonly p: Protos) {}

  /** The resource a request's type token names (the plugin's tokens only). */
  private kind(type: string, urn: string): ResourceKind {
    const t = type || urn.split("::")[2]?.split("$").pop() || "";
    const r = resourceOfToken(t);
    if (!r || TOKENS.plugin(r.name) !== t) throw new ProviderError(`the chaser provider has no resource type '${t}'`);
    return r;
  }

  /**
   * What every resource RPC starts with: the request's URN, the resource its type names, that resource's hooks,
   * and the identity its hooks get beside the properties (provider/resource.ts: auto-names, messages).
   */
  private opening(req: Msg): { urn: string; r: ResourceKind; hooks: Hooks; id: Props } {
    const urn: string = req.getUrn();
    const r = this.kind(req.getType(), urn);
    return { urn, r, hooks: hooksOf(r), id: identity(urn) };
  }

  private struct(js: Props): Msg {
    return this.p.struct.Struct.fromJavaScript(js);
  }

  // ---- the plugin and its configuration ----------------------------------------------------------------------

  getPluginInfo(): Msg {
    const info = new this.p.plugin.PluginInfo();
    info.setVersion(PLUGIN_VERSION);
    return info;
  }

  getSchema(): Msg {
    const res = new this.p.provider.GetSchemaResponse();
    res.setSchema(schemaText());
    return res;
  }

  /** The configuration's problems, per key: the settings' rules (provider/settings.ts), and the plugin's version. */
  private configFailures(config: Props): { property: string; reason: string }[] {
    const v = config.version;
    const version = v === undefined || v === null || isUnknown(v) || typeof v === "string" ? [] : [{ property: "version", reason: "chaser:version must be a string" }];
    return [...settingProblems(config, (x) => !isUnknown(x)), ...version];
  }

  checkConfig(req: Msg): Msg {
    const news = fromWire(req.getNews()?.toJavaScript());
    const res = new this.p.provider.CheckResponse();
    const secrets = new Set([...news.secrets, ...SECRET_SETTINGS.filter((k) => k in news.props)]);
    res.setInputs(this.struct(toWire(news.props, secrets)));
    res.setFailuresList(this.configFailures(news.props).map((f) => this.failure(f)));
    return res;
  }

  diffConfig(req: Msg): Msg {
    const olds = fromWire(req.getOldInputs()?.toJavaScript() ?? req.getOlds()?.toJavaScript()).props;
    const news = fromWire(req.getNews()?.toJavaScript()).props;
    const changed = SETTING_KEYS.filter((k) => isUnknown(news[k]) || !same(olds[k], news[k]));
    const res = new this.p.provider.DiffResponse();
    res.setChanges(changed.length ? this.p.provider.DiffResponse.DiffChanges.DIFF_SOME : this.p.provider.DiffResponse.DiffChanges.DIFF_NONE);
    res.setDiffsList(changed);
    // A provider's configuration changes in place: its resources are kept (the new credential is used from now on).
    return res;
  }

  configure(req: Msg): Msg {
    const args = req.getArgs() ? fromWire(req.getArgs().toJavaScript()).props : undefined;
    const vars: Record<string, string> = {};
    req.getVariablesMap().forEach((v: string, k: string) => (vars[k] = v));
    const get = (key: string): string | undefined => {
      const short = key.replace(/^chaser:/, "");
      if (args && short in args) {
        const v = args[short];
        if (v === undefined || v === null || isUnknown(v)) return undefined;
        return typeof v === "string" ? v : JSON.stringify(v);
      }
      return vars[`chaser:config:${short}`] ?? vars[`chaser:${short}`];
    };
    const failures = this.configFailures(Object.fromEntries(SETTING_KEYS.map((k) => [k, get(k)])));
    if (failures.length) throw new ProviderError(failures.map((f) => f.reason).join("; "));
    configureSettings({ get });
    const res = new this.p.provider.ConfigureResponse();
    res.setAcceptsecrets(true);
    res.setSupportspreview(true);
    res.setAcceptresources(false);
    res.setAcceptoutputs(false);
    return res;
  }

  // ---- resources --------------------------------------------------------------------------------------------

  private failure(f: { property: string; reason: string }): Msg {
    const m = new this.p.provider.CheckFailure();
    m.setProperty(f.property);
    m.setReason(f.reason);
    return m;
  }

  async check(req: Msg): Promise<Msg> {
    const { urn, r, hooks, id } = this.opening(req);
    const olds = fromWire(req.getOlds()?.toJavaScript());
    const news = fromWire(req.getNews()?.toJavaScript());
    const { inputs, failures } = await hooks.check(olds.props, { ...news.props, ...id });
    const res = new this.p.provider.CheckResponse();
    res.setInputs(this.struct(toWire(withoutTransient(inputs), [...news.secrets, ...secretInputs(r)])));
    res.setFailuresList(failures.map((f) => this.failure(f)));
    return res;
  }

  async diff(req: Msg): Promise<Msg> {
    const { urn, r, hooks, id } = this.opening(req);
    const olds = fromWire(req.getOlds()?.toJavaScript()).props;
    const news = fromWire(req.getNews()?.toJavaScript()).props;
    const ignored = new Set<string>(req.getIgnorechangesList());
    const d = await hooks.diff(req.getId(), { ...olds, ...id }, { ...news, ...id });
    const diffs = (d.diffs ?? []).filter((k) => !ignored.has(k));
    const replaces = d.replaces.filter((k) => !ignored.has(k));
    const P = this.p.provider;
    const res = new P.DiffResponse();
    res.setChanges(diffs.length ? P.DiffResponse.DiffChanges.DIFF_SOME : P.DiffResponse.DiffChanges.DIFF_NONE);
    res.setDiffsList(diffs);
    res.setReplacesList(replaces);
    res.setDeletebeforereplace(replaces.length > 0 && d.deleteBeforeReplace);
    res.setHasdetaileddiff(true);
    const detailed = res.getDetaileddiffMap();
    for (const k of diffs) {
      const pd = new P.PropertyDiff();
      const replace = replaces.includes(k);
      const absentBefore = olds[k] === undefined || olds[k] === null;
      const absentAfter = news[k] === undefined || news[k] === null;
      const K = P.PropertyDiff.Kind;
      pd.setKind(absentBefore && !absentAfter ? (replace ? K.ADD_REPLACE : K.ADD) : absentAfter && !absentBefore ? (replace ? K.DELETE_REPLACE : K.DELETE) : replace ? K.UPDATE_REPLACE : K.UPDATE);
      pd.setInputdiff(true);
      detailed.set(k, pd);
    }
    return res;
  }

  /** Outputs for a preview: the inputs, and every other output unknown (the object does not exist yet). */
  private previewCreate(r: ResourceKind, inputs: Props): Props {
    const outs: Props = {};
    for (const f of outputFields(r.model)) outs[f.key] = UNKNOWN;
    return { ...outs, ...inputs };
  }

  async create(req: Msg): Promise<Msg> {
    const { urn, r, hooks, id } = this.opening(req);
    const inputs = fromWire(req.getProperties()?.toJavaScript());
    const res = new this.p.provider.CreateResponse();
    const secrets = [...inputs.secrets, ...secretOutputs(r), ...secretInputs(r)];
    if (req.getPreview()) {
      res.setId("");
      res.setProperties(this.struct(toWire(this.previewCreate(r, inputs.props), secrets)));
      return res;
    }
    const made = await this.tracked(urn, () => hooks.create({ ...inputs.props, ...id }));
    res.setId(made.id);
    res.setProperties(this.struct(toWire(withoutTransient(made.outs), secrets)));
    return res;
  }

  async read(req: Msg): Promise<Msg> {
    const { urn, r, hooks, id } = this.opening(req);
    const state = fromWire(req.getProperties()?.toJavaScript());
    const oldInputs = fromWire(req.getInputs()?.toJavaScript());
    const byId = Object.keys(state.props).length === 0;
    const got = await hooks.read(req.getId(), byId ? id : { ...state.props, ...id });
    const res = new this.p.provider.ReadResponse();
    if (!got.id) {
      res.setId("");
      return res;
    }
    const secrets = [...state.secrets, ...oldInputs.secrets, ...secretOutputs(r), ...secretInputs(r)];
    const outs = withoutTransient(got.props ?? {});
    if (byId) {
      const missing = secretOutputs(r).filter((k) => outs[k] === undefined || outs[k] === null);
      if (missing.length) {
        const { current, engineLog } = await import("../engine-log");
        const what = `${r.noun} ${req.getId()}`;
        current.run({ urn, what }, () =>
          engineLog(`imported without its ${missing.join(", ")}: the API shows ${missing.length > 1 ? "them" : "it"} only once, when the object is created, so the stack holds none (replace the resource to get a new one)`, { warning: true }),
        );
      }
    }
    res.setId(got.id);
    res.setProperties(this.struct(toWire(outs, secrets)));
    res.setInputs(this.struct(toWire(withoutTransient(got.inputs ?? {}), [...oldInputs.secrets, ...secretInputs(r)])));
    return res;
  }

  async update(req: Msg): Promise<Msg> {
    const { urn, r, hooks, id } = this.opening(req);
    const olds = fromWire(req.getOlds()?.toJavaScript());
    const news = fromWire(req.getNews()?.toJavaScript());
    const secrets = [...olds.secrets, ...news.secrets, ...secretOutputs(r), ...secretInputs(r)];
    const res = new this.p.provider.UpdateResponse();
    if (req.getPreview()) {
      res.setProperties(this.struct(toWire(await this.previewUpdate(req, olds.props, news.props), secrets)));
      return res;
    }
    const u = await this.tracked(urn, () => hooks.update(req.getId(), { ...olds.props, ...id }, { ...news.props, ...id }));
    res.setProperties(this.struct(toWire(withoutTransient(u.outs), secrets)));
    return res;
  }

  /**
   * Outputs for a preview of an update: when only inputs the provider keeps to itself change, the object's
   * outputs stay as they are; when the API is called, the outputs it answers are unknown until it has.
   */
  private async previewUpdate(req: Msg, olds: Props, news: Props): Promise<Props> {
    const { r, hooks, id: identityProps } = this.opening(req);
    const id: string = req.getId();
    const d = await hooks.diff(id, { ...olds, ...identityProps }, { ...news, ...identityProps });
    const inputKeys = new Set(inputFields(r.model).map((f) => f.key));
    const calls = (d.diffs ?? []).some((k) => inputFields(r.model).find((f) => f.key === k)?.meta.behavior === "update");
    const outs: Props = {};
    for (const f of outputFields(r.model)) {
      if (inputKeys.has(f.key)) continue;
      outs[f.key] = f.meta.isId ? id : calls ? UNKNOWN : (olds[f.key] ?? null);
    }
    return { ...withoutTransient(olds), ...outs, ...withoutTransient(news) };
  }

  async delete(req: Msg): Promise<void> {
    const { urn, r, hooks, id } = this.opening(req);
    const props = fromWire(req.getProperties()?.toJavaScript()).props;
    await this.tracked(urn, () => hooks.remove(req.getId(), { ...props, ...id }));
  }

  // ---- functions -------------------------------------------------------------------------------------------

  async invoke(req: Msg): Promise<Msg> {
    const tok: string = req.getTok();
    const { invokeLookup, lookupNamed } = await import("../lookups");
    const l = tok.startsWith("chaser:index:") ? lookupNamed(tok.slice("chaser:index:".length)) : undefined;
    if (!l) throw new ProviderError(`the chaser provider has no function '${tok}'`);
    const result = await invokeLookup(l, fromWire(req.getArgs()?.toJavaScript()).props, currentSettings());
    const res = new this.p.provider.InvokeResponse();
    res.setReturn(this.struct(JSON.parse(JSON.stringify(result))));
    return res;
  }

  // ---- cancellation ------------------------------------------------------------------------------------------

  /** Runs a write, known as in progress for `cancel`. */
  private async tracked<T>(urn: string, fn: () => Promise<T>): Promise<T> {
    this.pending.add(urn);
    try {
      return await fn();
    } finally {
      this.pending.delete(urn);
    }
  }

  /**
   * The engine asks the provider to stop (Ctrl-C, a timeout). Writes in flight finish or fail on their own (each
   * is reconciled by the next run: see crash recovery); nothing new is started by the engine after this.
   */
  cancel(): void {
    if (this.pending.size) debug(`cancel: ${this.pending.size} operation(s) in flight (${[...this.pending].join(", ")})`);
  }
}

/** gRPC handlers for the service: each calls a method and turns a failure into the error the engine shows. */
export function service(p: Protos, provider: ChaserProvider): Record<string, (call: Msg, cb: (err: unknown, res?: Msg) => void) => void> {
  const unary =
    (fn: (req: Msg) => Msg | Promise<Msg>) =>
    (call: Msg, cb: (err: unknown, res?: Msg) => void): void => {
      Promise.resolve()
        .then(() => fn(call.request))
        .then(
          (res) => cb(null, res),
          (e: Error) => {
            debug(`plugin: ${e instanceof ProviderError ? e.message : e.stack ?? e.message}`);
            cb({ code: p.grpc.status.UNKNOWN, details: e.message, message: e.message });
          },
        );
    };
  const unimplemented = (what: string) => (_call: Msg, cb: (err: unknown) => void) => cb({ code: p.grpc.status.UNIMPLEMENTED, details: `the chaser provider does not implement ${what}` });
  const empty = () => new p.empty.Empty();
  return {
    handshake: unimplemented("Handshake"),
    parameterize: unimplemented("Parameterize"),
    getSchema: unary(() => provider.getSchema()),
    checkConfig: unary((r) => provider.checkConfig(r)),
    diffConfig: unary((r) => provider.diffConfig(r)),
    configure: unary((r) => provider.configure(r)),
    invoke: unary((r) => provider.invoke(r)),
    call: unimplemented("Call"),
    check: unary((r) => provider.check(r)),
    diff: unary((r) => provider.diff(r)),
    create: unary((r) => provider.create(r)),
    read: unary((r) => provider.read(r)),
    list: unimplemented("List"),
    update: unary((r) => provider.update(r)),
    delete: unary(async (r) => {
      await provider.delete(r);
      return empty();
    }),
    construct: unimplemented("Construct"),
    cancel: unary(() => {
      provider.cancel();
      return empty();
    }),
    getPluginInfo: unary(() => provider.getPluginInfo()),
    attach: unary(() => empty()),
    getMapping: unary(() => new p.provider.GetMappingResponse()),
    getMappings: unary(() => new p.provider.GetMappingsResponse()),
  };
}

export { loadProtos };
export type { Protos };
