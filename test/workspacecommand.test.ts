/**
 * WorkspaceCommand's hooks against chaser-local (no engine): exactly once through lost answers and 5xx, a retry
 * of the same run and chaser-recover's lookup reconcile to the same job, a failed attempt runs again on the next
 * up, update and delete keys, the session ended after the command, and the failure message.
 */
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

test("chaser-recover finds the job of an interrupted create by its inputs and runs nothing again; a new resource (new run id) is another run", async () => {
  await box();
  const inputs = await checked({ workspace: "box", create: "seed" });
  const made = await cmd.create(inputs);
  const found = await cmd.recover(inputs, { keep: new Set() });
  expect(found).toMatchObject({ kind: "found", id: made.id });
  expect((await history()).map((c) => c.command)).toEqual(["seed"]);
  // a new resource with the same inputs gets a run id of its own: it runs
  const again = await checked({ workspace: "box", create: "seed" });
  expect(again.__run).not.toBe(inputs.__run);
  // a resource in state keeps its run id across checks
  expect((await checked({ workspace: "box", create: "seed" }, inputs)).__run).toBe(inputs.__run);
  await cmd.create(again);
  expect((await history()).map((c) => c.command)).toEqual(["seed", "seed"]);
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
