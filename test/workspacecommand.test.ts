/**
 * WorkspaceCommand's hooks against chaser-local (no engine): exactly once through lost answers and 5xx, a retry
 * of the same run and chaser-recover's lookup reconcile to the same job, a failed attempt runs again on the next
 * up, update and delete keys, the session ended after the command, and the failure message.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as settings from "../provider/settings";
import * as cmd from "../provider/resources/workspacecommand";
import { Local } from "./support/local";

const local = Local.forSuite();

beforeEach(() => {
  const cfg: Record<string, string | undefined> = { "chaser:apiKey": local.rootKey, "chaser:apiUrl": local.url };
  settings.configure({ get: (k) => cfg[k] });
});
afterAll(() => settings.resetSettings());

type Cmd = { command: string; job_id: string };
const history = async () => (await local.control<{ commands: Cmd[] }>("GET", "/commands")).commands;
const box = () => local.api("POST", "/v1/workspaces", { name: "box", session_type: "sandbox" });
let plans = 0;
/** Runs `fn` as in the update chaser-recover runs with this plan (provider/recovery.ts). */
async function withPlan<T>(plan: { since: string; resources: Record<string, string | null> }, fn: () => Promise<T>): Promise<T> {
  const file = path.join(os.tmpdir(), `chaser-recover-plan-${process.pid}-${++plans}.json`);
  fs.writeFileSync(file, JSON.stringify(plan));
  process.env.CHASER_RECOVER_FILE = file;
  try {
    return await fn();
  } finally {
    delete process.env.CHASER_RECOVER_FILE;
    fs.rmSync(file, { force: true });
  }
}
const checked = async (news: Record<string, unknown>, olds: Record<string, unknown> = {}) => {
  const r = await cmd.check(olds, { __logicalName: "c", ...news });
  expect(r.failures).toEqual([]);
  return r.inputs;
};

test("a lost answer, then 5xx and a 429 on the job: the command runs once, and the session it attached is ended", async () => {
  await box();
  const inputs = await checked({ workspace: "box", create: "make all" });
  await local.faults([
    { kind: "drop", method: "POST", path: "^/v1/jobs$", count: 1 },
    { kind: "503", method: "POST", path: "^/v1/jobs$", count: 1 },
    { kind: "429", method: "POST", path: "^/v1/jobs$", count: 1, retryAfter: 0 },
  ]);
  const made = await cmd.create(inputs);
  await local.faults([]);
  expect((await history()).map((c) => c.command)).toEqual(["make all"]);
  expect(made.outs).toMatchObject({ exitCode: 0, output: "", outputTruncated: false });
  expect(made.id).toBe((await history())[0].job_id);
  expect((await local.workspaces())[0].active_session_id).toBeNull();
});

test("chaser-recover finds the job of an interrupted create by its derived key and runs nothing again; a later lifetime of the same resource is another run", async () => {
  await box();
  const began = new Date(Date.now() - 1_000).toISOString();
  const inputs = await checked({ workspace: "box", create: "seed" });
  // The run id derives from the resource (its URN, else its type and name): a preview knows it.
  expect(inputs.__run).toBe((await checked({ workspace: "box", create: "seed" })).__run);
  const made = await cmd.create(inputs);
  // chaser-recover is another process: the job made since the interrupted update began is that update's.
  cmd.forgetSentKeys();
  const found = await cmd.recover(inputs, { keep: new Set(), since: began });
  expect(found).toMatchObject({ kind: "found", id: made.id });
  expect((await history()).map((c) => c.command)).toEqual(["seed"]);
  // a resource in state keeps its run id across checks (state written by earlier releases: a random one)
  expect((await checked({ workspace: "box", create: "seed" }, { ...inputs, __run: "5b0c1c2e-0d1a-4f5e-9a7b-123456789abc" })).__run).toBe("5b0c1c2e-0d1a-4f5e-9a7b-123456789abc");
  // the same resource created again later (destroyed meanwhile), in a new process: the earlier job is an earlier
  // lifetime's, so it runs (the next key of its chain); so does the one after it
  cmd.forgetSentKeys();
  const second = await cmd.create(inputs);
  expect(second.id).not.toBe(made.id);
  cmd.forgetSentKeys();
  await cmd.create(inputs);
  expect((await history()).map((c) => c.command)).toEqual(["seed", "seed", "seed"]);
});

test("in the update chaser-recover runs, a create takes over the job the interrupted update made since it began; an older one is another run's", async () => {
  await box();
  const began = new Date(Date.now() - 1_000).toISOString();
  const urn = "urn:pulumi:t::p::chaser:index:WorkspaceCommand::c";
  const inputs = await checked({ workspace: "box", create: "migrate", __urn: urn });
  const first = await cmd.create(inputs); // the interrupted update's run
  cmd.forgetSentKeys();
  const taken = await withPlan({ since: began, resources: { [urn]: null } }, () => cmd.create(inputs));
  expect(taken.id).toBe(first.id);
  expect((await history()).map((c) => c.command)).toEqual(["migrate"]);
  // a plan whose update began after that job: it was an earlier run's, so this one runs the command
  cmd.forgetSentKeys();
  const later = await withPlan({ since: new Date(Date.now() + 1_000).toISOString(), resources: { [urn]: null } }, () => cmd.create(inputs));
  expect(later.id).not.toBe(first.id);
  expect((await history()).map((c) => c.command)).toEqual(["migrate", "migrate"]);
});

test("a failing command fails with its exit code and output tail (environment values and stdin blotted out); recover finds nothing; the same run tried again runs it again", async () => {
  await box();
  await local.control("PUT", "/exec-scripts", { rules: [{ pattern: "^deploy$", exitCode: 3, output: "step 1\nusing {{env.TOKEN}} and {{stdin}}\nerror: boom\n", count: 1 }] });
  const inputs = await checked({ workspace: "box", create: "deploy", environment: { TOKEN: "tok-very-secret" }, stdin: "stdin-very-secret" });
  const err = await cmd.create(inputs).catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  const message = (err as Error).message;
  expect(message).toMatch(/the create command `deploy` in workspace 'box' exited with code 3 \(job job_[^)]+\); nothing was recorded as done, and the next up runs it again; the last lines of its output:\nstep 1\nusing \[secret\] and \[secret\]\nerror: boom$/);
  expect(message).not.toContain("very-secret");
  expect(await cmd.recover(inputs, { keep: new Set() })).toEqual({ kind: "absent" });
  expect((await local.workspaces())[0].active_session_id).toBeNull();
  // a later process (a new up after a killed one) with the same run id: the failed job was an earlier attempt
  cmd.forgetSentKeys();
  const ok = await cmd.create(inputs);
  expect(ok.outs.exitCode).toBe(0);
  expect((await history()).map((c) => c.command)).toEqual(["deploy", "deploy"]);
});

test("update runs `update` once per change (the same change again is reconciled); delete runs `delete`; a browser workspace fails at check with no write", async () => {
  await box();
  const inputs = await checked({ workspace: "box", create: "install", update: "upgrade v1", delete: "uninstall" });
  const made = await cmd.create(inputs);
  const olds = { ...inputs, ...made.outs };
  const news = await checked({ workspace: "box", create: "install", update: "upgrade v2", delete: "uninstall" }, olds);
  const d = await cmd.diff(made.id, olds, news);
  expect(d).toMatchObject({ changes: true, replaces: [] });
  const u = await cmd.update(made.id, olds, news);
  expect((await history()).map((c) => c.command)).toEqual(["install", "upgrade v2"]);
  // the same transition sent again (a later process after a kill) is the job already run
  cmd.forgetSentKeys();
  await cmd.update(made.id, olds, news);
  expect((await history()).map((c) => c.command)).toEqual(["install", "upgrade v2"]);
  await cmd.remove(made.id, { ...news, ...u.outs });
  expect((await history()).map((c) => c.command)).toEqual(["install", "upgrade v2", "uninstall"]);
  await local.api("POST", "/v1/workspaces", { name: "web", session_type: "browser" });
  await local.clearRequests();
  const bad = await cmd.check({}, { __logicalName: "b", workspace: "web", create: "ls" });
  expect(bad.failures).toEqual([{ property: "workspace", reason: "workspace: 'web' is a browser workspace; commands run only in sandboxes (session type 'sandbox')" }]);
  expect((await local.requests()).filter((r) => r.method !== "GET")).toEqual([]);
});
