/**
 * Turns raw columns into dense features. Every statistic (means, standard
 * deviations, categories, idf) is fitted on the TRAINING rows only and then
 * applied unchanged to both splits, so nothing about the test set leaks into
 * the features the model is trained on.
 *
 *  - numeric: (v - mean) / std; a missing cell gets the mean, i.e. 0;
 *    a constant column is all 0s (and named in a warning).
 *  - categorical: one-hot over the categories seen in training (sorted), plus
 *    a trailing "missing" slot when training rows have missing cells; an
 *    unseen category is all zeros.
 *  - text: hashed word uni+bigram TF-IDF (see tfidf.ts).
 */
import type { ColumnKind } from './detectColumns';
import { CELL_MISSING, type RawColumn, type RawTable } from './table';
import { TfidfModel } from './tfidf';
import { quote } from './quote';

/** A local copy: per-cell reads of an imported binding cost a getter call under CommonJS. */
const MISSING = CELL_MISSING;

/** Standardized values are clipped to ±MAX_Z so a wild test value cannot overflow float32. */
const MAX_Z = 1e6;

/** More categories than this are cut to the most frequent ones (the rest encode as zeros). */
export const MAX_CATEGORIES = 100;

interface NumericBlock {
  kind: 'numeric';
  col: RawColumn;
  offset: number;
  mean: number;
  std: number;
}
type Block =
  | NumericBlock
  | { kind: 'onehot'; col: RawColumn; offset: number; slots: Map<string, number>; missingSlot: number }
  | { kind: 'text'; col: RawColumn; offset: number; model: TfidfModel };

export interface Featurizer {
  blocks: Block[];
  dims: number;
}

export function fitFeaturizer(
  table: RawTable,
  kinds: ColumnKind[],
  train: Int32Array,
  test: Int32Array,
  warnings: string[],
): Featurizer {
  const blocks: Block[] = [];
  let offset = 0;
  table.columns.forEach((col, k) => {
    const kind = kinds[k];
    if (kind === 'drop') return;
    const missTrain = countMissing(col, train);
    const missTest = countMissing(col, test);
    let block: Block;
    let width: number;
    if (kind === 'numeric') {
      const { mean, std } = trainMoments(col, train);
      block = { kind, col, offset, mean, std };
      width = 1;
      if (std === 0 && missTrain < train.length) {
        warnings.push(
          `Column ${quote(col.name)} has the same value in every training row; it ` +
            `carries no information (encoded as 0).`,
        );
      }
      if (missTrain + missTest > 0) {
        warnings.push(`${missingPhrase(col, missTrain, missTest)} imputed with the training mean.`);
      }
    } else if (kind === 'categorical') {
      const slots = categorySlots(col, train, warnings);
      const missingSlot = missTrain > 0 ? slots.size : -1;
      block = { kind: 'onehot', col, offset, slots, missingSlot };
      width = slots.size + (missingSlot >= 0 ? 1 : 0);
      if (missTrain + missTest > 0) {
        const how =
          missingSlot >= 0
            ? `encoded as a separate 'missing' category`
            : `encoded as all zeros (no training row has a missing value there)`;
        warnings.push(`${missingPhrase(col, missTrain, missTest)} ${how}.`);
      }
    } else {
      const texts = col.strs!;
      const model = TfidfModel.fit(iterateTexts(col, texts, train));
      block = { kind: 'text', col, offset, model };
      width = model.dims;
      if (missTrain + missTest > 0) warnings.push(`${missingPhrase(col, missTrain, missTest)} treated as empty text.`);
    }
    if (width > 0) {
      blocks.push(block);
      offset += width;
    }
  });
  return { blocks, dims: offset };
}

/**
 * Features of `rows`, row-major rows.length × dims. Allocated in shared
 * memory where there is any, so the training threads can read them without
 * a copy (pipeline/analyze.ts shares them; at 100,000 × 784 a copy made
 * after loading is 300 MB the process never gives back).
 */
export function transform(f: Featurizer, rows: Int32Array): Float32Array {
  const dims = f.dims;
  const bytes = rows.length * dims * Float32Array.BYTES_PER_ELEMENT;
  const out =
    typeof SharedArrayBuffer === 'function'
      ? new Float32Array(new SharedArrayBuffer(bytes))
      : new Float32Array(rows.length * dims);
  for (const b of f.blocks) {
    if (b.kind === 'numeric') {
      // A constant column is all zeros, as the buffer already is.
      if (b.std !== 0) numericInto(out, dims, b, rows);
      continue;
    }
    const { col } = b;
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      const at = i * dims + b.offset;
      const missing = col.state[r] === MISSING;
      if (b.kind === 'onehot') {
        const slot = missing ? b.missingSlot : (b.slots.get(col.strs![r]) ?? -1);
        if (slot >= 0) out[at + slot] = 1;
      } else if (!missing) {
        b.model.transformInto(col.strs![r], out, at);
      }
    }
  }
  return out;
}

/**
 * One numeric column's z-scores into its slot of every row (a missing cell
 * stays 0, the training mean). Its own small loop: on a small table the
 * whole transform runs in barely warmed-up code, where a kind test per cell
 * costs as much as the arithmetic.
 */
function numericInto(out: Float32Array, dims: number, b: NumericBlock, rows: Int32Array): void {
  const { num, state } = b.col;
  const { mean, std } = b;
  for (let i = 0, at = b.offset; i < rows.length; i++, at += dims) {
    const r = rows[i];
    if (state[r] === MISSING) continue;
    const z = zScore(num[r], mean, std);
    // Training z-scores are bounded by sqrt(n); only a wild test value can get near float32's range.
    out[at] = z > MAX_Z ? MAX_Z : z < -MAX_Z ? -MAX_Z : z;
  }
}

function countMissing(col: RawColumn, rows: Int32Array): number {
  if (col.missing === 0) return 0;
  let m = 0;
  for (let i = 0; i < rows.length; i++) if (col.state[rows[i]] === MISSING) m++;
  return m;
}

function missingPhrase(col: RawColumn, train: number, test: number): string {
  const total = train + test;
  return (
    `Column ${quote(col.name)}: ${total} missing ` +
    `value${total === 1 ? '' : 's'} (${train} in train, ${test} in test)`
  );
}

/**
 * Mean and population standard deviation of the training values, in two
 * passes over values divided by their largest magnitude first: near ±1e308
 * the plain sums and squares overflow to Infinity, and a column that
 * separates the classes perfectly would come out as "no scale" (std 0, all
 * zeros). Scaled, every term is in [-1, 1] and both results are finite.
 */
export function trainMoments(col: RawColumn, train: Int32Array): { mean: number; std: number } {
  let n = 0;
  let scale = 0;
  for (let i = 0; i < train.length; i++) {
    const r = train[i];
    if (col.state[r] !== MISSING) {
      const a = Math.abs(col.num[r]);
      if (a > scale) scale = a;
      n++;
    }
  }
  if (n === 0 || scale === 0) return { mean: 0, std: 0 };
  let sum = 0;
  for (let i = 0; i < train.length; i++) {
    const r = train[i];
    if (col.state[r] !== MISSING) sum += col.num[r] / scale;
  }
  const m = sum / n;
  let ss = 0;
  for (let i = 0; i < train.length; i++) {
    const r = train[i];
    if (col.state[r] !== MISSING) ss += (col.num[r] / scale - m) ** 2;
  }
  const mean = m * scale;
  const std = Math.sqrt(ss / n) * scale;
  // Round-off can leave a tiny std on a constant column; treat it as constant. Relative to the column's own largest
  // magnitude, never to 1: a column measured in units of 1e-30 varies as much as one in units of 1.
  return { mean, std: std <= 1e-12 * scale ? 0 : std };
}

/** (v - mean) / std without overflowing when v and mean are far apart near the end of the double range. */
function zScore(v: number, mean: number, std: number): number {
  const d = v - mean;
  return d - d === 0 ? d / std : v / std - mean / std;
}

/** Category → one-hot slot: training categories in sorted order, cut to MAX_CATEGORIES by frequency. */
function categorySlots(col: RawColumn, train: Int32Array, warnings: string[]): Map<string, number> {
  const freq = new Map<string, number>();
  for (let i = 0; i < train.length; i++) {
    const r = train[i];
    if (col.state[r] !== MISSING) {
      const v = col.strs![r];
      freq.set(v, (freq.get(v) ?? 0) + 1);
    }
  }
  let names = [...freq.keys()];
  if (names.length > MAX_CATEGORIES) {
    names.sort((a, b) => freq.get(b)! - freq.get(a)! || compareCodeUnits(a, b));
    warnings.push(
      `Column ${quote(col.name)} has ${names.length} categories; kept the ${MAX_CATEGORIES} most frequent, ` +
        `the others are encoded as all zeros.`,
    );
    names = names.slice(0, MAX_CATEGORIES);
  }
  names.sort(compareCodeUnits);
  return new Map(names.map((name, k) => [name, k]));
}

function* iterateTexts(col: RawColumn, texts: string[], rows: Int32Array): Generator<string> {
  for (let i = 0; i < rows.length; i++) yield col.state[rows[i]] === MISSING ? '' : texts[rows[i]];
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
