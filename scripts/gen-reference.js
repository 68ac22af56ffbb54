#!/usr/bin/env node
// Renders the resource reference from schema.json into README.md, between the reference markers.
// `node scripts/gen-reference.js --check` exits 1 when the README is out of date.
const fs = require("node:fs");
const path = require("node:path");
const root = path.join(__dirname, "..");

/** A property's type as people read it: string, boolean, Scope[], map<string>, SessionType, … */
function typeOf(p) {
  if (p.$ref) return p.$ref.split(":").pop();
  if (p.type === "array") return `${typeOf(p.items)}[]`;
  if (p.type === "object") return `map<${typeOf(p.additionalProperties)}>`;
  return p.type;
}

function render(schema) {
  const out = ["## Resource reference", "", "_Generated from `schema.json` by `make schema`; do not edit by hand._", ""];
  out.push("### Provider configuration", "", "| key | type | secret | default | description |", "| --- | --- | --- | --- | --- |");
  for (const [k, v] of Object.entries(schema.config.variables)) {
    const dflt = [...(v.defaultInfo?.environment ?? []).map((e) => `env \`${e}\``), v.default !== undefined ? `\`${v.default}\`` : ""].filter(Boolean).join(", else ");
    out.push(`| \`chaser:${k}\` | ${typeOf(v)} | ${v.secret ? "yes" : ""} | ${dflt} | ${v.description} |`);
  }
  for (const [token, r] of Object.entries(schema.resources)) {
    const name = token.split(":").pop();
    out.push("", `### ${name} (\`${token}\`)`, "", r.description, "", "| input | type | required | on change | description |", "| --- | --- | --- | --- | --- |");
    for (const [k, p] of Object.entries(r.inputProperties)) {
      out.push(`| \`${k}\` | ${typeOf(p)} | ${r.requiredInputs.includes(k) ? "yes" : ""} | ${p.willReplaceOnChanges ? "replace" : "in place / state"} | ${p.description} |`);
    }
    const outs = Object.entries(r.properties).filter(([k]) => !(k in r.inputProperties) || k === "name");
    out.push("", "Outputs (besides the inputs): " + outs.map(([k, p]) => `\`${k}\`${p.secret ? " (secret)" : ""}`).join(", ") + ".");
  }
  out.push("", "### Lookups", "", "| function | arguments | returns | description |", "| --- | --- | --- | --- |");
  // A get…'s outputs are its info type's properties (inline, as Pulumi's function schema has them): named back here.
  const infoOf = (outputs) => Object.entries(schema.types).find(([, t]) => JSON.stringify(t.properties) === JSON.stringify(outputs.properties))?.[0].split(":").pop();
  for (const [token, f] of Object.entries(schema.functions)) {
    const args = Object.keys(f.inputs.properties).filter((a) => a !== "account").map((a) => `\`${a}\``).join(", ") || "(account only)";
    const items = f.outputs.properties.items;
    const returns = items && f.outputs.required?.length === 1 ? `{ items: ${typeOf(items.items)}[] }` : infoOf(f.outputs);
    if (!returns) throw new Error(`${token}: outputs match no info type of schema.json`);
    out.push(`| \`${token.split(":").pop()}\` (\`${token}\`) | ${args} | ${returns} | ${f.description.split(" In TypeScript a plain function")[0]} |`);
  }
  out.push(
    "",
    "In TypeScript every lookup is a plain function of the package (not an engine invoke) with an `…Output` variant for inputs (options: `apiKey`, `apiUrl`, `account`) and a list… returns the array itself; in the other languages it is an invoke of the `chaser` plugin (every function also takes `account`).",
  );
  out.push("", "Enums: " + Object.entries(schema.types).filter(([, t]) => t.enum).map(([k, t]) => `\`${k.split(":").pop()}\` (${t.enum.map((e) => `\`${e.value}\``).join(", ")})`).join("; ") + ".");
  return out.join("\n");
}

const schema = JSON.parse(fs.readFileSync(path.join(root, "schema.json"), "utf8"));
const readmePath = path.join(root, "README.md");
const readme = fs.readFileSync(readmePath, "utf8");
const start = "<!-- reference:start -->";
const end = "<!-- reference:end -->";
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i < 0 || j < 0) throw new Error("README.md lacks the reference markers");
const next = readme.slice(0, i + start.length) + "\n" + render(schema) + "\n" + readme.slice(j);
if (process.argv.includes("--check")) {
  if (next !== readme) {
    console.error("README.md's resource reference is out of date: run `make schema`");
    process.exit(1);
  }
} else {
  fs.writeFileSync(readmePath, next);
}
