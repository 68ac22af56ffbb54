/**
 * GitHub Actions expressions (`${{ … }}`), enough of them to run this repository's workflow files offline:
 * literals, property access (`a.b`, `a['b']`, `a.*` not supported), `!`, `==`/`!=` (strings case-insensitively),
 * `<`/`<=`/`>`/`>=`, `&&`/`||` (yielding an operand, as GitHub does), and the functions success, failure,
 * always, cancelled, contains, startsWith, endsWith, format, join, toJSON, fromJSON. An unknown property is null.
 */

export type Value = null | boolean | number | string | Value[] | { [k: string]: Value } | undefined;

export interface ExprContext {
  /** Context objects by name: github, env, secrets, vars, steps, runner, job, needs, inputs, matrix. */
  contexts: Record<string, unknown>;
  /** Status of the job so far (for success()/failure()). */
  status?: "success" | "failure" | "cancelled";
  /** Called with the full path of every property read, e.g. "secrets.CHASER_API_KEY". */
  onRead?: (path: string) => void;
}

type Tok = { t: "num" | "str" | "id" | "op" | "eof"; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`unterminated string in expression: ${src}`);
        if (src[i] === "'" && src[i + 1] === "'") {
          s += "'";
          i += 2;
        } else if (src[i] === "'") {
          i++;
          break;
        } else s += src[i++];
      }
      out.push({ t: "str", v: s });
    } else if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(src[i + 1] ?? ""))) {
      const m = /^-?(0x[0-9a-fA-F]+|[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)/.exec(src.slice(i))!;
      out.push({ t: "num", v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      out.push({ t: "id", v: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (["==", "!=", "<=", ">=", "&&", "||"].includes(two)) {
        out.push({ t: "op", v: two });
        i += 2;
      } else if ("!<>()[].,*".includes(c)) {
        out.push({ t: "op", v: c });
        i++;
      } else throw new Error(`unexpected '${c}' in expression: ${src}`);
    }
  }
  out.push({ t: "eof", v: "" });
  return out;
}

type Node =
  | { k: "lit"; v: Value }
  | { k: "ctx"; name: string }
  | { k: "prop"; obj: Node; key: Node }
  | { k: "not"; e: Node }
  | { k: "bin"; op: string; l: Node; r: Node }
  | { k: "call"; fn: string; args: Node[] };

// long: a recursive-descent parser, its precedence levels as nested closures over one token stream
function parse(src: string): Node {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const take = (v?: string) => {
    const t = toks[p];
    if (v !== undefined && t.v !== v) throw new Error(`expected '${v}' but found '${t.v || "end"}' in expression: ${src}`);
    p++;
    return t;
  };
  const binary = (ops: string[], next: () => Node) => (): Node => {
    let l = next();
    while (peek().t === "op" && ops.includes(peek().v)) {
      const op = take().v;
      l = { k: "bin", op, l, r: next() };
    }
    return l;
  };
  const primary = (): Node => {
    const t = take();
    let n: Node;
    if (t.t === "num") n = { k: "lit", v: Number(t.v) };
    else if (t.t === "str") n = { k: "lit", v: t.v };
    else if (t.t === "op" && t.v === "(") {
      n = or();
      take(")");
    } else if (t.t === "id") {
      if (t.v === "true" || t.v === "false") n = { k: "lit", v: t.v === "true" };
      else if (t.v === "null") n = { k: "lit", v: null };
      else if (peek().v === "(") {
        take("(");
        const args: Node[] = [];
        if (peek().v !== ")") {
          args.push(or());
          while (peek().v === ",") {
            take(",");
            args.push(or());
          }
        }
        take(")");
        n = { k: "call", fn: t.v.toLowerCase(), args };
      } else n = { k: "ctx", name: t.v };
    } else throw new Error(`unexpected '${t.v || "end"}' in expression: ${src}`);
    for (;;) {
      if (peek().v === ".") {
        take(".");
        const id = take();
        if (id.t !== "id") throw new Error(`expected a property name after '.' in expression: ${src}`);
        n = { k: "prop", obj: n, key: { k: "lit", v: id.v } };
      } else if (peek().v === "[") {
        take("[");
        const key = or();
        take("]");
        n = { k: "prop", obj: n, key };
      } else return n;
    }
  };
  const unary = (): Node => {
    if (peek().v === "!") {
      take("!");
      return { k: "not", e: unary() };
    }
    return primary();
  };
  const cmp = binary(["<", "<=", ">", ">="], unary);
  const eq = binary(["==", "!="], cmp);
  const and = binary(["&&"], eq);
  const or: () => Node = binary(["||"], and);
  const n = or();
  if (peek().t !== "eof") throw new Error(`unexpected '${peek().v}' in expression: ${src}`);
  return n;
}

export function truthy(v: Value): boolean {
  return !(v === false || v === 0 || v === "" || v === null || v === undefined || (typeof v === "number" && Number.isNaN(v)));
}

function toNumber(v: Value): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") return v.trim() === "" ? 0 : Number(v);
  return NaN;
}

function looseEqual(a: Value, b: Value): boolean {
  a = a ?? null;
  b = b ?? null;
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b || a === null || b === null) {
    if (a === null || b === null) return a === b || toNumber(a) === toNumber(b);
    return a === b;
  }
  if (typeof a === "object" || typeof b === "object") return false;
  return toNumber(a) === toNumber(b);
}

/** A value as GitHub writes it into a string. */
export function stringify(v: Value): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  return JSON.stringify(v, null, 2);
}

function pathOf(n: Node): string | undefined {
  if (n.k === "ctx") return n.name;
  if (n.k === "prop" && n.key.k === "lit") {
    const base = pathOf(n.obj);
    return base === undefined ? undefined : `${base}.${String(n.key.v)}`;
  }
  return undefined;
}

// long: one case per node kind and built-in function of GitHub expressions, a table kept in one switch
function evaluate(n: Node, ctx: ExprContext): Value {
  switch (n.k) {
    case "lit":
      return n.v;
    case "ctx": {
      const name = n.name.toLowerCase();
      if (!(name in ctx.contexts)) throw new Error(`unknown context '${n.name}'`);
      ctx.onRead?.(name);
      return ctx.contexts[name] as Value;
    }
    case "prop": {
      const obj = evaluate(n.obj, ctx);
      const key = stringify(evaluate(n.key, ctx));
      const p = pathOf(n);
      if (p) ctx.onRead?.(p);
      if (obj === null || obj === undefined || typeof obj !== "object") return null;
      if (Array.isArray(obj)) return obj[Number(key)] ?? null;
      // Property names are case-insensitive.
      const hit = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
      return hit === undefined ? null : ((obj as Record<string, Value>)[hit] ?? null);
    }
    case "not":
      return !truthy(evaluate(n.e, ctx));
    case "bin": {
      if (n.op === "&&") {
        const l = evaluate(n.l, ctx);
        return truthy(l) ? evaluate(n.r, ctx) : l;
      }
      if (n.op === "||") {
        const l = evaluate(n.l, ctx);
        return truthy(l) ? l : evaluate(n.r, ctx);
      }
      const l = evaluate(n.l, ctx);
      const r = evaluate(n.r, ctx);
      if (n.op === "==") return looseEqual(l, r);
      if (n.op === "!=") return !looseEqual(l, r);
      const [a, b] = typeof l === "string" && typeof r === "string" ? [l, r] : [toNumber(l), toNumber(r)];
      if (n.op === "<") return a < b;
      if (n.op === "<=") return a <= b;
      if (n.op === ">") return a > b;
      return a >= b;
    }
    case "call": {
      const args = n.args.map((a) => evaluate(a, ctx));
      const status = ctx.status ?? "success";
      switch (n.fn) {
        case "success":
          return status === "success";
        case "failure":
          return status === "failure";
        case "always":
          return true;
        case "cancelled":
          return status === "cancelled";
        case "contains": {
          const [hay, needle] = args;
          if (Array.isArray(hay)) return hay.some((x) => looseEqual(x, needle));
          return stringify(hay).toLowerCase().includes(stringify(needle).toLowerCase());
        }
        case "startswith":
          return stringify(args[0]).toLowerCase().startsWith(stringify(args[1]).toLowerCase());
        case "endswith":
          return stringify(args[0]).toLowerCase().endsWith(stringify(args[1]).toLowerCase());
        case "format":
          return stringify(args[0]).replace(/\{(\d+)\}/g, (_, i) => stringify(args[Number(i) + 1]));
        case "join":
          return Array.isArray(args[0]) ? args[0].map(stringify).join(args.length > 1 ? stringify(args[1]) : ",") : stringify(args[0]);
        case "tojson":
          return JSON.stringify(args[0] ?? null, null, 2);
        case "fromjson":
          return JSON.parse(stringify(args[0]));
        default:
          throw new Error(`function ${n.fn}() is not supported by this runner`);
      }
    }
  }
}

/** Evaluates one expression (the text inside `${{ }}`, or an `if:` without them). */
export function evalExpr(src: string, ctx: ExprContext): Value {
  return evaluate(parse(src), ctx);
}

const TEMPLATE = /\$\{\{([\s\S]*?)\}\}/g;

/** Replaces every `${{ expr }}` in a string with its value. */
export function interpolate(text: string, ctx: ExprContext): string {
  return text.replace(TEMPLATE, (_, expr: string) => stringify(evalExpr(expr, ctx)));
}

/** An `if:` condition; one without a status function means `success() && (cond)`, as on GitHub. */
export function evalCondition(cond: unknown, ctx: ExprContext): boolean {
  if (cond === undefined || cond === null || cond === "") return ctx.status === undefined || ctx.status === "success";
  if (typeof cond === "boolean") return cond && (ctx.status ?? "success") === "success";
  let src = String(cond).trim();
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(src);
  if (whole && !whole[1].includes("}}")) src = whole[1];
  else if (src.includes("${{")) src = `'${interpolate(src, ctx).replace(/'/g, "''")}'`;
  if (!/\b(success|failure|always|cancelled)\s*\(/i.test(src)) src = `success() && (${src})`;
  return truthy(evalExpr(src, ctx));
}
