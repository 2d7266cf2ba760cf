/**
 * CSV/TSV with a header → RawTable. Two passes over the text: the first
 * checks the structure, records where each row starts, parses numbers and
 * the label/split cells; the second (only when some column holds text)
 * collects the strings of those columns. That keeps a wide numeric file at
 * a few bytes per cell instead of one string object per cell.
 *
 * A file over `streamAboveBytes` (256 MB) is never held as one string: each
 * pass streams it in pieces that end at record boundaries (textChunks.ts).
 * What it would take in memory is estimated from its line count first; past
 * the budget it is refused with the way out, `maxSamples`, which then picks
 * the same stratified sample the in-memory path would, in an extra pass over
 * the labels, and loads only those rows.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { InputError } from '../errors';
import { RowFingerprint } from '../issues/contentHash';
import { optionRef } from '../options/derive';
import type { SourceRef } from '../types';
import { countLineBreaks, DelimitedReader, delimiterName, sniffDelimiter } from './csvReader';
import { chooseLabel, detectSplitColumn, nameDifference, parseSplitValue, SPLIT_EXPECTED } from './detectColumns';
import { readText } from './files';
import { type SampleBudget, tableCap } from './sampleBudget';
import { stratifiedSubsample } from './split';
import { plainDecimal, PreviewBuilder, RawColumn, type RawTable, trimCell } from './table';
import { CHUNK_BYTES, countLineBreaksInFile, readRecordPieces } from './textChunks';
import { quote, quoteJson } from './quote';
import { formatCount } from '../formatCount';

/** Files larger than this are streamed instead of read as one string. */
export const STREAM_ABOVE_BYTES = 256 * 2 ** 20;
/** Memory a streamed file may take as a table without `maxSamples` (its cells as float64, plus per-row bookkeeping). */
export const STREAM_MEMORY_BUDGET = 2 ** 30;
/** Bytes a loaded row costs besides its cells: its source reference, preview, label. */
const ROW_OVERHEAD_BYTES = 200;

export interface DelimitedOptions {
  /** Cap on samples: a stratified subsample by (split, label), as planSamples would pick. */
  maxSamples?: number;
  seed?: number;
  /** Files larger than this are streamed (tests lower it). */
  streamAboveBytes?: number;
  /** Bytes per streamed read (tests lower it to cut records across reads). */
  chunkBytes?: number;
  /** The memory budget of a streamed table (default STREAM_MEMORY_BUDGET; tests lower it). */
  memoryBudgetBytes?: number;
  /** The working budget at default options (sampleBudget.ts): its `loadBytes` bound the table. */
  budget?: SampleBudget;
}

export interface TextInput {
  /** Absolute path. */
  abs: string;
  /** The path as the user gave it (used in error messages). */
  file: string;
  /** Path relative to the dataset root, forward slashes (used in `SourceRef.path`). */
  rel: string;
}

interface OpenFile {
  input: TextInput;
  /** The whole text; null for a streamed file. */
  text: string | null;
  /** Units of progress: characters of `text`, or bytes of a streamed file. */
  size: number;
  chunkBytes: number;
  delimiter: string;
  names: string[];
  unnamed: boolean[];
  headerLine: number;
}

async function openDelimited(input: TextInput, o: DelimitedOptions): Promise<OpenFile> {
  const { size } = await fsp.stat(input.abs).catch((err: Error) => {
    throw new InputError(input.file, `cannot be read (${err.message}); expected a readable file`);
  });
  const chunkBytes = o.chunkBytes ?? CHUNK_BYTES;
  const streamed = size > (o.streamAboveBytes ?? STREAM_ABOVE_BYTES);
  // A streamed file's header is in its first piece (pieces end at record boundaries).
  const text = streamed
    ? (readRecordPieces(input.abs, input.file, chunkBytes).next().value?.text ?? '')
    : await readText(input.abs, input.file);
  if (text.trim() === '') {
    throw new InputError(
      input.file,
      'the file is empty; expected a header line with column names, then one row per sample',
    );
  }
  const ext = path.extname(input.abs).toLowerCase();
  const delimiter = ext === '.tsv' || ext === '.tab' ? '\t' : sniffDelimiter(text);
  const reader = new DelimitedReader(text, delimiter, input.file);
  reader.next();
  const raw = reader.fields.slice(0, reader.count).map((s) => s.trim());
  const unnamed = raw.map((s) => s === '');
  const names = raw.map((s, k) => s || `column${k + 1}`);
  const seen = new Map<string, number>();
  names.forEach((name, k) => {
    const first = seen.get(name);
    if (first !== undefined) {
      throw new InputError(
        input.file,
        `the header names column ${quote(name)} twice (columns ${first + 1} and ` +
          `${k + 1}); expected unique column names`,
        reader.startLine,
      );
    }
    seen.set(name, k);
  });
  if (names.length < 2) {
    throw new InputError(
      input.file,
      `the header has a single column (${quote(names[0])}); expected a label column and at least one feature column ` +
        `separated by commas, semicolons or tabs`,
      reader.startLine,
    );
  }
  return {
    input,
    text: streamed ? null : text,
    size: streamed ? size : text.length,
    chunkBytes,
    delimiter,
    names,
    unnamed,
    headerLine: reader.startLine,
  };
}

/** The file's text as pieces of whole records: all of it at once, or streamed. */
function* pieces(f: OpenFile): Generator<{ text: string; firstLine: number; before: number }> {
  if (f.text !== null) {
    yield { text: f.text, firstLine: 1, before: 0 };
    return;
  }
  let before = 0;
  for (const p of readRecordPieces(f.input.abs, f.input.file, f.chunkBytes)) {
    yield { text: p.text, firstLine: p.firstLine, before };
    before = p.bytesDone;
  }
}

/**
 * Calls `onRow` with the reader at each data row of `f` (header skipped) and
 * its 0-based data row; throws on a row with the wrong number of fields.
 * The reader is in `spans` mode: its `field(k)` makes a string of a cell,
 * and plainDecimal reads a number in place. Returns the row count.
 */
function forEachRow(
  f: OpenFile,
  onRow: (row: DelimitedReader, dataRow: number) => void,
  onProgress?: (done: number) => void,
): number {
  const width = f.names.length;
  let rows = 0;
  let header = true;
  for (const piece of pieces(f)) {
    const reader = new DelimitedReader(piece.text, f.delimiter, f.input.file, piece.firstLine, true);
    if (header) {
      reader.next();
      header = false;
    }
    while (reader.next()) {
      if (reader.count !== width) {
        // A line of spaces is blank, not a one-field record.
        if (reader.count === 1 && reader.field(0).trim() === '') continue;
        throw new InputError(
          f.input.file,
          `line ${reader.startLine} has ${reader.count} ` +
            `field${reader.count === 1 ? '' : 's'}, the header has ${width}; ` +
            (`expected ${width} fields separated by ${delimiterName(f.delimiter)} ` +
              `(quote fields that contain ${delimiterName(f.delimiter)})`),
          reader.startLine,
        );
      }
      onRow(reader, rows);
      rows++;
      if (onProgress && (rows & 1023) === 0) onProgress(piece.before + reader.position);
    }
  }
  return rows;
}

/** Upper bound on the data rows of a file (its line breaks). */
function rowBound(f: OpenFile): number {
  return f.text !== null ? countLineBreaks(f.text) : countLineBreaksInFile(f.input.abs, f.input.file, f.chunkBytes);
}

export async function readDelimited(
  train: TextInput,
  test: TextInput | undefined,
  labelColumn: string | undefined,
  warnings: string[],
  onProgress?: (done: number, total: number) => void,
  options: DelimitedOptions = {},
): Promise<RawTable> {
  const files = [await openDelimited(train, options)];
  if (test) files.push(await openDelimited(test, options));
  const main = files[0];
  const labelChoice = chooseLabel(main.names, labelColumn, train.file, 'column', warnings, main.headerLine);
  const labelIdx = labelChoice.index;
  const splitIdx = detectSplitColumn(main.names, labelIdx);
  if (test && splitIdx >= 0)
    warnings.push(`Column '${main.names[splitIdx]}' ignored: a separate test file gives the test set.`);
  const featureIdx = main.names.map((_, k) => k).filter((k) => k !== labelIdx && k !== splitIdx);
  if (test) checkSameColumns(main, files[1], main.names[labelIdx]);
  const hasSplit = test !== undefined || splitIdx >= 0;
  const splitAtOf = (fileNo: number) => (fileNo === 0 && !test ? splitIdx : -1);

  const bound = files.reduce((a, f) => a + rowBound(f), 0);
  const streamed = files.some((f) => f.text === null);
  // At default options the working budget holds the table too: past its share, a sample of the rows is loaded.
  const loadCap =
    options.maxSamples === undefined && options.budget
      ? tableCap(options.budget, bound, featureIdx.length, totalChars(files) / Math.max(1, bound))
      : undefined;
  if (streamed && options.maxSamples === undefined && loadCap === undefined && !options.budget)
    refuseOverBudget(main, bound, featureIdx.length, options.memoryBudgetBytes ?? STREAM_MEMORY_BUDGET);
  // Capped (by the user, or by the budget): choose the rows before loading any of them.
  const cap = options.maxSamples ?? loadCap;
  const keepRow =
    (streamed && options.maxSamples !== undefined) || loadCap !== undefined
      ? chooseRows(
          files,
          labelIdx,
          splitAtOf,
          hasSplit,
          { cap: cap!, budgeted: loadCap !== undefined, ...options },
          warnings,
        )
      : null;
  const capacity = keepRow ? keepRow.kept : bound;

  const decimalComma = main.delimiter === ';';
  const columns = featureIdx.map((k) => new RawColumn(main.names[k], capacity, main.unnamed[k], false, decimalComma));
  const labels: (string | null)[] = [];
  const sources: SourceRef[] = [];
  const previews: string[] = [];
  const contentHashes: number[] = [];
  const fileOf = new Uint8Array(capacity);
  const split = hasSplit ? new Uint8Array(capacity) : null;
  const preview = new PreviewBuilder();
  const fingerprint = new RowFingerprint();
  const total = files.reduce((a, f) => a + f.size, 0);
  let before = 0;
  let rowsBefore = 0;

  files.forEach((f, fileNo) => {
    // Field index of every wanted column in this file (a test file may order its columns differently).
    const at = (name: string) => f.names.indexOf(name);
    const colAt = columns.map((c) => at(c.name));
    const labelAt = at(main.names[labelIdx]);
    const splitAt = splitAtOf(fileNo);
    const previewAt = featureIdx.map((k) => at(main.names[k]));
    const offset = rowsBefore;
    const rows = forEachRow(
      f,
      (record, dataRow) => {
        if (keepRow && !keepRow.keep[offset + dataRow]) return;
        const row = labels.length;
        const line = record.startLine;
        sources.push({ path: f.input.rel, line, row: dataRow, digest: record.digest() });
        fileOf[row] = fileNo;
        const label = trimCell(record.field(labelAt));
        labels.push(label === '' ? null : label);
        if (split) split[row] = fileNo;
        if (splitAt >= 0) split![row] = splitValue(record.field(splitAt), line, f, main.names[splitIdx]);
        const { source, starts, ends } = record;
        for (let c = 0; c < columns.length; c++) {
          const k = colAt[c];
          // Most cells are plain numbers: read them where they stand, a string only for the others.
          const v = starts[k] < 0 ? NaN : plainDecimal(source, starts[k], ends[k]);
          if (v === v) {
            columns[c].pushNumber(row, v);
            fingerprint.number(v);
          } else {
            const raw = record.field(k);
            fingerprint.cell(raw, columns[c].push(row, raw), decimalComma);
          }
        }
        contentHashes.push(fingerprint.finish());
        for (let c = 0; c < previewAt.length; c++)
          if (!preview.add(f.names[previewAt[c]], record.field(previewAt[c]))) break;
        previews.push(preview.finish());
      },
      onProgress && ((done) => onProgress(before + done, total)),
    );
    if (rows === 0) {
      throw new InputError(
        f.input.file,
        `the file has a header (line ${f.headerLine}) but no data rows; expected one row per sample after the header`,
        f.headerLine,
      );
    }
    before += f.size;
    rowsBefore += rows;
  });

  collectStrings(files, columns, keepRow?.keep ?? null);
  onProgress?.(total, total);
  return {
    n: labels.length,
    labelColumn: main.names[labelIdx],
    labelGuessed: labelChoice.guessed,
    columns,
    labels,
    split,
    testSource: test ? 'test-file' : splitIdx >= 0 ? 'split-column' : null,
    sources,
    previews,
    contentHashes,
    files: files.map((f) => f.input.file),
    fileOf,
    ...(keepRow?.sampledFrom !== undefined && { sampledFrom: keepRow.sampledFrom }),
  };
}

/** Characters (or bytes, streamed) of the files' text: with the row count, the size of a row's cells. */
function totalChars(files: OpenFile[]): number {
  return files.reduce((a, f) => a + f.size, 0);
}

function splitValue(cell: string, line: number, f: OpenFile, column: string): number {
  const v = parseSplitValue(cell);
  if (v < 0)
    throw new InputError(
      f.input.file,
      `line ${line} has ${quoteJson(cell.trim())} in column ${quote(column)}; ${SPLIT_EXPECTED}`,
      line,
    );
  return v;
}

/** A streamed file that would not fit the memory budget as a table is refused, with the cap that would fit. */
function refuseOverBudget(main: OpenFile, bound: number, features: number, budget: number): void {
  const perRow = features * 8 + ROW_OVERHEAD_BYTES;
  if (bound * perRow <= budget) return;
  const fits = Math.floor(budget / perRow);
  // Far fewer than fit are usually enough, and train in minutes rather than hours.
  const suggestion = Number(Math.min(fits, 100_000).toPrecision(2));
  throw new InputError(
    main.input.file,
    `is ${(main.size / 2 ** 20).toFixed(0)} MB with up to ` +
      `${formatCount(bound)} rows of ${features} features, ` +
      `about ${gb(bound * perRow)} as a table, more than the ${gb(budget)} ` +
      (`an analysis may load; expected at most ${formatCount(fits)} ` + `rows: analyze a stratified sample, e.g. `) +
      `${optionRef('maxSamples')} ${suggestion}`,
  );
}

function gb(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GB` : `${(bytes / 2 ** 20).toFixed(1)} MB`;
}

/**
 * The rows a capped, streamed load keeps: one pass over the labels (and
 * split) only, then the stratified subsample planSamples would take of the
 * same labeled rows, so streaming does not change which samples are
 * analyzed. Rows with an empty label are kept too, for planSamples to report
 * as it always does. (Column types and missing values are then judged on the
 * rows kept, not on the whole file.)
 */
function chooseRows(
  files: OpenFile[],
  labelIdx: number,
  splitAtOf: (fileNo: number) => number,
  hasSplit: boolean,
  /** `cap` samples at most; `budgeted`: for the working budget (the note comes with the features), not maxSamples. */
  options: DelimitedOptions & { cap: number; budgeted: boolean },
  warnings: string[],
): { keep: Uint8Array; kept: number; sampledFrom?: number } {
  const labelName = files[0].names[labelIdx];
  const keys: string[] = [];
  const rowOf: number[] = [];
  const unlabeled: number[] = [];
  const interned = new Map<string, string>();
  let rowsBefore = 0;
  files.forEach((f, fileNo) => {
    const labelAt = f.names.indexOf(labelName);
    const splitAt = splitAtOf(fileNo);
    const offset = rowsBefore;
    rowsBefore += forEachRow(f, (record, dataRow) => {
      const label = trimCell(record.field(labelAt));
      if (label === '') {
        unlabeled.push(offset + dataRow);
        return;
      }
      const s = splitAt >= 0 ? splitValue(record.field(splitAt), record.startLine, f, files[0].names[splitAt]) : fileNo;
      const key = `${hasSplit ? s : ''}\u0000${label}`;
      let k = interned.get(key);
      if (k === undefined) interned.set(key, (k = key));
      keys.push(k);
      rowOf.push(offset + dataRow);
    });
  });
  const keep = new Uint8Array(rowsBefore);
  for (const r of unlabeled) keep[r] = 1;
  if (keys.length <= options.cap) {
    for (const r of rowOf) keep[r] = 1;
    return { keep, kept: rowOf.length + unlabeled.length };
  }
  const chosen = stratifiedSubsample(keys, options.cap, options.seed ?? 0);
  for (const k of chosen) keep[rowOf[k]] = 1;
  if (options.budgeted) return { keep, kept: chosen.length + unlabeled.length, sampledFrom: keys.length };
  warnings.push(`Kept a stratified subsample of ${chosen.length} of ${keys.length} samples (maxSamples).`);
  return { keep, kept: chosen.length + unlabeled.length };
}

/** Second pass: the text of the columns that are not purely numeric (of the kept rows only). */
function collectStrings(files: OpenFile[], columns: RawColumn[], keep: Uint8Array | null): void {
  const wanted = columns.filter((c) => c.texts > 0);
  if (wanted.length === 0) return;
  for (const c of wanted) c.strs = new Array<string>(c.num.length);
  let row = 0;
  let rowsBefore = 0;
  for (const f of files) {
    const colAt = wanted.map((c) => f.names.indexOf(c.name));
    const offset = rowsBefore;
    rowsBefore += forEachRow(f, (record, dataRow) => {
      if (keep && !keep[offset + dataRow]) return;
      for (let c = 0; c < wanted.length; c++) wanted[c].strs![row] = trimCell(record.field(colAt[c]));
      row++;
    });
  }
}

function checkSameColumns(main: OpenFile, other: OpenFile, label: string): void {
  const diff = nameDifference(main.names, other.names, label);
  if (diff === null) return;
  throw new InputError(
    other.input.file,
    `the columns differ from the training file (${diff}); expected the same columns as ${main.input.file}`,
    other.headerLine,
  );
}
