/**
 * The version of this package: the nearest package.json named pulumi-chaser above this file (dist or source), or
 * the version the release build embedded in the self-contained plugin.
 */
import * as fs from "node:fs";
import * as path from "node:path";

let cached: string | undefined;

/** Defined by the release build (scripts/release/bundle.js): the bundled plugin has no package.json beside it. */
declare const __CHASER_VERSION__: string | undefined;

export function packageVersion(from = __dirname): string {
  if (typeof __CHASER_VERSION__ === "string") return __CHASER_VERSION__;
  if (cached !== undefined && from === __dirname) return cached;
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
      if (pkg.name === "pulumi-chaser" && typeof pkg.version === "string") return (cached = pkg.version as string);
    } catch {
      // none here: look further up
    }
    if (path.dirname(dir) === dir) return "unknown";
  }
}

/** Where the engine acquires the `chaser` plugin: the repository's GitHub releases (github://<API host>/<owner>/<repository>). */
export const PLUGIN_DOWNLOAD_URL = "github://api.github.com/pulumi-chaser/pulumi-chaser";
