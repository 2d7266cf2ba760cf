import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  auroc,
  averagePrecision,
  averageRanks,
  pearson,
  recallAtFraction,
  spearman,
} from '../../../src/compute/stats/metrics';

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);

// Small integer scores make ties frequent, which is where metrics go wrong.
const tiedScores = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 4 }), { minLength: min, maxLength: max });
const scoredLabels = (min: number, max: number) =>
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.boolean()), { minLength: min, maxLength: max })
    .map((pairs) => ({ scores: pairs.map((p) => p[0]), positives: pairs.map((p) => p[1]) }));

// ---- brute-force references, written as directly from the definitions as possible ----

function auroc_allPairs(scores: number[], positives: boolean[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!positives[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (positives[j]) continue;
      pairs++;
      if (scores[i] > scores[j]) wins += 1;
      else if (scores[i] === scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

function ap_byThresholds(scores: number[], positives: boolean[]): number {
  const nPos = positives.filter(Boolean).length;
  const thresholds = [...new Set(scores)].sort((a, b) => b - a);
  let prevRecall = 0;
  let ap = 0;
  for (const t of thresholds) {
    let tp = 0;
    let selected = 0;
    scores.forEach((s, i) => {
      if (s >= t) {
        selected++;
        if (positives[i]) tp++;
      }
    });
    const recall = tp / nPos;
    ap += (recall - prevRecall) * (tp / selected);
    prevRecall = recall;
  }
  return ap;
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) =>
    Array.from({ length: n }, (_, k) => [...p.slice(0, k), n - 1, ...p.slice(k)]),
  );
}

/** Mean recall over every way of breaking ties (feasible for n ≤ 7). */
function recall_allTieOrders(scores: number[], positives: boolean[], fraction: number): number {
  const n = scores.length;
  const k = Math.ceil(Math.round(fraction * n * 1e6) / 1e6);
  const nPos = positives.filter(Boolean).length;
  const perms = permutations(n);
  let total = 0;
  for (const perm of perms) {
    const order = [...Array(n).keys()].sort((i, j) => scores[j] - scores[i] || perm[i] - perm[j]);
    total += order.slice(0, k).filter((i) => positives[i]).length / nPos;
  }
  return total / perms.length;
}

function ranks_byCounting(values: number[]): number[] {
  return values.map((v) => {
    const below = values.filter((w) => w < v).length;
    const equal = values.filter((w) => w === v).length;
    return below + (equal + 1) / 2;
  });
}

function pearson_textbook(a: number[], b: number[]): number {
  const n = a.length;
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const sab = sum(a.map((x, i) => x * b[i]));
  const num = n * sab - sum(a) * sum(b);
  const den = Math.sqrt((n * sum(a.map((x) => x * x)) - sum(a) ** 2) * (n * sum(b.map((x) => x * x)) - sum(b) ** 2));
  return num / den;
}

describe('pearson', () => {
  test('hand-computed: [1,2,3] vs [2,4,7] gives 15/√228', () => {
    // means 2 and 13/3; Σdadb = 5, Σda² = 2, Σdb² = 114/9 → r = 5/√(2·114/9)
    close(pearson([1, 2, 3], [2, 4, 7]), 15 / Math.sqrt(228));
  });
  test('perfect lines give ±1, including Float32 input', () => {
    close(pearson(new Float32Array([1, 2, 3, 4]), [3, 5, 7, 9]), 1);
    close(pearson([1, 2, 3, 4], [-1, -2, -3, -4]), -1);
  });
  test('survives a large common offset (two-pass means)', () => {
    const a = [1, 2, 3].map((x) => x + 1e9);
    const b = [2, 4, 7].map((x) => x + 1e9);
    close(pearson(a, b), 15 / Math.sqrt(228), 1e-9);
  });
  test('undefined cases give NaN; mismatched lengths throw', () => {
    assert.ok(Number.isNaN(pearson([1], [2])));
    assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
    assert.throws(() => pearson([1, 2], [1, 2, 3]), RangeError);
  });
  test('matches the textbook one-pass formula on random small data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: -20, max: 20 })), {
          minLength: 3,
          maxLength: 40,
        }),
        (pairs) => {
          const a = pairs.map((p) => p[0]);
          const b = pairs.map((p) => p[1]);
          const ref = pearson_textbook(a, b);
          if (!Number.isFinite(ref)) return Number.isNaN(pearson(a, b));
          return Math.abs(pearson(a, b) - ref) < 1e-9;
        },
      ),
    );
  });
});

describe('averageRanks / spearman', () => {
  test('ties share their mean rank', () => {
    assert.deepEqual([...averageRanks([10, 20, 20, 30])], [1, 2.5, 2.5, 4]);
    assert.deepEqual([...averageRanks([3, 1, 3, 3])], [3, 1, 3, 3]);
  });
  test('ranks match counting below/equal on random tied data', () => {
    fc.assert(
      fc.property(tiedScores(0, 30), (v) => {
        assert.deepEqual([...averageRanks(v)], ranks_byCounting(v));
      }),
    );
  });
  test('hand-computed with a tie: [1..5] vs [5,6,7,8,7] gives 8/√95', () => {
    // ranks of b: [1, 2, 3.5, 5, 3.5]; Σdadb = 8, Σda² = 10, Σdb² = 9.5
    close(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7]), 8 / Math.sqrt(95));
  });
  test('any monotone transform gives 1, a reversal −1', () => {
    const a = [0.1, 3, -2, 7, 5];
    close(
      spearman(
        a,
        a.map((x) => Math.exp(x)),
      ),
      1,
    );
    close(
      spearman(
        a,
        a.map((x) => -x * x * x),
      ),
      -1,
    );
  });
  test('equals Pearson of brute-force ranks on random tied data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), {
          minLength: 2,
          maxLength: 30,
        }),
        (pairs) => {
          const a = pairs.map((p) => p[0]);
          const b = pairs.map((p) => p[1]);
          const ref = pearson(ranks_byCounting(a), ranks_byCounting(b));
          const got = spearman(a, b);
          return Number.isNaN(ref) ? Number.isNaN(got) : Math.abs(got - ref) < 1e-12;
        },
      ),
    );
  });
});

describe('auroc', () => {
  test('hand-computed: 3 of 4 pairs ordered right', () => {
    // positives 0.9 and 0.7; negatives 0.8 and 0.6: 0.9>0.8, 0.9>0.6, 0.7<0.8, 0.7>0.6
    close(auroc([0.9, 0.8, 0.7, 0.6], [true, false, true, false]), 0.75);
  });
  test('a tie counts one half', () => {
    // positive 1 vs negatives 1 (tie: ½) and 0 (win: 1) → 1.5 / 2
    close(auroc([1, 1, 0], new Uint8Array([1, 0, 0])), 0.75);
    close(auroc([2, 2, 2, 2], [true, false, true, false]), 0.5);
  });
  test('perfect, reversed and degenerate rankings', () => {
    close(auroc([3, 2, 1], [true, false, false]), 1);
    close(auroc([1, 2, 3], [true, false, false]), 0);
    assert.ok(Number.isNaN(auroc([1, 2], [true, true])));
    assert.ok(Number.isNaN(auroc([1, 2], [false, false])));
  });
  test('matches all-pairs counting on random data with ties', () => {
    fc.assert(
      fc.property(scoredLabels(2, 60), ({ scores, positives }) => {
        if (positives.every(Boolean) || !positives.some(Boolean)) return true;
        return Math.abs(auroc(scores, positives) - auroc_allPairs(scores, positives)) < 1e-12;
      }),
    );
  });
  test('negating the scores gives 1 − AUROC', () => {
    fc.assert(
      fc.property(scoredLabels(2, 40), ({ scores, positives }) => {
        if (positives.every(Boolean) || !positives.some(Boolean)) return true;
        return (
          Math.abs(
            auroc(
              scores.map((s) => -s),
              positives,
            ) -
              (1 - auroc(scores, positives)),
          ) < 1e-12
        );
      }),
    );
  });
  test('NaN scores are rejected rather than sorted arbitrarily', () => {
    assert.throws(() => auroc([1, NaN], [true, false]), /NaN/);
  });
});

describe('averagePrecision', () => {
  test('hand-computed: 0.5·1 + 0.5·(2/3)', () => {
    close(averagePrecision([0.9, 0.8, 0.7, 0.6], [true, false, true, false]), 0.5 + 0.5 * (2 / 3));
  });
  test('tied scores form one threshold', () => {
    // {1,1}: one hit of two → recall +½ at precision ½; then 0.5: recall +½ at precision 2/3
    close(averagePrecision([1, 1, 0.5], [false, true, true]), 0.25 + 1 / 3);
    // all tied → precision = prevalence
    close(averagePrecision([0, 0, 0, 0], [true, false, false, false]), 0.25);
  });
  test('perfect ranking gives 1; no positives gives NaN', () => {
    close(averagePrecision([5, 4, 1, 0], [true, true, false, false]), 1);
    assert.ok(Number.isNaN(averagePrecision([1, 2], [false, false])));
  });
  test('matches the threshold-sweep definition on random data with ties', () => {
    fc.assert(
      fc.property(scoredLabels(1, 60), ({ scores, positives }) => {
        if (!positives.some(Boolean)) return true;
        return Math.abs(averagePrecision(scores, positives) - ap_byThresholds(scores, positives)) < 1e-12;
      }),
    );
  });
});

describe('recallAtFraction', () => {
  test('hand-computed: top 3 of 10 holds one of two positives', () => {
    const scores = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
    const positives = scores.map((s) => s === 9 || s === 2);
    close(recallAtFraction(scores, positives, 0.3), 0.5);
    close(recallAtFraction(scores, positives, 0.8), 1);
    close(recallAtFraction(scores, positives, 0), 0);
  });
  test('uses ⌈fraction·n⌉ without float noise: 10% of 30 is 3, not 4', () => {
    const scores = Array.from({ length: 30 }, (_, i) => 30 - i);
    const positives = scores.map((_, i) => i === 3); // rank 4
    close(recallAtFraction(scores, positives, 0.1), 0);
    close(recallAtFraction(scores, positives, 0.11), 1); // ⌈3.3⌉ = 4
  });
  test('a tie across the cut contributes its expected share', () => {
    // k = 2 slots, a group of 3 tied samples holding 1 of the 2 positives → 2/3 of a hit
    close(recallAtFraction([1, 1, 1, 0], [true, false, false, true], 0.5), 1 / 3);
  });
  test('equals the mean over every tie-breaking order (n ≤ 6)', () => {
    fc.assert(
      fc.property(scoredLabels(1, 6), fc.constantFrom(0.1, 0.25, 0.34, 0.5, 0.75, 1), ({ scores, positives }, f) => {
        if (!positives.some(Boolean)) return true;
        return Math.abs(recallAtFraction(scores, positives, f) - recall_allTieOrders(scores, positives, f)) < 1e-12;
      }),
      { numRuns: 150 },
    );
  });
  test('rejects a fraction outside [0, 1]', () => {
    assert.throws(() => recallAtFraction([1], [true], 1.5), RangeError);
    assert.throws(() => recallAtFraction([1], [true], NaN), RangeError);
  });
});
