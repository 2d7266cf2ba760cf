/**
 * Where one field's value lies in a JSONL line, as character offsets, so a
 * relabel replaces exactly that value and leaves the rest of the line (key
 * order, spacing, number spelling, escapes) byte for byte as it was.
 * Lines are counted on LF only, as the engine's JSONL reader counts them.
 * Pure: no vscode, no fs.
 */

export interface LineSpan {
  start: number;
  /** Offset just past the line's content (before "\n", and before a "\r" that precedes it). */
  end: number;
}

export interface ValueSpan {
  start: number;
  end: number;
  /** The value as JSON.parse reads it. */
  value: unknown;
}

/** The 1-based `line` of a JSONL text (LF-separated), or null past the end. */
export function jsonlLine(text: string, line: number): LineSpan | null {
  let start = 0;
  for (let current = 1; current < line; current++) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return null;
    start = nl + 1;
  }
  if (start > text.length) return null;
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  if (end > start && text.charCodeAt(end - 1) === 13) end--;
  return { start, end };
}

const WS = new Set([' ', '\t', '\r', '\n']);

class Scanner {
  constructor(
    readonly text: string,
    public pos: number,
    readonly limit: number,
  ) {}

  ws(): void {
    while (this.pos < this.limit && WS.has(this.text[this.pos])) this.pos++;
  }

  peek(): string {
    return this.pos < this.limit ? this.text[this.pos] : '';
  }

  expect(ch: string): void {
    if (this.peek() !== ch) throw new SyntaxError(`expected '${ch}' at offset ${this.pos}`);
    this.pos++;
  }

  /** Skips a string literal starting at the opening quote; returns its raw slice. */
  string(): string {
    const start = this.pos;
    this.expect('"');
    while (this.pos < this.limit) {
      const c = this.text[this.pos++];
      if (c === '\\') this.pos++;
      else if (c === '"') return this.text.slice(start, this.pos);
    }
    throw new SyntaxError('unterminated string');
  }

  /** Skips any JSON value; nested objects and arrays by bracket depth (strings skipped whole). */
  value(): void {
    const c = this.peek();
    if (c === '"') {
      this.string();
      return;
    }
    if (c === '{' || c === '[') {
      let depth = 0;
      while (this.pos < this.limit) {
        const ch = this.peek();
        if (ch === '"') {
          this.string();
          continue;
        }
        this.pos++;
        if (ch === '{' || ch === '[') depth++;
        else if (ch === '}' || ch === ']') {
          if (--depth === 0) return;
        }
      }
      throw new SyntaxError('unterminated object or array');
    }
    const start = this.pos;
    while (
      this.pos < this.limit &&
      !WS.has(this.text[this.pos]) &&
      this.text[this.pos] !== ',' &&
      this.text[this.pos] !== '}'
    )
      this.pos++;
    if (this.pos === start) throw new SyntaxError(`expected a value at offset ${start}`);
  }
}

/**
 * The span of top-level field `key` in the JSON object on [line.start, line.end).
 * With duplicate keys the last one wins, as in JSON.parse. Null when the line
 * is not an object or has no such field.
 */
export function fieldValueSpan(text: string, line: LineSpan, key: string): ValueSpan | null {
  const s = new Scanner(text, line.start, line.end);
  let found: ValueSpan | null = null;
  try {
    s.ws();
    s.expect('{');
    s.ws();
    if (s.peek() === '}') return null;
    for (;;) {
      s.ws();
      const name = JSON.parse(s.string()) as string;
      s.ws();
      s.expect(':');
      s.ws();
      const start = s.pos;
      s.value();
      if (name === key) found = { start, end: s.pos, value: JSON.parse(text.slice(start, s.pos)) as unknown };
      s.ws();
      if (s.peek() === ',') {
        s.pos++;
        continue;
      }
      s.expect('}');
      return found;
    }
  } catch {
    return null;
  }
}

/**
 * The JSON text for a new label that keeps the field's type: a number stays a
 * number when the new label is one (the engine reads 3 and "3" as the same
 * label), a boolean stays a boolean; otherwise a string.
 */
export function labelJson(newLabel: string, oldValue: unknown): string {
  if (
    typeof oldValue === 'number' &&
    /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(newLabel) &&
    String(Number(newLabel)) === newLabel
  )
    return newLabel;
  if (typeof oldValue === 'boolean' && (newLabel === 'true' || newLabel === 'false')) return newLabel;
  return JSON.stringify(newLabel);
}

/** The label as the engine reads it from a JSON value (cellText + trim). */
export function labelOf(value: unknown): string | null {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}
