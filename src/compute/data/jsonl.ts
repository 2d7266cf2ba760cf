/**
 * JSONL (one JSON object per line) → RawTable, so records with feature or
 * text fields go through the same featurizer as CSV. A field whose values
 * are all image paths (.png/.jpg, relative to the JSONL file's folder) makes
 * the images the samples instead; then every record must name one.
 */
import * as path from 'node:path';
import { InputError } from '../errors';
import { RowFingerprint } from '../issues/contentHash';
import type { SourceRef } from '../types';
import type { TextInput } from './csv';
import { chooseLabel, detectSplitColumn, nameDifference, parseSplitValue, SPLIT_EXPECTED } from './detectColumns';
import { listSome, readText } from './files';
import { isImageName } from './imageDecode';
import { MAX_CATEGORIES } from './featurize';
import { recordDigest } from './recordDigest';
import { largestSample, type SampleBudget, tableCap } from './sampleBudget';
import { stratifiedSubsample } from './split';
import { TEXT_BUCKETS } from './tfidf';
import { CELL_MISSING, CELL_NUMBER, PreviewBuilder, RawColumn, type RawTable, SPLIT_TEST, trimCell } from './table';
import { clip, escapeControl, quote } from './quote';

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

/** One loaded file after the first pass: its text and what its records hold, but not the records themselves. */
interface ScannedFile {
  input: TextInput;
  text: string;
  /** Field names in first-seen order. */
  names: string[];
  /**
   * Per field holding strings or booleans: its distinct values, up to MAX_CATEGORIES + 1 of them (a bound on the
   * features it can become); and whether every string is an image name (then the images may be the samples).
   */
  strings: Map<string, { distinct: Set<string>; images: boolean }>;
  /** Records (non-blank lines). */
  records: number;
}

/**
 * The records of a file as objects, parsed again on each pass so a million-line file never holds a million
 * objects: the first pass learns the fields, the next ones take the labels (to choose a sample) and the rows kept.
 */
function* fileRecords(
  f: Pick<ScannedFile, 'input' | 'text'>,
): Generator<{ raw: string; line: number; record: number; value: Record<string, unknown> }> {
  let record = 0;
  for (const { raw, line, value } of jsonlRecords(f.text, f.input.file)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
      throw new InputError(f.input.file, `the line holds ${got}; expected a JSON object ({"field": value, …})`, line);
    }
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      // JSON.parse turns 1e400 into Infinity; keep the text the user wrote, for the messages.
      if (typeof v === 'number' && v - v !== 0) obj[k] = new OverflowedNumber(numberText(raw, k));
    }
    yield { raw, line, record: record++, value: obj };
  }
}

async function scanFile(input: TextInput): Promise<ScannedFile> {
  const text = await readText(input.abs, input.file);
  if (text.trim() === '') throw new InputError(input.file, 'the file is empty; expected one JSON object per line');
  const names = new Set<string>();
  const strings: ScannedFile['strings'] = new Map();
  let records = 0;
  for (const { value } of fileRecords({ input, text })) {
    records++;
    for (const k of Object.keys(value)) {
      names.add(k);
      const v = value[k];
      if (typeof v !== 'string' && typeof v !== 'boolean') continue;
      let seen = strings.get(k);
      if (!seen) strings.set(k, (seen = { distinct: new Set(), images: true }));
      if (seen.distinct.size <= MAX_CATEGORIES) seen.distinct.add(String(v));
      if (seen.images && !(typeof v === 'string' && isImageName(v))) seen.images = false;
    }
  }
  return { input, text, names: [...names], strings, records };
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

/** How many records to load: the user's cap, or the working budget's; both by a stratified sample of the labels. */
export interface JsonlSampling {
  maxSamples?: number;
  budget?: SampleBudget;
  seed: number;
  testFraction: number;
  /** The features come from the user's embeddings or model: the fields bound no features, only the table's size. */
  featuresElsewhere?: boolean;
}

export async function readJsonl(
  train: TextInput,
  test: TextInput | undefined,
  labelField: string | undefined,
  warnings: string[],
  /** Fields read elsewhere (an embedding array), left out of the features. */
  ignoreFields: string[] = [],
  sampling?: JsonlSampling,
): Promise<RawTable> {
  const files = [await scanFile(train)];
  if (test) files.push(await scanFile(test));
  const main = files[0];
  const labelChoice = chooseLabel(main.names, labelField, train.file, 'field', warnings);
  const labelIdx = labelChoice.index;
  const label = main.names[labelIdx];
  const splitIdx = detectSplitColumn(main.names, labelIdx);
  const splitName = splitIdx >= 0 ? main.names[splitIdx] : undefined;
  if (test && splitName) warnings.push(`Field '${splitName}' ignored: a separate test file gives the test set.`);
  const featureNames = main.names.filter((n) => n !== label && n !== splitName && !ignoreFields.includes(n));
  if (test) checkSameFields(main, files[1], label);

  const chosen = sampling && chooseRecords(files, label, splitName, featureNames, sampling, warnings);
  const keep = chosen?.keep;
  const n = keep ? chosen.kept : files.reduce((a, f) => a + f.records, 0);
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
  const fingerprint = new RowFingerprint();
  let recordsBefore = 0;
  files.forEach((f, fileNo) => {
    const file = f.input.file;
    for (const { raw, value, line, record } of fileRecords(f)) {
      if (keep && !keep[recordsBefore + record]) continue;
      const row = labels.length;
      labels.push(labelText(value, label, file, line));
      sources.push({ path: f.input.rel, line, row: record, digest: recordDigest(raw) });
      fileOf[row] = fileNo;
      if (split) split[row] = fileNo;
      if (splitName && !test) split![row] = splitOf(value, splitName, file, line);
      for (let k = 0; k < columns.length; k++) {
        const c = columns[k];
        const v = value[c.name];
        const text = cellText(v, c.name, file, line);
        fingerprint.cell(text, c.push(row, text), false);
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
      contentHashes.push(fingerprint.finish());
    }
    recordsBefore += f.records;
  });

  keepStrings(columns, written);
  const table: RawTable = {
    n,
    labelColumn: label,
    labelGuessed: labelChoice.guessed,
    columns,
    labels,
    split,
    testSource: test ? 'test-file' : splitName ? 'split-column' : null,
    sources,
    previews,
    contentHashes,
    files: files.map((f) => f.input.file),
    fileOf,
    ...(chosen?.sampledFrom !== undefined && { sampledFrom: chosen.sampledFrom }),
  };
  attachImages(table, files, warnings);
  return table;
}

/** The record's label as text ('' → null: an unlabeled record, skipped and reported by planSamples). */
function labelText(value: Record<string, unknown>, label: string, file: string, line: number): string | null {
  if (!(label in value)) {
    throw new InputError(
      file,
      `the record has no ${quote(label)} field; expected every record to have the label field ${quote(label)}`,
      line,
    );
  }
  const l = cellText(value[label], label, file, line).trim();
  return l === '' ? null : l;
}

function splitOf(value: Record<string, unknown>, splitName: string, file: string, line: number): number {
  const v = parseSplitValue(cellText(value[splitName], splitName, file, line));
  if (v < 0)
    throw new InputError(
      file,
      `field ${quote(splitName)} is ${escapeControl(clip(JSON.stringify(value[splitName] ?? null)))}; ${SPLIT_EXPECTED}`,
      line,
    );
  return v;
}

/**
 * The records to load when the user capped the samples, or when the working budget would not hold a run on all of
 * them: a pass over the labels (and split) only, then the stratified sample planSamples would take of the same
 * labeled records, so the rest are never held. Unlabeled records are kept for planSamples to report. Null when
 * every record is loaded.
 */
function chooseRecords(
  files: ScannedFile[],
  label: string,
  splitName: string | undefined,
  featureNames: string[],
  sampling: JsonlSampling,
  warnings: string[],
): { keep: Uint8Array; kept: number; sampledFrom?: number } | null {
  const total = files.reduce((a, f) => a + f.records, 0);
  const hasSplit = files.length > 1 || splitName !== undefined;
  const keys: string[] = [];
  const rowOf: number[] = [];
  const unlabeled: number[] = [];
  const interned = new Map<string, string>();
  let recordsBefore = 0;
  let nTest = 0;
  files.forEach((f, fileNo) => {
    for (const { value, line, record } of fileRecords(f)) {
      const l = labelText(value, label, f.input.file, line);
      if (l === null) {
        unlabeled.push(recordsBefore + record);
        continue;
      }
      const s =
        splitName && fileNo === 0 && files.length === 1 ? splitOf(value, splitName, f.input.file, line) : fileNo;
      if (hasSplit && s === SPLIT_TEST) nTest++;
      const key = `${hasSplit ? s : ''}\u0000${l}`;
      let k = interned.get(key);
      if (k === undefined) interned.set(key, (k = key));
      keys.push(k);
      rowOf.push(recordsBefore + record);
    }
    recordsBefore += f.records;
  });
  let cap = sampling.maxSamples;
  let budgeted = false;
  if (cap === undefined && sampling.budget) {
    // Before the features exist their width is bounded by the field types: a number is one feature, a field of
    // strings at most one per category (plus missing) or TEXT_BUCKETS for text. Image paths: decided later.
    const fields = featureNames.map((name) => files[0].strings.get(name));
    if (fields.some((f) => f?.images)) return null;
    const dims = fields.reduce(
      (a, f) => a + (!f ? 1 : f.distinct.size <= MAX_CATEGORIES ? f.distinct.size + 1 : TEXT_BUCKETS),
      0,
    );
    if (nTest === 0) nTest = Math.round(keys.length * sampling.testFraction);
    const numClasses = new Set(keys.map((k) => k.slice(k.indexOf('\u0000') + 1))).size;
    const k = sampling.featuresElsewhere
      ? keys.length
      : largestSample(sampling.budget, { nTrain: keys.length - nTest, nTest, numClasses, dims });
    // The records' table (before features) lives beside the features while they are built: it has its share.
    const chars = files.reduce((a, f) => a + f.text.length, 0);
    const c = Math.min(k, tableCap(sampling.budget, total, featureNames.length, chars / total) ?? total);
    if (c >= 2 * numClasses) {
      cap = c;
      budgeted = true;
    }
  }
  if (cap === undefined || keys.length <= cap) return null;
  const keep = new Uint8Array(total);
  for (const r of unlabeled) keep[r] = 1;
  const picked = stratifiedSubsample(keys, cap, sampling.seed);
  for (const k of picked) keep[rowOf[k]] = 1;
  if (!budgeted)
    warnings.push(`Kept a stratified subsample of ${picked.length} of ${keys.length} samples (maxSamples).`);
  return { keep, kept: picked.length + unlabeled.length, ...(budgeted && { sampledFrom: keys.length }) };
}

/** Detects an image path field; when there is one, the images become the samples. */
function attachImages(table: RawTable, files: ScannedFile[], warnings: string[]): void {
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

function checkSameFields(main: ScannedFile, other: ScannedFile, label: string): void {
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
