/**
 * chaser-preview-summary on real `pulumi preview --json` output of the engine (test/preview-summary/fixtures,
 * recorded by test/preview-summary/record.js from program.js): create, update, replace (both orders), drift seen by
 * --refresh, delete, an error, and the streaming event form; then the command line itself.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Io, notesFor, parsePreview, render, run, summarize, UNKNOWN } from "../cli/preview-summary";

const FIXTURES = path.join(__dirname, "preview-summary", "fixtures");
const REPO = path.resolve(__dirname, "..");
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), "utf8");
const summaryOf = (name: string) => summarize(parsePreview(fixture(name)));
const markdownOf = (name: string) => render(summaryOf(name));
/** The changes as "op name: property before → after" lines, sorted (independent resources come in any order). */
const changeLines = (name: string) =>
  summaryOf(name)
    .changes.map((c) => `${c.op} ${c.name}${c.deleteFirst === undefined ? "" : c.deleteFirst ? " (delete first)" : " (create first)"}: ${c.properties.map((p) => `${p.property}${p.replaces ? "!" : ""}`).join(",")}`)
    .sort();

function fakeIo(stdin: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    readStdin: () => stdin,
    readFile: (p) => fs.readFileSync(p, "utf8"),
    out: (s) => void out.push(s),
    err: (s) => void err.push(s),
  };
  return { io, out: () => out.join(""), err: () => err.join("") };
}

describe("real preview output of the engine", () => {
  test("create: every resource with the inputs it is created with; unknown values known after apply", () => {
    expect(changeLines("create.json")).toEqual([
      "create baseline: name,restoreTrigger,workspace",
      "create ci: name,scopes",
      "create dev: cloneFrom,name",
      "create golden: image,name,sessionType,template",
      "create scratch: name,sessionType",
    ]);
    const s = summaryOf("create.json");
    expect(s).toMatchObject({ project: "fixtures", stack: "fixtures", unchanged: 0, errors: [] });
    expect(s.counts).toMatchObject({ create: 5, update: 0, replace: 0, delete: 0 });
    const md = markdownOf("create.json");
    expect(md.split("\n").slice(0, 4)).toEqual([
      "<!-- chaser-preview-summary project=fixtures stack=fixtures -->",
      "### Pulumi preview (stack `fixtures`, project `fixtures`)",
      "",
      "**5 to create**",
    ]);
    expect(md).toContain("| 🟢 | `dev` | chaser:Workspace | create | cloneFrom, name |");
    expect(md).toContain("| cloneFrom | _(known after apply)_ |");
    expect(md).toContain('| scopes | `["sessions.read"]` |');
    // The dynamic provider's own inputs (its serialized code, naming bookkeeping) are never shown.
    expect(md).not.toMatch(/__provider|__autoNamed|__logicalName|exports\.handler/);
    expect(md).not.toContain(UNKNOWN);
  });

  test("update: in-place changes with their values before and after (the provider reports no diff keys)", () => {
    expect(changeLines("update.json")).toEqual(["update baseline: restoreTrigger", "update scratch: name"]);
    expect(markdownOf("update.json")).toBe(
      [
        "<!-- chaser-preview-summary project=fixtures stack=fixtures -->",
        "### Pulumi preview (stack `fixtures`, project `fixtures`)",
        "",
        "**2 to update** · 3 unchanged",
        "",
        "| | Resource | Type | Operation | Properties |",
        "| --- | --- | --- | --- | --- |",
        "| 🟡 | `scratch` | chaser:Workspace | update | name |",
        "| 🟡 | `baseline` | chaser:Snapshot | update | restoreTrigger |",
        "",
        // The restore is data lost, in the provider's words (beside the snapshot in the preview).
        "> [!CAUTION]",
        "> **Data on workspace disks is lost:**",
        "> - `baseline` (chaser:Snapshot) – will roll back workspace 'fx-dev' to snapshot 'baseline': the changes on its disk since the snapshot are lost",
        "",
        "<details><summary>Property changes by resource</summary>",
        "",
        "#### 🟡 `scratch` (chaser:Workspace): update",
        "",
        "| Property | Before | After |",
        "| --- | --- | --- |",
        "| name | `fx-scratch` | `fx-scratch-2` |",
        "",
        "#### 🟡 `baseline` (chaser:Snapshot): update",
        "",
        "| Property | Before | After |",
        "| --- | --- | --- |",
        "| restoreTrigger | `0` | `1` |",
        "",
        "</details>",
        "",
      ].join("\n"),
    );
  });

  test("replace: the replacing property called out, and which side goes first", () => {
    expect(changeLines("replace.json")).toEqual(["replace ci (create first): scopes!", "replace scratch (delete first): sessionType!"]);
    const md = markdownOf("replace.json");
    expect(md).toContain("**2 to replace** · 3 unchanged");
    expect(md).toContain("| 🟠 | `ci` | chaser:ApiKey | **replace** (create first) | **scopes** (replaces) |");
    expect(md).toContain("| 🟠 | `scratch` | chaser:Workspace | **replace** (delete first) | **sessionType** (replaces) |");
    expect(md).toContain("| sessionType | `browser` | `sandbox` | **forces replacement** |");
    expect(md).toMatch(/> \[!WARNING\]\n> 2 resources are \*\*replaced\*\*: `(ci|scratch)`, `(ci|scratch)`/);
  });

  test("a template replaced loses its own disk; its clone keeps its disk (an update); an adoption instead of a create", () => {
    expect(changeLines("keep-adopt.json")).toEqual(["create legacy: adoptExisting,name,sessionType", "replace golden (delete first): image!", "update dev: cloneFrom"]);
    const md = markdownOf("keep-adopt.json");
    expect(md).toContain("| 🟢 | `legacy` | chaser:Workspace | **adopt** (no create) | adoptExisting, name, sessionType |");
    expect(md).toContain("> - `golden` (chaser:Template) is replaced because image changes (fixed at creation): its disk and its snapshots are deleted");
    expect(md).toMatch(/> \[!NOTE\]\n> \*\*From the provider:\*\*\n/);
    expect(md).toMatch(/> - `legacy` \(chaser:Workspace\) – will adopt the existing workspace 'fx-legacy' \(id [0-9a-f-]{36}\) instead of creating one\n/);
    // Said twice by the engine (diff asked twice), shown once.
    expect(md.match(/> - `dev` \(chaser:Workspace\) – cloneFrom changes from '[0-9a-f-]{36}' to a value known only after apply: the workspace keeps its disk and is not cloned again/g)).toHaveLength(1);
    expect(md).not.toMatch(/`dev` \(chaser:Workspace\) is (replaced|deleted)/);
    // The streaming form carries the same notes.
    const notes = (s: ReturnType<typeof summaryOf>) => notesFor(s).map((n) => `${n.kind} ${n.name}: ${n.text}`).sort();
    expect(notes(summaryOf("keep-adopt.events.jsonl"))).toEqual(notes(summaryOf("keep-adopt.json")));
    expect(notes(summaryOf("keep-adopt.json"))).toHaveLength(3);
  });

  test("the streaming event form gives the same summary as the JSON document", () => {
    const fromEvents = summarize(parsePreview(fixture("replace.events.jsonl")));
    const fromDigest = summaryOf("replace.json");
    const sorted = (s: typeof fromDigest) => [...s.changes].sort((a, b) => a.name.localeCompare(b.name));
    expect(sorted(fromEvents)).toEqual(sorted(fromDigest));
    expect(fromEvents.counts).toEqual(fromDigest.counts);
    expect(fromEvents.unchanged).toBe(fromDigest.unchanged);
  });

  test("drift (--refresh): the refresh steps are not changes; the update shows what the API holds now", () => {
    expect(changeLines("drift.json")).toEqual(["update scratch: name"]);
    expect(markdownOf("drift.json")).toContain("| name | `renamed-by-hand` | `fx-scratch-2` |");
  });

  test("drift explained (issue 21): who changed what and when, in its own section and as --drift lines; the audit.read hint", () => {
    // drift.json as the provider now answers its refresh: the messages beside the drifted resources (provider/drift.ts)
    const doc = JSON.parse(fixture("drift.json"));
    const urn = (t: string, n: string) => `urn:pulumi:fixtures::fixtures::pulumi-nodejs:dynamic/chaser:${t}::${n}`;
    const renamed = "changed outside Pulumi: renamed from 'fx-scratch-2' to 'renamed-by-hand' by alice@acme.dev (user, key sk_ab12…) at 2026-12-01 14:03 UTC";
    const revoked = "deleted outside Pulumi: revoked by deployer (service account, key sk_cd34…) at 2026-12-01 14:05 UTC";
    doc.diagnostics = [
      { urn: urn("Workspace", "scratch"), severity: "info", message: renamed },
      { urn: urn("Workspace", "scratch"), severity: "info", message: renamed }, // said twice: told once
      { urn: urn("ApiKey", "ci"), severity: "info", message: revoked },
    ];
    const md = render(summarize(parsePreview(JSON.stringify(doc))));
    expect(md).toContain(
      [
        "> [!IMPORTANT]",
        "> **Changed outside Pulumi** (found by the refresh; the account's audit log says who and when):",
        "> - `scratch` (chaser:Workspace) changed: renamed from 'fx-scratch-2' to 'renamed-by-hand' by alice@acme.dev (user, key sk_ab12…) at 2026-12-01 14:03 UTC",
        "> - `ci` (chaser:ApiKey) deleted: revoked by deployer (service account, key sk_cd34…) at 2026-12-01 14:05 UTC",
        "",
      ].join("\n"),
    );
    expect(md).not.toContain("**From the provider:**"); // not told twice
    const cli = fakeIo(JSON.stringify(doc));
    expect(run(["--drift"], cli.io)).toBe(0);
    expect(cli.out()).toBe(
      "scratch (chaser:Workspace) changed outside Pulumi: renamed from 'fx-scratch-2' to 'renamed-by-hand' by alice@acme.dev (user, key sk_ab12…) at 2026-12-01 14:03 UTC\n" +
        "ci (chaser:ApiKey) deleted outside Pulumi: revoked by deployer (service account, key sk_cd34…) at 2026-12-01 14:05 UTC\n",
    );
    // A key without audit.read: the hint instead of names
    doc.diagnostics = [{ urn: urn("Workspace", "scratch"), severity: "warning", message: "changed outside Pulumi (name 'fx-scratch-2' → 'renamed-by-hand'); the key used cannot read the audit log, which would tell who made this change and when: give it the scope 'audit.read' (or use a key without scopes)" }];
    const hinted = render(summarize(parsePreview(JSON.stringify(doc))));
    expect(hinted).toContain("> - Who changed what is unknown: the key used cannot read the audit log, which would tell who made this change and when: give it the scope 'audit.read' (or use a key without scopes)");
    // Without drift messages: no section, no lines
    expect(markdownOf("drift.json")).not.toContain("Changed outside Pulumi");
    const none = fakeIo(fixture("drift.json"));
    expect([run(["--drift"], none.io), none.out()]).toEqual([0, ""]);
  });

  test("delete: the resource and what it held", () => {
    expect(changeLines("delete.json")).toEqual(["delete scratch: name,sessionType"]);
    const md = markdownOf("delete.json");
    expect(md).toContain("**1 to delete** · 4 unchanged");
    expect(md).toContain("| 🔴 | `scratch` | chaser:Workspace | delete | – |");
    expect(md).toContain("| name | `fx-scratch-2` |");
  });

  test("error: the preview failed, said first, with the resource and the engine's message", () => {
    const s = summaryOf("error.json");
    expect(s.changes).toEqual([]);
    expect(s.errors).toHaveLength(1);
    const md = markdownOf("error.json");
    const lines = md.split("\n");
    expect(lines[3]).toBe("**❌ The preview failed** with an error: nothing was changed, and the changes below may be incomplete.");
    expect(md).toContain("`ci` (chaser:ApiKey):\n\n```text\npulumi-nodejs:dynamic/chaser:ApiKey resource 'ci': property scopes value");
    expect(md).toContain("scopes[2]: must be one of: sessions.read");
    expect(md).toContain("_No changes were computed before the preview stopped._");
    expect(md).not.toContain("**No changes.**");
  });
});

describe("rendering", () => {
  const digest = (steps: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ steps, changeSummary: { same: 1 }, ...extra });
  const urn = (type: string, name: string) => `urn:pulumi:prod::app::${type}::${name}`;

  test("values: pipes, backticks, line breaks, secrets, long values and partly unknown objects stay inside their cell", () => {
    const md = render(
      summarize(
        parsePreview(
          digest([
            {
              op: "update",
              urn: urn("pulumi-nodejs:dynamic/chaser:Workspace", "w"),
              oldState: { type: "pulumi-nodejs:dynamic/chaser:Workspace", inputs: { a: "x|y", b: "has `tick`", c: "two\nlines", d: "[secret]", e: "z".repeat(200), f: { k: "v" } } },
              newState: { type: "pulumi-nodejs:dynamic/chaser:Workspace", inputs: { a: "x|z", b: "`start", c: "one", d: "[secret]", e: "y", f: { k: UNKNOWN } } },
            },
          ]),
        ),
      ),
    );
    // Each property row keeps its three cells: no unescaped pipe inside a value.
    const rows = md.split("\n").filter((l) => /^\| [a-f] \|/.test(l));
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row.match(/(?<!\\)\|/g)).toHaveLength(4);
    expect(md).toContain("| a | `x\\|y` | `x\\|z` |");
    expect(md).toContain("| b | `` has `tick` `` | `` `start `` |");
    expect(md).toContain("| c | `two⏎lines` | `one` |");
    expect(md).toContain(`| e | \`${"z".repeat(79)}…\` | \`y\` |`);
    expect(md).toContain("| f | `{\"k\":\"v\"}` | _(partly known after apply)_ |");
    // d changed neither way ([secret] both): not listed.
    expect(md).not.toContain("| d |");
  });

  test("detailedDiff and diffs from providers that report them are used, -replace kinds mark replacements", () => {
    const s = summarize(
      parsePreview(
        digest([
          { op: "replace", urn: urn("aws:s3/bucket:Bucket", "b"), detailedDiff: { "tags.env": { kind: "update" }, bucket: { kind: "update-replace" } }, oldState: { inputs: {} }, newState: { inputs: {} } },
          { op: "update", urn: urn("aws:s3/bucket:Bucket", "c"), diffs: ["acl"], oldState: { inputs: { acl: "private", x: 1 } }, newState: { inputs: { acl: "public", x: 2 } } },
          { op: "delete-replaced", urn: urn("chaser:x:Y", "orphan") },
          { op: "same", urn: urn("chaser:x:Y", "kept") },
          { op: "create", urn: urn("pulumi:providers:aws", "default") },
        ]),
      ),
    );
    expect(s.changes.map((c) => [c.op, c.name, c.properties.map((p) => `${p.property}${p.replaces ? "!" : ""}`)])).toEqual([
      ["update", "c", ["acl"]],
      ["replace", "b", ["bucket!", "tags"]],
      // deleted for a dependency's replacement and not recreated: a delete
      ["delete", "orphan", []],
    ]);
  });

  test("after a refresh, only the properties the program set count (the API's defaults read back do not)", () => {
    const type = "pulumi-nodejs:dynamic/chaser:ApiKey";
    const program = { name: "ci", scopes: ["a"] };
    const readBack = { ...program, fullAccess: false, serviceAccountId: null };
    const s = summarize(
      parsePreview(
        digest([
          { op: "refresh", urn: urn(type, "ci"), oldState: { type, inputs: program }, newState: { type, inputs: program } },
          { op: "replace", urn: urn(type, "ci"), replaceReasons: ["scopes"], oldState: { type, inputs: readBack }, newState: { type, inputs: { name: "ci", scopes: ["a", "b"] } } },
        ]),
      ),
    );
    expect(s.changes.map((c) => c.properties.map((p) => p.property))).toEqual([["scopes"]]);
  });

  test("data lost: a Workspace or an own-workspace Template replaced or deleted loses its disk; a flag-mode Template or a key does not", () => {
    const ws = "pulumi-nodejs:dynamic/chaser:Workspace";
    const tpl = "pulumi-nodejs:dynamic/chaser:Template";
    const key = "pulumi-nodejs:dynamic/chaser:ApiKey";
    const s = summarize(
      parsePreview(
        digest([
          { op: "replace", urn: urn(ws, "a"), replaceReasons: ["sessionType", "account"], oldState: { type: ws, inputs: { sessionType: "browser", account: "x" } }, newState: { type: ws, inputs: { sessionType: "sandbox", account: "y" } } },
          { op: "delete", urn: urn(tpl, "own"), oldState: { type: tpl, inputs: { name: "own", sessionType: "sandbox" } } },
          { op: "delete", urn: urn(tpl, "flag"), oldState: { type: tpl, inputs: { workspace: "w1" } } },
          { op: "replace", urn: urn(key, "k"), replaceReasons: ["scopes"], oldState: { type: key, inputs: { scopes: ["a"] } }, newState: { type: key, inputs: { scopes: ["b"] } } },
        ]),
      ),
    );
    expect(notesFor(s).map((n) => `${n.kind} ${n.name}: ${n.text}`).sort()).toEqual([
      "disk-lost a: is replaced because account, sessionType change (fixed at creation): its disk and its snapshots are deleted",
      "disk-lost own: is deleted: its disk and its snapshots are deleted",
    ]);
    expect(render(s)).toContain("> [!CAUTION]\n> **Data on workspace disks is lost:**\n> - `a` (chaser:Workspace) is replaced because account, sessionType change");
  });

  test("no changes; warnings folded; the title option; the size limit drops the property tables, then cuts", () => {
    const none = render(summarize(parsePreview(digest([{ op: "same", urn: urn("pulumi:pulumi:Stack", "app-prod") }], { changeSummary: { same: 4 } }))), { title: "Preview of prod" });
    expect(none).toContain("### Preview of prod (stack `prod`, project `app`)\n\n**No changes.** (3 unchanged)\n");
    const warned = render(summarize(parsePreview(digest([], { diagnostics: [{ urn: urn("chaser:x:Y", "w"), severity: "warning", message: "warning: \u001b[1mslow\u001b[0m down\n" }] }))));
    expect(warned).toContain("<details><summary>1 warning</summary>\n\n`w` (chaser:x:Y):\n\n```text\nslow down\n```");
    const big = summarize(parsePreview(fixture("create.json")));
    const full = render(big);
    const small = render(big, { maxLength: full.length - 1 });
    expect(small.length).toBeLessThan(full.length);
    expect(small).toContain("_The property tables were left out to fit the size limit of a comment");
    expect(small).toContain("| 🟢 | `dev` | chaser:Workspace | create | cloneFrom, name |");
    const tiny = render(big, { maxLength: 500 });
    expect(tiny.length).toBeLessThanOrEqual(500);
    expect(tiny).toContain("cut to fit the size limit");
  });
});

describe("the command", () => {
  test("reads standard input or a file, writes Markdown, exits 0 (also for a failed preview)", () => {
    const a = fakeIo(fixture("update.json"));
    expect(run([], a.io)).toBe(0);
    expect(a.out()).toBe(markdownOf("update.json"));
    const b = fakeIo("");
    expect(run(["--title", "Preview of `prod`", path.join(FIXTURES, "error.json")], b.io)).toBe(0);
    expect(b.out()).toContain("### Preview of `prod` (stack `fixtures`, project `fixtures`)\n\n**❌ The preview failed**");
  });

  test("input that is not a preview: exit 1, with Markdown saying so (for the comment) and the reason on stderr", () => {
    for (const [input, reason] of [
      ["", "the input is empty"],
      ["error: no stack named 'prod' found\n", "the input is not JSON"],
      ['{"hello": 1}', "the JSON is not `pulumi preview --json` output"],
    ]) {
      const x = fakeIo(input);
      expect(run([], x.io)).toBe(1);
      expect(x.out()).toContain(`**❌ No preview to show:** ${reason}`);
      expect(x.err()).toContain(reason);
    }
    const missing = fakeIo("");
    expect(run(["/nonexistent/preview.json"], missing.io)).toBe(1);
    expect(missing.out()).toContain("the input could not be read");
  });

  test("bad command lines exit 2 with the usage; --help exits 0", () => {
    for (const argv of [["--bogus"], ["--title"], ["--max-length", "12"], ["a.json", "b.json"]]) {
      const x = fakeIo("");
      expect(run(argv, x.io)).toBe(2);
      expect(x.err()).toContain("Usage: chaser-preview-summary");
    }
    const h = fakeIo("");
    expect(run(["--help"], h.io)).toBe(0);
    expect(h.out()).toContain("Usage: chaser-preview-summary");
  });

  test("bin/chaser-preview-summary.js runs the built command (the bin of the published package)", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
    expect(pkg.bin["chaser-preview-summary"]).toBe("bin/chaser-preview-summary.js");
    expect(pkg.files).toContain("dist/cli");
    const out = execFileSync(process.execPath, [path.join(REPO, pkg.bin["chaser-preview-summary"])], { input: fixture("delete.json"), encoding: "utf8" });
    expect(out).toBe(markdownOf("delete.json"));
    const bad = spawnSync(process.execPath, [path.join(REPO, pkg.bin["chaser-preview-summary"])], { input: "not json", encoding: "utf8" });
    expect(bad.status).toBe(1);
  });
});
