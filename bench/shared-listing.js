#!/usr/bin/env node
// Benchmark (not a test): a refresh of N workspaces reads each one; the API has no get-one endpoint, so each
// read needs the listing. Compares, side by side in one run (alternating rounds), reads that share listings
// (the client's default) with reads that each fetch their own listing, on chaser-local over loopback.
// Prints list calls made and wall time per round, medians, and the ratio. Run after `make build`.
const { startChaserLocal } = require("../dist/chaser-local/src/server.js");
const { ChaserClient, forgetAllListings } = require("../dist/provider/client/client.js");

const N = Number(process.env.N ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 7);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  const srv = await startChaserLocal({ port: 0 });
  const client = new ChaserClient({ apiUrl: srv.url, apiKey: srv.rootKey });
  const ids = [];
  for (let i = 0; i < N; i++) ids.push((await client.createWorkspace({ name: `bench-${i}`, session_type: "browser" })).id);
  const listCalls = async () => {
    const r = await fetch(`${srv.url}/_local/counters`, { headers: { "x-chaser-local": "1" } }).then((x) => x.json());
    return r["GET /v1/workspaces"] ?? 0;
  };
  const results = { shared: { ms: [], lists: [] }, unshared: { ms: [], lists: [] } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 ? ["unshared", "shared"] : ["shared", "unshared"]) {
      forgetAllListings();
      const before = await listCalls();
      const t0 = process.hrtime.bigint();
      await Promise.all(ids.map((id) => new ChaserClient({ apiUrl: srv.url, apiKey: srv.rootKey }).findWorkspace({ id }, { fresh: mode === "unshared" })));
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      results[mode].ms.push(ms);
      results[mode].lists.push((await listCalls()) - before);
    }
  }
  const s = results.shared, u = results.unshared;
  console.log(`reads of ${N} workspaces, ${ROUNDS} alternating rounds, chaser-local on loopback`);
  console.log(`shared listings:   median ${median(s.ms).toFixed(1)} ms, list calls per refresh ${median(s.lists)}`);
  console.log(`one listing each:  median ${median(u.ms).toFixed(1)} ms, list calls per refresh ${median(u.lists)}`);
  const ratios = s.ms.map((x, i) => u.ms[i] / x);
  console.log(`time ratio unshared/shared (per round pair): median ${median(ratios).toFixed(1)}x, min ${Math.min(...ratios).toFixed(1)}x, max ${Math.max(...ratios).toFixed(1)}x`);
  await srv.close();
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
