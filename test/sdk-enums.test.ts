/**
 * The enum values every SDK exposes are named after schema.json's enum elements, each as its language spells a name
 * (issue 29): Go `ScopeSessionsRead` (Pulumi's Go generator: type name + element name), Python `Scope.SESSIONS_READ`,
 * .NET `Scope.SessionsRead`, the TypeScript plugin entry `chaser.Scope.SessionsRead`. The Go SDK once said
 * `Scope_SESSIONS_READ` because the Python generator renamed the elements of the package both generators shared.
 * Read from the committed SDK sources (test/engine/sdks.test.ts proves they are what schema.json generates).
 */
import * as fs from "node:fs";
import * as path from "node:path";

const REPO = path.join(__dirname, "..");
const schema = JSON.parse(fs.readFileSync(path.join(REPO, "schema.json"), "utf8"));
const read = (...p: string[]) => fs.readFileSync(path.join(REPO, ...p), "utf8");

/** Every enum of schema.json: its type name and its elements (name → value). */
const ENUMS: Array<[string, Array<[string, string]>]> = Object.entries(schema.types as Record<string, any>)
  .filter(([, t]) => Array.isArray(t.enum))
  .map(([token, t]) => [token.split(":").pop()!, t.enum.map((e: { name: string; value: string }) => [e.name, e.value])]);

const upperSnake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

test("schema.json has enums, each element with a name", () => {
  expect(ENUMS.map(([n]) => n).sort()).toEqual(["AccountKind", "Role", "Scope", "SessionType"]);
  for (const [, elements] of ENUMS) for (const [name] of elements) expect(name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
});

test.each(ENUMS)("Go: the constants of %s are <Type><Name> (sdk/go/chaser/pulumiEnums.go)", (type, elements) => {
  const source = read("sdk", "go", "chaser", "pulumiEnums.go");
  const found = [...source.matchAll(new RegExp(`^\\t(\\w+)\\s*= ${type}\\("([^"]*)"\\)$`, "gm"))].map((m) => [m[1], m[2]]);
  expect(found).toEqual(elements.map(([name, value]) => [`${type}${name}`, value]));
});

test.each(ENUMS)("Python: the members of %s are the names in UPPER_SNAKE_CASE (sdk/python/pulumi_chaser/_enums.py)", (type, elements) => {
  const source = read("sdk", "python", "pulumi_chaser", "_enums.py");
  const body = source.split(new RegExp(`^class ${type}\\(`, "m"))[1]?.split(/^(?:@|class )/m)[0] ?? "";
  const found = [...body.matchAll(/^ {4}(\w+) = "([^"]*)"$/gm)].map((m) => [m[1], m[2]]);
  expect(found).toEqual(elements.map(([name, value]) => [upperSnake(name), value]));
});

test.each(ENUMS)(".NET: the static members of %s are the names (sdk/dotnet/Enums.cs)", (type, elements) => {
  const source = read("sdk", "dotnet", "Enums.cs");
  const found = [...source.matchAll(new RegExp(`public static ${type} (\\w+) \\{ get; \\} = new ${type}\\("([^"]*)"\\);`, "g"))].map((m) => [m[1], m[2]]);
  expect(found).toEqual(elements.map(([name, value]) => [name, value]));
});

test.each(ENUMS)("TypeScript (pulumi-chaser/plugin): %s's keys are the names", (type, elements) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const enums = require("../sdk/nodejs/generated/enums") as Record<string, Record<string, string>>;
  expect(Object.entries(enums[type])).toEqual(elements);
});
