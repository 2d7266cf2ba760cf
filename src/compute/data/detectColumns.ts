/**
 * Decides what each column is: the label, the split, a numeric feature, a
 * categorical one, free text, or something to drop (row ids, empty columns).
 * Kinds are decided over all rows (train and test): that is a property of the
 * column, not a statistic, and a junk value must be caught wherever it is.
 */
import path from 'node:path';
import { InputError } from '../errors';
import { listSome } from './files';
import { CELL_MISSING, CELL_TEXT, type RawColumn, type RawTable, rowLocation } from './table';
import { quote, quoteJson } from './quote';

export type ColumnKind = 'numeric' | 'categorical' | 'text' | 'drop';

const LABEL_NAMES = ['label', 'class', 'target', 'y'];
/** Names that mark a string column as free text even when its values are short. */
const TEXT_NAME_RE =
  /^(text|sentence|review|content|body|comment|message|description|abstract|tweet|document|utterance)s?$/i;
/** Names of row-identifier columns (checked together with "unique integer per row"). */
const ID_NAME_RE = /^(id|idx|index|row_?id|sample_?id|row_?index|unnamed: ?0)$/i;
/** Share of numbers above which a column is numeric and any other value is junk. */
export const NUMERIC_SHARE = 0.9;

/**
 * The label column: the one the user named (it must exist), else one named
 * label/class/target/y (case-insensitive, in that order), else the last one.
 */
export function detectLabelColumn(
  names: string[],
  requested: string | undefined,
  file: string,
  what: 'column' | 'field',
  line?: number,
): number {
  if (requested !== undefined) {
    let k = names.indexOf(requested);
    if (k < 0) k = names.findIndex((n) => n.toLowerCase() === requested.toLowerCase());
    if (k < 0) {
      throw new InputError(
        file,
        `label ${what} ${quote(requested)} not found; expected one of the ${what}s: ${listSome(
          names.map((n) => quote(n)),
          30,
        )}`,
        line,
      );
    }
    return k;
  }
  const lower = names.map((n) => n.toLowerCase());
  for (const wanted of LABEL_NAMES) {
    const k = lower.indexOf(wanted);
    if (k >= 0) return k;
  }
  return names.length - 1;
}

/**
 * The label column or field of a table's names (detectLabelColumn), with what the loaders say and keep of how it was
 * chosen: a note when another name differs from it only in case, and whether it was guessed as the last.
 */
export function chooseLabel(
  names: string[],
  requested: string | undefined,
  file: string,
  what: 'column' | 'field',
  warnings: string[],
  line?: number,
): { index: number; guessed: boolean } {
  const index = detectLabelColumn(names, requested, file, what, line);
  const twins = labelNameTwins(names, requested, index, what);
  if (twins) warnings.push(twins);
  return { index, guessed: labelGuessed(names, requested, index) };
}

/**
 * A note when the label was found by name and another column has the same name but for case ('Label' and 'label'):
 * the first was taken, which may not be the one meant. Undefined otherwise.
 */
function labelNameTwins(
  names: string[],
  requested: string | undefined,
  labelIndex: number,
  what: 'column' | 'field',
): string | undefined {
  if (requested !== undefined && names.includes(requested)) return undefined;
  const lower = names[labelIndex].toLowerCase();
  const twins = names.filter((n, k) => k !== labelIndex && n.toLowerCase() === lower);
  if (twins.length === 0) return undefined;
  return (
    `The ${what}s ${[names[labelIndex], ...twins].map((n) => quote(n)).join(' and ')} differ only in case; ` +
    `${quote(names[labelIndex])}, the first, was taken as the label (choose the other by name if it is the one).`
  );
}

/** Whether the label was taken as the last column for want of a name (detectLabelColumn's fallback). */
function labelGuessed(names: string[], requested: string | undefined, labelIndex: number): boolean {
  return requested === undefined && !LABEL_NAMES.includes(names[labelIndex].toLowerCase());
}

/** A column named "split" (not the label) assigns rows to train or test. */
export function detectSplitColumn(names: string[], labelIndex: number): number {
  return names.findIndex((n, k) => k !== labelIndex && n.toLowerCase() === 'split');
}

/** 'train' → SPLIT_TRAIN (0), test/validation/val/valid/dev → SPLIT_TEST (1), else -1. */
export function parseSplitValue(value: string): number {
  const v = value.trim().toLowerCase();
  if (v === 'train' || v === 'training') return 0;
  if (v === 'test' || v === 'testing' || v === 'validation' || v === 'val' || v === 'valid' || v === 'dev') return 1;
  return -1;
}

export const SPLIT_EXPECTED = 'expected train, test or validation';

/** Kind of every candidate column; throws on junk in a numeric column; adds a warning per dropped column. */
export function inferKinds(table: RawTable, warnings: string[]): ColumnKind[] {
  return table.columns.map((col) => inferKind(table, col, warnings));
}

function inferKind(table: RawTable, col: RawColumn, warnings: string[]): ColumnKind {
  const present = col.numbers + col.texts;
  if (present === 0) {
    warnings.push(`Column ${quote(col.name)} has no values in any row; dropped.`);
    return 'drop';
  }
  if (col.texts === 0) {
    if (looksLikeRowId(col, table.n)) {
      warnings.push(`Column ${quote(col.name)} looks like a row identifier (a unique integer per row); dropped.`);
      return 'drop';
    }
    return 'numeric';
  }
  const share = col.numbers / present;
  if (share >= NUMERIC_SHARE) {
    const { file, line } = rowLocation(table, col.firstTextRow);
    throw new InputError(
      file,
      `column ${quote(col.name)} is numeric (${(share * 100).toFixed(1)}% of its values are numbers) but ` +
        `${line !== undefined ? `line ${line}` : `row ${col.firstTextRow}`} has ${quoteJson(col.firstTextValue)}; ` +
        `expected a number, or an empty cell / NA / ? for a missing value`,
      line,
    );
  }
  const strs = col.strs;
  if (!strs) throw new Error(`internal: strings of column '${col.name}' were not collected`);
  const distinct = new Set<string>();
  let words = 0;
  for (let r = 0; r < table.n; r++) {
    if (col.state[r] !== CELL_MISSING) {
      const s = strs[r];
      distinct.add(s);
      words += countWords(s);
    }
  }
  const avgWords = words / present;
  if (TEXT_NAME_RE.test(col.name)) return 'text';
  if (distinct.size > 0.5 * present && avgWords >= 3) return 'text';
  if (distinct.size === present && present >= 20 && col.missing === 0 && avgWords < 2) {
    warnings.push(`Column ${quote(col.name)} has a different value in every row (an identifier?); dropped.`);
    return 'drop';
  }
  const markers = share >= 0.5 ? unreadMarkers(table, col) : undefined;
  if (markers) warnings.push(markers);
  return 'categorical';
}

/** Distinct non-numbers a mostly numeric column may hold before they stop looking like a missing-value marker. */
const MARKERS = 3;

/**
 * Why a mostly numeric column is read as categories, when a few distinct non-numeric values did it (a "-", "." or
 * "missing" the reader does not take for a missing value): which values, in how many rows, the first where. Every
 * number of such a column becomes its own category, which the user would otherwise not see.
 */
function unreadMarkers(table: RawTable, col: RawColumn): string | undefined {
  const values = new Set<string>();
  for (let r = 0; r < table.n; r++) {
    if (col.state[r] !== CELL_TEXT) continue;
    values.add(col.strs![r]);
    if (values.size > MARKERS) return undefined;
  }
  const { file, line } = rowLocation(table, col.firstTextRow);
  const share = (100 * col.numbers) / (col.numbers + col.texts);
  return (
    `Column ${quote(col.name)} is ${share.toFixed(0)}% numbers but is read as categories (each number its own) ` +
    `because of ${listSome([...values].map((v) => quoteJson(v)))} in ${col.texts} row${col.texts === 1 ? '' : 's'} ` +
    `(first: ${path.basename(file)}${line !== undefined ? ` line ${line}` : ''}); if ${values.size === 1 ? 'it marks' : 'they mark'} ` +
    'a missing value, leave those cells empty or write NA.'
  );
}

/** Named like an id (or unnamed, as pandas writes its index) and a unique integer in every row. */
function looksLikeRowId(col: RawColumn, n: number): boolean {
  const named = ID_NAME_RE.test(col.name) || col.unnamed;
  if (!named || col.missing > 0 || n < 2) return false;
  const seen = new Set<number>();
  for (let r = 0; r < n; r++) {
    const v = col.num[r];
    if (!Number.isInteger(v) || seen.has(v)) return false;
    seen.add(v);
  }
  return true;
}

export function countWords(s: string): number {
  let count = 0;
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const space = s.charCodeAt(i) <= 32;
    if (!space && !inWord) count++;
    inWord = !space;
  }
  return count;
}

/**
 * How a test file's column/field names differ from the training file's, or
 * null when they are the same set (order may differ). A split column is
 * ignored: with a separate test file it means nothing.
 */
export function nameDifference(trainNames: string[], testNames: string[], label: string): string | null {
  const keep = (n: string) => n === label || n.toLowerCase() !== 'split';
  const a = new Set(trainNames.filter(keep));
  const b = new Set(testNames.filter(keep));
  const missing = [...a].filter((n) => !b.has(n));
  const extra = [...b].filter((n) => !a.has(n));
  if (missing.length === 0 && extra.length === 0) return null;
  const parts: string[] = [];
  if (missing.length) parts.push(`missing ${listSome(missing.map((n) => quote(n)))}`);
  if (extra.length) parts.push(`extra ${listSome(extra.map((n) => quote(n)))}`);
  return parts.join('; ');
}
