/**
 * bench/large-stack.js at smoke size (3 resources, 1 round) through the real engine, in both of its modes: the
 * package against the engine's floor (with and without checkpoints), and the engine-side options. It must load, run and print its table; the
 * figures are not judged (`make bench` runs the full sizes). The engine-free benchmarks: test/bench.test.ts.
 */
import { runBench, shown } from "../support/bench";
import { engineDir } from "./support/stack";

jest.setTimeout(10 * 60_000);

const env = () => ({ CHASER_ENGINE_BIN: engineDir() });

test("large-stack.js --smoke: the dynamic resources and the plugin against the floor, with and without checkpoints, per operation: ratios, requests, state size, and per process peak memory and CPU", async () => {
  const r = await runBench("large-stack.js", [], env(), 12 * 60_000);
  expect({ code: r.code, out: shown(r) }).toMatchObject({ code: 0 });
  // Six columns (floor, package, plugin, each with checkpoints and with PULUMI_SKIP_CHECKPOINTS=true), five ratios.
  const time = "[\\d.]+ s \\([\\d.-]+\\) +";
  for (const op of ["up", "preview", "refresh", "destroy"]) {
    expect(r.stdout).toMatch(new RegExp(`^3 +${op} +(${time}){6}([\\d.]+x +){5}`, "m"));
  }
  // 3 creates reached chaser-local from each column of the package; state bytes per resource of the six.
  expect(r.stdout).toMatch(/^3 +up .*x +3\/3\/3\/3 +\d+( \/ \d+){5}$/m);
  // The program's and the provider's peak RSS (MB) and CPU per resource of each, found in /proc.
  expect(r.stdout).toMatch(/^3 +up +floor: \d+\/\d+ MB, [\d.]+\/[\d.]+\/[\d.]+ ms; floor\+skip: .*plugin\+skip: \d+\/\d+ MB/m);
});

test("large-stack.js --smoke --engine-options: up and the targeted preview and refresh", async () => {
  const r = await runBench("large-stack.js", ["--engine-options"], env(), 8 * 60_000);
  expect({ code: r.code, out: shown(r) }).toMatchObject({ code: 0 });
  expect(r.stdout).toMatch(/^engine-side options, 3 workspaces, median of 1/m);
  expect(r.stdout).toMatch(/^ +up, plain +[\d.]+ s/m);
  expect(r.stdout).toMatch(/^ +preview, --target one resource +[\d.]+ s/m);
  expect(r.stdout).toMatch(/^ +refresh, --target one resource +[\d.]+ s/m);
});
