// The Node.js binaries of scripts/release/node-binaries.json, downloaded once from the npm registry (`npm pack`,
// by the ordinary client) into ${XDG_CACHE_HOME:-~/.cache}/pulumi-chaser/node/<package>-<version>/, checked
// against the pinned integrity (sha512 of the tarball) and unpacked there; later calls only look.
"use strict";
const { execFileSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const PINS = require("./node-binaries.json");
const CACHE = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "pulumi-chaser", "node");

/** The integrity string (sha512-<base64>) of a file. */
function integrityOf(file) {
  return `sha512-${crypto.createHash("sha512").update(fs.readFileSync(file)).digest("base64")}`;
}

/** The node executable inside an unpacked package (bin/node, or node.exe for Windows). */
function findNode(dir) {
  for (const rel of ["bin/node", "node.exe", "bin/node.exe", "node"]) {
    const f = path.join(dir, rel);
    if (fs.existsSync(f) && fs.statSync(f).isFile()) return f;
  }
  throw new Error(`no node executable in ${dir}`);
}

/**
 * The unpacked package for a pin ({ package, version, integrity }): downloads it once. Returns the node
 * executable's path. Concurrent callers (tests) serialise on a lock directory.
 */
function nodeBinary(pin, log = (m) => process.stderr.write(`${m}\n`)) {
  const dir = path.join(CACHE, `${pin.package}-${pin.version}`);
  const done = path.join(dir, ".integrity");
  if (fs.existsSync(done) && fs.readFileSync(done, "utf8") === pin.integrity) return findNode(path.join(dir, "package"));
  fs.mkdirSync(CACHE, { recursive: true });
  // (the lock: a directory, created atomically)
  const lock = `${dir}.lock`;
  for (let waited = 0; ; waited += 1) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
      if (waited > 1200) throw new Error(`${lock} held for 20 minutes: remove it if no build is running`);
      execFileSync("sleep", ["1"]);
      if (fs.existsSync(done) && fs.readFileSync(done, "utf8") === pin.integrity) return findNode(path.join(dir, "package"));
    }
  }
  try {
    const tmp = fs.mkdtempSync(path.join(CACHE, ".dl-"));
    try {
      log(`node-binaries: downloading ${pin.package}@${pin.version} from the npm registry`);
      const out = execFileSync("npm", ["pack", `${pin.package}@${pin.version}`, "--pack-destination", tmp, "--json", "--silent"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
      const tgz = path.join(tmp, JSON.parse(out)[0].filename);
      const got = integrityOf(tgz);
      if (got !== pin.integrity) throw new Error(`${pin.package}@${pin.version}: integrity ${got}, pinned ${pin.integrity}`);
      fs.mkdirSync(path.join(tmp, "x"));
      execFileSync("tar", ["xzf", tgz, "-C", path.join(tmp, "x")]);
      // Only the executable and the licence are used: headers, man pages and docs (about 40 MB a package) go.
      for (const e of fs.readdirSync(path.join(tmp, "x", "package"))) if (!["bin", "LICENSE", "package.json"].includes(e)) fs.rmSync(path.join(tmp, "x", "package", e), { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
      fs.renameSync(path.join(tmp, "x"), dir);
      fs.writeFileSync(done, pin.integrity);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  return findNode(path.join(dir, "package"));
}

module.exports = { PINS, CACHE, nodeBinary, integrityOf };

if (require.main === module) {
  const pins = [...Object.values(PINS.targets), ...Object.values(PINS.blob)];
  for (const pin of pins) process.stdout.write(`${nodeBinary(pin)}\n`);
}
