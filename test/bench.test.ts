/**
 * Every benchmark runs at smoke size in the suite (issue 17: bench/shared-listing.js required a module that no
 * longer existed and nobody noticed). Each script must load, run, exit 0 and print its result lines; the figures
 * themselves are not judged here (`make bench` runs the full sizes). large-stack.js needs the engine: see
 * test/engine/bench.test.ts.
 */
import { BENCHES, benchScripts, runBench, shown } from "./support/bench";

jest.setTimeout(150_000);

test("every bench/*.js is run at smoke size by the suite, or is a helper", () => {
  expect(benchScripts()).toEqual([...BENCHES.unit, ...BENCHES.engine, ...BENCHES.release, ...BENCHES.helpers].sort());
});

test("shared-listing.js: shared listings against one listing per read, and their ratio", async () => {
  const r = await runBench("shared-listing.js");
  expect({ code: r.code, out: shown(r) }).toMatchObject({ code: 0 });
  expect(r.stdout).toMatch(/^shared listings: +median [\d.]+ ms, list calls per refresh 1$/m);
  expect(r.stdout).toMatch(/^one listing each: +median [\d.]+ ms, list calls per refresh 10$/m);
  expect(r.stdout).toMatch(/^time ratio unshared\/shared \(per round pair\): median [\d.]+x/m);
});

test("list-workspaces.js: listing throughput in memory and with --data, against a baseline", async () => {
  const r = await runBench("list-workspaces.js");
  expect({ code: r.code, out: shown(r) }).toMatchObject({ code: 0 });
  expect(r.stdout).toMatch(/^ratio list\(in memory\) \/ baseline: [\d.]+ +ratio list\(--data\) \/ list\(in memory\): [\d.]+$/m);
  expect(r.stdout).toMatch(/^GET \/v1\/workspaces \(100 workspaces\): \d+ req\/s, target >= 2000: (met|NOT MET)$/m);
});

test("chaser-local-adversarial.js: bad input, kill -9, disk full and memory, with no 5xx and no lost write", async () => {
  // RLIMIT_FSIZE rather than mounting a tmpfs (which it does as root) from inside the test suite.
  const r = await runBench("chaser-local-adversarial.js", [], { DISK: "rlimit" });
  expect({ code: r.code, out: shown(r) }).toMatchObject({ code: 0 });
  expect(r.stdout).toMatch(/^requests tried: +\d+; 4xx: \d+; 5xx: 0 \(must be 0\)$/m);
  expect(r.stdout).toMatch(/^acknowledged writes lost: 0 across 1 kill -9 and 1 disk-full trials \(must be 0\)$/m);
  expect(r.stdout).toMatch(/^memory: +RSS [\d.]+ MiB before, [\d.]+ MiB after 2000 requests/m);
});
