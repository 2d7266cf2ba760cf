/**
 * CSV/TSV with a header → RawTable. Two passes over the text: the first
 * checks the structure, records where each row starts, parses numbers and
 * the label/split cells; the second (only when some column holds text)
 * collects the strings of those columns. That keeps a wide numeric file at
 * a few bytes per cell instead of one string object per cell.
 */
import * as path from 'node:path';
import { InputError } from '../errors';
import type { SourceRef } from '../types';
import { countLineBreaks, DelimitedReader, delimiterName, sniffDelimiter } from './csvReader';
import { detectLabelColumn, detectSplitColumn, nameDifference, parseSplitValue, SPLIT_EXPECTED } from './detectColumns';
import { readText } from './files';
import { PreviewBuilder, RawColumn, type RawTable, trimCell } from './table';

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
  text: string;
  delimiter: string;
  names: string[];
  unnamed: boolean[];
  headerLine: number;
}

async function openDelimited(input: TextInput): Promise<OpenFile> {
  const text = await readText(input.abs, input.file);
  if (text.trim() === '') {
    throw new InputError(input.file, 'the file is empty; expected a header line with column names, then one row per sample');
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
        `the header names column '${name}' twice (columns ${first + 1} and ${k + 1}); expected unique column names`,
        reader.startLine,
      );
    }
    seen.set(name, k);
  });
  if (names.length < 2) {
    throw new InputError(
      input.file,
      `the header has a single column ('${names[0]}'); expected a label column and at least one feature column ` +
        `separated by commas, semicolons or tabs`,
      reader.startLine,
    );
  }
  return { input, text, delimiter, names, unnamed, headerLine: reader.startLine };
}

/**
 * Calls `onRow` with the fields of each data row of `f` (header skipped);
 * throws on a row with the wrong number of fields. Returns the row count.
 */
function forEachRow(f: OpenFile, onRow: (fields: string[], line: number) => void, onProgress?: (chars: number) => void): number {
  const reader = new DelimitedReader(f.text, f.delimiter, f.input.file);
  reader.next();
  const width = f.names.length;
  let rows = 0;
  while (reader.next()) {
    if (reader.count !== width) {
      // A line of spaces is blank, not a one-field record.
      if (reader.count === 1 && reader.fields[0].trim() === '') continue;
      throw new InputError(
        f.input.file,
        `line ${reader.startLine} has ${reader.count} field${reader.count === 1 ? '' : 's'}, the header has ${width}; ` +
          `expected ${width} fields separated by ${delimiterName(f.delimiter)} (quote fields that contain ${delimiterName(f.delimiter)})`,
        reader.startLine,
      );
    }
    onRow(reader.fields, reader.startLine);
    rows++;
    if (onProgress && (rows & 1023) === 0) onProgress(reader.position);
  }
  return rows;
}

export async function readDelimited(
  train: TextInput,
  test: TextInput | undefined,
  labelColumn: string | undefined,
  warnings: string[],
  onProgress?: (done: number, total: number) => void,
): Promise<RawTable> {
  const files = [await openDelimited(train)];
  if (test) files.push(await openDelimited(test));
  const main = files[0];
  const labelIdx = detectLabelColumn(main.names, labelColumn, train.file, 'column', main.headerLine);
  const splitIdx = detectSplitColumn(main.names, labelIdx);
  if (test && splitIdx >= 0) warnings.push(`Column '${main.names[splitIdx]}' ignored: a separate test file gives the test set.`);
  const featureIdx = main.names.map((_, k) => k).filter((k) => k !== labelIdx && k !== splitIdx);
  if (test) checkSameColumns(main, files[1], main.names[labelIdx]);

  const capacity = files.reduce((a, f) => a + countLineBreaks(f.text), 0);
  const decimalComma = main.delimiter === ';';
  const columns = featureIdx.map((k) => new RawColumn(main.names[k], capacity, main.unnamed[k], false, decimalComma));
  const labels: (string | null)[] = [];
  const sources: SourceRef[] = [];
  const previews: string[] = [];
  const fileOf = new Uint8Array(capacity);
  const split = test || splitIdx >= 0 ? new Uint8Array(capacity) : null;
  const preview = new PreviewBuilder();
  const totalChars = files.reduce((a, f) => a + f.text.length, 0);
  let charsBefore = 0;

  files.forEach((f, fileNo) => {
    // Field index of every wanted column in this file (a test file may order its columns differently).
    const at = (name: string) => f.names.indexOf(name);
    const colAt = columns.map((c) => at(c.name));
    const labelAt = at(main.names[labelIdx]);
    const splitAt = fileNo === 0 && !test ? splitIdx : -1;
    const previewAt = featureIdx.map((k) => at(main.names[k]));
    const first = labels.length;
    const rows = forEachRow(
      f,
      (fields, line) => {
        const row = labels.length;
        sources.push({ path: f.input.rel, line, row: row - first });
        fileOf[row] = fileNo;
        const label = trimCell(fields[labelAt]);
        labels.push(label === '' ? null : label);
        if (split) split[row] = fileNo;
        if (splitAt >= 0) {
          const v = parseSplitValue(fields[splitAt]);
          if (v < 0) {
            throw new InputError(
              f.input.file,
              `line ${line} has ${JSON.stringify(fields[splitAt].trim())} in column '${main.names[splitIdx]}'; ${SPLIT_EXPECTED}`,
              line,
            );
          }
          split![row] = v;
        }
        for (let c = 0; c < columns.length; c++) columns[c].push(row, fields[colAt[c]]);
        for (let c = 0; c < previewAt.length; c++) if (!preview.add(f.names[previewAt[c]], fields[previewAt[c]])) break;
        previews.push(preview.finish());
      },
      onProgress && ((chars) => onProgress(charsBefore + chars, totalChars)),
    );
    if (rows === 0) {
      throw new InputError(
        f.input.file,
        `the file has a header (line ${f.headerLine}) but no data rows; expected one row per sample after the header`,
        f.headerLine,
      );
    }
    charsBefore += f.text.length;
  });

  collectStrings(files, columns);
  onProgress?.(totalChars, totalChars);
  return {
    n: labels.length,
    labelColumn: main.names[labelIdx],
    columns,
    labels,
    split,
    testSource: test ? 'test-file' : splitIdx >= 0 ? 'split-column' : null,
    sources,
    previews,
    files: files.map((f) => f.input.file),
    fileOf,
  };
}

/** Second pass: the text of the columns that are not purely numeric. */
function collectStrings(files: OpenFile[], columns: RawColumn[]): void {
  const wanted = columns.filter((c) => c.texts > 0);
  if (wanted.length === 0) return;
  for (const c of wanted) c.strs = new Array<string>(c.num.length);
  let row = 0;
  for (const f of files) {
    const colAt = wanted.map((c) => f.names.indexOf(c.name));
    forEachRow(f, (fields) => {
      for (let c = 0; c < wanted.length; c++) wanted[c].strs![row] = trimCell(fields[colAt[c]]);
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
