/**
 * A small RFC 4180 tokenizer that knows the line on which every record starts.
 *
 * Why not csv-parse: its per-record `info.lines` is the line where the parser
 * *finished* the record (one more after a CRLF), so a record whose quoted
 * field spans lines gets the wrong line, and its "quote not closed" error
 * names the end of the file instead of the line where the quote opened.
 * Both positions are what a user needs to find a record, so we track them
 * ourselves in one linear pass, which is also faster for wide numeric files.
 *
 * Accepted: LF, CRLF and lone CR line ends; blank lines (skipped, still
 * counted); `""` inside quoted fields; spaces after a closing quote; a quote
 * in the middle of an unquoted field is kept literally (5'11").
 */
import { InputError } from '../errors';
import { quoteJson } from './quote';
import { recordDigest } from './recordDigest';

const QUOTE = 34;
const LF = 10;
const CR = 13;

export class DelimitedReader {
  /**
   * Fields of the current record; reused between records, so copy what you
   * keep. With `spans`, only quoted fields are here: read fields with `field`.
   */
  readonly fields: string[] = [];
  /** With `spans`: each unquoted field's offsets in the text (start -1: a quoted field, its value in `fields`). */
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** Number of fields in the current record. */
  count = 0;
  /** 1-based line where the current record starts. */
  startLine = 0;
  /** Offsets of the current record's first character and just past its last (before its line break). */
  startOffset = 0;
  endOffset = 0;
  private pos = 0;
  private line: number;
  private readonly delim: number;

  constructor(
    private readonly text: string,
    delimiter: string,
    /** The file name used in error messages. */
    private readonly file: string,
    /** Line of the text's first character (a piece of a large file starts further down). */
    firstLine = 1,
    /**
     * Record where unquoted fields are instead of making a string of each:
     * a caller that parses most cells as numbers in place (table.ts plainDecimal) makes
     * strings only of the few it keeps as text.
     */
    private readonly spans = false,
  ) {
    this.delim = delimiter.charCodeAt(0);
    this.line = firstLine;
  }

  /** The text being read (for parsing fields in place from `starts`/`ends`). */
  get source(): string {
    return this.text;
  }

  /** Field `k` of the current record as a string (made now in `spans` mode). */
  field(k: number): string {
    if (!this.spans) return this.fields[k];
    const start = this.starts[k];
    return start < 0 ? this.fields[k] : this.text.slice(start, this.ends[k]);
  }

  /** The fingerprint of the current record's text (recordDigest.ts). */
  digest(): string {
    return recordDigest(this.text, this.startOffset, this.endOffset);
  }

  /** Characters consumed so far (for progress). */
  get position(): number {
    return this.pos;
  }

  /** Advances to the next record; false at the end of the text. */
  next(): boolean {
    const text = this.text;
    const n = text.length;
    // Skip blank lines: they are not records, but they still count as lines.
    for (;;) {
      if (this.pos >= n) return false;
      const c = text.charCodeAt(this.pos);
      if (c === LF) {
        this.pos++;
        this.line++;
      } else if (c === CR) {
        this.pos += text.charCodeAt(this.pos + 1) === LF ? 2 : 1;
        this.line++;
      } else break;
    }
    this.startLine = this.line;
    this.startOffset = this.pos;
    this.count = 0;
    for (;;) {
      let p = this.pos;
      if (p < n && text.charCodeAt(p) === QUOTE) {
        this.fields[this.count] = this.readQuoted();
        if (this.spans) this.starts[this.count] = -1;
        p = this.pos;
        while (p < n && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9) && text.charCodeAt(p) !== this.delim)
          p++;
        if (p < n) {
          const c = text.charCodeAt(p);
          if (c !== this.delim && c !== LF && c !== CR) {
            throw new InputError(
              this.file,
              `unexpected ${quoteJson(text[p])} after the closing quote of field ${this.count + 1}; ` +
                `expected ${delimiterName(String.fromCharCode(this.delim))} or the end of the line ` +
                `(write "" for a quote inside a quoted field)`,
              this.line,
            );
          }
        }
        this.count++;
      } else {
        const start = p;
        while (p < n) {
          const c = text.charCodeAt(p);
          if (c === this.delim || c === LF || c === CR) break;
          p++;
        }
        if (this.spans) {
          this.starts[this.count] = start;
          this.ends[this.count++] = p;
        } else this.fields[this.count++] = text.slice(start, p);
      }
      if (p >= n) {
        this.endOffset = n;
        this.pos = n;
        return true;
      }
      const c = text.charCodeAt(p);
      if (c === this.delim) {
        this.pos = p + 1;
        continue;
      }
      this.endOffset = p;
      this.pos = p + (c === CR && text.charCodeAt(p + 1) === LF ? 2 : 1);
      this.line++;
      return true;
    }
  }

  /** Reads a quoted field starting at `pos` (the opening quote); counts the line breaks inside. */
  private readQuoted(): string {
    const text = this.text;
    const openLine = this.line;
    let p = this.pos + 1;
    let start = p;
    let out = '';
    for (;;) {
      const q = text.indexOf('"', p);
      if (q < 0) {
        throw new InputError(
          this.file,
          `the quote opened on line ${openLine} is never closed; expected a closing '"' before the end of the file`,
          openLine,
        );
      }
      this.countBreaks(p, q);
      if (text.charCodeAt(q + 1) === QUOTE) {
        out += text.slice(start, q + 1);
        p = q + 2;
        start = p;
        continue;
      }
      out += text.slice(start, q);
      this.pos = q + 1;
      return out;
    }
  }

  private countBreaks(from: number, to: number): void {
    const text = this.text;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) this.line++;
    }
  }
}

/** How a delimiter is named in messages. */
export function delimiterName(d: string): string {
  return d === '\t' ? 'a tab' : `'${d}'`;
}

/**
 * Picks the delimiter from the header line: the most frequent of , ; tab |
 * outside quotes (ties in that order), ',' when none occurs (one column).
 */
export function sniffDelimiter(text: string): string {
  const candidates = [',', '\t', ';', '|'];
  const counts = [0, 0, 0, 0];
  let inQuote = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inQuote = !inQuote;
    else if (!inQuote && (ch === '\n' || ch === '\r')) {
      if (counts.some((c) => c > 0)) break; // leading blank lines: keep looking
    } else if (!inQuote) {
      const k = candidates.indexOf(ch);
      if (k >= 0) counts[k]++;
    }
  }
  let best = 0;
  for (let k = 1; k < counts.length; k++) if (counts[k] > counts[best]) best = k;
  return candidates[best];
}

/**
 * Upper bound on the number of records (every LF and CR counted, + 1), to
 * size typed arrays once; CRLF counts twice, which only over-allocates.
 */
export function countLineBreaks(text: string): number {
  let count = 1;
  for (const ch of ['\n', '\r']) {
    let i = -1;
    while ((i = text.indexOf(ch, i + 1)) >= 0) count++;
  }
  return count;
}
