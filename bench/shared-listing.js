#!/usr/bin/env node
// Benchmark (not a test): a refresh of N workspaces reads each one; the API has no get-one endpoint, so each
// read needs the listing. Compares, side by side in one run (alternating rounds), reads that share listings
// (one client, as the provider keeps one per URL, key and account: concurrent reads share one listing) with reads
// that each fetch their own listing (`fresh`), on chaser-local over loopback. Prints list calls made and wall time
// per round, medians, and the ratio. Run after `make build`.
//   N=100 ROUNDS=7 node bench/shared-listing.js      (--smoke: a few workspaces, 2 rounds, for the test suite)
"use strict";
const { startChaserLocal } = require("../dist/chaser-local/src/server.js");
const { ChaserClient } = require("../dist/provider/client/index.js");

const SMOKE = process.argv.includes("--smoke");
const N = Number(process.env.N ?? (SMOKE ? 10 : 100));
const ROUNDS = Number(process.env.ROUNDS ?? (SMOKE ? 2 : 7));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

(async () => {
  const srv = await startChaserLocal({ port: 0 });
  try {
    const setup = new ChaserClient({ apiUrl: srv.url, apiKey: srv.rootKey });
    const ids = [];
    for (let i = 0; i < N; i++) ids.push((await setup.workspaces.create({ name: `bench-${i}`, session_type: "browser" })).id);
    const listCalls = async () => {
      const r = await fetch(`${srv.url}/_local/counters`, { headers: { "x-chaser-local": "1" } }).then((x) => x.json());
      return r["GET /v1/workspaces"] ?? 0;
    };
    const results = { shared: { ms: [], lists: [] }, unshared: { ms: [], lists: [] } };
    for (let round = 0; round < ROUNDS; round++) {
      for (const mode of round % 2 ? ["unshared", "shared"] : ["shared", "unshared"]) {
        const client = new ChaserClient({ apiUrl: srv.url, apiKey: srv.rootKey }); // nothing shared from earlier rounds
        const before = await listCalls();
        const t0 = process.hrtime.bigint();
        const found = await Promise.all(ids.map((id) => client.workspaces.find({ id }, { fresh: mode === "unshared" })));
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (found.some((w) => !w)) throw new Error(`${mode}: a workspace was not found`);
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
  } finally {
    await srv.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
