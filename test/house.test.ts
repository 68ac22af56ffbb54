/**
 * The house's rule on length (issue 30): no hand-written function of more than 60 lines unless its comment says why
 * (a line `long: <reason>` in the comment just above it). Hand-written: what git tracks in TypeScript, JavaScript
 * and Go, but for the generated SDKs (sdk/nodejs/generated/, sdk/python, sdk/go, sdk/dotnet), the recorded
 * fixtures and the test files themselves (a test is one scenario told in order: an engine test shares one stack
 * through its steps, and cutting it up would only hide the order). Measured from the code's own syntax: the
 * TypeScript compiler for TypeScript and JavaScript, gofmt's layout for Go (a `func` at the start of a line ends at
 * the first `}` there).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { REPO } from "./support/pack";

const LIMIT = 60;
const GENERATED = [/^sdk\/nodejs\/generated\//, /^sdk\/(python|go|dotnet)\//, /^test\/upgrade\//, /^test\/preview-summary\/fixtures\//];
const isTest = (f: string) => /\.test\.ts$/.test(f);

function tracked(patterns: string[]): string[] {
  return execFileSync("git", ["ls-files", ...patterns], { cwd: REPO, encoding: "utf8" })
    .split("\n")
    .filter((f) => f && !GENERATED.some((g) => g.test(f)) && !isTest(f) && fs.existsSync(path.join(REPO, f)));
}

interface Long {
  where: string;
  lines: number;
}

/** Whether the comment right above line `line` (1-based) of `text` gives a reason (`long: …`). */
function hasReason(text: string[], line: number): boolean {
  for (let i = line - 2; i >= 0 && /^\s*(\/\/|\/\*|\*|$)/.test(text[i]); i--) if (/\blong: \S/.test(text[i])) return true;
  return false;
}

function longScriptFunctions(file: string): Long[] {
  const text = fs.readFileSync(path.join(REPO, file), "utf8");
  const lines = text.split("\n");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: Long[] = [];
  const visit = (n: ts.Node): void => {
    const fn = ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isConstructorDeclaration(n);
    if (fn && (n as ts.FunctionLikeDeclaration).body) {
      const start = sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
      const length = sf.getLineAndCharacterOfPosition(n.end).line + 2 - start;
      // The comment of a function expression is the statement's it stands in (`const f = () => …`).
      let owner: ts.Node = n;
      while (owner.parent && !ts.isSourceFile(owner.parent) && !ts.isBlock(owner.parent) && !ts.isClassLike(owner.parent)) owner = owner.parent;
      const ownerLine = sf.getLineAndCharacterOfPosition(owner.getStart()).line + 1;
      if (length > LIMIT && !hasReason(lines, ownerLine)) out.push({ where: `${file}:${start}`, lines: length });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function longGoFunctions(file: string): Long[] {
  const lines = fs.readFileSync(path.join(REPO, file), "utf8").split("\n");
  const out: Long[] = [];
  lines.forEach((l, i) => {
    if (!/^func /.test(l) || /\}\s*$/.test(l)) return;
    const end = lines.findIndex((x, j) => j > i && x === "}");
    const length = end - i + 1;
    if (length > LIMIT && !hasReason(lines, i + 1)) out.push({ where: `${file}:${i + 1}`, lines: length });
  });
  return out;
}

test(`no hand-written function is over ${LIMIT} lines without its reason (TypeScript and JavaScript)`, () => {
  const files = tracked(["*.ts", "*.js", "bin/*", "plugin/pulumi-resource-chaser"]).filter((f) => /\.(ts|js)$/.test(f) || fs.readFileSync(path.join(REPO, f), "utf8").startsWith("#!/usr/bin/env node"));
  expect(files.length).toBeGreaterThan(100);
  expect(files.flatMap(longScriptFunctions)).toEqual([]);
});

test(`no hand-written Go function is over ${LIMIT} lines without its reason (engine/)`, () => {
  const files = tracked(["*.go"]).filter((f) => !isTest(f));
  expect(files.filter((f) => f.startsWith("engine/")).length).toBeGreaterThan(20);
  expect(files.flatMap(longGoFunctions)).toEqual([]);
});

test("the rule sees what it should: a long function without a reason, and not one with a reason", () => {
  const dir = fs.mkdtempSync(path.join(REPO, ".house-probe-"));
  try {
    const body = Array.from({ length: LIMIT + 2 }, (_, i) => `  x += ${i};`).join("\n");
    fs.writeFileSync(path.join(dir, "a.ts"), `export function long() {\n  let x = 0;\n${body}\n  return x;\n}\n// long: a probe\nexport const reasoned = () => {\n  let x = 0;\n${body}\n  return x;\n};\n`);
    fs.writeFileSync(path.join(dir, "a.go"), `package p\n\nfunc long() int {\n\tx := 0\n${body.replace(/ {2}/g, "\t").replace(/;/g, "")}\n\treturn x\n}\n`);
    const rel = (f: string) => path.relative(REPO, path.join(dir, f));
    expect(longScriptFunctions(rel("a.ts")).map((l) => l.where)).toEqual([`${rel("a.ts")}:1`]);
    expect(longGoFunctions(rel("a.go")).map((l) => l.where)).toEqual([`${rel("a.go")}:3`]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
