/**
 * Exact and near duplicates, grouped into sets, with the two cases that
 * matter most flagged: a set with members in both train and test (leakage —
 * the test sample was, in effect, trained on, which inflates the reported
 * accuracy) and a set whose members carry different labels (at most one
 * label can be right; see labelConflict.ts for the per-sample signal).
 *
 * Exact: equal content fingerprints (contentHash.ts). Near: Euclidean
 * distance in feature space at most NEAR_DUPLICATE_CUT × the median
 * nearest-neighbour distance between training samples (the same relative
 * cut as cleanlab Datalab's near_duplicate check, which uses 0.13 on its
 * embeddings; we use 0.2, see the benchmark for what it gives on MNIST) — in
 * five or more dimensions. In fewer, a relative cut finds neighbours by chance:
 * where the data are locally uniform in d dimensions, the share of samples
 * whose nearest neighbour lies within c × the median distance is
 * 1 − 2^(−c^d), 13% at c = 0.2 in one dimension (a column of measurements
 * would be "duplicates" and "leaked" test samples). nearDuplicateCut lowers c
 * to keep that share at CHANCE_SHARE in d dimensions.
 * Candidates come from the exact k-NN (knn.ts); each candidate's distance is
 * then recomputed in float64, so the float32 ‖q‖²+‖x‖²−2q·x cancellation
 * cannot turn an exact copy into a non-zero distance or the reverse.
 */
import type { Neighbours, Points } from './knn';
import { squaredDistancesFromRow } from './rowDistances';
import type { SampleRef, SplitView } from './types';
import { UnionFind } from './unionFind';

export const NEAR_DUPLICATE_CUT = 0.2;
/** The share of samples a cut may flag by chance in locally uniform data (see the top). */
export const CHANCE_SHARE = 1e-3;

/** The relative cut for near duplicates in `dims` dimensions: NEAR_DUPLICATE_CUT, lower below five dimensions. */
export function nearDuplicateCut(dims: number): number {
  // 1 − 2^(−c^d) = share  ⇔  c = (−log2(1 − share))^(1/d)
  const chance = (-Math.log2(1 - CHANCE_SHARE)) ** (1 / Math.max(dims, 1));
  return Math.min(NEAR_DUPLICATE_CUT, chance);
}

export interface DuplicateSet {
  members: SampleRef[];
  /** Every member has the same content fingerprint. */
  exact: boolean;
  /** Members in both train and test. */
  leakage: boolean;
  /** Members with more than one label. */
  labelConflict: boolean;
  /** Largest feature distance from the set's first member, relative to the median nearest-neighbour distance. */
  maxDistance: number;
}

export interface DuplicateReport {
  sets: DuplicateSet[];
  /** Set index per training / test sample, −1 when in none. */
  trainSet: Int32Array;
  testSet: Int32Array;
  /** Nearest-neighbour distance per sample (any split), relative to the median between training samples. */
  trainDistance: Float64Array;
  testDistance: Float64Array;
  medianNeighbourDistance: number;
  cut: number;
}

function distance(a: Points, i: number, b: Points, j: number): number {
  let s = 0;
  for (let q = 0; q < a.d; q++) {
    const d = a.x[i * a.d + q] - b.x[j * b.d + q];
    s += d * d;
  }
  return Math.sqrt(s);
}

export function median(values: ArrayLike<number>): number {
  const finite = Array.from(values)
    .filter(Number.isFinite)
    .sort((x, y) => x - y);
  if (finite.length === 0) return NaN;
  const m = finite.length >> 1;
  return finite.length % 2 ? finite[m] : (finite[m - 1] + finite[m]) / 2;
}

export interface DuplicateInput {
  train: SplitView;
  test: SplitView;
  /** k-NN of training samples among training samples (self excluded). */
  trainInTrain: Neighbours;
  /** k-NN of test samples among training samples. */
  testInTrain: Neighbours;
  /** k-NN of test samples among test samples (self excluded). */
  testInTest: Neighbours;
  cut?: number;
}

export function findDuplicates(input: DuplicateInput): DuplicateReport {
  const { train, test } = input;
  const n = train.y.length;
  const m = test.y.length;
  const cut = input.cut ?? NEAR_DUPLICATE_CUT;
  // Node ids: training samples 0..n−1, test samples n..n+m−1.
  const uf = new UnionFind(n + m);
  const nearestTrain = Float64Array.from(
    { length: n },
    (_, i) => input.trainInTrain.distance[i * input.trainInTrain.k],
  );
  const scale = median(nearestTrain);
  const usable = Number.isFinite(scale) && scale > 0;
  const threshold = usable ? cut * scale : 0;

  // Exact: equal fingerprints, across both splits.
  if (train.contentHash && test.contentHash) {
    const first = new Map<number, number>();
    const hashOf = (node: number) => (node < n ? train.contentHash![node] : test.contentHash![node - n]);
    for (let node = 0; node < n + m; node++) {
      const h = hashOf(node);
      const seen = first.get(h);
      if (seen === undefined) first.set(h, node);
      else uf.union(seen, node);
    }
  }
  // Near: candidate pairs from the k-NN lists, confirmed in float64.
  const trainDistance = new Float64Array(n).fill(Infinity);
  const testDistance = new Float64Array(m).fill(Infinity);
  // One query's candidates: where each starts in its matrix, and its squared distance.
  const k = Math.max(input.trainInTrain.k, input.testInTrain.k, input.testInTest.k);
  const offsets = new Int32Array(k);
  const squared = new Float64Array(k);
  const consider = (
    nb: Neighbours,
    q: number,
    queries: Points,
    refs: Points,
    qNode: number,
    refNode: (r: number) => number,
    record: Float64Array,
  ) => {
    let count = 0;
    while (count < nb.k && nb.index[q * nb.k + count] >= 0) {
      offsets[count] = nb.index[q * nb.k + count] * refs.d;
      count++;
    }
    squaredDistancesFromRow(queries.x, q * queries.d, queries.d, refs.x, offsets, count, squared);
    for (let j = 0; j < count; j++) {
      const d = Math.sqrt(squared[j]);
      if (d < record[q]) record[q] = d;
      if (d <= threshold) uf.union(qNode, refNode(nb.index[q * nb.k + j]));
    }
  };
  for (let i = 0; i < n; i++)
    consider(input.trainInTrain, i, train.features, train.features, i, (r) => r, trainDistance);
  for (let t = 0; t < m; t++) {
    consider(input.testInTrain, t, test.features, train.features, n + t, (r) => r, testDistance);
    consider(input.testInTest, t, test.features, test.features, n + t, (r) => n + r, testDistance);
  }

  const trainSet = new Int32Array(n).fill(-1);
  const testSet = new Int32Array(m).fill(-1);
  const pointOf = (node: number): [Points, number] => (node < n ? [train.features, node] : [test.features, node - n]);
  const sets: DuplicateSet[] = uf.groups().map((nodes, s) => {
    const members: SampleRef[] = nodes.map((node) =>
      node < n ? { split: 'train', id: node } : { split: 'test', id: node - n },
    );
    for (const node of nodes) (node < n ? trainSet : testSet)[node < n ? node : node - n] = s;
    const labels = new Set(nodes.map((node) => (node < n ? train.y[node] : test.y[node - n])));
    const hashes =
      train.contentHash && test.contentHash
        ? new Set(nodes.map((node) => (node < n ? train.contentHash![node] : test.contentHash![node - n])))
        : null;
    const [a, ai] = pointOf(nodes[0]);
    let maxDistance = 0;
    for (const node of nodes.slice(1)) {
      const [b, bi] = pointOf(node);
      maxDistance = Math.max(maxDistance, distance(a, ai, b, bi));
    }
    return {
      members,
      exact: hashes !== null && hashes.size === 1,
      leakage: members.some((x) => x.split === 'train') && members.some((x) => x.split === 'test'),
      labelConflict: labels.size > 1,
      // Exact copies are 0 apart on any scale, also when the median distance is 0 (most samples have a copy).
      maxDistance: maxDistance === 0 ? 0 : usable ? maxDistance / scale : NaN,
    };
  });
  const relative = (a: Float64Array) => a.map((d) => (d === 0 ? 0 : usable && Number.isFinite(d) ? d / scale : NaN));
  return {
    sets,
    trainSet,
    testSet,
    trainDistance: relative(trainDistance),
    testDistance: relative(testDistance),
    medianNeighbourDistance: scale,
    cut,
  };
}
