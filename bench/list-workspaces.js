#!/usr/bin/env node
// Benchmark (not a test): requests per second of GET /v1/workspaces listing 100 workspaces on loopback, through
// an undici Pool (10 connections, a fixed number of requests per round), with chaser-local in its own process
// (the built bin/chaser-local.js: run `npx tsc -p tsconfig.json` or `make build` first). Measured side by side in
// alternating rounds (A B C A B C …): the listing in memory, the listing with --data (reads must not pay for
// durability), and a baseline request of the same server (GET /v1/sessions, an empty list). Target: ≥ 2,000 req/s.
// Env: ROUNDS (5), REQUESTS per round (5000), CONNECTIONS (10), WORKSPACES (100). --smoke: 2 rounds of 200 requests
// (the test suite runs it so: it must load and run, the figures mean nothing then).
const path = require("node:path");
const fs = require("node:fs");
const os = require("node:os");
const { Pool } = require("undici");
const { startChaserLocal } = require("./chaser-local-process");

const SMOKE = process.argv.includes("--smoke");
const ROUNDS = Number(process.env.ROUNDS ?? (SMOKE ? 2 : 5));
const REQUESTS = Number(process.env.REQUESTS ?? (SMOKE ? 200 : 5000));
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const WORKSPACES = Number(process.env.WORKSPACES ?? 100);
const TARGET = 2000;
const KEY = "sk_bench_root_key_000001";
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const startServer = (args) => startChaserLocal(KEY, args);

/** REQUESTS requests over CONNECTIONS connections (one in flight per connection); returns req/s. */
async function load(url, p, requests) {
  const pool = new Pool(url, { connections: CONNECTIONS, pipelining: 1 });
  let next = 0;
  let bytes = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < requests) {
        next++;
        const r = await pool.request({ path: p, method: "GET", headers: { authorization: `Bearer ${KEY}` } });
        const body = await r.body.text();
        if (r.statusCode !== 200) throw new Error(`${p}: ${r.statusCode} ${body}`);
        bytes += body.length;
      }
    }),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await pool.close();
  return { rps: requests / secs, bytes: bytes / requests };
}

(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-bench-"));
  const mem = await startServer([]);
  const durable = await startServer(["--data", dataDir]);
  try {
    for (const s of [mem, durable]) {
      for (let i = 0; i < WORKSPACES; i++) {
        const r = await fetch(`${s.url}/v1/workspaces`, {
          method: "POST",
          headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
          body: JSON.stringify({ name: `bench-${i}`, session_type: i % 2 ? "browser" : "sandbox" }),
        });
        if (r.status !== 201) throw new Error(`setup: ${r.status} ${await r.text()}`);
      }
      const listed = await (await fetch(`${s.url}/v1/workspaces`, { headers: { authorization: `Bearer ${KEY}` } })).json();
      if (listed.length !== WORKSPACES) throw new Error(`setup: the listing has ${listed.length} workspaces, not ${WORKSPACES}`);
    }
    const cases = [
      ["list 100 workspaces, in memory", mem.url, "/v1/workspaces"],
      ["list 100 workspaces, --data", durable.url, "/v1/workspaces"],
      ["baseline: empty session list", mem.url, "/v1/sessions"],
    ];
    for (const [, url, p] of cases) await load(url, p, SMOKE ? 100 : 1000); // warm-up
    const results = cases.map(() => []);
    let size = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < cases.length; i++) {
        const r = await load(cases[i][1], cases[i][2], REQUESTS);
        results[i].push(r.rps);
        if (i === 0) size = r.bytes;
      }
    }
    console.log(`chaser-local on loopback, ${os.cpus().length} cores, undici Pool of ${CONNECTIONS} connections, ${REQUESTS} requests x ${ROUNDS} alternating rounds`);
    console.log(`listing body: ${Math.round(size)} bytes (${WORKSPACES} workspaces)`);
    cases.forEach(([name], i) => {
      const xs = results[i];
      console.log(`${name.padEnd(34)} median ${Math.round(median(xs))} req/s (min ${Math.round(Math.min(...xs))}, max ${Math.round(Math.max(...xs))})`);
    });
    const ratio = (a, b) => median(results[a].map((x, k) => x / results[b][k])).toFixed(2);
    console.log(`ratio list(in memory) / baseline: ${ratio(0, 2)}   ratio list(--data) / list(in memory): ${ratio(1, 0)}`);
    const figure = Math.round(median(results[0]));
    console.log(`GET /v1/workspaces (${WORKSPACES} workspaces): ${figure} req/s, target >= ${TARGET}: ${figure >= TARGET ? "met" : "NOT MET"}`);
  } finally {
    mem.child.kill("SIGKILL");
    durable.child.kill("SIGKILL");
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
