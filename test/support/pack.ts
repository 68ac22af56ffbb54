/**
 * This package as users get it: `npm pack` of the built repository (dist from `make build`), unpacked once per
 * test process, and installed into a project's node_modules either as a copy (as npm installs from a registry)
 * or through a symlink (npm workspaces, `npm link`, a `file:` dependency without install-links). The rest of the
 * project's node_modules links to the repository's, so there is one @pulumi/pulumi.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export const REPO = path.resolve(__dirname, "..", "..");
let unpacked: string | undefined;

/** The packed package's tarball (scripts skipped: dist is already built) and its unpacked directory. */
export function packedPackage(): { tgz: string; dir: string } {
  if (!unpacked) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-pack-"));
    const tgz = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", dir], { cwd: REPO, encoding: "utf8" }).trim().split("\n").pop()!;
    const pkg = path.join(dir, "package");
    fs.mkdirSync(pkg);
    execFileSync("tar", ["xzf", path.join(dir, tgz), "-C", pkg, "--strip-components=1"]);
    unpacked = pkg;
  }
  return { tgz: fs.readdirSync(path.dirname(unpacked)).find((f) => f.endsWith(".tgz"))!, dir: unpacked };
}

function linkDependencies(nm: string): void {
  fs.mkdirSync(nm, { recursive: true });
  for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
    if (entry === "pulumi-chaser" || entry.startsWith(".")) continue;
    fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(nm, entry));
  }
}

/**
 * Installs the packed package into `projectDir/node_modules`: a copy; or, with `symlink`, the layout of npm
 * workspaces: the package in `../packages/pulumi-chaser`, the dependencies hoisted to `../node_modules`, and
 * `node_modules/pulumi-chaser` a symlink to the package.
 */
export function installInto(projectDir: string, opts: { symlink?: boolean } = {}): void {
  const nm = path.join(projectDir, "node_modules");
  const { dir } = packedPackage();
  if (opts.symlink) {
    const root = path.dirname(projectDir);
    const pkg = path.join(root, "packages", "pulumi-chaser");
    fs.cpSync(dir, pkg, { recursive: true });
    linkDependencies(path.join(root, "node_modules"));
    fs.mkdirSync(nm, { recursive: true });
    fs.symlinkSync(pkg, path.join(nm, "pulumi-chaser"));
    return;
  }
  linkDependencies(nm);
  fs.cpSync(dir, path.join(nm, "pulumi-chaser"), { recursive: true });
  linkBins(nm);
}

/** `node_modules/.bin/<command>` for each of the package's commands, as npm links them (what `npx` runs). */
function linkBins(nm: string): void {
  const bins: Record<string, string> = JSON.parse(fs.readFileSync(path.join(nm, "pulumi-chaser", "package.json"), "utf8")).bin;
  fs.mkdirSync(path.join(nm, ".bin"), { recursive: true });
  for (const [name, file] of Object.entries(bins)) fs.symlinkSync(path.join("..", "pulumi-chaser", file), path.join(nm, ".bin", name));
}
