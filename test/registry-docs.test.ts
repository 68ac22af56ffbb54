/**
 * docs/_index.md and docs/installation-configuration.md, the provider's pages in the Pulumi Registry's layout,
 * kept true against the models: every resource of the registry and every function (their tokens), every
 * configuration key of the schema with its environment variable and whether it is secret, the YAML example's
 * types and properties, and the front matter the Registry reads.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { RESOURCES, TOKENS } from "../provider/registry";
import { buildSchema } from "../provider/schema";
import { LOOKUPS } from "../provider/lookups";

const DOCS = path.join(__dirname, "..", "docs");
const read = (f: string) => fs.readFileSync(path.join(DOCS, f), "utf8");
const schema = buildSchema() as {
  config: { variables: Record<string, { secret?: boolean; defaultInfo?: { environment?: string[] } }> };
  resources: Record<string, { inputProperties: Record<string, unknown> }>;
  pluginDownloadURL: string;
};

function frontMatter(text: string): Record<string, unknown> {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!m) throw new Error("no front matter");
  return parseYaml(m[1]);
}

test.each(["_index.md", "installation-configuration.md"])("%s has the Registry's front matter (title, meta_desc, layout: package)", (f) => {
  expect(frontMatter(read(f))).toEqual({ title: expect.stringMatching(/^Chaser\b/), meta_desc: expect.any(String), layout: "package" });
});

test("_index.md lists every resource of the registry with its token, and every function", () => {
  const text = read("_index.md");
  const rows = [...text.matchAll(/^\| `(\w+)` \| `([\w:]+)` \|/gm)].map((m) => [m[1], m[2]]);
  expect(rows).toEqual(RESOURCES.map((r) => [r.name, TOKENS.plugin(r.name)]));
  const functions = /## Functions\n\n([\s\S]*?)\(tokens/.exec(text)![1];
  expect([...functions.matchAll(/`(\w+)`/g)].map((m) => m[1]).sort()).toEqual(LOOKUPS.map((l) => l.name).sort());
});

test("_index.md's YAML example uses the schema's types and input properties", () => {
  const block = /\{\{% choosable language yaml %\}\}\n\n```yaml\n([\s\S]*?)```/.exec(read("_index.md"))![1];
  const program = parseYaml(block) as { resources: Record<string, { type: string; properties: Record<string, unknown> }> };
  for (const [name, r] of Object.entries(program.resources)) {
    expect({ name, known: r.type in schema.resources }).toEqual({ name, known: true });
    for (const p of Object.keys(r.properties)) expect(`${r.type}.${p}`).toBe(p in schema.resources[r.type].inputProperties ? `${r.type}.${p}` : "(not an input)");
  }
});

test("installation-configuration.md: every configuration key with its environment variable and secrecy, every environment variable, the plugin server", () => {
  const text = read("installation-configuration.md");
  const rows = [...text.matchAll(/^\| `chaser:(\w+)` \| (`(\w+)`|none) \| (yes|no) \|/gm)].map((m) => ({ key: m[1], env: m[3] ?? null, secret: m[4] === "yes" }));
  expect(rows).toEqual(
    Object.entries(schema.config.variables).map(([key, v]) => ({ key, env: v.defaultInfo?.environment?.[0] ?? null, secret: v.secret === true })),
  );
  const envSection = /### Environment variables\n([\s\S]*)$/.exec(text)![1];
  const documented = [...envSection.matchAll(/^\* `(\w+)`/gm)].map((m) => m[1]);
  const fromSchema = Object.values(schema.config.variables).flatMap((v) => v.defaultInfo?.environment ?? []);
  expect(documented).toEqual([...fromSchema, "CHASER_DEBUG"]);
  expect(text).toContain(`(\`${schema.pluginDownloadURL}\``);
  expect(text).toContain("pulumi plugin install resource chaser <version> --file pulumi-resource-chaser-v<version>-linux-amd64.tar.gz");
});
