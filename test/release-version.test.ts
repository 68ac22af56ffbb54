/**
 * One version everywhere (issue 28), without building: package.json's version is schema.json's and every committed
 * SDK's (what scripts/release/build.js checks before it builds; test/engine/release.test.ts checks the built files),
 * every SDK's plugin metadata names the plugin server, and the plugin's command line accepts what the engine passes
 * and refuses the rest.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs, usage } from "../provider/grpc/main";
import { PLUGIN_DOWNLOAD_URL } from "../contract/version";

const REPO = path.resolve(__dirname, "..");
const VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version;
const { sdkVersions } = require("../scripts/release/build.js") as { sdkVersions: () => Record<string, string | undefined> };

test("schema.json and every SDK's metadata say package.json's version", () => {
  const versions = sdkVersions();
  expect(Object.keys(versions).length).toBeGreaterThanOrEqual(7);
  for (const [file, v] of Object.entries(versions)) expect(`${file}: ${v}`).toBe(`${file}: ${VERSION}`);
});

test("every SDK's plugin metadata names the plugin server: schema.json's pluginDownloadURL, the repository's GitHub releases", () => {
  expect(PLUGIN_DOWNLOAD_URL).toBe("github://api.github.com/pulumi-chaser/pulumi-chaser");
  expect(JSON.parse(fs.readFileSync(path.join(REPO, "schema.json"), "utf8")).pluginDownloadURL).toBe(PLUGIN_DOWNLOAD_URL);
  for (const f of ["sdk/python/pulumi_chaser/pulumi-plugin.json", "sdk/go/chaser/pulumi-plugin.json", "sdk/dotnet/pulumi-plugin.json"]) {
    expect({ f, ...JSON.parse(fs.readFileSync(path.join(REPO, f), "utf8")) }).toEqual({ f, resource: true, name: "chaser", version: VERSION, server: PLUGIN_DOWNLOAD_URL });
  }
});

test("the plugin's command line: the engine's flags and address accepted, anything else refused with the reason", () => {
  expect(parseArgs(["127.0.0.1:4321"])).toEqual({ engine: "127.0.0.1:4321" });
  expect(parseArgs(["--logtostderr", "-v=9", "--tracing", "http://127.0.0.1:9411", "127.0.0.1:4321"])).toEqual({ engine: "127.0.0.1:4321" });
  expect(parseArgs(["--tracing=file:/tmp/t.json", "[::1]:4321"])).toEqual({ engine: "[::1]:4321" });
  expect(parseArgs([])).toEqual({ error: "no engine address: the Pulumi engine starts this plugin" });
  expect(parseArgs(["--port", "1"])).toEqual({ error: "unknown flag --port" });
  expect(parseArgs(["serve"])).toEqual({ error: "'serve' is not an engine address (host:port)" });
  expect(parseArgs(["127.0.0.1:1", "127.0.0.1:2"])).toEqual({ error: "two engine addresses (127.0.0.1:1, 127.0.0.1:2)" });
  expect(parseArgs(["--tracing"])).toEqual({ error: "--tracing needs a URL" });
  expect(parseArgs(["--help", "127.0.0.1:1"])).toEqual({ help: true });
  expect(parseArgs(["--version"])).toEqual({ version: true });
  expect(usage()).toContain(`pulumi plugin install resource chaser ${VERSION} --server ${PLUGIN_DOWNLOAD_URL}`);
});
