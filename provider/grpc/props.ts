/**
 * Property values between the engine's wire form (a protobuf Struct whose secrets are objects tagged with
 * Pulumi's secret signature and whose unknowns are a sentinel string) and the plain values the hooks work on
 * (unknowns as `UNKNOWN`, as the dynamic provider gets them). Secrecy is kept per top-level property: the hooks
 * see plain values, and what goes back is wrapped again as secret when it came in secret or the model says so.
 */
import { UNKNOWN } from "../values";

/** Pulumi's signature key and the signature of a secret value (`pulumi.runtime.specialSigKey`, `specialSecretSig`). */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET = "1b47061264138c4ac30d75fd1eb44270";

export type Props = Record<string, unknown>;

const isSecretValue = (v: unknown): v is { value: unknown } => !!v && typeof v === "object" && (v as Props)[SIG] === SECRET;

/** A value with every secret unwrapped; `found` is set when one was. */
function unwrap(v: unknown, found: { secret: boolean }): unknown {
  if (isSecretValue(v)) {
    found.secret = true;
    return unwrap(v.value, found);
  }
  if (Array.isArray(v)) return v.map((x) => unwrap(x, found));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x, found)]));
  return v;
}

export interface Plain {
  props: Props;
  /** Top-level properties that were secret (or held a secret). */
  secrets: Set<string>;
}

/** The plain properties of a Struct (`struct.toJavaScript()`), and which were secret. Null values are dropped. */
export function fromWire(js: Props | undefined): Plain {
  const props: Props = {};
  const secrets = new Set<string>();
  for (const [k, v] of Object.entries(js ?? {})) {
    const found = { secret: false };
    const plain = unwrap(v, found);
    if (found.secret) secrets.add(k);
    if (plain !== null && plain !== undefined) props[k] = plain;
  }
  return { props, secrets };
}

const secret = (value: unknown) => ({ [SIG]: SECRET, value });

/** The wire form of plain properties: those named in `secrets` wrapped as secret (never an unknown). */
export function toWire(props: Props, secrets: Iterable<string>): Props {
  const s = new Set(secrets);
  const out: Props = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    out[k] = s.has(k) && v !== null && v !== UNKNOWN ? secret(v) : v;
  }
  return out;
}

/** Properties the engine must not keep: the ones the resource classes of the dynamic flavour send for naming. */
const TRANSIENT = ["__logicalName", "__urn", "__provider"];

/** The properties without the transient internal ones. */
export function withoutTransient(p: Props): Props {
  return Object.fromEntries(Object.entries(p).filter(([k]) => !TRANSIENT.includes(k)));
}

/** The logical name of a URN (`urn:pulumi:stack::project::type::name`). */
export function nameOfUrn(urn: string): string {
  return urn.split("::").slice(3).join("::");
}
