/**
 * JSONL (one JSON object per line) → RawTable, so records with feature or
 * text fields go through the same featurizer as CSV. A field whose values
 * are all image paths (.png/.jpg, relative to the JSONL file's folder) makes
 * the images the samples instead; then every record must name one.
 */
import * as path from 'node:path';
import { InputError } from '../errors';
import { recordContentHash } from '../issues/contentHash';
import type { SourceRef } from '../types';
import type { TextInput } from './csv';
import { detectLabelColumn, detectSplitColumn, nameDifference, parseSplitValue, SPLIT_EXPECTED } from './detectColumns';
import { listSome, readText } from './files';
import { isImageName } from './imageDecode';
import { recordDigest } from './recordDigest';
import { CELL_MISSING, CELL_NUMBER, PreviewBuilder, RawColumn, type RawTable, trimCell } from './table';
import { clip, escapeControl, quote } from './quote';

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

/**
 * The records of a JSONL text, one JSON value per non-blank line, with their line numbers: the one place that
 * decides record boundaries, shared by the loader and the embedding reader so both count lines alike.
 */
export function* jsonlRecords(text: string, file: string): Generator<{ raw: string; line: number; value: unknown }> {
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
      throw new InputError(
        file,
        `invalid JSON (${(err as Error).message}); expected one complete JSON object per line`,
        line,
      );
    }
    yield { raw, line, value };
  }
}

async function parseFile(input: TextInput): Promise<ParsedFile> {
  const text = await readText(input.abs, input.file);
  if (text.trim() === '') throw new InputError(input.file, 'the file is empty; expected one JSON object per line');
  const records: JsonRecord[] = [];
  const names = new Set<string>();
  for (const { raw, line, value } of jsonlRecords(text, input.file)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      throw new InputError(input.file, `the line holds ${got}; expected a JSON object ({"field": value, …})`, line);
    }
    for (const k of Object.keys(value)) {
      names.add(k);
      const v = (value as Record<string, unknown>)[k];
      // JSON.parse turns 1e400 into Infinity; keep the text the user wrote, for the messages.
      if (typeof v === 'number' && v - v !== 0)
        (value as Record<string, unknown>)[k] = new OverflowedNumber(numberText(raw, k));
    }
    records.push({ value: value as Record<string, unknown>, line, digest: recordDigest(raw) });
  }
  return { input, records, names: [...names] };
}

/** A number too large for a double (JSON.parse gives ±Infinity), with its source text. */
class OverflowedNumber {
  constructor(readonly text: string) {}
}

const NUMBER_TOKEN = '-?(?:0|[1-9]\\d*)(?:\\.\\d+)?(?:[eE][+-]?\\d+)?';

/**
 * The source text of field `key`'s number in the JSON line `raw`: after the
 * key (as JSON spells it) and a colon. Inside a string value the key's
 * quotes would be escaped, so the match is the field itself. Falls back to
 * the first overflowing number on the line.
 */
export function numberText(raw: string, key: string): string {
  const keyed = new RegExp(`${escapeRegExp(JSON.stringify(key))}\\s*:\\s*(${NUMBER_TOKEN})`, 'g');
  for (const m of raw.matchAll(keyed)) if (!Number.isFinite(Number(m[1]))) return m[1];
  for (const m of raw.matchAll(new RegExp(NUMBER_TOKEN, 'g'))) if (!Number.isFinite(Number(m[0]))) return m[0];
  return 'Infinity';
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The text of one field value; objects and arrays are not features. */
function cellText(v: unknown, field: string, file: string, line: number): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (v instanceof OverflowedNumber) return v.text;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new InputError(
    file,
    `field ${quote(field)} holds ` +
      `${Array.isArray(v) ? 'an array' : 'an object'}; expected a number, a ` +
      `string, true/false or null`,
    line,
  );
}

export async function readJsonl(
  train: TextInput,
  test: TextInput | undefined,
  labelField: string | undefined,
  warnings: string[],
  /** Fields read elsewhere (an embedding array), left out of the features. */
  ignoreFields: string[] = [],
): Promise<RawTable> {
  const files = [await parseFile(train)];
  if (test) files.push(await parseFile(test));
  const main = files[0];
  const labelIdx = detectLabelColumn(main.names, labelField, train.file, 'field');
  const label = main.names[labelIdx];
  const splitIdx = detectSplitColumn(main.names, labelIdx);
  const splitName = splitIdx >= 0 ? main.names[splitIdx] : undefined;
  if (test && splitName) warnings.push(`Field '${splitName}' ignored: a separate test file gives the test set.`);
  const featureNames = main.names.filter((n) => n !== label && n !== splitName && !ignoreFields.includes(n));
  if (test) checkSameFields(main, files[1], label);

  const n = files.reduce((a, f) => a + f.records.length, 0);
  // No string per cell: a JSON number's text is String(value), rebuilt from the parsed number when a
  // column turns out not to be numeric (keepStrings), so a numeric field costs 9 bytes a cell, not a string.
  const columns = featureNames.map((name) => new RawColumn(name, n, false, false));
  const written: (string[] | undefined)[] = columns.map(() => undefined);
  const labels: (string | null)[] = [];
  const sources: SourceRef[] = [];
  const previews: string[] = [];
  const contentHashes: number[] = [];
  const fileOf = new Uint8Array(n);
  const split = test || splitName ? new Uint8Array(n) : null;
  const preview = new PreviewBuilder();
  files.forEach((f, fileNo) => {
    f.records.forEach(({ value, line, digest }, rowInFile) => {
      const row = labels.length;
      const file = f.input.file;
      if (!(label in value)) {
        throw new InputError(
          file,
          `the record has no ${quote(label)} field; expected every record to have the label field ${quote(label)}`,
          line,
        );
      }
      const l = cellText(value[label], label, file, line).trim();
      labels.push(l === '' ? null : l);
      sources.push({ path: f.input.rel, line, row: rowInFile, digest });
      fileOf[row] = fileNo;
      if (split) split[row] = fileNo;
      if (splitName && !test) {
        const v = parseSplitValue(cellText(value[splitName], splitName, file, line));
        if (v < 0)
          throw new InputError(
            file,
            `field ${quote(splitName)} is ` +
              `${escapeControl(clip(JSON.stringify(value[splitName] ?? null)))}; ` +
              `${SPLIT_EXPECTED}`,
            line,
          );
        split![row] = v;
      }
      const cells: string[] = [];
      for (let k = 0; k < columns.length; k++) {
        const c = columns[k];
        const v = value[c.name];
        const text = cellText(v, c.name, file, line);
        cells.push(text);
        c.push(row, text);
        // Strings as written ("007" is a number but also a category); numbers are rebuilt later.
        if (typeof v !== 'number' && text !== '') (written[k] ??= new Array<string>(n))[row] = trimCell(text);
      }
      for (const name of featureNames) {
        const v = value[name];
        if (
          v !== undefined &&
          !preview.add(name, typeof v === 'string' ? v : v instanceof OverflowedNumber ? v.text : JSON.stringify(v))
        )
          break;
      }
      previews.push(preview.finish());
      contentHashes.push(recordContentHash(cells));
    });
  });

  keepStrings(columns, written);
  const table: RawTable = {
    n,
    labelColumn: label,
    columns,
    labels,
    split,
    testSource: test ? 'test-file' : splitName ? 'split-column' : null,
    sources,
    previews,
    contentHashes,
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
  const others = table.columns.filter((c) => c !== col).map((c) => quote(c.name));
  if (others.length > 0) {
    warnings.push(
      `Field${others.length === 1 ? '' : 's'} ${listSome(others)} ignored: ` +
        `the samples are the images named in ${quote(col.name)}.`,
    );
  }
  const abs: string[] = [];
  const user: string[] = [];
  for (let r = 0; r < table.n; r++) {
    const f = files[table.fileOf[r]];
    if (col.state[r] === CELL_MISSING) {
      throw new InputError(
        f.input.file,
        `the record has no image path in field ${quote(col.name)}; expected every record to name its image (.png/.jpg)`,
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
  throw new InputError(
    other.input.file,
    `the fields differ from the training file (${diff}); expected the same fields as ${main.input.file}`,
  );
}

/**
 * The text of every cell of the columns that hold text (the others need
 * none): the string as written, else the number's own spelling (what
 * String(value) gave when it was read), else '' for a missing cell.
 */
function keepStrings(columns: RawColumn[], written: (string[] | undefined)[]): void {
  columns.forEach((c, k) => {
    if (c.texts === 0) return;
    const strs = written[k] ?? new Array<string>(c.num.length);
    for (let r = 0; r < strs.length; r++) {
      if (strs[r] === undefined) strs[r] = c.state[r] === CELL_NUMBER ? String(c.num[r]) : '';
    }
    c.strs = strs;
  });
}
