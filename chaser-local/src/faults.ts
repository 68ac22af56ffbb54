/**
 * Injected faults and latency (test control `/_local/faults`, CLI `--latency` and `--fault`). Rules are checked
 * in order for every API request (never for `/_local/`); the first rule whose filters match and whose dice roll
 * (`rate`) succeeds fires, and a rule with `count` fires that many times at most.
 */
import { ApiError } from "./errors";

export const FAULT_KINDS = ["500", "503", "429", "reset", "drop", "delay"] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  kind: FaultKind;
  /** probability 0..1 that a matching request gets the fault (default 1) */
  rate?: number;
  /** fire at most this many more times (default: no limit) */
  count?: number;
  /** only requests with this method */
  method?: string;
  /** only requests whose path (without the query string) matches this regular expression */
  path?: string;
  /** 429: the Retry-After value in seconds (default 1) */
  retryAfter?: number;
  /** 429: the X-RateLimit-Scope value (default "principal") */
  scope?: "principal" | "account";
  /** delay: milliseconds before the request is handled (default 1000) */
  ms?: number;
}
export interface FaultConfig {
  latencyMs?: number;
  rules?: FaultRule[];
}

const RULE_FIELDS = ["kind", "rate", "count", "method", "path", "retryAfter", "scope", "ms"];

/** Checks one rule; throws an Error whose message names the field. */
export function validateRule(raw: unknown, where = "rule"): FaultRule {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error(`${where} must be an object with a 'kind'`);
  const r = raw as Record<string, unknown>;
  const extra = Object.keys(r).filter((k) => !RULE_FIELDS.includes(k));
  if (extra.length) throw new Error(`${where}: unknown field(s) ${extra.join(", ")} (known: ${RULE_FIELDS.join(", ")})`);
  const kind = r.kind === undefined ? "" : String(r.kind);
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`${where}.kind must be one of ${FAULT_KINDS.join(", ")}, got '${kind}'`);
  const rule: FaultRule = { kind: kind as FaultKind };
  const num = (field: string, min: number, max = Infinity, integer = false): number | undefined => {
    const v = r[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      throw new Error(`${where}.${field} must be ${integer ? "a whole number" : "a number"} ${max === Infinity ? `>= ${min}` : `from ${min} to ${max}`}`);
    }
    return v;
  };
  const rate = num("rate", 0, 1);
  if (rate !== undefined) rule.rate = rate;
  const count = num("count", 0, Infinity, true);
  if (count !== undefined) rule.count = count;
  const retryAfter = num("retryAfter", 0, Infinity, true);
  if (retryAfter !== undefined) rule.retryAfter = retryAfter;
  const ms = num("ms", 0);
  if (ms !== undefined) rule.ms = ms;
  if (r.method !== undefined && r.method !== null) {
    if (typeof r.method !== "string" || !/^[A-Za-z]+$/.test(r.method)) throw new Error(`${where}.method must be an HTTP method such as "POST"`);
    rule.method = r.method.toUpperCase();
  }
  if (r.path !== undefined && r.path !== null) {
    if (typeof r.path !== "string") throw new Error(`${where}.path must be a regular expression (a string)`);
    try {
      new RegExp(r.path);
    } catch (e) {
      throw new Error(`${where}.path is not a valid regular expression: ${(e as Error).message}`);
    }
    rule.path = r.path;
  }
  if (r.scope !== undefined && r.scope !== null) {
    if (r.scope !== "principal" && r.scope !== "account") throw new Error(`${where}.scope must be "principal" or "account"`);
    rule.scope = r.scope;
  }
  return rule;
}

/** Checks a whole configuration (the body of PUT /_local/faults). */
export function validateConfig(raw: unknown): Required<FaultConfig> {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new Error("the faults configuration must be an object {latencyMs?, rules?}");
  const c = raw as Record<string, unknown>;
  const extra = Object.keys(c).filter((k) => k !== "latencyMs" && k !== "rules");
  if (extra.length) throw new Error(`unknown field(s) ${extra.join(", ")} (known: latencyMs, rules)`);
  let latencyMs = 0;
  if (c.latencyMs !== undefined && c.latencyMs !== null) {
    if (typeof c.latencyMs !== "number" || !Number.isFinite(c.latencyMs) || c.latencyMs < 0) throw new Error("latencyMs must be a number of milliseconds >= 0");
    latencyMs = c.latencyMs;
  }
  let rules: FaultRule[] = [];
  if (c.rules !== undefined && c.rules !== null) {
    if (!Array.isArray(c.rules)) throw new Error("rules must be a list");
    rules = c.rules.map((r, i) => validateRule(r, `rules[${i}]`));
  }
  return { latencyMs, rules };
}

export class Faults {
  latencyMs = 0;
  private rules: Array<{ rule: FaultRule; re?: RegExp }> = [];

  constructor(config: FaultConfig = {}) {
    this.set(config);
  }

  /** Replaces the whole configuration (omitted fields take their defaults: no latency, no rules). */
  set(config: FaultConfig): void {
    this.latencyMs = config.latencyMs ?? 0;
    this.rules = (config.rules ?? []).map((r) => ({ rule: { ...r }, re: r.path === undefined ? undefined : new RegExp(r.path) }));
  }

  /** The configuration, with each rule's remaining `count`. */
  get(): Required<FaultConfig> {
    return { latencyMs: this.latencyMs, rules: this.rules.map((r) => ({ ...r.rule })) };
  }

  /** The fault for this request, if one fires (a rule with `count` is used up by firing). */
  pick(method: string, path: string): FaultRule | undefined {
    for (const { rule, re } of this.rules) {
      if (rule.count !== undefined && rule.count <= 0) continue;
      if (rule.method !== undefined && rule.method !== method) continue;
      if (re !== undefined && !re.test(path)) continue;
      if (rule.rate !== undefined && rule.rate < 1 && !(Math.random() < rule.rate)) continue;
      if (rule.count !== undefined) rule.count--;
      return rule;
    }
    return undefined;
  }
}

/** Parses the CLI form `KIND:RATE[:COUNT]`, or a rule as a JSON object (`{"kind":"429","method":"POST",…}`). */
export function parseFaultFlag(spec: string): FaultRule {
  if (spec.trimStart().startsWith("{")) {
    let raw: unknown;
    try {
      raw = JSON.parse(spec);
    } catch (e) {
      throw new Error(`--fault ${spec}: not valid JSON (${(e as Error).message})`);
    }
    return validateRule(raw, "--fault");
  }
  const parts = spec.split(":");
  if (parts.length < 2 || parts.length > 3) throw new Error(`--fault ${spec}: expected KIND:RATE[:COUNT] (or a JSON rule)`);
  const [kind, rate, count] = parts;
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new Error(`--fault ${spec}: unknown kind '${kind}' (${FAULT_KINDS.join(", ")})`);
  const rule: FaultRule = { kind: kind as FaultKind };
  const r = rate.trim() === "" ? NaN : Number(rate);
  if (!Number.isFinite(r) || r < 0 || r > 1) throw new Error(`--fault ${spec}: RATE must be a number from 0 to 1`);
  rule.rate = r;
  if (count !== undefined) {
    const c = count.trim() === "" ? NaN : Number(count);
    if (!Number.isInteger(c) || c < 0) throw new Error(`--fault ${spec}: COUNT must be a whole number >= 0`);
    rule.count = c;
  }
  return rule;
}

/** What a fired rule does to its request: answer an error, reset the connection, drop the answer, or delay it. */
export type FaultAction = { answer: ApiError } | { reset: true } | { drop: true } | { delayMs: number };

export function faultAction(rule: FaultRule): FaultAction {
  switch (rule.kind) {
    case "500":
      return { answer: new ApiError("internal_error", "injected fault: internal error") };
    case "503":
      return { answer: new ApiError("service_unavailable", "injected fault: service unavailable") };
    case "429": {
      const retryAfter = rule.retryAfter ?? 1;
      return {
        answer: new ApiError("rate_limited", "too many requests (injected fault)", {
          "retry-after": String(retryAfter),
          "x-ratelimit-limit": "60",
          "x-ratelimit-remaining": "0",
          "x-ratelimit-reset": String(Math.ceil(Date.now() / 1000) + retryAfter),
          "x-ratelimit-scope": rule.scope ?? "principal",
        }),
      };
    }
    case "reset":
      return { reset: true };
    case "drop":
      return { drop: true };
    case "delay":
      return { delayMs: rule.ms ?? 1000 };
  }
}
