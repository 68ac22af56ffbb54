/**
 * The release build the tests share: `node scripts/release/build.js` (what `make release` runs) into the
 * repository's release/ (gitignored), once per suite run: the build records a hash of its inputs (.stamp) and a
 * second call with the same inputs does nothing, and callers in parallel test files wait on one lock (flock).
 * A plugin archive at another version (the version is a build input) is built from the same sources into a
 * temporary directory, linux-amd64 only.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "./pack";

export const RELEASE = path.join(REPO, "release");
export const VERSION: string = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).version;

export interface Manifest {
  version: string;
  platforms: string[];
  parts: string[];
  files: Record<string, number>;
  seconds: number;
  plugin?: { bundleBytes: number; modules: number; executables: Record<string, { archive: string; executable: string; bytes: number; node: string; signature?: { cpu: string; pages: number } }> };
}

function buildInto(out: string, args: string[]): Manifest {
  execFileSync("flock", [path.join(REPO, ".release.lock"), process.execPath, path.join(REPO, "scripts", "release", "build.js"), "--out", out, ...args], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "inherit"],
    encoding: "utf8",
    timeout: 30 * 60_000,
  });
  return JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")) as Manifest;
}

let shared: Manifest | undefined;

/** The whole release (every platform and part) in release/, built if its inputs changed. */
export function sharedRelease(): Manifest {
  return (shared ??= buildInto(RELEASE, []));
}

/** The linux-amd64 plugin archive of the shared release. */
export function linuxArchive(): string {
  sharedRelease();
  return path.join(RELEASE, `pulumi-resource-chaser-v${VERSION}-linux-amd64.tar.gz`);
}

/** A linux-amd64 plugin archive at `version`, from the same sources (built once per test process). */
const others = new Map<string, string>();
export function pluginArchiveAt(version: string): string {
  let dir = others.get(version);
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), `chaser-release-${version}-`));
    buildInto(dir, ["--version", version, "--platforms", "linux-amd64", "--parts", "plugin,schema"]);
    others.set(version, dir);
  }
  return path.join(dir, `pulumi-resource-chaser-v${version}-linux-amd64.tar.gz`);
}
