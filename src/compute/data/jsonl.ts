/**
 * JSONL (one JSON object per line) → RawTable, so records with feature or
 * text fields go through the same featurizer as CSV. A field whose values
 * are all image paths (.png/.jpg, relative to the JSONL file's folder) makes
 * the images the samples instead; then every record must name one.
 */
import * as path from 'node:path';
import { InputError } from '../errors';
import type { SourceRef } from '../types';
import type { TextInput } from './csv';
import { detectLabelColumn, detectSplitColumn, nameDifference, parseSplitValue, SPLIT_EXPECTED } from './detectColumns';
import { listSome, readText } from './files';
import { isImageName } from './imageDecode';
import { recordDigest } from './recordDigest';
import { CELL_MISSING, PreviewBuilder, RawColumn, type RawTable } from './table';

interface JsonRecord {
  value: Record<string, unknown>;
  line: number;
  /** Fingerprint of the line's trimmed text (recordDigest.ts). */
  digest: string;
}

interface ParsedFile {
  input: TextInput;
  records: JsonRecord[];
  /** Field names in first-seen order. */
  names: string[];
}

async function parseFile(input: TextInput): Promise<ParsedFile> {
  const text = await readText(input.abs, input.file);
  if (text.trim() === '') throw new InputError(input.file, 'the file is empty; expected one JSON object per line');
  const records: JsonRecord[] = [];
  const names = new Set<string>();
  let start = 0;
  for (let line = 1; start <= text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const raw = text.slice(start, end).trim();
    start = end + 1;
    if (raw === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new InputError(input.file, `invalid JSON (${(err as Error).message}); expected one complete JSON object per line`, line);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      throw new InputError(input.file, `the line holds ${got}; expected a JSON object ({"field": value, …})`, line);
    }
    for (const k of Object.keys(value)) names.add(k);
    records.push({ value: value as Record<string, unknown>, line, digest: recordDigest(raw) });
  }
  return { input, records, names: [...names] };
}

/** The text of one field value; objects and arrays are not features. */
function cellText(v: unknown, field: string, file: string, line: number): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new InputError(
    file,
    `field '${field}' holds ${Array.isArray(v) ? 'an array' : 'an object'}; expected a number, a string, true/false or null`,
    line,
  );
}

export async function readJsonl(
  train: TextInput,
  test: TextInput | undefined,
  labelField: string | undefined,
  warnings: string[],
): Promise<RawTable> {
  const files = [await parseFile(train)];
  if (test) files.push(await parseFile(test));
  const main = files[0];
  const labelIdx = detectLabelColumn(main.names, labelField, train.file, 'field');
  const label = main.names[labelIdx];
  const splitIdx = detectSplitColumn(main.names, labelIdx);
  const splitName = splitIdx >= 0 ? main.names[splitIdx] : undefined;
  if (test && splitName) warnings.push(`Field '${splitName}' ignored: a separate test file gives the test set.`);
  const featureNames = main.names.filter((n) => n !== label && n !== splitName);
  if (test) checkSameFields(main, files[1], label);

  const n = files.reduce((a, f) => a + f.records.length, 0);
  const columns = featureNames.map((name) => new RawColumn(name, n, false, true));
  const labels: (string | null)[] = [];
  const sources: SourceRef[] = [];
  const previews: string[] = [];
  const fileOf = new Uint8Array(n);
  const split = test || splitName ? new Uint8Array(n) : null;
  const preview = new PreviewBuilder();
  files.forEach((f, fileNo) => {
    f.records.forEach(({ value, line, digest }, rowInFile) => {
      const row = labels.length;
      const file = f.input.file;
      if (!(label in value)) {
        throw new InputError(file, `the record has no '${label}' field; expected every record to have the label field '${label}'`, line);
      }
      const l = cellText(value[label], label, file, line).trim();
      labels.push(l === '' ? null : l);
      sources.push({ path: f.input.rel, line, row: rowInFile, digest });
      fileOf[row] = fileNo;
      if (split) split[row] = fileNo;
      if (splitName && !test) {
        const v = parseSplitValue(cellText(value[splitName], splitName, file, line));
        if (v < 0) throw new InputError(file, `field '${splitName}' is ${JSON.stringify(value[splitName] ?? null)}; ${SPLIT_EXPECTED}`, line);
        split![row] = v;
      }
      for (const c of columns) c.push(row, cellText(value[c.name], c.name, file, line));
      for (const name of featureNames) {
        const v = value[name];
        if (v !== undefined && !preview.add(name, typeof v === 'string' ? v : JSON.stringify(v))) break;
      }
      previews.push(preview.finish());
    });
  });

  const table: RawTable = {
    n,
    labelColumn: label,
    columns,
    labels,
    split,
    testSource: test ? 'test-file' : splitName ? 'split-column' : null,
    sources,
    previews,
    files: files.map((f) => f.input.file),
    fileOf,
  };
  attachImages(table, files, warnings);
  return table;
}

/** Detects an image path field; when there is one, the images become the samples. */
function attachImages(table: RawTable, files: ParsedFile[], warnings: string[]): void {
  const imageCols = table.columns.filter(
    (c) => c.texts > 0 && c.strs!.every((s, r) => c.state[r] === CELL_MISSING || isImageName(s)),
  );
  if (imageCols.length === 0) return;
  const col = imageCols[0];
  const others = table.columns.filter((c) => c !== col).map((c) => `'${c.name}'`);
  if (others.length > 0) {
    warnings.push(`Field${others.length === 1 ? '' : 's'} ${listSome(others)} ignored: the samples are the images named in '${col.name}'.`);
  }
  const abs: string[] = [];
  const user: string[] = [];
  for (let r = 0; r < table.n; r++) {
    const f = files[table.fileOf[r]];
    if (col.state[r] === CELL_MISSING) {
      throw new InputError(
        f.input.file,
        `the record has no image path in field '${col.name}'; expected every record to name its image (.png/.jpg)`,
        table.sources[r].line,
      );
    }
    const given = col.strs![r];
    abs.push(path.resolve(path.dirname(f.input.abs), given));
    user.push(path.isAbsolute(given) ? given : path.join(path.dirname(f.input.file), given));
  }
  table.image = { field: col.name, abs, user };
  table.columns = [];
}

function checkSameFields(main: ParsedFile, other: ParsedFile, label: string): void {
  const diff = nameDifference(main.names, other.names, label);
  if (diff === null) return;
  throw new InputError(other.input.file, `the fields differ from the training file (${diff}); expected the same fields as ${main.input.file}`);
}
