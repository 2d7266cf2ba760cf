/**
 * Section 7 — the iterative solvers (issue 18 item 3), in this process on the
 * engine's own backend: CG, LiSSA and GIF over the whole digits MLP
 * (sklearn's 8×8 digits, 1,438 training rows, 64-128-10, 9,610 parameters)
 * and CG over the last layer of logistic regression on 8,000 MNIST digits
 * (784 pixels, 7,850 parameters), each for the default 50 explained test
 * samples:
 * - after: the engine's influence solves (influence/iterativeInfluence.ts):
 *   every sample in one batch, one operator call per iteration, the default
 *   solverSeconds budget; the whole network's products on two threads (and
 *   CG once more on one thread, for the ratio in the same run); LiSSA twice,
 *   every step over all rows (as until mini-batches) and with mini-batch
 *   steps (solvers/sampledLissa.ts, what the engine runs), and every after row
 *   of the MLP scored against the first CG row (Pearson, top-10 overlap);
 * - before: the one-at-a-time loop the engine ran until this change
 *   (a single-vector double-backprop HVP, one solve after another), timed on
 *   the first few samples and scaled to 50 — its full run takes from minutes
 *   (CG) to most of an hour (LiSSA).
 * Wall and CPU seconds are both given: on a shared machine wall time is
 * inflated by other processes, CPU time much less.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { fitHead } from '../../src/compute/head/fitHead';
import { type HeadData, type HeadShape, headProbabilities } from '../../src/compute/head/softmaxHead';
import {
  computeIterativeInfluence,
  type IterativeMethod,
  selectSubset,
} from '../../src/compute/influence/iterativeInfluence';
import { createLossJvp } from '../../src/compute/influence/lossJvp';
import { fullNetworkOperator, headOperator, type InfluenceOperator } from '../../src/compute/influence/operators';
import { lastAxisNeuronParameters } from '../../src/compute/solvers/neuronSelection';
import { mnistCounts, mnistImage } from '../../src/demo/mnistSource';
import { defaultModelConfig } from '../../src/compute/models/defaults';
import { createFullObjective, trainNetwork } from '../../src/compute/models/train';
import type { TrainedNetwork, TrainingData } from '../../src/compute/models/types';
import { DEFAULTS } from '../../src/compute/pipeline/options';
import { conjugateGradient } from '../before/conjugateGradient';
import { extraDamping } from '../../src/compute/solvers/dampingPlan';
import { generalizedInfluenceSolve } from '../before/generalizedInfluence';
import { estimateSpectrum } from '../../src/compute/solvers/lanczosEigen';
import { lissa } from '../before/lissa';
import type { Hvp } from '../../src/compute/solvers/types';
import { pearson } from '../../src/compute/stats/metrics';
import { initBackend } from '../../src/compute/tf/backend';
import { machineBusySeconds, otherLoadCores } from '../lib/cpuLoad';
import { log } from '../lib/log';

export interface SolverRow {
  problem: string;
  method: string;
  variant: 'before' | 'after';
  /** Samples actually solved in this measurement. */
  solved: number;
  wallSeconds: number;
  cpuSeconds: number;
  /** For `before`: the measurement scaled to `explain` samples (per-sample time × explain). */
  scaledTo?: number;
  scaledWallSeconds?: number;
  scaledCpuSeconds?: number;
  meanIterations: number;
  maxRelativeResidual: number;
  cutShort: number;
  /** How `before` was measured, in words. */
  note?: string;
  /** after: threads computing the products. */
  threads?: number;
  /**
   * after: CPU seconds of the whole run for every explained sample: measured when nothing was cut short, else
   * projected (CPU per sample-iteration × samples × `fullIterations`).
   */
  fullRunCpuSeconds?: number;
  /** after, cut short: the iterations a full solve takes (LiSSA: its depth; CG, GIF: the one-at-a-time solve's). */
  fullIterations?: number;
  /**
   * after, on the digits MLP: the scores of each solved sample against the CG row's (CG to 1e-5 has Pearson 1.00000
   * with CG to 1e-8 there): the mean and the lowest Pearson correlation over the samples, and the mean share of the
   * 10 strongest proponents and 10 strongest opponents both find.
   */
  agreement?: { pearsonMean: number; pearsonMin: number; topTenOverlap: number };
}

export interface SolverSection {
  explain: number;
  budgetSeconds: number;
  digits: { source: string; nTrain: number; parameters: number; epochs: number } | null;
  logreg: { nTrain: number; parameters: number };
  rows: SolverRow[];
  otherLoadCores: number | null;
}

const DIGITS = '/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz';

function clock(): { wall: number; cpu: number } {
  const u = process.cpuUsage();
  return { wall: performance.now(), cpu: (u.user + u.system) / 1e6 };
}

function since(start: { wall: number; cpu: number }): { wallSeconds: number; cpuSeconds: number } {
  const now = clock();
  return { wallSeconds: (now.wall - start.wall) / 1000, cpuSeconds: now.cpu - start.cpu };
}

/** sklearn's digits, pixels standardized, every fifth row held out (1,438 / 359, as the engine's 80% split). */
function digitsData(): { train: TrainingData; test: TrainingData } | null {
  if (!fs.existsSync(DIGITS)) return null;
  const rows = zlib
    .gunzipSync(fs.readFileSync(DIGITS))
    .toString('utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(',').map(Number));
  const dims = 64;
  const mean = new Float64Array(dims);
  const sd = new Float64Array(dims);
  for (const r of rows) for (let j = 0; j < dims; j++) mean[j] += r[j] / rows.length;
  for (const r of rows) for (let j = 0; j < dims; j++) sd[j] += (r[j] - mean[j]) ** 2 / rows.length;
  const pick = (keep: (i: number) => boolean): TrainingData => {
    const chosen = rows.filter((_, i) => keep(i));
    const x = new Float32Array(chosen.length * dims);
    chosen.forEach((r, i) => {
      for (let j = 0; j < dims; j++) x[i * dims + j] = sd[j] > 0 ? (r[j] - mean[j]) / Math.sqrt(sd[j]) : 0;
    });
    return { x, y: Int32Array.from(chosen, (r) => r[dims]), n: chosen.length, dims, numClasses: 10 };
  };
  return { train: pick((i) => i % 5 !== 4), test: pick((i) => i % 5 === 4) };
}

/** The first `count` MNIST digits per class in order, pixels in [0, 1]: 8,000 training and 2,000 test rows. */
function mnistHead(nTrain: number, nTest: number): { train: HeadData; test: HeadData } {
  const counts = mnistCounts();
  const all: { phi: number[]; y: number }[] = [];
  const per = Math.ceil((nTrain + nTest) / 10);
  // Class by class in turn, so both splits hold every digit.
  for (let i = 0; i < per; i++)
    for (let d = 0; d < 10; d++)
      if (i < counts[d]) all.push({ phi: Array.from(mnistImage(d, i), (v) => v / 255), y: d });
  const make = (part: typeof all): HeadData => ({
    phi: Float32Array.from(part.flatMap((r) => r.phi)),
    y: Int32Array.from(part, (r) => r.y),
    n: part.length,
  });
  return { train: make(all.slice(0, nTrain)), test: make(all.slice(nTrain, nTrain + nTest)) };
}

/** The engine's damping for a whole network: a Lanczos estimate lifts a non-positive spectrum. */
function networkDamping(hvp: Hvp, size: number): number {
  const spectrum = estimateSpectrum(hvp, size, { damping: 0, seed: 0 });
  return spectrum.lower <= 0 ? extraDamping(spectrum) : 0;
}

function afterRow(
  problem: string,
  method: IterativeMethod,
  operator: InfluenceOperator,
  nTrain: number,
  nTest: number,
  explain: number,
  budgetSeconds: number,
  damping: number,
  fullIterations: number,
  reference?: Float64Array,
): SolverRow & { scores: Float64Array } {
  const start = clock();
  const result = computeIterativeInfluence({
    method,
    operator,
    nTrain,
    nTest,
    explained: Int32Array.from({ length: explain }, (_, t) => t),
    topK: 10,
    damping,
    seed: 0,
    budgetSeconds,
  });
  const t = since(start);
  const row: SolverRow = {
    problem,
    method,
    variant: 'after',
    solved: result.solves.length,
    ...t,
    meanIterations: result.solves.reduce((a, s) => a + s.iterations, 0) / Math.max(1, result.solves.length),
    maxRelativeResidual: Math.max(0, ...result.solves.map((s) => s.relativeResidual)),
    cutShort: result.solves.filter((s) => s.cutShort).length,
    threads: operator.threads,
    ...(reference ? { agreement: agreement(result.scores, reference, nTrain) } : {}),
  };
  const perSampleIteration = t.cpuSeconds / Math.max(1, row.solved * row.meanIterations);
  if (row.cutShort === 0 && row.solved === explain) row.fullRunCpuSeconds = t.cpuSeconds;
  else {
    row.fullIterations = Math.max(fullIterations, row.meanIterations);
    row.fullRunCpuSeconds = perSampleIteration * explain * row.fullIterations;
  }
  log(
    `solvers: ${problem} ${method} after (${operator.threads} thread(s)): ${result.solves.length} solves in ` +
      `${t.wallSeconds.toFixed(1)} s (${t.cpuSeconds.toFixed(1)} s CPU), ${row.cutShort} cut short`,
  );
  return { ...row, scores: result.scores };
}

/** The 10 largest (sign 1) or most negative (sign −1) entries' indices. */
function strongest(row: Float64Array, sign: 1 | -1): Set<number> {
  return new Set(
    Array.from(row.keys())
      .sort((i, j) => sign * (row[j] - row[i]) || i - j)
      .slice(0, 10),
  );
}

/** Score rows (sample after sample, nTrain each) against the reference's first rows: see SolverRow.agreement. */
function agreement(scores: Float64Array, reference: Float64Array, nTrain: number): SolverRow['agreement'] {
  const samples = scores.length / nTrain;
  const ps: number[] = [];
  let shared = 0;
  for (let e = 0; e < samples; e++) {
    const row = scores.subarray(e * nTrain, (e + 1) * nTrain);
    const ref = reference.subarray(e * nTrain, (e + 1) * nTrain);
    ps.push(pearson(row, ref));
    for (const sign of [1, -1] as const) {
      const mine = strongest(row, sign);
      for (const i of strongest(ref, sign)) if (mine.has(i)) shared++;
    }
  }
  return {
    pearsonMean: ps.reduce((a, b) => a + b, 0) / Math.max(1, samples),
    pearsonMin: Math.min(...ps),
    topTenOverlap: shared / Math.max(1, 20 * samples),
  };
}

/** The old loop: one solve after another with single-vector products, on the first `samples` test samples. */
function beforeRow(
  problem: string,
  method: 'cg' | 'lissa' | 'gif',
  single: { hvp: Hvp; trainDots: (x: Float64Array) => Float64Array; testGradient: (t: number) => Float64Array },
  groups: Int32Array[],
  samples: number,
  explain: number,
  damping: number,
  lissaDepth: number,
): SolverRow {
  const start = clock();
  let scale: number | undefined;
  const iterations: number[] = [];
  const residuals: number[] = [];
  for (let t = 0; t < samples; t++) {
    const g = single.testGradient(t);
    let x: Float64Array;
    if (method === 'cg') {
      const r = conjugateGradient(single.hvp, g, { damping, tolerance: 1e-5 });
      x = r.x;
      iterations.push(r.report.iterations);
      residuals.push(r.report.relativeResidual);
    } else if (method === 'lissa') {
      const r = lissa(single.hvp, g, { damping, tolerance: 1e-5, depth: lissaDepth, seed: 0, scale });
      scale = r.report.scale;
      x = r.x;
      iterations.push(r.report.iterations);
      residuals.push(r.report.relativeResidual);
    } else {
      const subset = selectSubset(groups, g, DEFAULTS.subsetFraction, 0.9);
      const r = generalizedInfluenceSolve(single.hvp, g, subset, { damping, tolerance: 1e-5 });
      x = new Float64Array(g.length);
      subset.forEach((q, k) => (x[q] = r.x[k]));
      iterations.push(r.report.iterations);
      residuals.push(r.report.relativeResidual);
    }
    single.trainDots(x);
  }
  const t = since(start);
  const factor = explain / samples;
  log(
    `solvers: ${problem} ${method} before: ${samples} solve(s) in ${t.wallSeconds.toFixed(1)} s ` +
      `(${t.cpuSeconds.toFixed(1)} s CPU) → ×${factor.toFixed(0)}`,
  );
  return {
    problem,
    method,
    variant: 'before',
    solved: samples,
    ...t,
    scaledTo: explain,
    scaledWallSeconds: t.wallSeconds * factor,
    scaledCpuSeconds: t.cpuSeconds * factor,
    meanIterations: iterations.reduce((a, b) => a + b, 0) / Math.max(1, iterations.length),
    maxRelativeResidual: Math.max(0, ...residuals),
    cutShort: 0,
    note: samples === 1 ? 'its first solve' : `its first ${samples} solves`,
  };
}

/** Neuron groups of the MLP's kernels (as iterativeInfluence.ts builds them for gif). */
function groupsOf(operator: InfluenceOperator): Int32Array[] {
  const groups: Int32Array[] = [];
  const blocks = operator.layout;
  blocks.forEach((block, k) => {
    if (!block.name.endsWith('kernel')) return;
    const bias = blocks[k + 1]?.name.endsWith('bias') ? blocks[k + 1] : undefined;
    groups.push(
      ...lastAxisNeuronParameters(
        block.offset,
        block.size,
        block.shape[block.shape.length - 1],
        bias ? bias.offset : -1,
      ),
    );
  });
  return groups;
}

export async function runSolvers(options: { quick: boolean }): Promise<SolverSection> {
  await initBackend();
  const busyBefore = machineBusySeconds();
  const cpuStart = clock();
  const explain = options.quick ? 8 : DEFAULTS.explain;
  const budgetSeconds = options.quick ? 6 : DEFAULTS.solverSeconds;
  const rows: SolverRow[] = [];

  // The digits MLP, whole network.
  const digits = digitsData();
  let digitsInfo: SolverSection['digits'] = null;
  if (digits) {
    const config = { ...defaultModelConfig('mlp'), epochs: options.quick ? 3 : 20 };
    const net: TrainedNetwork = await trainNetwork(config, digits.train);
    const operator = fullNetworkOperator(net, digits.train, digits.test, undefined, 2);
    const oneThread = fullNetworkOperator(net, digits.train, digits.test, undefined, 1);
    digitsInfo = { source: DIGITS, nTrain: digits.train.n, parameters: operator.numParams, epochs: config.epochs };
    const problem = `digits MLP 64-128-10, whole network (${operator.numParams} parameters, ${digits.train.n} rows)`;
    // The old single-vector products: double backprop and the loss JVP.
    const objective = createFullObjective(net, digits.train);
    const jvp = createLossJvp(net, digits.train);
    const oldHvp: Hvp = (v) => Float64Array.from(objective.hvp(Float32Array.from(v)));
    const damping = networkDamping(oldHvp, operator.numParams);
    const single = {
      hvp: oldHvp,
      trainDots: (x: Float64Array) => jvp.along(Float32Array.from(x)),
      testGradient: (t: number) => operator.testGradient(t),
    };
    const groups = groupsOf(operator);
    const lissaDepth = options.quick ? 50 : 1000;
    let reference: Float64Array | undefined;
    const after = (method: IterativeMethod, on: InfluenceOperator, fullIterations: number, note?: string) => {
      const { scores, ...row } = afterRow(
        problem,
        method,
        on,
        digits.train.n,
        digits.test.n,
        explain,
        budgetSeconds,
        0,
        fullIterations,
        reference,
      );
      reference ??= scores;
      // LiSSA's mini-batch products run on this thread (influence/shardedNetwork.ts); only its spectrum estimate,
      // last residual and scores use the operator's two.
      const threads = method === 'lissa' && on.shards ? 1 : row.threads;
      return { ...row, threads, ...(note ? { note } : {}) };
    };
    // LiSSA as the engine ran it until mini-batches: every step a product over all rows.
    const fullProducts: InfluenceOperator = { ...operator, shards: undefined };
    try {
      const cg = beforeRow(problem, 'cg', single, groups, options.quick ? 1 : 3, explain, damping, 1000);
      rows.push(cg, after('cg', operator, cg.meanIterations), after('cg', oneThread, cg.meanIterations));
      // LiSSA runs its full depth (1,000 steps) per solve: one solve is minutes of the old loop.
      rows.push(beforeRow(problem, 'lissa', single, groups, 1, explain, damping, lissaDepth));
      rows.push(after('lissa', fullProducts, lissaDepth, 'every step over all rows'));
      rows.push(after('lissa', operator, lissaDepth, 'mini-batch steps'));
      const gif = beforeRow(problem, 'gif', single, groups, 1, explain, damping, 1000);
      rows.push(gif, after('gif', operator, gif.meanIterations));
    } finally {
      operator.dispose();
      oneThread.dispose();
      objective.dispose();
      jvp.dispose();
    }
  } else log(`solvers: ${DIGITS} is missing (python3-sklearn): the digits rows are skipped`);

  // Logistic regression on MNIST pixels, last layer, CG on the fast float32 head HVP.
  const nTrain = options.quick ? 1000 : 8000;
  const { train, test } = mnistHead(nTrain, explain * 4);
  const shape: HeadShape = { featureDim: 784, numClasses: 10 };
  const l2 = nTrain * defaultModelConfig('logreg').weightDecay;
  const fit = fitHead(train, shape, l2, { meanGradTolerance: 1e-6 });
  const trainProbs = headProbabilities(train, shape, fit.head);
  const testProbs = headProbabilities(test, shape, fit.head);
  const head = headOperator(train, test, shape, trainProbs, testProbs, l2);
  const problem = `logreg on MNIST pixels, last layer (${head.numParams} parameters, ${nTrain} rows)`;
  try {
    const cg = beforeRow(problem, 'cg', head, [], options.quick ? 1 : 3, explain, 0, 1000);
    const { scores: _scores, ...after } = afterRow(
      problem,
      'cg',
      head,
      train.n,
      test.n,
      explain,
      budgetSeconds,
      0,
      cg.meanIterations,
    );
    rows.push(cg, after);
  } finally {
    head.dispose();
  }
  const own = since(cpuStart);
  return {
    explain,
    budgetSeconds,
    digits: digitsInfo,
    logreg: { nTrain, parameters: 7850 },
    rows,
    otherLoadCores: otherLoadCores(busyBefore, machineBusySeconds(), own.cpuSeconds, own.wallSeconds),
  };
}
