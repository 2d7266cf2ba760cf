/**
 * The data-issues section's comparison with cleanlab Datalab (issue 17):
 * Datalab's default outlier and near-duplicate checks (bench/lib/datalab.ts,
 * rewritten from cleanlab's source: cleanlab cannot be installed here) on the
 * same planted files, run the way a Datalab user runs them — one Datalab over
 * every image of the folder (train and test together: a near-duplicate set
 * that spans the two is a leak), with features of their choosing. Two
 * choices: the analyzed model's penultimate-layer features (read from the
 * run's saved fit: the feature space our own pass searches) and the raw
 * pixels. Recall and precision at Datalab's stated cuts, counted by the same
 * rules as ours.
 */
import type { ResultsFile } from '../../src/compute/results/schema';
import { datalabNearDuplicates, datalabOutliers, knnGraph, type DatalabMetric, median } from '../lib/datalab';
import { log } from '../lib/log';
import { rankingQuality } from '../lib/ranking';

export interface DatalabComparison {
  /** 'model features' or 'pixels'. */
  features: string;
  dims: number;
  metric: DatalabMetric;
  k: number;
  samples: number;
  seconds: number;
  leaked: {
    foundExact: number;
    foundNear: number;
    recall: number;
    /** Test samples in a near-duplicate set with a training sample. */
    flagged: number;
    precision: number;
    /** threshold × median nearest-neighbour distance. */
    radius: number;
  };
  outliers: {
    flagged: number;
    found: number;
    recall: number;
    precision: number;
    /** Of −(mean k-NN distance), i.e. of 1 − Datalab's score, over the training samples. */
    auroc: number;
    /** The mean k-NN distance above which a sample is flagged. */
    cut: number;
    /** Median mean k-NN distance of the planted noise images, and of all training images. */
    noiseMedianDistance: number;
    trainMedianDistance: number;
    /** Of the noise images' k nearest neighbours, the share that are noise images too (a cluster of their own). */
    noiseNeighbourShare: number;
  };
}

export interface PlantedTruth {
  /** Planted test copy (path) → its training source (path) and kind. */
  copies: Map<string, { source: string; exact: boolean }>;
  /** Training images replaced by noise (paths). */
  noise: Set<string>;
}

/**
 * Datalab's checks on one feature matrix: rows are the training samples (by results id) then the test samples.
 */
export function compareDatalab(
  features: string,
  x: Float32Array,
  dims: number,
  r: ResultsFile,
  truth: PlantedTruth,
): DatalabComparison {
  const nTrain = r.dataset.nTrain;
  const n = nTrain + r.dataset.nTest;
  if (x.length !== n * dims) throw new Error(`${features}: ${x.length} values for ${n} × ${dims}`);
  const pathOf = (row: number) => (row < nTrain ? trainPaths(r)[row] : testPaths(r)[row - nTrain]);
  const rowOf = new Map<string, number>();
  for (let row = 0; row < n; row++) rowOf.set(pathOf(row), row);
  const t0 = performance.now();
  const graph = knnGraph(x, n, dims);
  const outliers = datalabOutliers(graph);
  const near = datalabNearDuplicates(graph);
  const seconds = (performance.now() - t0) / 1000;

  let foundExact = 0;
  let foundNear = 0;
  for (const [copy, { source, exact }] of truth.copies) {
    const c = rowOf.get(copy);
    const s = rowOf.get(source);
    if (c === undefined || s === undefined) throw new Error(`${copy} or ${source} is not in the results`);
    if (!near.sets[c].includes(s)) continue;
    if (exact) foundExact++;
    else foundNear++;
  }
  let flaggedTests = 0;
  let plantedFlagged = 0;
  for (let row = nTrain; row < n; row++) {
    if (!near.sets[row].some((j) => j < nTrain)) continue;
    flaggedTests++;
    if (truth.copies.has(pathOf(row))) plantedFlagged++;
  }
  let flagged = 0;
  let found = 0;
  const positives: boolean[] = [];
  const scores: number[] = [];
  for (let row = 0; row < nTrain; row++) {
    const isNoise = truth.noise.has(pathOf(row));
    positives.push(isNoise);
    scores.push(outliers.avgDistances[row]);
    if (!outliers.isIssue[row]) continue;
    flagged++;
    if (isNoise) found++;
  }
  let noiseNeighbours = 0;
  const noiseRows: number[] = [];
  for (let row = 0; row < nTrain; row++) {
    if (!positives[row]) continue;
    noiseRows.push(row);
    for (let t = 0; t < graph.k; t++) if (truth.noise.has(pathOf(graph.indices[row * graph.k + t]))) noiseNeighbours++;
  }
  const result: DatalabComparison = {
    features,
    dims,
    metric: graph.metric,
    k: graph.k,
    samples: n,
    seconds,
    leaked: {
      foundExact,
      foundNear,
      recall: (foundExact + foundNear) / truth.copies.size,
      flagged: flaggedTests,
      precision: flaggedTests ? plantedFlagged / flaggedTests : 1,
      radius: near.radius,
    },
    outliers: {
      flagged,
      found,
      recall: found / truth.noise.size,
      precision: flagged ? found / flagged : 1,
      auroc: rankingQuality(scores, positives).auroc,
      cut: outliers.issueThreshold,
      noiseMedianDistance: median(noiseRows.map((row) => outliers.avgDistances[row])),
      trainMedianDistance: median(outliers.avgDistances.subarray(0, nTrain)),
      noiseNeighbourShare: noiseRows.length ? noiseNeighbours / (noiseRows.length * graph.k) : 0,
    },
  };
  log(
    `issues: Datalab-style on ${features} (${dims}-d, ${graph.metric}, k = ${graph.k}, ${seconds.toFixed(1)} s): ` +
      `leaked recall ${result.leaked.recall.toFixed(3)}, precision ${result.leaked.precision.toFixed(3)}; ` +
      `outliers recall ${result.outliers.recall.toFixed(3)}, precision ${result.outliers.precision.toFixed(3)}, ` +
      `AUROC ${result.outliers.auroc.toFixed(3)}`,
  );
  return result;
}

/** The results' sample paths by id (ids are the rows of the split, in the order the engine loaded them). */
const pathCache = new WeakMap<ResultsFile, { train: string[]; test: string[] }>();
function paths(r: ResultsFile): { train: string[]; test: string[] } {
  let p = pathCache.get(r);
  if (!p) {
    const train = new Array<string>(r.dataset.nTrain);
    for (const t of r.train) train[t.id] = t.source.path;
    const test = new Array<string>(r.dataset.nTest);
    for (const t of r.test) test[t.id] = t.source.path;
    p = { train, test };
    pathCache.set(r, p);
  }
  return p;
}
const trainPaths = (r: ResultsFile) => paths(r).train;
const testPaths = (r: ResultsFile) => paths(r).test;
