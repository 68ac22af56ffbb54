/**
 * The Go tests under engine/ (our language hosts': engine/cmd/pulumi-language-{nodejs,python,go}, and what they share:
 * engine/internal/langhost, whose lifeline tests start a helper host and end its parent or signal it) run in the
 * suite (issue 17: nothing ran them). Offline, as engine/build.sh builds the hosts: the local Go toolchain, the module
 * cache and go.sum the engine build filled and verified, and the same build flags, so the packages the host build
 * compiled are reused (a first run compiles only what the tests add). `./...` in engine/ is our module only: the
 * Pulumi CLI (a dependency) is neither built nor tested here.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { REPO } from "../support/pack";

jest.setTimeout(20 * 60_000);

test("go test ./... in engine/ passes, offline, with engine/build.sh's toolchain settings and flags", () => {
  const env = { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-mod=mod", GOSUMDB: "off", CGO_ENABLED: "0" };
  const r = spawnSync("go", ["test", "-count=1", "-v", "-tags", "osusergo,grpcnotrace", "-trimpath", "./..."], {
    cwd: path.join(REPO, "engine"), env, encoding: "utf8", maxBuffer: 64 << 20,
  });
  if (r.error) throw new Error(`cannot run go (Go >= 1.25 builds the engine and runs its tests; see engine/build.sh): ${r.error.message}`);
  const out = `${r.stdout}\n${r.stderr}`;
  const passed = out.match(/^\s*--- PASS: /gm)?.length ?? 0;
  const failed = out.match(/^\s*--- FAIL: /gm) ?? [];
  expect({ status: r.status, failed, out: out.slice(-6000) }).toMatchObject({ status: 0, failed: [] });
  expect(passed).toBeGreaterThan(0);
  expect(out).toMatch(/^ok\s+github\.com\/pulumi-chaser\/engine\/cmd\/pulumi-language-nodejs\b/m);
  expect(out).toMatch(/^ok\s+github\.com\/pulumi-chaser\/engine\/cmd\/pulumi-language-go\b/m);
  // The Python host's tests run Python (python3 on PATH, as for every Python program): its exec script with a
  // stand-in SDK, and the lookup of the installed packages' pulumi-plugin.json.
  expect(out).toMatch(/^ok\s+github\.com\/pulumi-chaser\/engine\/cmd\/pulumi-language-python\b/m);
  expect(out).toMatch(/^ok\s+github\.com\/pulumi-chaser\/engine\/internal\/langhost\b/m);
});
