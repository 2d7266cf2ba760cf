/**
 * Readers of per-row numbers for the frozen-feature path (issue 15): numeric
 * columns of a CSV/TSV (a list of names, or a prefix), a JSONL field holding
 * a number array, and a side file aligned by row (.npy, or a CSV/TSV with or
 * without a header). Each returns a RowMatrix with one row per data row of
 * its file, in file order — the `row` the loaders put in every SourceRef.
 */
import path from 'node:path';
import { InputError } from '../../errors';
import { DelimitedReader, sniffDelimiter } from '../csvReader';
import { readInputFile, readText } from '../files';
import { jsonlRecords } from '../jsonl';
import { quote } from '../quote';
import { isMissingToken, parseNumber, trimCell } from '../table';
import { readNpy } from './npy';
import type { RowMatrix } from './rowMatrix';

/** Which columns: exact names, or every column whose name starts with a prefix (written `prefix*`). */
export type ColumnChoice = { names: string[] } | { prefix: string };

/** `emb_*` → a prefix, `a,b,c` → names. */
export function parseColumnChoice(spec: string): ColumnChoice {
  const trimmed = spec.trim();
  if (trimmed.endsWith('*') && !trimmed.includes(',')) return { prefix: trimmed.slice(0, -1) };
  return {
    names: trimmed
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  };
}

function delimiterOf(abs: string, text: string): string {
  const ext = path.extname(abs).toLowerCase();
  return ext === '.tsv' || ext === '.tab' ? '\t' : sniffDelimiter(text);
}

function describe(choice: ColumnChoice): string {
  return 'prefix' in choice
    ? `columns ${quote(`${choice.prefix}*`)}`
    : `columns ${choice.names.map((n) => quote(n)).join(', ')}`;
}

/** Named numeric columns of a CSV/TSV file, in the order named (or, for a prefix, the file's order). */
export async function readColumns(abs: string, file: string, choice: ColumnChoice): Promise<RowMatrix> {
  const text = await readText(abs, file);
  const reader = new DelimitedReader(text, delimiterOf(abs, text), file);
  if (!reader.next()) throw new InputError(file, 'the file is empty; expected a header line with column names');
  const header = reader.fields.slice(0, reader.count).map((s) => s.trim());
  let picked: number[];
  if ('prefix' in choice) {
    picked = header.flatMap((name, k) => (name.startsWith(choice.prefix) ? [k] : []));
    if (picked.length === 0)
      throw new InputError(
        file,
        `no column name starts with ${quote(choice.prefix)}; expected embedding ` +
          `columns such as ${quote(`${choice.prefix}0`)}`,
        1,
      );
  } else {
    if (choice.names.length === 0)
      throw new InputError(
        file,
        'no embedding column was named; expected a list such as e0,e1,e2 or a prefix such as emb_*',
      );
    picked = choice.names.map((name) => {
      const k = header.indexOf(name);
      if (k < 0)
        throw new InputError(
          file,
          `has no column ${quote(name)}; expected the embedding columns named ` +
            `(the header has ${header.length} columns)`,
          1,
        );
      return k;
    });
  }
  const what = describe(choice);
  const cols = picked.length;
  const values: number[] = [];
  const lines: number[] = [];
  while (reader.next()) {
    for (const k of picked) {
      const cell = k < reader.count ? trimCell(reader.fields[k]) : '';
      const v = isMissingToken(cell) ? NaN : parseNumber(cell, false);
      if (!Number.isFinite(v)) {
        throw new InputError(
          file,
          `column ${quote(header[k])} is ${cell === '' ? 'empty' : quote(cell)}; ` +
            `expected a finite number in every embedding column (${what})`,
          reader.startLine,
        );
      }
      values.push(v);
    }
    lines.push(reader.startLine);
  }
  return { rows: lines.length, cols, values: Float64Array.from(values), file, what, lines: Int32Array.from(lines) };
}

/** A JSONL field holding an array of numbers, the same length on every record. */
export async function readArrayField(abs: string, file: string, field: string): Promise<RowMatrix> {
  const text = await readText(abs, file);
  const what = `field ${quote(field)}`;
  let cols = -1;
  const values: number[] = [];
  const lines: number[] = [];
  // The same record boundaries as the JSONL loader: one object per non-blank line.
  for (const { line, value: record } of jsonlRecords(text, file)) {
    const v =
      record !== null && typeof record === 'object' && !Array.isArray(record)
        ? (record as Record<string, unknown>)[field]
        : undefined;
    if (!Array.isArray(v))
      throw new InputError(
        file,
        `the record's ${what} is ` +
          `${v === undefined ? 'missing' : `not an array`}; expected an array of ` +
          `numbers (the sample's embedding)`,
        line,
      );
    if (cols < 0) cols = v.length;
    if (v.length !== cols || cols === 0)
      throw new InputError(
        file,
        `${what} holds ${v.length} numbers; expected ${cols > 0 ? cols : 'at least 1'}, as on the first record`,
        line,
      );
    for (const x of v) {
      if (typeof x !== 'number' || !Number.isFinite(x))
        throw new InputError(
          file,
          // JSON.stringify writes Infinity and NaN (a 1e400 in the file) as null: say what the number is.
          `${what} holds ${typeof x === 'number' ? String(x) : JSON.stringify(x)}; expected finite numbers only ` +
            '(a number beyond ±1.8e308 reads as Infinity)',
          line,
        );
      values.push(x);
    }
    lines.push(line);
  }
  return {
    rows: lines.length,
    cols: Math.max(cols, 0),
    values: Float64Array.from(values),
    file,
    what,
    lines: Int32Array.from(lines),
  };
}

/** A side file's numbers, and its header's names when it has one. */
export type SideFile = RowMatrix & { header?: string[] };

/**
 * A side file: .npy (float32/float64, rows × dims), or CSV/TSV of numbers. A
 * first line whose first cell is not a number is its header (its names are
 * returned, for probabilities by class name). As pandas writes them: an index
 * column (an empty first header cell over the row numbers 0, 1, 2, …) is
 * dropped, and a header of numbers (pandas' column names 0, 1, … or numeric
 * class names) is told from a first row of data by the row count the dataset
 * asks for: `expectedRows`, with `isHeader` saying which names it may hold.
 */
export async function readSideFile(
  abs: string,
  file: string,
  what: string,
  expectedRows: number,
  isHeader: (names: string[]) => boolean = columnNumbers,
): Promise<SideFile> {
  const ext = path.extname(abs).toLowerCase();
  if (ext === '.npy') {
    const bytes = await readInputFile(abs, file, 'a readable .npy file');
    return { ...readNpy(bytes, file), file, what };
  }
  if (!['.csv', '.tsv', '.tab', '.txt'].includes(ext)) {
    throw new InputError(
      file,
      `unsupported side file type ${quote(ext || '(none)')}; expected .npy or .csv/.tsv, one row per sample`,
    );
  }
  const text = await readText(abs, file);
  const reader = new DelimitedReader(text, delimiterOf(abs, text), file);
  const values: number[] = [];
  const lines: number[] = [];
  let cols = -1;
  let header: string[] | undefined;
  let first: string[] | undefined;
  while (reader.next()) {
    const cells = reader.fields.slice(0, reader.count).map(trimCell);
    if (lines.length === 0 && header === undefined && !Number.isFinite(parseNumber(cells[0], false))) {
      header = cells;
      cols = cells.length;
      continue;
    }
    first ??= cells;
    if (cols < 0) cols = cells.length;
    if (cells.length !== cols)
      throw new InputError(
        file,
        `the line has ${cells.length} values; expected ${cols}, as the first line has`,
        reader.startLine,
      );
    cells.forEach((cell, k) => {
      const v = isMissingToken(cell) ? NaN : parseNumber(cell, false);
      if (!Number.isFinite(v))
        throw new InputError(
          file,
          `value ${k + 1} is ${cell === '' ? 'empty' : quote(cell)}; expected a finite number (${what})`,
          reader.startLine,
        );
      values.push(v);
    });
    lines.push(reader.startLine);
  }
  if (lines.length === 0) throw new InputError(file, `holds no rows of numbers; expected one row per sample (${what})`);
  let m: SideFile = {
    rows: lines.length,
    cols,
    values: Float64Array.from(values),
    file,
    what,
    lines: Int32Array.from(lines),
    ...(header ? { header } : {}),
  };
  // One row too many, and the first reads as names: it is the header.
  if (!header && m.rows === expectedRows + 1 && isHeader(first!)) {
    m = { ...m, rows: m.rows - 1, values: m.values.subarray(cols), lines: m.lines!.subarray(1), header: first };
  }
  if (m.header?.[0] !== '' || m.cols < 2) return m;
  const index = indexOrder(m);
  if (index === 'shuffled')
    throw new InputError(
      file,
      'its first column has no name and holds the row numbers out of order (a pandas index after a shuffle?); ' +
        `expected the rows in the order of the dataset's rows (${what}): write it with to_csv(index=False) ` +
        'after sorting by the index',
      m.lines?.[0],
    );
  return index === 'in order' ? withoutFirstColumn(m) : m;
}

/** pandas' default column names: 0, 1, …, k − 1. */
export function columnNumbers(names: string[]): boolean {
  return names.every((name, k) => name === String(k));
}

/**
 * Whether the first column holds the row numbers 0, 1, …, rows − 1 ('in order': pandas' index, written by `to_csv()`
 * unless told not to), the same numbers in another order ('shuffled': the rows are not in the dataset's order), or
 * anything else (a value column).
 */
function indexOrder(m: RowMatrix): 'in order' | 'shuffled' | 'not an index' {
  const seen = new Uint8Array(m.rows);
  let inOrder = true;
  for (let r = 0; r < m.rows; r++) {
    const v = m.values[r * m.cols];
    if (!Number.isInteger(v) || v < 0 || v >= m.rows || seen[v]) return 'not an index';
    seen[v] = 1;
    if (v !== r) inOrder = false;
  }
  return inOrder ? 'in order' : 'shuffled';
}

function withoutFirstColumn(m: SideFile): SideFile {
  const cols = m.cols - 1;
  const values = new Float64Array(m.rows * cols);
  for (let r = 0; r < m.rows; r++) values.set(m.values.subarray(r * m.cols + 1, (r + 1) * m.cols), r * cols);
  return { ...m, cols, values, ...(m.header ? { header: m.header.slice(1) } : {}) };
}

/**
 * Data rows of a dataset file (records after the header for CSV/TSV, non-blank lines for JSONL): what a side file must
 * match.
 */
export async function countDataRows(abs: string, file: string): Promise<number> {
  const text = await readText(abs, file);
  const ext = path.extname(abs).toLowerCase();
  if (ext === '.jsonl' || ext === '.ndjson') return text.split('\n').filter((l) => l.trim() !== '').length;
  const reader = new DelimitedReader(text, delimiterOf(abs, text), file);
  let records = 0;
  while (reader.next()) records++;
  return Math.max(0, records - 1);
}
