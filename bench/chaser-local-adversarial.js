#!/usr/bin/env node
// Adversarial run against the built chaser-local (not a test; run after `npx tsc -p tsconfig.json`). The server
// runs in its own process (bin/chaser-local.js). Four phases:
//   1. bad input: odd targets, bad escapes, huge headers and bodies, endless chunked bodies, deep JSON, bodies
//      that are not objects, every write endpoint with every field replaced by values of the wrong type or size,
//      bad keys and account headers, the /_local/ controls without their guard's conditions: counts 2xx/4xx/5xx;
//   2. kill -9 at a random moment under concurrent writes, N times: acknowledged writes lost;
//   3. disk full, N times (a real tmpfs of 96 KiB when root may mount one, else RLIMIT_FSIZE): writes until refused,
//      kill -9, restart: acknowledged writes lost, refused writes present (half-applied);
//   4. memory: the server's RSS before and after 100k requests with distinct paths.
// Prints one line per count; exits 1 if a 5xx (other than the disk-full refusals) or a lost write was seen.
//   TRIALS=5 REQUESTS=100000 node bench/chaser-local-adversarial.js      (DISK=rlimit: RLIMIT_FSIZE even as root)
// --smoke (the test suite): 1 trial of each kind, 2,000 load requests, 300 fuzzed bodies; the same checks.
"use strict";
const { spawnSync } = require("node:child_process");
const crypto = require("node:crypto");
const fs = require("node:fs");
const http = require("node:http");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const { BIN, startChaserLocal } = require("./chaser-local-process");
const KEY = "sk_adversarial_root_key_0001";
const SMOKE = process.argv.includes("--smoke");
const TRIALS = Number(process.env.TRIALS ?? (SMOKE ? 1 : 5));
const REQUESTS = Number(process.env.REQUESTS ?? (SMOKE ? 2_000 : 100_000));
const FUZZ = SMOKE ? 300 : 3000;
if (!fs.existsSync(path.join(ROOT, "dist", "chaser-local", "src", "cli.js"))) {
  console.error("build first: npx tsc -p tsconfig.json");
  process.exit(1);
}

// A seeded PRNG, so a run can be repeated (SEED=…).
let seed = Number(process.env.SEED ?? 20261123) >>> 0;
const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];

// ---- process and HTTP helpers ----------------------------------------------------------------------------------
const start = (args, opts) => startChaserLocal(KEY, args, opts);
async function kill9(srv) {
  srv.child.kill("SIGKILL");
  await srv.exited;
}
const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))[1]);

const agent = new http.Agent({ keepAlive: true, maxSockets: 48 });
/** One request through node:http; resolves {status, body} or {status: 0} when no answer came. */
function request(port, method, target, { headers = {}, body, keepAlive = true } = {}) {
  return new Promise((resolve) => {
    const r = http.request({ host: "127.0.0.1", port, method, path: target, headers, agent: keepAlive ? agent : false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString(), headers: res.headers }));
      res.on("error", () => resolve({ status: 0 }));
    });
    r.on("error", () => resolve({ status: 0 }));
    r.setTimeout(15_000, () => r.destroy());
    if (body !== undefined) r.end(body);
    else r.end();
  });
}
/** Raw bytes on a fresh socket; resolves with the answer's status (0 when none came). */
function raw(port, bytes, { stream } = {}) {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    let got = "";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      s.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      resolve({ status: m ? Number(m[1]) : 0, text: got });
    };
    s.on("data", (d) => {
      got += d;
      const end = got.indexOf("\r\n\r\n");
      const cl = /content-length:\s*(\d+)/i.exec(got);
      if (end >= 0 && cl && got.length >= end + 4 + Number(cl[1])) finish();
    });
    s.on("close", finish);
    s.on("error", finish);
    setTimeout(finish, 15_000);
    s.write(bytes);
    if (stream) {
      // an endless chunked body, until the server answers
      const chunk = `10000\r\n${"x".repeat(0x10000)}\r\n`;
      const pump = () => {
        while (!done && s.write(chunk));
        if (!done) s.once("drain", pump);
      };
      pump();
    }
  });
}

// ---- phase 1: bad input ----------------------------------------------------------------------------------------
/** Fixed nasty requests, raw: broken request lines, paths, headers, lengths, endless chunked bodies. */
async function rawRequests(c) {
  const { port, host, auth, json, tally, ctl, org, orgKey, memberKey, scoped, sa, writes } = c;
  // 1a. fixed nasty requests, raw.
  const nasty = [
    "GET // HTTP/1.1", "GET /v1//workspaces HTTP/1.1", "GET /v1/workspaces/ HTTP/1.1", "GET * HTTP/1.1", "GET http://evil/v1/workspaces HTTP/1.1",
    "PUT /v1/workspaces/%zz/name HTTP/1.1", "PUT /v1/workspaces/%E0%A4%A/name HTTP/1.1", "DELETE /v1/keys/% HTTP/1.1", `GET /${"a".repeat(9000)} HTTP/1.1`,
    "GET /v1/workspaces/%00/snapshots HTTP/1.1", "DELETE /v1/workspaces/alpha?force=%zz HTTP/1.1", "GET /_local//counters HTTP/1.1", "GET /v1/%2F%2F HTTP/1.1",
  ];
  for (const line of nasty) for (const h of [`Host: ${host}\r\nAuthorization: Bearer ${KEY}`, `Host: ${host}`]) tally(line, await raw(port, `${line}\r\n${h}\r\nConnection: close\r\n\r\n`));
  for (const bytes of [
    "GARBAGE\r\n\r\n", "\x00\x01\x02\r\n\r\n", "GET /v1/workspaces HTTP/9.9\r\n\r\n", `GET /v1/workspaces HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${"b".repeat(20_000)}\r\n\r\n`,
    `GET /v1/workspaces HTTP/1.1\r\nHost: ${host}\r\n${Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`).join("\r\n")}\r\n\r\n`,
    `POST /v1/workspaces HTTP/1.1\r\nHost: ${host}\r\nContent-Length: abc\r\n\r\n`, `POST /v1/workspaces HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n`,
    `POST /v1/workspaces HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\nAuthorization: Bearer ${KEY}\r\n\r\nzz\r\n`,
    `POST /v1/workspaces HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${KEY}\r\nContent-Length: ${500 * 1024 * 1024}\r\n\r\n`,
    `POST /v1/workspaces HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${500 * 1024 * 1024}\r\n\r\n`,
    `POST /v1/keys HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 100\r\n\r\n`,
    `GET /v1/workspaces HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${KEY}\r\nX-Chaser-Account: \r\n\r\n`,
  ]) tally("raw", await raw(port, bytes));
  for (let i = 0; i < 3; i++) {
    tally("endless chunked (auth)", await raw(port, `POST /v1/workspaces HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${KEY}\r\nTransfer-Encoding: chunked\r\n\r\n`, { stream: true }));
    tally("endless chunked (no auth)", await raw(port, `POST /v1/workspaces HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n`, { stream: true }));
    tally("endless chunked (control)", await raw(port, `PUT /_local/faults HTTP/1.1\r\nHost: ${host}\r\nX-Chaser-Local: 1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, { stream: true }));
  }
}

/** Bodies that are not JSON, not UTF-8, not objects, or nested deep, to every write endpoint. */
async function badBodies(c) {
  const { port, host, auth, json, tally, ctl, org, orgKey, memberKey, scoped, sa, writes } = c;
  // 1b. bodies: not JSON, not UTF-8, not objects, nested deep, to every write endpoint.
  const bodies = ["", "{", "[]", "[{}]", "null", "42", '"x"', "true", Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), `{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}`, `${'{"a":'.repeat(40)}1${"}".repeat(40)}`, JSON.stringify({ pad: "x".repeat(1100 * 1024) })];
  for (const [method, p] of writes) {
    const key = p.includes("accounts/current") ? orgKey : KEY;
    for (const body of bodies) tally(`${method} ${p} body`, await request(port, method, p, { headers: { ...json, authorization: `Bearer ${key}` }, body }));
  }
}

/** Fields of every write body replaced by values of the wrong type or size (seeded fuzz). */
async function fuzzedFields(c) {
  const { port, host, auth, json, tally, ctl, org, orgKey, memberKey, scoped, sa, writes } = c;
  // 1c. fields of every write body replaced by values of the wrong type or size (seeded fuzz).
  const fields = {
    "/v1/workspaces": { name: "w", session_type: "sandbox", image: "img:1", template: true, clone_from: "alpha" },
    "/v1/workspaces/import": { github_repo: "octo/app", name: "imp" },
    "/v1/workspaces/bulk-delete": { workspace_ids: ["gamma"], force: false },
    "/v1/workspaces/alpha/name": { name: "alpha" },
    "/v1/workspaces/alpha/template": { template: false },
    "/v1/workspaces/alpha/snapshots": { name: "s2", force: false },
    "/v1/workspaces/alpha/snapshots/s1/restore": { force: false },
    "/v1/keys": { name: "k", scopes: ["keys.read"] },
    "/v1/sessions": { workspace: "alpha", session_type: "sandbox", ephemeral: false, image: "i:1" },
    "/v1/accounts/organizations": { name: "Org" },
    "/v1/ssh-keys": { public_key: "ssh-ed25519 AAAA" },
    "/v1/accounts/current/members": { email: "a@b.co", role: "member" },
    "/v1/accounts/current/members/user_root": { role: "owner" },
    "/v1/accounts/current/service-accounts": { name: "svc" },
    [`/v1/accounts/current/service-accounts/${sa.id}/keys`]: { name: "k", scopes: ["keys.read"] },
  };
  const wrong = [null, 0, -1, 1.5, 1e308, "", " ", "yes", "true", "\u212Aey", "x".repeat(600), "x".repeat(70_000), [], [""], [null], [1, 2], {}, { a: 1 }, true, false, "../..", "%00", "a/b"];
  for (let i = 0; i < FUZZ; i++) {
    const [method, p] = pick(writes);
    const base = { ...fields[p] };
    for (const f of Object.keys(base)) if (rand() < 0.5) base[f] = pick(wrong);
    if (rand() < 0.2) base[`extra_${i}`] = pick(wrong);
    const key = pick(p.includes("accounts/current") ? [orgKey, memberKey] : [KEY, scoped.key]);
    tally(`${method} ${p} fuzz`, await request(port, method, p, { headers: { ...json, authorization: `Bearer ${key}` }, body: JSON.stringify(base) }));
  }
}

/** Path parameters of every route replaced by odd values (prototype names, escapes, blanks, long, unicode). */
async function oddPathParameters(c) {
  const { port, host, auth, json, tally, ctl, org, orgKey, memberKey, scoped, sa, writes } = c;
  // 1c'. path parameters of every route replaced by odd values (prototype names, escapes, blanks, long, unicode).
  const templates = [
    ["PUT", "/v1/workspaces/:p/name", { name: "n1" }], ["PUT", "/v1/workspaces/:p/template", { template: true }], ["DELETE", "/v1/workspaces/:p"],
    ["GET", "/v1/workspaces/:p/snapshots"], ["POST", "/v1/workspaces/:p/snapshots", { name: "sx" }], ["POST", "/v1/workspaces/alpha/snapshots/:p/restore", {}],
    ["DELETE", "/v1/workspaces/alpha/snapshots/:p"], ["DELETE", "/v1/keys/:p"], ["GET", "/v1/sessions/:p"], ["DELETE", "/v1/sessions/:p"],
    ["PATCH", "/v1/accounts/current/members/:p", { role: "admin" }], ["DELETE", "/v1/accounts/current/members/:p"],
    ["DELETE", "/v1/accounts/current/service-accounts/:p"], ["POST", "/v1/accounts/current/service-accounts/:p/keys", {}], ["DELETE", "/v1/ssh-keys/:p"],
  ];
  const params = ["__proto__", "toString", "constructor", "hasOwnProperty", "valueOf", "%20", "%00", "%2F", "%2e%2e", "..", "%25", "%E2%84%AA", "%C0%AF",
    "x".repeat(2000), "ALPHA", "00000000-0000-0000-0000-000000000000", "user_root", "key_root", "acct_personal_root", "%F0%9F%98%80", "a%2Fb", "%FF"];
  for (const [method, t, body] of templates) {
    for (const param of params) {
      const key = t.includes("accounts/current") ? pick([orgKey, memberKey]) : KEY;
      tally(`${method} ${t} ${param.slice(0, 20)}`, await request(port, method, t.replace(":p", param), { headers: { ...json, authorization: `Bearer ${key}` }, body: body === undefined ? undefined : JSON.stringify(body) }));
    }
  }
}

/** Keys and account headers; the controls without what their guard asks for, and bad control bodies. */
async function keysHeadersAndControls(c) {
  const { port, host, auth, json, tally, ctl, org, orgKey, memberKey, scoped, sa, writes } = c;
  // 1d. keys and account headers.
  for (const authz of ["", "Bearer", "Bearer ", `Basic ${KEY}`, "Bearer sk_nope", `Bearer ${"z".repeat(8000)}`, `Bearer ${KEY} extra`, `bearer ${KEY}`]) {
    tally("auth", await request(port, "GET", "/v1/workspaces", { headers: authz ? { authorization: authz } : {} }));
  }
  for (const account of [" ", "personal", "Acme", org.id, "acct_missing", "x".repeat(5000), "root"]) {
    tally("account", await request(port, "GET", "/v1/workspaces", { headers: { ...auth, "x-chaser-account": account } }));
  }

  // 1e. the controls without what their guard asks for; bad control bodies.
  for (const [headers, body] of [
    [{}, undefined], [{ "x-chaser-local": "0" }, undefined], [{ "x-chaser-local": "1", origin: "https://evil.example" }, undefined],
    [{ "x-chaser-local": "1", host: `evil.example:${port}` }, undefined], [{ "x-chaser-local": "1", "content-type": "text/plain" }, '{"rules":[]}'],
    [{ "x-chaser-local": "1", "sec-fetch-site": "cross-site" }, undefined],
  ]) tally("control guard", await request(port, body ? "PUT" : "GET", body ? "/_local/faults" : "/_local/counters", { headers, body }));
  for (const body of [{ rules: [null] }, { rules: [[]] }, { rules: [{ kind: "500", path: "(" }] }, { rules: "x" }, { latencyMs: -1 }, [], "x", { rules: [{ kind: "500", count: 1.5 }] }]) {
    tally("faults body", await ctl("PUT", "/faults", body));
  }
  for (const body of [{}, { name: "" }, { name: 5 }, { account: 5 }, { account: "nope" }, { email: "a@b.co" }, { role: "boss" }, { scopes: [null] }]) {
    tally("control body", await ctl("POST", "/keys", body));
    tally("control body", await ctl("POST", "/accounts", body));
  }
}

/**
 * Phase 1: requests no client should send, against a server holding a little of everything; every answer is
 * tallied by its status class (a 5xx or no answer is what the phase looks for).
 */
async function badInput() {
  const srv = await start([]);
  const port = srv.port;
  const host = `127.0.0.1:${port}`;
  const auth = { authorization: `Bearer ${KEY}` };
  const json = { ...auth, "content-type": "application/json" };
  const counts = { tried: 0, "2xx": 0, "4xx": 0, "5xx": 0, "no answer": 0 };
  const fiveXX = [];
  const tally = (label, r) => {
    counts.tried++;
    if (r.status === 0) counts["no answer"]++;
    else if (r.status < 400) counts["2xx"]++;
    else if (r.status < 500) counts["4xx"]++;
    else {
      counts["5xx"]++;
      if (fiveXX.length < 10) fiveXX.push(`${label}: ${r.status} ${String(r.body ?? r.text).slice(0, 200)}`);
    }
  };
  const ctl = (method, p, body, headers = {}) =>
    request(port, method, `/_local${p}`, { headers: { "x-chaser-local": "1", ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });

  // State to aim at: workspaces, a snapshot, a session, keys, an organization with members and a service account.
  for (const n of ["alpha", "beta", "gamma"]) await request(port, "POST", "/v1/workspaces", { headers: json, body: JSON.stringify({ name: n, session_type: "sandbox" }) });
  await request(port, "POST", "/v1/workspaces/alpha/snapshots", { headers: json, body: '{"name":"s1"}' });
  await request(port, "POST", "/v1/sessions", { headers: json, body: '{"workspace":"beta"}' });
  const org = JSON.parse((await request(port, "POST", "/v1/accounts/organizations", { headers: json, body: '{"name":"Acme"}' })).body);
  const orgKey = JSON.parse((await ctl("POST", "/keys", { account: org.id })).body).key;
  const memberKey = JSON.parse((await ctl("POST", "/keys", { account: org.id, role: "member" })).body).key;
  const scoped = JSON.parse((await request(port, "POST", "/v1/keys", { headers: json, body: '{"scopes":["keys.write"]}' })).body);
  const sa = JSON.parse((await request(port, "POST", "/v1/accounts/current/service-accounts", { headers: { ...json, authorization: `Bearer ${orgKey}` }, body: '{"name":"bot"}' })).body);
  const writes = [
    ["POST", "/v1/workspaces"], ["POST", "/v1/workspaces/import"], ["POST", "/v1/workspaces/bulk-delete"], ["PUT", "/v1/workspaces/alpha/name"],
    ["PUT", "/v1/workspaces/alpha/template"], ["POST", "/v1/workspaces/alpha/snapshots"], ["POST", "/v1/workspaces/alpha/snapshots/s1/restore"],
    ["POST", "/v1/keys"], ["POST", "/v1/sessions"], ["POST", "/v1/accounts/organizations"], ["POST", "/v1/ssh-keys"],
    ["POST", "/v1/accounts/current/members"], ["PATCH", "/v1/accounts/current/members/user_root"], ["POST", "/v1/accounts/current/service-accounts"],
    ["POST", `/v1/accounts/current/service-accounts/${sa.id}/keys`],
  ];
  const c = { port, host, auth, json, tally, ctl, org, orgKey, memberKey, scoped, sa, writes };
  for (const phase of [rawRequests, badBodies, fuzzedFields, oddPathParameters, keysHeadersAndControls]) await phase(c);
  await ctl("PUT", "/faults", { rules: [] });
  await kill9(srv);
  return { counts, fiveXX };
}

// ---- phase 2: kill -9 ------------------------------------------------------------------------------------------
async function killTrials() {
  let acked = 0;
  let lost = 0;
  for (let t = 0; t < TRIALS; t++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-adv-kill-"));
    const a = await start(["--data", dir]);
    const names = [];
    let next = 0;
    let dead = false;
    const killAt = 150 + Math.floor(rand() * 600);
    setTimeout(() => {
      dead = true;
      a.child.kill("SIGKILL");
    }, killAt);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (!dead) {
          const i = next++;
          const kind = i % 3;
          const name = `k${t}-${i}`;
          const r =
            kind === 2 && names.length > 0
              ? await request(a.port, "POST", `/v1/workspaces/${names[names.length - 1]}/snapshots`, { headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ name: `s${i}` }) })
              : await request(a.port, "POST", "/v1/workspaces", { headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ name, session_type: "browser" }) });
          if (r.status === 201 && kind !== 2) names.push(name);
        }
      }),
    );
    await a.exited;
    const b = await start(["--data", dir]);
    const have = new Set(JSON.parse((await request(b.port, "GET", "/v1/workspaces", { headers: { authorization: `Bearer ${KEY}` } })).body).map((w) => w.name));
    acked += names.length;
    lost += names.filter((n) => !have.has(n)).length;
    await kill9(b);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { acked, lost };
}

// ---- phase 3: disk full ----------------------------------------------------------------------------------------
function canMountTmpfs() {
  if (process.env.DISK === "rlimit") return false;
  if (process.platform !== "linux" || process.getuid?.() !== 0) return false;
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-adv-probe-"));
  const ok = spawnSync("mount", ["-t", "tmpfs", "-o", "size=96k", "tmpfs", d]).status === 0;
  if (ok) spawnSync("umount", [d]);
  fs.rmdirSync(d);
  return ok;
}

async function diskFullTrials() {
  const tmpfs = canMountTmpfs();
  let acked = 0;
  let refused = 0;
  let lost = 0;
  let halfApplied = 0;
  const otherFailures = [];
  for (let t = 0; t < TRIALS; t++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "chaser-adv-full-"));
    if (tmpfs) spawnSync("mount", ["-t", "tmpfs", "-o", `size=${96 + 8 * t}k`, "tmpfs", dir]);
    const a = tmpfs
      ? await start(["--data", dir])
      : await start([], { shell: `trap '' XFSZ; ulimit -f ${96 + 16 * t}; exec "${process.execPath}" "${BIN}" --port 0 --root-key ${KEY} --data "${dir}"` });
    const ok = [];
    const no = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (no.length < 12 && next < 5000) {
          const name = `f${t}-${next++}`;
          const r = await request(a.port, "POST", "/v1/workspaces", { headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" }, body: JSON.stringify({ name, session_type: "sandbox", image: `ghcr.io/acme/dev:${name}` }) });
          if (r.status === 201) ok.push(name);
          else if (r.status === 503 && /storage_unavailable/.test(r.body)) no.push(name);
          else otherFailures.push(`${r.status} ${String(r.body).slice(0, 120)}`);
        }
      }),
    );
    await kill9(a);
    // On the tmpfs the disk is still full: the restart must work on it. With RLIMIT_FSIZE the limit is gone.
    const b = await start(["--data", dir]);
    const have = new Set(JSON.parse((await request(b.port, "GET", "/v1/workspaces", { headers: { authorization: `Bearer ${KEY}` } })).body).map((w) => w.name));
    acked += ok.length;
    refused += no.length;
    lost += ok.filter((n) => !have.has(n)).length;
    halfApplied += no.filter((n) => have.has(n)).length;
    await kill9(b);
    if (tmpfs) spawnSync("umount", [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { how: tmpfs ? "a full tmpfs (ENOSPC)" : "RLIMIT_FSIZE (EFBIG)", acked, refused, lost, halfApplied, otherFailures };
}

// ---- phase 4: memory -------------------------------------------------------------------------------------------
async function memory() {
  const srv = await start([]);
  const port = srv.port;
  const auth = { authorization: `Bearer ${KEY}` };
  // Warm up with the same shapes of request, so the first measure includes what any server has after a few requests.
  for (let i = 0; i < (SMOKE ? 200 : 2000); i++) await request(port, "GET", `/v1/workspaces/warm-${i}/snapshots`, { headers: auth });
  const before = rssKb(srv.child.pid);
  const status = { "4xx": 0, "5xx": 0, other: 0 };
  let next = 0;
  const samples = [];
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        if (i > 0 && i % (REQUESTS / 4) === 0) samples.push(`${i / 1000}k: ${(rssKb(srv.child.pid) / 1024).toFixed(1)}`);
        const uniq = `${i}-${crypto.randomBytes(6).toString("hex")}`;
        const kind = i % 4;
        const r =
          kind === 0 ? await request(port, "GET", `/v1/workspaces/ws-${uniq}/snapshots?q=${uniq}`, { headers: auth })
          : kind === 1 ? await request(port, "GET", `/v1/no/such/${uniq}/${"p".repeat(200)}`, { headers: auth })
          : kind === 2 ? await request(port, "DELETE", `/v1/keys/key_${uniq}`, { headers: auth })
          : await request(port, "GET", `/v1/workspaces/${uniq}/snapshots`, {});
        if (r.status >= 500) status["5xx"]++;
        else if (r.status >= 400) status["4xx"]++;
        else status.other++;
      }
    }),
  );
  const seconds = (Date.now() - t0) / 1000;
  global.gc?.();
  await new Promise((r) => setTimeout(r, 500));
  const after = rssKb(srv.child.pid);
  const counters = Object.keys(JSON.parse((await request(port, "GET", "/_local/counters", { headers: { "x-chaser-local": "1" } })).body)).length;
  const logged = JSON.parse((await request(port, "GET", "/_local/requests", { headers: { "x-chaser-local": "1" } })).body).requests.length;
  await kill9(srv);
  return { before, after, seconds, status, counters, logged, samples };
}

(async () => {
  const t0 = Date.now();
  const bad = await badInput();
  const kills = await killTrials();
  const full = await diskFullTrials();
  const mem = await memory();
  agent.destroy();
  const c = bad.counts;
  const tried = c.tried + REQUESTS;
  const fourXX = c["4xx"] + mem.status["4xx"];
  const fiveXX = c["5xx"] + mem.status["5xx"];
  console.log(`chaser-local adversarial run (seed ${process.env.SEED ?? 20261123}, ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  console.log(`bad input:       ${c.tried} requests: ${c["2xx"]} 2xx, ${c["4xx"]} 4xx, ${c["5xx"]} 5xx, ${c["no answer"]} without an answer`);
  for (const l of bad.fiveXX) console.log(`  5xx: ${l}`);
  console.log(`load:            ${REQUESTS} requests with distinct paths in ${mem.seconds.toFixed(1)} s: ${mem.status["4xx"]} 4xx, ${mem.status["5xx"]} 5xx`);
  console.log(`requests tried:  ${tried}; 4xx: ${fourXX}; 5xx: ${fiveXX} (must be 0)`);
  console.log(`kill -9:         ${TRIALS} trials, ${kills.acked} acknowledged writes, ${kills.lost} lost (must be 0)`);
  console.log(`disk full:       ${TRIALS} trials on ${full.how}: ${full.acked} acknowledged, ${full.refused} refused with 503 storage_unavailable; ${full.lost} acknowledged lost (must be 0), ${full.halfApplied} refused but present (must be 0), ${full.otherFailures.length} other failures`);
  for (const l of full.otherFailures.slice(0, 5)) console.log(`  other: ${l}`);
  console.log(`acknowledged writes lost: ${kills.lost + full.lost} across ${TRIALS} kill -9 and ${TRIALS} disk-full trials (must be 0)`);
  console.log(`memory:          RSS ${(mem.before / 1024).toFixed(1)} MiB before, ${(mem.after / 1024).toFixed(1)} MiB after ${REQUESTS} requests with distinct paths (MiB along the way: ${mem.samples.join(", ")}); counters ${mem.counters} keys, request log ${mem.logged} entries`);
  const bad5xx = fiveXX > 0 || kills.lost + full.lost + full.halfApplied > 0 || full.otherFailures.length > 0;
  process.exit(bad5xx ? 1 : 0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
