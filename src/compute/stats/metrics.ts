/**
 * The numbers we judge the engine by (DESIGN.md §5): correlation between
 * predicted and actual leave-one-out loss changes (fidelity), and how well a
 * score ranks the truly mislabeled samples first (AUROC, average precision,
 * recall after inspecting the top fraction).
 *
 * Every function takes plain numbers or typed arrays and works in Float64.
 * Ties are handled so the result never depends on the input order: a metric
 * that changed when two equal scores swapped places would make benchmarks
 * flaky for no reason.
 */

/** Scores/values: number[], Float32Array, Float64Array, … */
export type Numbers = ArrayLike<number>;
/** Which samples are positives (e.g. truly mislabeled). */
export type Positives = ArrayLike<boolean> | Uint8Array;

/**
 * Pearson's linear correlation r between `a` and `b`.
 *
 * Range [-1, 1]; 1 = the points lie on a rising straight line, 0 = no linear
 * relation. For influence fidelity (predicted vs actual change of test loss)
 * higher is better; convex models should reach ≥ 0.95.
 * Returns NaN when it is undefined: fewer than 2 points, or one side constant.
 */
export function pearson(a: Numbers, b: Numbers): number {
  checkPair(a, b, 'pearson');
  const n = a.length;
  if (n < 2) return NaN;
  // Two passes (means first) rather than the one-pass sum-of-products
  // formula, which cancels catastrophically when values share a large offset.
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i];
    meanB += b[i];
  }
  meanA /= n;
  meanB /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - meanA;
    const db = b[i] - meanB;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  if (saa === 0 || sbb === 0) return NaN;
  // Rounding can push |r| a hair past 1; clamp so callers can trust the range.
  return Math.max(-1, Math.min(1, sab / Math.sqrt(saa * sbb)));
}

/**
 * Spearman's rank correlation ρ: Pearson's r of the ranks (tied values share
 * their average rank).
 *
 * Range [-1, 1]; 1 = the two orderings agree exactly. Higher is better for
 * fidelity. Unlike Pearson it ignores the scale of the values, so a few
 * enormous influence values cannot dominate it; it answers "does the estimator
 * order the samples right?".
 * Returns NaN when fewer than 2 points or one side is constant.
 */
export function spearman(a: Numbers, b: Numbers): number {
  checkPair(a, b, 'spearman');
  return pearson(averageRanks(a), averageRanks(b));
}

/**
 * 1-based ranks in ascending order; each group of tied values gets the mean of
 * the ranks it spans (e.g. [10, 20, 20, 30] → [1, 2.5, 2.5, 4]).
 */
export function averageRanks(values: Numbers): Float64Array {
  checkNotNaN(values, 'averageRanks');
  const n = values.length;
  const order = sortedIndices(values, 'ascending');
  const ranks = new Float64Array(n);
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && values[order[end]] === values[order[start]]) end++;
    // Positions start..end-1 hold ranks start+1..end; their mean:
    const rank = (start + 1 + end) / 2;
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    start = end;
  }
  return ranks;
}

/**
 * Area under the ROC curve: the probability that a randomly chosen positive
 * scores higher than a randomly chosen negative (a tie counts half).
 * Higher score must mean "more likely positive".
 *
 * Range [0, 1]; 0.5 = random ranking, 1 = every positive above every
 * negative. Higher is better. Insensitive to how rare positives are, so it
 * reads the same at 5% or 30% label noise.
 * Returns NaN when there are no positives or no negatives.
 */
export function auroc(scores: Numbers, positives: Positives): number {
  checkPair(scores, positives, 'auroc');
  const { nPos, nNeg } = countClasses(positives);
  if (nPos === 0 || nNeg === 0) return NaN;
  // Mann–Whitney: with average ranks, the positives' rank sum minus its
  // minimum possible value counts (positive, negative) pairs the positive
  // wins, ties as one half.
  const ranks = averageRanks(scores);
  let rankSum = 0;
  for (let i = 0; i < ranks.length; i++) if (positives[i]) rankSum += ranks[i];
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Average precision (area under the precision–recall curve, step-wise):
 * Σ over score thresholds of (gain in recall) × (precision at that threshold).
 * Tied scores form one threshold, so the order among ties does not matter.
 *
 * Range (0, 1]; a random ranking scores about the positive rate (0.1 at 10%
 * noise), 1 = all positives ranked first. Higher is better. Unlike AUROC it
 * rewards getting the *top* of the list right, which is what a user reviewing
 * suspects one by one experiences.
 * Returns NaN when there are no positives.
 */
export function averagePrecision(scores: Numbers, positives: Positives): number {
  checkPair(scores, positives, 'averagePrecision');
  checkNotNaN(scores, 'averagePrecision');
  const { nPos } = countClasses(positives);
  if (nPos === 0) return NaN;
  const order = sortedIndices(scores, 'descending');
  const n = order.length;
  let ap = 0;
  let hits = 0;
  let start = 0;
  while (start < n) {
    let end = start;
    let groupHits = 0;
    while (end < n && scores[order[end]] === scores[order[start]]) {
      if (positives[order[end]]) groupHits++;
      end++;
    }
    hits += groupHits;
    // Recall rises by groupHits/nPos at this threshold; precision there is hits/end.
    if (groupHits > 0) ap += (groupHits / nPos) * (hits / end);
    start = end;
  }
  return ap;
}

/**
 * Recall after inspecting the top ⌈fraction·n⌉ samples by score: the share of
 * all positives found there ("review the top 10% of the list, how many of the
 * wrong labels did you fix?").
 *
 * Range [0, 1]; random ordering gives about `fraction`, and the best possible
 * is min(1, ⌈fraction·n⌉ / #positives). Higher is better.
 * When the cut falls inside a group of tied scores, the group contributes its
 * expected share (as if ties were broken at random), so the result does not
 * depend on input order. Returns NaN when there are no positives.
 */
export function recallAtFraction(scores: Numbers, positives: Positives, fraction: number): number {
  checkPair(scores, positives, 'recallAtFraction');
  checkNotNaN(scores, 'recallAtFraction');
  if (!(fraction >= 0 && fraction <= 1)) {
    throw new RangeError(`recallAtFraction: fraction must be in [0, 1], got ${fraction}`);
  }
  const { nPos } = countClasses(positives);
  if (nPos === 0) return NaN;
  const n = scores.length;
  // The small slack stops float noise from adding a sample: 0.1 × 30 is
  // 3.0000000000000004 in binary, whose ceiling would be 4.
  const k = Math.min(n, Math.ceil(fraction * n - 1e-9));
  const order = sortedIndices(scores, 'descending');
  let taken = 0;
  let hits = 0;
  let start = 0;
  while (start < n && taken < k) {
    let end = start;
    let groupHits = 0;
    while (end < n && scores[order[end]] === scores[order[start]]) {
      if (positives[order[end]]) groupHits++;
      end++;
    }
    const size = end - start;
    const room = k - taken;
    hits += size <= room ? groupHits : (groupHits * room) / size;
    taken += Math.min(size, room);
    start = end;
  }
  return hits / nPos;
}

function countClasses(positives: Positives): { nPos: number; nNeg: number } {
  let nPos = 0;
  for (let i = 0; i < positives.length; i++) if (positives[i]) nPos++;
  return { nPos, nNeg: positives.length - nPos };
}

/** Indices sorted by value; equal values keep index order (stable). */
function sortedIndices(values: Numbers, direction: 'ascending' | 'descending'): Uint32Array {
  const order = new Uint32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  const sign = direction === 'ascending' ? 1 : -1;
  order.sort((i, j) => sign * (values[i] - values[j]) || i - j);
  return order;
}

function checkPair(a: ArrayLike<unknown>, b: ArrayLike<unknown>, fn: string): void {
  if (a.length !== b.length) {
    throw new RangeError(`${fn}: inputs differ in length (${a.length} vs ${b.length})`);
  }
}

/** NaN would make every comparison false and the sort, hence the metric, arbitrary. */
function checkNotNaN(values: Numbers, fn: string): void {
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) throw new RangeError(`${fn}: value ${i} is NaN`);
  }
}
