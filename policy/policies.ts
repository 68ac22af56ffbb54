/**
 * The policies of pulumi-chaser's policy pack (`pulumi preview --policy-pack node_modules/pulumi-chaser/policy`).
 *
 * Resources are matched by type token through the registry (provider/registry.ts: `resourceOfToken` knows every
 * flavour of provider, the dynamic resources' `pulumi-nodejs:dynamic/chaser:<Name>` and the plugin's
 * `chaser:index:<Name>`); property names are the model's in both. Each violation names the resource, the property
 * and the fix. Values not known yet in a preview are skipped (never reported, never an error).
 *
 * Each check is also exported as a plain function (`check*`) so that unit tests and other tools can call it.
 */
import type { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { SSH_KEY_TYPES, parseOpenSshKey } from "../contract/rules";
import { resourceOfToken } from "../provider/registry";
import { isUnknown } from "../provider/values";

// ------------------------------------------------------------------------------------------------ helpers

/** The props without @pulumi/policy's unknown-checking proxy (which throws on a value not known yet). */
function raw(props: Record<string, any>): Record<string, any> {
  const target = props && (props as any)["__getSpecialProxyTarget"];
  return target && typeof target === "object" ? target : props;
}

/** A property's value, or undefined when absent, null or not known yet. */
function known(props: Record<string, any>, key: string): any {
  const v = raw(props)[key];
  return v === null || v === undefined || isUnknown(v) ? undefined : v;
}

/** The package's class name for a type token ("Workspace"), or undefined for another package's resource. */
export function chaserType(token: string): string | undefined {
  return resourceOfToken(token)?.name;
}

/** The stack a URN belongs to (`urn:pulumi:<stack>::<project>::…`). */
export function stackOfUrn(urn: string): string {
  return urn.split("::")[0].replace(/^urn:pulumi:/, "");
}

/** How a violation names the resource: `Workspace 'dev'`. */
const who = (type: string, name: string) => `${type} '${name}'`;

/** A violation: what is wrong with which property, and the fix. */
export interface Finding {
  property: string;
  message: string;
}

const finding = (type: string, name: string, property: string, problem: string, fix: string): Finding => ({
  property,
  message: `${who(type, name)}: ${property} ${problem}. Fix: ${fix}`,
});

// ------------------------------------------------------------------------------------------------ the checks

/** API keys with full access, unless allowed by name (logical name or the key's `name`). */
export function checkFullAccess(type: string, name: string, props: Record<string, any>, cfg: { allowedNames?: string[] }): Finding[] {
  if (type !== "ApiKey" || known(props, "fullAccess") !== true) return [];
  const allowed = cfg.allowedNames ?? [];
  if (allowed.includes(name) || allowed.includes(known(props, "name"))) return [];
  return [finding(type, name, "fullAccess", "is true: the key can do anything in its account, including minting more keys", "list only the scopes it needs in `scopes` and drop fullAccess, or add the key's name to this policy's `allowedNames`")];
}

/** API keys that never rotate (no `rotationTriggers`). */
export function checkRotationTriggers(type: string, name: string, props: Record<string, any>): Finding[] {
  if (type !== "ApiKey") return [];
  const v = raw(props).rotationTriggers;
  if (isUnknown(v)) return [];
  if (v && typeof v === "object" && Object.keys(v).length > 0) return [];
  return [finding(type, name, "rotationTriggers", "is not set: the key is never rotated", "set rotationTriggers (e.g. `{ rotatedOn: \"2026-01\" }`) and change a value to rotate the key")];
}

/** API keys older than `maxAgeDays` (from the `createdAt` the API reported; a key not created yet is new). */
export function checkKeyAge(type: string, name: string, props: Record<string, any>, cfg: { maxAgeDays?: number }, now = Date.now()): Finding[] {
  if (type !== "ApiKey") return [];
  const created = known(props, "createdAt");
  const t = typeof created === "string" ? Date.parse(created) : NaN;
  if (!Number.isFinite(t)) return [];
  const maxAgeDays = cfg.maxAgeDays ?? 90;
  const ageDays = (now - t) / 86_400_000;
  if (ageDays <= maxAgeDays) return [];
  return [finding(type, name, "createdAt", `is ${created}: the key is ${Math.floor(ageDays)} days old, more than ${maxAgeDays}`, "rotate it: change a value of its rotationTriggers and run `pulumi up`")];
}

/** Workspaces (and Templates with a workspace of their own) without deletionProtection in matching stacks. */
export function checkDeletionProtection(type: string, name: string, props: Record<string, any>, stack: string, cfg: { stackPattern?: string }): Finding[] {
  if (type !== "Workspace" && type !== "Template") return [];
  if (type === "Template" && raw(props).workspace !== undefined && raw(props).workspace !== null) return []; // flags another workspace
  const pattern = new RegExp(cfg.stackPattern ?? DEFAULT_PROTECTED_STACKS);
  if (!pattern.test(stack)) return [];
  const v = raw(props).deletionProtection;
  if (v === true || isUnknown(v)) return [];
  return [finding(type, name, "deletionProtection", `is not true in stack '${stack}' (matches ${pattern})`, "set deletionProtection: true (a destroy or a replacement then fails until it is set back to false)")];
}
export const DEFAULT_PROTECTED_STACKS = "^(prod|production)([-_.].*)?$";

/** Sandbox images referenced by a tag (mutable) instead of a digest. */
export function checkImageDigest(type: string, name: string, props: Record<string, any>): Finding[] {
  if (type !== "Workspace" && type !== "Template") return [];
  const image = known(props, "image");
  if (typeof image !== "string" || /@sha256:[0-9a-f]{64}$/.test(image)) return [];
  return [finding(type, name, "image", `'${image}' is not pinned by digest: the tag can point to another image tomorrow`, "reference the image by digest, `repository@sha256:<64 hex>` (`docker buildx imagetools inspect <image>` prints it)")];
}

/** Organization members granted `owner` by the program, unless their email is allowed. */
export function checkOwnerRole(type: string, name: string, props: Record<string, any>, cfg: { allowedEmails?: string[] }): Finding[] {
  if (type !== "OrganizationMember" || known(props, "role") !== "owner") return [];
  const email = known(props, "email");
  if (email && (cfg.allowedEmails ?? []).map((e) => e.toLowerCase()).includes(String(email).toLowerCase())) return [];
  return [finding(type, name, "role", "is 'owner': owners can delete the organization and manage its billing and members, and a program running from CI should not grant that", "grant 'admin' (or 'member'), make owners by hand in the Chaser console, or add the email to this policy's `allowedEmails`")];
}

/** SSH key types from the weakest to the strongest (ed25519 and hardware-backed keys preferred). */
export const SSH_KEY_STRENGTH = [
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "ssh-ed25519",
  "sk-ecdsa-sha2-nistp256@openssh.com",
  "sk-ssh-ed25519@openssh.com",
] as const satisfies readonly (typeof SSH_KEY_TYPES)[number][];

/** The modulus size of an ssh-rsa public key line, in bits. */
function rsaBits(line: string): number | undefined {
  const blob = Buffer.from(line.trim().split(/\s+/)[1] ?? "", "base64");
  let off = 0;
  const next = () => {
    if (off + 4 > blob.length) return undefined;
    const len = blob.readUInt32BE(off);
    const v = blob.subarray(off + 4, off + 4 + len);
    off += 4 + len;
    return v;
  };
  next(); // type
  next(); // e
  const n = next();
  if (!n) return undefined;
  let i = 0;
  while (i < n.length && n[i] === 0) i++;
  return n.length > i ? (n.length - i - 1) * 8 + (32 - Math.clz32(n[i])) : undefined;
}

/** SSH keys of a type weaker than `minimumType` (RSA keys also below `minimumRsaBits`). */
export function checkSshKeyStrength(type: string, name: string, props: Record<string, any>, cfg: { minimumType?: string; minimumRsaBits?: number }): Finding[] {
  if (type !== "SshKey") return [];
  const line = known(props, "publicKey");
  if (typeof line !== "string") return [];
  const key = parseOpenSshKey(line);
  if ("error" in key) return []; // the provider's own check fails the preview on it
  const minimum = cfg.minimumType ?? DEFAULT_MINIMUM_SSH_TYPE;
  const rank = (t: string) => (SSH_KEY_STRENGTH as readonly string[]).indexOf(t);
  if (rank(key.type) < rank(minimum)) {
    return [finding(type, name, "publicKey", `is of type ${key.type}, weaker than this policy's minimum (${minimum})`, "generate an ed25519 key (`ssh-keygen -t ed25519`) and register its .pub line")];
  }
  const minBits = cfg.minimumRsaBits ?? 3072;
  const bits = key.type === "ssh-rsa" ? rsaBits(line) : undefined;
  if (bits !== undefined && bits < minBits) {
    return [finding(type, name, "publicKey", `is a ${bits}-bit RSA key, under ${minBits} bits`, `generate an ed25519 key (\`ssh-keygen -t ed25519\`) or an RSA key of at least ${minBits} bits`)];
  }
  return [];
}
export const DEFAULT_MINIMUM_SSH_TYPE = "ecdsa-sha2-nistp256";

/**
 * Clones whose source is not a template: `cloneFrom` must come from a Template of the program (a dependency of
 * the property, or the name or id of one of the stack's Templates), or be in `allowedSources`.
 */
export function checkCloneSource(r: { type: string; name: string; props: Record<string, any>; propertyDependencies?: Record<string, Array<{ type: string; props: Record<string, any> }>> }, templates: Array<Record<string, any>>, cfg: { allowedSources?: string[] }): Finding[] {
  if (r.type !== "Workspace" && r.type !== "Template") return [];
  const p = raw(r.props);
  if (p.cloneFrom === undefined || p.cloneFrom === null) return [];
  const deps = r.propertyDependencies?.cloneFrom ?? [];
  if (deps.some((d) => chaserType(d.type) === "Template")) return [];
  if (isUnknown(p.cloneFrom)) {
    // From an output of something else than a Template (a Workspace, usually): not a template.
    if (deps.length === 0) return [];
    const from = deps.map((d) => chaserType(d.type) ?? d.type).join(", ");
    return [finding(r.type, r.name, "cloneFrom", `comes from a ${from}, not a Template`, "clone a Template (`cloneFrom: template.workspaceId`), which marks the workspace as a reviewed clone source")];
  }
  const source = String(p.cloneFrom);
  if ((cfg.allowedSources ?? []).includes(source)) return [];
  const isTemplate = templates.some((t) => {
    const tp = raw(t);
    return [tp.workspaceId, tp.name, tp.workspace, tp.__id].some((v) => v !== undefined && v !== null && !isUnknown(v) && String(v) === source);
  });
  if (isTemplate) return [];
  const dep = deps[0] ? ` (from ${chaserType(deps[0].type) ?? deps[0].type})` : "";
  return [finding(r.type, r.name, "cloneFrom", `'${source}'${dep} is not a Template of this stack`, "clone a Template of the program (`cloneFrom: template.workspaceId`), or add the source's name or id to this policy's `allowedSources` if it is a template managed elsewhere")];
}

// ------------------------------------------------------------------------------------------------ the policies

/** Runs a resource check on args of a Chaser resource; reports each finding. */
function onChaser(check: (type: string, args: ResourceValidationArgs) => Finding[]) {
  return (args: ResourceValidationArgs, report: ReportViolation) => {
    const type = chaserType(args.type);
    if (!type) return;
    for (const f of check(type, args)) report(f.message, args.urn);
  };
}

const stringList = (description: string) => ({ type: "array" as const, items: { type: "string" as const }, default: [], description });

export const POLICIES: Array<ResourceValidationPolicy | StackValidationPolicy> = [
  {
    name: "chaser-apikey-no-full-access",
    description: "API keys must not have full access (fullAccess: true): list the scopes they need. Keys named in allowedNames are exempt.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowedNames: stringList("Keys allowed full access, by logical resource name or key name.") } },
    validateResource: onChaser((type, args) => checkFullAccess(type, args.name, args.props, args.getConfig<{ allowedNames?: string[] }>())),
  },
  {
    name: "chaser-apikey-rotation-triggers",
    description: "API keys should have rotationTriggers, so that rotating one is a one-line change.",
    enforcementLevel: "advisory",
    validateResource: onChaser((type, args) => checkRotationTriggers(type, args.name, args.props)),
  },
  {
    name: "chaser-apikey-max-age",
    description: "API keys should be rotated before they are older than maxAgeDays (from the creation time the API reported).",
    enforcementLevel: "advisory",
    configSchema: { properties: { maxAgeDays: { type: "number", minimum: 0, default: 90, description: "Maximum age of a key, in days." } } },
    validateStack: (args, report) => {
      const cfg = args.getConfig<{ maxAgeDays?: number }>();
      for (const r of args.resources) {
        const type = chaserType(r.type);
        if (!type) continue;
        for (const f of checkKeyAge(type, r.name, r.props, cfg)) report(f.message, r.urn);
      }
    },
  },
  {
    name: "chaser-workspace-deletion-protection",
    description: "Workspaces (and Templates with a workspace of their own) must set deletionProtection: true in stacks whose name matches stackPattern.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { stackPattern: { type: "string", default: DEFAULT_PROTECTED_STACKS, description: "Regular expression of the stack names where workspaces must be protected." } } },
    validateResource: onChaser((type, args) => checkDeletionProtection(type, args.name, args.props, stackOfUrn(args.urn), args.getConfig<{ stackPattern?: string }>())),
  },
  {
    name: "chaser-sandbox-image-digest",
    description: "Sandbox images must be pinned by digest (repository@sha256:…), not referenced by a mutable tag.",
    enforcementLevel: "advisory",
    validateResource: onChaser((type, args) => checkImageDigest(type, args.name, args.props)),
  },
  {
    name: "chaser-no-owner-role",
    description: "The program must not grant the owner role (OrganizationMember role 'owner'). Emails in allowedEmails are exempt.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowedEmails: stringList("Members who may be made owners by the program.") } },
    validateResource: onChaser((type, args) => checkOwnerRole(type, args.name, args.props, args.getConfig<{ allowedEmails?: string[] }>())),
  },
  {
    name: "chaser-ssh-key-strength",
    description: `SSH keys must not be of a type weaker than minimumType (order: ${SSH_KEY_STRENGTH.join(" < ")}); RSA keys, where allowed, need minimumRsaBits.`,
    enforcementLevel: "advisory",
    configSchema: {
      properties: {
        minimumType: { type: "string", enum: [...SSH_KEY_STRENGTH], default: DEFAULT_MINIMUM_SSH_TYPE, description: "The weakest key type accepted." },
        minimumRsaBits: { type: "number", minimum: 1024, default: 3072, description: "The smallest RSA modulus accepted, when minimumType is ssh-rsa." },
      },
    },
    validateResource: onChaser((type, args) => checkSshKeyStrength(type, args.name, args.props, args.getConfig<{ minimumType?: string; minimumRsaBits?: number }>())),
  },
  {
    name: "chaser-clone-from-template",
    description: "Clones (cloneFrom) should come from a Template of the program (or a source in allowedSources), not from an ordinary workspace.",
    enforcementLevel: "advisory",
    configSchema: { properties: { allowedSources: stringList("Clone sources allowed although they are not Templates of the stack (names or ids of templates managed elsewhere).") } },
    validateStack: (args, report) => {
      const cfg = args.getConfig<{ allowedSources?: string[] }>();
      const templates = args.resources.filter((r) => chaserType(r.type) === "Template").map((r) => r.props);
      for (const r of args.resources) {
        const type = chaserType(r.type);
        if (!type) continue;
        const findings = checkCloneSource({ type, name: r.name, props: r.props, propertyDependencies: r.propertyDependencies as Record<string, PolicyResource[]> }, templates, cfg);
        for (const f of findings) report(f.message, r.urn);
      }
    },
  },
];
