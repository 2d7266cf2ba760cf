/**
 * The raw table both text formats (CSV/TSV and JSONL) read into, before any
 * featurization: one column of cells per field, plus per-row label, split,
 * source and preview. Sharing it lets CSV and JSONL share the featurizer.
 *
 * Memory: numbers live in a Float64Array per column; strings are kept only
 * for columns that are not numeric (the CSV reader fills them in a second
 * pass), so a wide numeric file costs ~9 bytes per cell, not an object each.
 */
import type { SourceRef } from '../types';

/** Cell states. */
export const CELL_NUMBER = 0;
export const CELL_MISSING = 1;
export const CELL_TEXT = 2;

/** Row split flags (from a split column or a separate test file). */
export const SPLIT_TRAIN = 0;
export const SPLIT_TEST = 1;

const DECIMAL_COMMA_RE = /^[+-]?\d+,\d+$/;
/** Spellings of "no value" (compared lower-cased and trimmed), as pandas reads them plus '?'. */
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '<na>', '#n/a', '-nan']);

export function isMissingToken(trimmed: string): boolean {
  return trimmed.length <= 5 && MISSING_TOKENS.has(trimmed.toLowerCase());
}

/** Trims only when needed (most cells have no surrounding spaces). */
export function trimCell(raw: string): string {
  if (raw.length === 0) return raw;
  return raw.charCodeAt(0) <= 32 || raw.charCodeAt(raw.length - 1) <= 32 ? raw.trim() : raw;
}

/**
 * A plain, finite decimal number, or NaN. Hex, Infinity and the like are not
 * numbers here; with `decimalComma` (semicolon files) "3,14" reads as 3.14.
 *
 * Unary + is several times faster than a validating regex on wide files, so
 * we use it and reject what it accepts beyond plain decimals: "" (→ 0),
 * "0x1F"/"0b1"/"0o7" (a letter second), "Infinity", and overflow ("1e999").
 */
export function parseNumber(trimmed: string, decimalComma: boolean): number {
  const fast = plainDecimal(trimmed, 0, trimmed.length);
  if (fast === fast) return fast;
  const n = trimmed.length;
  if (n === 0) return NaN;
  const c0 = trimmed.charCodeAt(0);
  // First character must be a digit, a sign or a decimal point.
  if (!((c0 >= 48 && c0 <= 57) || c0 === 43 || c0 === 45 || c0 === 46)) return NaN;
  if (n > 1) {
    const c1 = trimmed.charCodeAt(1) | 0x20; // lower-cased letter
    if (c1 === 0x78 || c1 === 0x62 || c1 === 0x6f || c1 === 0x69) return NaN; // x b o i(nfinity)
  }
  let v = +trimmed;
  if (v !== v && decimalComma && DECIMAL_COMMA_RE.test(trimmed)) v = +trimmed.replace(',', '.');
  // "1e999" overflows to Infinity, which no statistic survives: not a usable number.
  return v - v === 0 ? v : NaN;
}

const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Fast path for the common cell, `s` from `start` to `end`: [sign] digits
 * [. digits], at most 15 digits. The digits form an exact integer below 2^53
 * and 10^k (k <= 22) is exact, so the one division is correctly rounded: the
 * same double as Number(s). NaN means "not this simple form" (the caller
 * falls back to parseNumber). The CSV reader calls it on a cell in place,
 * before making a string of it: such a cell has no spaces to trim, so the
 * value is parseNumber's.
 */
export function plainDecimal(s: string, start: number, n: number): number {
  let i = start;
  let neg = false;
  const c0 = s.charCodeAt(start);
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let frac = -1;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (frac >= 0) frac++;
    } else if (c === 46 && frac < 0) frac = 0;
    else return NaN;
  }
  if (digits === 0 || digits > 15) return NaN;
  const v = frac > 0 ? mantissa / POW10[frac] : mantissa;
  return neg ? -v : v;
}

export class RawColumn {
  /** Parsed value per row (NaN unless the cell is a number). */
  readonly num: Float64Array;
  /** CELL_NUMBER / CELL_MISSING / CELL_TEXT per row. */
  readonly state: Uint8Array;
  /** Trimmed text per row, for columns that turn out not to be numeric. */
  strs: string[] | null = null;
  numbers = 0;
  missing = 0;
  texts = 0;
  /** First non-numeric, non-missing cell (for the "junk in a numeric column" error). */
  firstTextRow = -1;
  firstTextValue = '';

  constructor(
    readonly name: string,
    capacity: number,
    /** True when the header cell was empty (a pandas index column, usually). */
    readonly unnamed = false,
    keepStrings = false,
    private readonly decimalComma = false,
  ) {
    this.num = new Float64Array(capacity);
    this.state = new Uint8Array(capacity);
    if (keepStrings) this.strs = new Array<string>(capacity);
  }

  /** Stores a cell already read as the number `v` (plainDecimal), in a column that keeps no strings. */
  pushNumber(row: number, v: number): void {
    if (this.strs) throw new Error(`column ${this.name} keeps its strings: push the cell's text`);
    this.num[row] = v;
    this.state[row] = CELL_NUMBER;
    this.numbers++;
  }

  /** Classifies and stores one raw cell; returns its value (NaN unless a number), for the row's fingerprint. */
  push(row: number, raw: string): number {
    const cell = trimCell(raw);
    if (this.strs) this.strs[row] = cell;
    const v = parseNumber(cell, this.decimalComma);
    if (v === v) {
      this.num[row] = v;
      this.state[row] = CELL_NUMBER;
      this.numbers++;
    } else if (isMissingToken(cell)) {
      this.num[row] = NaN;
      this.state[row] = CELL_MISSING;
      this.missing++;
    } else {
      this.num[row] = NaN;
      this.state[row] = CELL_TEXT;
      this.texts++;
      if (this.firstTextRow < 0) {
        this.firstTextRow = row;
        this.firstTextValue = cell;
      }
    }
    return v;
  }
}

export interface RawTable {
  /** Number of data rows read (across the train file and the test file). */
  n: number;
  labelColumn: string;
  /** No column carried a label's name, so the last one was taken (detectColumns.ts). */
  labelGuessed?: boolean;
  /** Candidate feature columns (label and split columns excluded). */
  columns: RawColumn[];
  /** Trimmed label per row; null when the cell is empty. */
  labels: (string | null)[];
  /** SPLIT_TRAIN / SPLIT_TEST per row, or null when nothing assigns rows to a split. */
  split: Uint8Array | null;
  testSource: 'split-column' | 'test-file' | null;
  sources: SourceRef[];
  previews: string[];
  /** Content fingerprint per row (issues/contentHash.ts): the normalised feature cells. */
  contentHashes?: number[];
  /** The user-facing path of each file read, and which one each row came from. */
  files: string[];
  fileOf: Uint8Array;
  /** JSONL only: the image path field, with each row's image as an absolute and a user-facing path. */
  image?: { field: string; abs: string[]; user: string[] };
  /** The labeled rows of the files when the loader kept only a stratified sample of them for the memory budget. */
  sampledFrom?: number;
}

/** Where row `row` lives, for error messages. */
export function rowLocation(table: RawTable, row: number): { file: string; line: number | undefined } {
  return { file: table.files[table.fileOf[row]], line: table.sources[row].line };
}

/**
 * Builds `a=1, b=x, …` from name/value pairs, whitespace collapsed, cut to
 * about `max` characters: enough to recognise a record in a list.
 */
export class PreviewBuilder {
  private out = '';
  private full = false;
  constructor(private readonly max = 120) {}

  /** Adds a pair; returns false (and adds nothing) once the preview is full, so callers can stop. */
  add(name: string, value: string): boolean {
    if (this.out.length >= this.max) {
      this.full = true;
      return false;
    }
    // Cut before collapsing whitespace: a 100 MB cell would otherwise be copied whole for 40 characters.
    const head = value.length > 4 * this.max ? value.slice(0, 4 * this.max) : value;
    let v = /\s/.test(head) ? head.replace(/\s+/g, ' ').trim() : head;
    if (v.length > 40) v = `${v.slice(0, 39)}…`;
    else if (head !== value) v = `${v}…`;
    this.out += `${this.out ? ', ' : ''}${name}=${v}`;
    return true;
  }

  finish(): string {
    const s = this.out;
    const cut = this.full || s.length > this.max;
    this.out = '';
    this.full = false;
    return cut ? `${s.slice(0, this.max - 1)}…` : s;
  }
}
