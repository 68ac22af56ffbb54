/**
 * Where JSON text stops being valid: V8's JSON.parse messages do not always give a position, and a refusal to
 * start must say where a data file is damaged. Only called on text JSON.parse refused.
 */
const MAX_NESTING = 512;

/** The character index of the first error in `text` (its length when the text ends too early). */
export function jsonErrorIndex(text: string): number {
  const r = new Reader(text);
  try {
    r.value(0);
    r.space();
    if (r.i < text.length) r.fail();
    return text.length;
  } catch (at) {
    if (typeof at === "number") return Math.min(at, text.length);
    throw at;
  }
}

/** A recursive-descent reader of JSON that throws the index (a number) where the text stops being valid. */
class Reader {
  /** where it reads */
  i = 0;

  constructor(private readonly text: string) {}

  fail(): never {
    throw this.i;
  }

  space(): void {
    const t = this.text;
    while (this.i < t.length && (t[this.i] === " " || t[this.i] === "\t" || t[this.i] === "\n" || t[this.i] === "\r")) this.i++;
  }

  value(depth: number): void {
    if (depth > MAX_NESTING) this.fail();
    this.space();
    const ch = this.text[this.i];
    if (ch === "{") return this.object(depth);
    if (ch === "[") return this.array(depth);
    if (ch === '"') return this.string();
    if (ch === "t") return this.literal("true");
    if (ch === "f") return this.literal("false");
    if (ch === "n") return this.literal("null");
    return this.number();
  }

  private object(depth: number): void {
    this.i++;
    this.space();
    if (this.text[this.i] === "}") return void this.i++;
    for (;;) {
      this.space();
      if (this.text[this.i] !== '"') this.fail();
      this.string();
      this.space();
      if (this.text[this.i] !== ":") this.fail();
      this.i++;
      this.value(depth + 1);
      this.space();
      if (this.text[this.i] === ",") this.i++;
      else if (this.text[this.i] === "}") return void this.i++;
      else this.fail();
    }
  }

  private array(depth: number): void {
    this.i++;
    this.space();
    if (this.text[this.i] === "]") return void this.i++;
    for (;;) {
      this.value(depth + 1);
      this.space();
      if (this.text[this.i] === ",") this.i++;
      else if (this.text[this.i] === "]") return void this.i++;
      else this.fail();
    }
  }

  private literal(word: string): void {
    for (const ch of word) {
      if (this.text[this.i] !== ch) this.fail();
      this.i++;
    }
  }

  private string(): void {
    const t = this.text;
    this.i++; // the opening quote
    while (this.i < t.length && t[this.i] !== '"') {
      if (t.charCodeAt(this.i) < 0x20) this.fail();
      if (t[this.i] === "\\") {
        this.i++;
        if (t[this.i] === "u") {
          for (let k = 1; k <= 4; k++) {
            if (!/[0-9a-fA-F]/.test(t[this.i + k] ?? "")) {
              this.i += k;
              this.fail();
            }
          }
          this.i += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(t[this.i] ?? "x")) this.fail();
      }
      this.i++;
    }
    if (this.i >= t.length) this.fail();
    this.i++;
  }

  private number(): void {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.i, this.i + 400));
    if (!m || m[0] === "" || m[0] === "-") this.fail();
    this.i += m[0].length;
  }
}
