/**
 * cleanlab Datalab's default outlier and near-duplicate checks on features,
 * rewritten here for the benchmark's comparison (issue 17): cleanlab is a
 * Python package this machine cannot install. Written from cleanlab's source
 * (cleanlab/datalab/internal/issue_manager/outlier.py and duplicate.py,
 * cleanlab/internal/neighbor/{knn_graph,metric}.py, cleanlab/internal/
 * outlier.py; read at commit 7506257, January 2026), not copied:
 *
 * - The k-NN graph: k = min(10, N − 1) nearest neighbours of every sample
 *   among the others (itself excluded), by cosine distance 1 − cos when the
 *   features have more than 3 columns, else euclidean; exact duplicate rows
 *   are at distance 0 (cleanlab's correct_knn_distances_and_indices).
 *   Cosine distances are clipped to [0, 2] as scikit-learn does; a zero row
 *   has cosine similarity 0 with everything.
 * - Outliers (OutlierIssueManager with features): d̄ᵢ = mean distance to the
 *   k neighbours; score = exp(−d̄ᵢ / s), s = max(median d̄, 100·ε₆₄), and a
 *   d̄ below the metric's precision tolerance scores 1; lower = more
 *   outlying. Flagged when d̄ᵢ > Q3 + (1/0.37037 − 1)·IQR of d̄ (numpy's
 *   linear percentiles).
 * - Near-duplicates (NearDuplicateIssueManager): m = max(median of the
 *   nearest-neighbour distance, 1e-6); j is in i's set when j is among i's
 *   k neighbours at distance < 0.13·m, then every relation is made mutual;
 *   flagged when the set is not empty. Score 1 − exp(−d₁/m) (0 when d₁ ≈ 0);
 *   lower = more duplicated.
 */

export type DatalabMetric = 'cosine' | 'euclidean';

export interface KnnGraph {
  n: number;
  k: number;
  metric: DatalabMetric;
  /** n × k, ascending per row. */
  distances: Float64Array;
  /** n × k, the neighbours' row indices. */
  indices: Int32Array;
}

/** Datalab's defaults. */
export const DATALAB_K = 10;
export const OUTLIER_THRESHOLD = 0.37037;
export const NEAR_DUPLICATE_THRESHOLD = 0.13;
const EPSILON = 1e-6;
const EPS64 = 2 ** -52;
/** numpy's finfo(float64).epsneg. */
const EPSNEG64 = 2 ** -53;

/** cleanlab's decide_default_metric: cosine above 3 columns. */
export function defaultMetric(dims: number): DatalabMetric {
  return dims > 3 ? 'cosine' : 'euclidean';
}

/** numpy.percentile with its default linear interpolation (q in 0..100). */
export function percentile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

export const median = (values: ArrayLike<number>): number => percentile(values, 50);

/**
 * The exact k-NN graph of the rows of `x` (n × d), each row's neighbours among the other rows. Exhaustive: every
 * pair's distance (the benchmark's few thousand rows).
 */
export function knnGraph(
  x: ArrayLike<number>,
  n: number,
  d: number,
  options: { k?: number; metric?: DatalabMetric } = {},
): KnnGraph {
  const k = options.k ?? Math.min(DATALAB_K, n - 1);
  if (k >= n || k < 1) throw new Error(`k = ${k} needs more than ${k} rows; got ${n}`);
  const metric = options.metric ?? defaultMetric(d);
  // Cosine works on unit rows (a zero row stays zero: similarity 0); euclidean on the rows as given.
  const rows = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += Number(x[i * d + j]) ** 2;
    const scale = metric === 'cosine' && s > 0 ? 1 / Math.sqrt(s) : 1;
    for (let j = 0; j < d; j++) rows[i * d + j] = Number(x[i * d + j]) * scale;
  }
  const same = identicalRows(x, n, d);
  const distances = new Float64Array(n * k).fill(Infinity);
  const indices = new Int32Array(n * k).fill(-1);
  const insert = (i: number, j: number, dist: number) => {
    const base = i * k;
    if (dist >= distances[base + k - 1]) return;
    let p = k - 1;
    // Equal distances keep the lower index first (a stable order; scikit-learn's brute force does the same).
    while (p > 0 && distances[base + p - 1] > dist) {
      distances[base + p] = distances[base + p - 1];
      indices[base + p] = indices[base + p - 1];
      p--;
    }
    distances[base + p] = dist;
    indices[base + p] = j;
  };
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    for (let j = i + 1; j < n; j++) {
      const oj = j * d;
      let dist: number;
      if (same[i] >= 0 && same[i] === same[j]) dist = 0;
      else if (metric === 'cosine') {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += rows[oi + t] * rows[oj + t];
        dist = Math.min(2, Math.max(0, 1 - dot));
      } else {
        // Differences, not |a|² + |b|² − 2a·b: near-duplicates would lose their distance to rounding.
        let s = 0;
        for (let t = 0; t < d; t++) s += (rows[oi + t] - rows[oj + t]) ** 2;
        dist = Math.sqrt(s);
      }
      insert(i, j, dist);
      insert(j, i, dist);
    }
  }
  return { n, k, metric, distances, indices };
}

/** For each row, the id of its group of bitwise-identical rows, or −1 when it has no twin. */
function identicalRows(x: ArrayLike<number>, n: number, d: number): Int32Array {
  const byKey = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = Array.from({ length: d }, (_, j) => x[i * d + j]).join(',');
    const list = byKey.get(key);
    if (list) list.push(i);
    else byKey.set(key, [i]);
  }
  const group = new Int32Array(n).fill(-1);
  let g = 0;
  for (const list of byKey.values()) {
    if (list.length < 2) continue;
    for (const i of list) group[i] = g;
    g++;
  }
  return group;
}

/** cleanlab's transform_distances_to_scores with t = 1: exp(−d / max(s, 1e-6)). */
export function distanceScores(avgDistances: Float64Array, scalingFactor: number): Float64Array {
  return avgDistances.map((a) => Math.exp(-a / Math.max(scalingFactor, EPSILON)));
}

export interface DatalabOutliers {
  /** exp(−d̄/s): lower = more outlying. */
  scores: Float64Array;
  avgDistances: Float64Array;
  isIssue: boolean[];
  /** The d̄ above which a sample is flagged: Q3 + (1/threshold − 1)·IQR. */
  issueThreshold: number;
  scalingFactor: number;
}

export function datalabOutliers(g: KnnGraph, threshold = OUTLIER_THRESHOLD): DatalabOutliers {
  const avgDistances = new Float64Array(g.n);
  for (let i = 0; i < g.n; i++) {
    let s = 0;
    for (let t = 0; t < g.k; t++) s += g.distances[i * g.k + t];
    avgDistances[i] = s / g.k;
  }
  const q3 = percentile(avgDistances, 75);
  const iqr = q3 - percentile(avgDistances, 25);
  const issueThreshold = q3 + (threshold !== 0 ? 1 / threshold - 1 : Infinity) * iqr;
  const scalingFactor = Math.max(median(avgDistances), 100 * EPS64);
  const tolerance = g.metric === 'cosine' ? 100 * EPSNEG64 : Math.sqrt(100 * EPS64);
  const scores = distanceScores(avgDistances, scalingFactor).map((s, i) => (avgDistances[i] < tolerance ? 1 : s));
  return {
    scores,
    avgDistances,
    isIssue: Array.from(avgDistances, (a) => a > issueThreshold),
    issueThreshold,
    scalingFactor,
  };
}

export interface DatalabNearDuplicates {
  /** Per sample, its near-duplicates (mutual): empty when it has none. */
  sets: number[][];
  isIssue: boolean[];
  /** 1 − exp(−d₁/m), 0 for an exact duplicate: lower = more duplicated. */
  scores: Float64Array;
  medianNnDistance: number;
  /** threshold · m: the distance below which a neighbour is a near-duplicate. */
  radius: number;
}

export function datalabNearDuplicates(g: KnnGraph, threshold = NEAR_DUPLICATE_THRESHOLD): DatalabNearDuplicates {
  const nn = Float64Array.from({ length: g.n }, (_, i) => g.distances[i * g.k]);
  const m = Math.max(median(nn), EPSILON);
  const radius = threshold * m;
  const sets: Set<number>[] = Array.from({ length: g.n }, () => new Set<number>());
  for (let i = 0; i < g.n; i++) {
    for (let t = 0; t < g.k; t++) {
      if (g.distances[i * g.k + t] < radius) sets[i].add(g.indices[i * g.k + t]);
    }
  }
  // Mutual: a near-duplicate of mine counts me among its own (cleanlab's second pass).
  for (let i = 0; i < g.n; i++) for (const j of [...sets[i]]) sets[j].add(i);
  // numpy.isclose(d, 0) with its default atol 1e-8.
  const scores = nn.map((d) => (Math.abs(d) <= 1e-8 ? 0 : 1 - Math.exp(-d / m)));
  return {
    sets: sets.map((s) => [...s]),
    isIssue: sets.map((s) => s.size > 0),
    scores,
    medianNnDistance: m,
    radius,
  };
}
