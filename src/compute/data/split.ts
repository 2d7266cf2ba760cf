/**
 * Seeded, stratified choices over samples: the hold-out test split and the
 * `maxSamples` subsample. Both allocate per group (class, or split × class)
 * by largest remainder, so proportions are as close to exact as integers
 * allow, then pick members with a seeded shuffle: same seed, same split.
 */
import { createRng, deriveSeed, permutation, type Rng } from '../random';

/**
 * Integer counts per group that sum to `total` (when the bounds allow),
 * proportional to `sizes`: floors of the exact quotas, then +1/-1 steps to
 * the groups furthest from their quota, staying inside [lo, hi].
 */
export function allocate(sizes: number[], total: number, lo: number[], hi: number[]): number[] {
  const n = sizes.reduce((a, b) => a + b, 0);
  const quota = sizes.map((s) => (n === 0 ? 0 : (total * s) / n));
  const counts = quota.map((q, g) => Math.min(hi[g], Math.max(lo[g], Math.floor(q))));
  let diff = total - counts.reduce((a, b) => a + b, 0);
  while (diff !== 0) {
    let best = -1;
    let bestGap = -Infinity;
    for (let g = 0; g < counts.length; g++) {
      const canMove = diff > 0 ? counts[g] < hi[g] : counts[g] > lo[g];
      const gap = diff > 0 ? quota[g] - counts[g] : counts[g] - quota[g];
      if (canMove && gap > bestGap) {
        best = g;
        bestGap = gap;
      }
    }
    if (best < 0) break;
    counts[best] += diff > 0 ? 1 : -1;
    diff += diff > 0 ? -1 : 1;
  }
  return counts;
}

/** Members (indices into `keys`) grouped by key, groups in sorted key order, members in input order. */
function groupBy(keys: string[]): { names: string[]; members: number[][] } {
  const map = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const list = map.get(k);
    if (list) list.push(i);
    else map.set(k, [i]);
  });
  const names = [...map.keys()].sort(compareLabels);
  return { names, members: names.map((k) => map.get(k)!) };
}

/** `count` members of `list`, chosen by a seeded shuffle. */
function pick(list: number[], count: number, rng: Rng): number[] {
  const order = permutation(list.length, rng);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(list[order[i]]);
  return out;
}

/**
 * Stratified hold-out: which of the samples (by label) go to the test split.
 * The test size is round(fraction · n); every class with at least two
 * samples keeps at least one in train, and a class with a single sample
 * stays in train (a class the model never sees cannot be learned).
 */
export function stratifiedHoldout(labels: string[], fraction: number, seed: number): Uint8Array {
  const { members } = groupBy(labels);
  const sizes = members.map((m) => m.length);
  const counts = allocate(
    sizes,
    Math.round(fraction * labels.length),
    sizes.map(() => 0),
    sizes.map((s) => (s >= 2 ? s - 1 : 0)),
  );
  const rng = createRng(deriveSeed(seed, 'holdout'));
  const isTest = new Uint8Array(labels.length);
  members.forEach((m, g) => {
    for (const i of pick(m, counts[g], rng)) isTest[i] = 1;
  });
  return isTest;
}

/**
 * A deterministic stratified subsample of at most `cap` samples: indices
 * (ascending, so file order is kept) into `keys`. Every group keeps at least
 * one sample while the cap allows.
 */
export function stratifiedSubsample(keys: string[], cap: number, seed: number): Int32Array {
  if (keys.length <= cap) return Int32Array.from(keys.keys());
  const { members } = groupBy(keys);
  const sizes = members.map((m) => m.length);
  const lo = sizes.map(() => (cap >= sizes.length ? 1 : 0));
  const counts = allocate(sizes, cap, lo, sizes);
  const rng = createRng(deriveSeed(seed, 'subsample'));
  const chosen: number[] = [];
  members.forEach((m, g) => {
    for (const i of pick(m, counts[g], rng)) chosen.push(i);
  });
  return Int32Array.from(chosen).sort();
}

const NUMERIC_LABEL_RE = /^[+-]?\d+(\.\d+)?$/;

/**
 * Order of class names: numerically when both look like numbers ("2" before
 * "10"), otherwise by UTF-16 code units (locale-independent, so the class
 * indices are the same on every machine).
 */
export function compareLabels(a: string, b: string): number {
  if (NUMERIC_LABEL_RE.test(a) && NUMERIC_LABEL_RE.test(b)) {
    const d = Number(a) - Number(b);
    if (d !== 0) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
