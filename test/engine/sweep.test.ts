/**
 * chaser-sweep through the real engine: three per-PR stacks of one project (pr-1 open; pr-2 closed, whose destroy
 * failed earlier because a session was attached; pr-3 open but past its `chaser:expires` tag) and two stacks that
 * are not per-PR ones (with an expired tag, to show that the name alone decides). One sweep removes exactly pr-2
 * and pr-3, whose workspaces are gone from chaser-local; a second sweep changes nothing.
 */
import { Local, writesTo } from "../support/local";
import { HEADER, expectOk, projectFor } from "./support/stack";

jest.setTimeout(600_000);

const local = Local.forSuite();

test("one sweep removes the closed and the expired per-PR stacks and nothing else; a second sweep changes nothing", async () => {
  const p = await projectFor(local, "sweep"); // its stack "test" is not a per-PR stack
  p.program(`${HEADER}new chaser.Workspace("ws", { name: \`\${pulumi.getStack()}-ws\`, sessionType: "browser" });\n`);
  const past = "2026-01-01T00:00:00Z";
  const future = new Date(Date.now() + 7 * 86_400_000).toISOString();
  for (const [stack, expires] of [["pr-1", future], ["pr-2", future], ["pr-3", past]]) {
    await p.ok(["stack", "init", stack]);
    await p.ok(["config", "set", "--stack", stack, "chaser:apiUrl", local.url]);
    await p.ok(["config", "set", "--stack", stack, "--secret", "chaser:apiKey", local.rootKey]);
    await p.ok(["stack", "tag", "set", "--stack", stack, "chaser:expires", expires]);
    expectOk(await p.up(["--stack", stack]));
  }
  await p.ok(["stack", "init", "pr-9-notes"]);
  for (const stack of ["test", "pr-9-notes"]) await p.ok(["stack", "tag", "set", "--stack", stack, "chaser:expires", past]);
  const stacks = async () => (JSON.parse((await p.ok(["stack", "ls", "--json"])).stdout) as Array<{ name: string }>).map((s) => s.name).sort();
  const workspaces = async () => (await local.workspaces()).map((w) => w.name).sort();

  // pr-2's pull request closed, but its destroy failed: a session was attached to its workspace.
  const session = await local.api<{ id: string }>("POST", "/v1/sessions", { workspace: "pr-2-ws" });
  expect(session.status).toBeLessThan(300);
  const failed = await p.destroy(["--stack", "pr-2"]);
  expect(failed.code).not.toBe(0);
  expect(await local.api("DELETE", `/v1/sessions/${session.body.id}`)).toMatchObject({ status: 204 });
  expect(await workspaces()).toEqual(["pr-1-ws", "pr-2-ws", "pr-3-ws"]);

  await local.clearRequests();
  const first = await p.bin("chaser-sweep", ["--open-command", "printf '1\\n3\\n'"]);
  expect(first.code).toBe(0);
  expect(first.stdout.trim().split("\n")).toEqual([
    `kept pr-1: pull request #1 is open, expires at ${future}`,
    "removed pr-2: pull request #2 is closed; its resources destroyed and the stack removed",
    `removed pr-3: expired at ${past}; its resources destroyed and the stack removed`,
    "chaser-sweep: removed 2 stacks, kept 1 stack",
  ]);
  expect(await stacks()).toEqual(["pr-1", "pr-9-notes", "test"]);
  expect(await workspaces()).toEqual(["pr-1-ws"]);
  expect((await writesTo(local)).sort()).toEqual([expect.stringMatching(/^DELETE \/v1\/workspaces\//), expect.stringMatching(/^DELETE \/v1\/workspaces\//)]);

  await local.clearRequests();
  const second = await p.bin("chaser-sweep", ["--open", "1,3"]);
  expect(second.code).toBe(0);
  expect(second.stdout.trim().split("\n")).toEqual([`kept pr-1: pull request #1 is open, expires at ${future}`, "chaser-sweep: removed 0 stacks, kept 1 stack"]);
  expect(await stacks()).toEqual(["pr-1", "pr-9-notes", "test"]);
  expect(await writesTo(local)).toEqual([]);

  expectOk(await p.destroy(["--stack", "pr-1"]));
});
