/**
 * One configuration of the study (dataset × model × weight decay): the
 * engine's pipeline steps, called one by one so that every method runs on
 * the SAME trained network and is judged on the SAME (removed sample, test
 * sample) pairs:
 *
 *   train (Adam, with per-epoch checkpoints for TracIn)
 *   → converge the whole network (full-batch L-BFGS; the engine's `converge`)
 *   → features, head fit to a tight optimum + Newton polish (the engine's fitLastLayer)
 *   → runInfluenceStage once per method (timed)
 *   → test points: the engine's seeded choice among the explained test samples
 *   → removals: the engine's chooseRemovals over every method's score rows
 *     (round-robin: two thirds largest |influence|, one third random)
 *   → for each removal, retrain (a) the last layer on frozen features (the
 *     engine's retrainHead) and (b) the whole network from θ̂ (L-BFGS, fixed
 *     budget, baseline through the same procedure), and correlate.
 *
 * Nothing is chosen by looking at the results: test points, removals and
 * seeds are fixed before any retraining happens.
 */
import { type HeadData, headLosses, headParameterCount, headProbabilities } from '../../src/compute/head/softmaxHead';
import type { HeadFactor } from '../../src/compute/head/headFactor';
import { computeNewtonStepInfluence } from './newtonStepInfluence';
import { defaultModelConfig } from '../../src/compute/models/defaults';
import { predictProbabilities, trainNetwork } from '../../src/compute/models/train';
import type { ModelConfig, TrainedNetwork, TrainingData } from '../../src/compute/models/types';
import { fitLastLayer } from '../../src/compute/pipeline/headStage';
import { type InfluenceStageResult, runInfluenceStage } from '../../src/compute/pipeline/influenceStage';
import { resolveMaxExactParameters } from '../../src/compute/pipeline/exactLimit';
import { createRng, deriveSeed, normal, permutation } from '../../src/compute/random';
import { retrainHead, withFlatParameters } from '../../src/compute/reliability/retrain';
import { chooseRemovals, verifyInfluence } from '../../src/compute/reliability/verify';
import { pearson, spearman } from '../../src/compute/stats/metrics';
import { initBackend } from '../../src/compute/tf/backend';
import type { StudyData } from './data';
import { flatParameters, retrainFull } from './fullRetrain';
import {
  type ConfigResult,
  type ConfigSpec,
  type Correlation,
  type GroundTruthCheck,
  isEngineMethod,
  METHODS,
  type MethodResult,
  type Pair,
  type RetrainStats,
} from './types';

function correlate(predicted: number[], actual: number[]): Correlation {
  const ok = predicted.every(Number.isFinite) && actual.every(Number.isFinite) && predicted.length >= 3;
  return {
    pearson: ok ? pearson(predicted, actual) : NaN,
    spearman: ok ? spearman(predicted, actual) : NaN,
    points: predicted.length,
  };
}

function accuracy(probs: ArrayLike<number>, y: Int32Array, c: number): number {
  let hits = 0;
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let k = 1; k < c; k++) if (probs[i * c + k] > probs[i * c + best]) best = k;
    if (best === y[i]) hits++;
  }
  return hits / y.length;
}

function rowsOf(data: TrainingData, ids: number[]): Float32Array {
  const x = new Float32Array(ids.length * data.dims);
  ids.forEach((t, j) => x.set(data.x.subarray(t * data.dims, (t + 1) * data.dims), j * data.dims));
  return x;
}

function stats(list: { iterations: number; meanGradNorm: number; seconds: number }[]): RetrainStats {
  return {
    count: list.length,
    meanIterations: list.reduce((a, r) => a + r.iterations, 0) / Math.max(1, list.length),
    meanGradNorm: list.reduce((a, r) => a + r.meanGradNorm, 0) / Math.max(1, list.length),
    maxGradNorm: Math.max(0, ...list.map((r) => r.meanGradNorm)),
    seconds: list.reduce((a, r) => a + r.seconds, 0),
  };
}

function agreement(first: number[], second: number[]): GroundTruthCheck {
  let d2 = 0;
  let a2 = 0;
  first.forEach((v, k) => {
    d2 += (v - second[k]) ** 2;
    a2 += v * v;
  });
  return {
    pearson: first.length >= 3 ? pearson(first, second) : NaN,
    relativeRmsDifference: Math.sqrt(d2 / Math.max(a2, 1e-300)),
    points: first.length,
  };
}

/**
 * The `newton` method: g_tᵀ(H − H_i)⁻¹g_i for the removed samples × test points, in the pair
 * order of ConfigResult.pairs (removal-major). Needs the exact head factor and a convex model.
 */
function newtonStep(o: {
  id: 'newton' | 'newton-loss';
  train: HeadData;
  test: HeadData;
  shape: { featureDim: number; numClasses: number };
  head: Float64Array;
  trainProbs: Float64Array;
  testProbs: Float64Array;
  factor: HeadFactor | undefined;
  hasBody: boolean;
  headDamping: number;
  removed: number[];
  tests: number[];
}): { method: MethodResult; predicted?: number[] } {
  const start = performance.now();
  const exactLoss = o.id === 'newton-loss';
  const method: MethodResult = {
    id: o.id,
    reason: exactLoss
      ? 'one-step Newton leave-one-out parameters θ̂ + Δθ_i, test loss ' +
        'evaluated there (removed samples × test points only)'
      : 'one-step Newton leave-one-out on the exact head factor (removed samples × test points only)',
    target: 'last-layer',
    seconds: 0,
    scoredTests: o.tests.length,
    damping: o.headDamping,
    details: {},
    finite: false,
    own: { pearson: NaN, spearman: NaN, points: 0 },
    full: null,
    engineVerify: null,
    predicted: [],
  };
  if (o.hasBody || !o.factor) {
    method.reason = 'failed';
    method.error = o.hasBody
      ? 'only for the convex model (logreg)'
      : 'needs the exact head factor (too many head parameters)';
    return { method };
  }
  const scores = computeNewtonStepInfluence({
    train: o.train,
    test: o.test,
    shape: o.shape,
    trainProbs: o.trainProbs,
    testProbs: o.testProbs,
    factor: o.factor,
    trainIds: o.removed,
    testIds: o.tests,
    steps: exactLoss,
  });
  const leverage = Array.from(scores.leverage).sort((a, b) => a - b);
  method.details = {
    scoredTrain: o.removed.length,
    maxLeverage: leverage[leverage.length - 1] ?? NaN,
    medianLeverage: leverage.length ? leverage[Math.floor(leverage.length / 2)] : NaN,
  };
  let predicted = Array.from(scores.newton);
  if (exactLoss) {
    // The test losses at θ̂ and at each θ̂ + Δθ_i, in the pair order (removal-major).
    const before = headLosses(o.testProbs, o.test.y, o.shape.numClasses);
    predicted = scores.steps!.flatMap((step) => {
      const moved = Float64Array.from(o.head, (w, q) => w + step[q]);
      const after = headLosses(headProbabilities(o.test, o.shape, moved), o.test.y, o.shape.numClasses);
      return o.tests.map((t) => after[t] - before[t]);
    });
  }
  method.seconds = (performance.now() - start) / 1000;
  return { method, predicted };
}

export async function runConfig(
  spec: ConfigSpec,
  data: StudyData,
  log: (message: string) => void,
): Promise<ConfigResult> {
  const t0 = performance.now();
  let lap = t0;
  const timings: Record<string, number> = {};
  const mark = (name: string) => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + (now - lap) / 1000;
    lap = now;
  };
  await initBackend('wasm');
  const seed = spec.seed;
  const trainData = data.train;
  const testData = data.test;
  const numClasses = trainData.numClasses;
  const base = defaultModelConfig(spec.model);
  const config: ModelConfig = {
    ...base,
    seed,
    hidden: spec.hidden.length ? spec.hidden : base.hidden,
    convChannels: spec.convChannels.length ? spec.convChannels : base.convChannels,
    epochs: spec.epochs,
    weightDecay: spec.weightDecay,
  };
  const l2 = trainData.n * config.weightDecay;

  log(`train ${spec.model} ${JSON.stringify(config.hidden)} wd=${config.weightDecay} (${config.epochs} epochs)`);
  let net: TrainedNetwork = await trainNetwork(config, trainData, { checkpoints: spec.methods.includes('tracin') });
  mark('train');
  const hasBody = net.body.length > 0;
  let converge: ConfigResult['converge'] = null;
  if (hasBody) {
    const c = retrainFull(net, trainData, l2, new Set(), {
      maxIterations: spec.convergeIterations,
      meanGradTolerance: 1e-7,
      optimizer: 'armijo',
    });
    converge = { iterations: c.iterations, meanGradNorm: c.meanGradNorm, seconds: c.seconds, objective: c.objective };
    net = { ...c.net, checkpoints: net.checkpoints };
    log(
      `converged θ̂: ${c.iterations} L-BFGS iterations, ‖∇R‖/n = ` +
        `${c.meanGradNorm.toExponential(2)}, ${c.seconds.toFixed(1)} s`,
    );
  }
  mark('converge');

  // The engine's own last-layer fit (fit() calls the same function): features, head to a tight optimum, Newton polish +
  // Cholesky factor.
  // The engine's default limit for this shape (pipeline/exactLimit.ts).
  const maxExactParameters = resolveMaxExactParameters(
    {},
    { nTrain: trainData.n, nTest: testData.n, numClasses: trainData.numClasses },
  );
  const fittedHead = fitLastLayer(net, trainData, testData, l2, maxExactParameters);
  const { train, test, shape, trainProbs, testProbs, factor, headDamping } = fittedHead;
  const headMeanGradNorm = fittedHead.headGradientNorm;
  const head = fittedHead.net.head;
  const fitted: TrainedNetwork = fittedHead.net;
  const p = headParameterCount(shape);
  const canFactor = factor !== undefined;
  mark('head');
  const parameters = hasBody ? net.body.reduce((a, b) => a + b.data.length, 0) + p : p;

  // Influence, one method at a time, on the same fitted network.
  const stages = new Map<string, InfluenceStageResult>();
  const methodResults: MethodResult[] = [];
  for (const id of spec.methods.filter(isEngineMethod)) {
    const m = METHODS[id];
    const start = performance.now();
    try {
      const influence = runInfluenceStage({
        choice: m.choice,
        requestedTarget: m.target,
        net: fitted,
        train,
        test,
        trainData,
        testData,
        shape,
        trainProbs,
        testProbs,
        l2,
        factor,
        headDamping,
        maxExactParameters,
        topK: 10,
        explainCount: spec.explain,
        subsetFraction: 0.1,
        seed,
        report: () => {},
      });
      const seconds = (performance.now() - start) / 1000;
      stages.set(id, influence);
      methodResults.push({
        id,
        reason: influence.reason,
        target: influence.target,
        seconds,
        scoredTests: influence.explained?.length ?? testData.n,
        damping: influence.damping,
        details: influence.details,
        finite: true,
        own: { pearson: NaN, spearman: NaN, points: 0 },
        full: null,
        engineVerify: null,
        predicted: [],
      });
      log(
        `${id}: ${seconds.toFixed(1)} s, damping ` +
          `${influence.damping.toExponential(2)} ` +
          `${JSON.stringify(influence.details)}`,
      );
    } catch (err) {
      const seconds = (performance.now() - start) / 1000;
      methodResults.push({
        id,
        reason: 'failed',
        target: m.target ?? 'last-layer',
        seconds,
        scoredTests: 0,
        damping: NaN,
        details: {},
        finite: false,
        own: { pearson: NaN, spearman: NaN, points: 0 },
        full: null,
        engineVerify: null,
        predicted: [],
        error: (err as Error).message,
      });
      log(`${id}: FAILED ${(err as Error).message}`);
    }
  }
  mark('influence');

  // Test points: exactly the engine's rule (verifyInfluence), over the explained test samples.
  const candidates = Array.from({ length: Math.min(spec.explain, testData.n) }, (_, t) => t);
  const order = permutation(candidates.length, createRng(deriveSeed(seed, 'verify-tests')));
  const tests = Array.from(order.subarray(0, Math.min(spec.testPoints, order.length)), (j) => candidates[j]).sort(
    (a, b) => a - b,
  );
  const rows = new Map<string, Float64Array[]>();
  for (const [id, influence] of stages)
    rows.set(
      id,
      tests.map((t) => influence.scoreRow(t)),
    );
  // Removals: the engine's rule over all methods' rows, test-major so every method has a say at every rank.
  const interleaved: Float64Array[] = [];
  tests.forEach((_, j) => {
    for (const r of rows.values()) interleaved.push(r[j]);
  });
  const removed = chooseRemovals(interleaved, spec.removals, trainData.n, seed);
  log(`tests ${JSON.stringify(tests)}, ${removed.length} removals`);

  // One-step Newton on the convex head, for exactly the removed samples (chosen above without it).
  const newtonPredicted = new Map<string, number[]>();
  for (const id of ['newton', 'newton-loss'] as const) {
    if (!spec.methods.includes(id)) continue;
    const result = newtonStep({
      id,
      train,
      test,
      shape,
      head,
      trainProbs,
      testProbs,
      factor,
      hasBody,
      headDamping,
      removed,
      tests,
    });
    methodResults.push(result.method);
    if (result.predicted) newtonPredicted.set(id, result.predicted);
    log(`${id}: ${result.method.seconds.toFixed(1)} s ${result.method.error ?? JSON.stringify(result.method.details)}`);
  }
  mark('newton');

  // (a) last layer on frozen features: the engine's retrainHead, one refit per removed sample, cached
  // (the shared pairs and every method's own --verify replica reuse the same refits).
  const llStats: { iterations: number; meanGradNorm: number; seconds: number }[] = [];
  const heads = new Map<number, Float64Array>();
  const headWithout = (i: number): Float64Array => {
    let h = heads.get(i);
    if (!h) {
      const s = performance.now();
      h = retrainHead(train, shape, l2, head, new Set(i >= 0 ? [i] : []), canFactor, factor);
      heads.set(i, h);
      llStats.push({ iterations: 0, meanGradNorm: 0, seconds: (performance.now() - s) / 1000 });
    }
    return h;
  };
  const lastLayerLossesAt = (i: number, ids: number[]): Float64Array => {
    const h = headWithout(i);
    const phi = new Float32Array(ids.length * shape.featureDim);
    ids.forEach((t, j) =>
      phi.set(test.phi.subarray(t * shape.featureDim, (t + 1) * shape.featureDim), j * shape.featureDim),
    );
    const subset = { phi, y: Int32Array.from(ids, (t) => testData.y[t]), n: ids.length };
    return headLosses(headProbabilities(subset, shape, h), subset.y, numClasses);
  };
  const llBase = lastLayerLossesAt(-1, tests);
  const actualLL = removed.map((i) => {
    const l = lastLayerLossesAt(i, tests);
    return tests.map((_, j) => l[j] - llBase[j]);
  });
  mark('retrainLastLayer');

  // (b) the whole network, from θ̂ (or a perturbed θ̂), fixed L-BFGS budget, baseline through the same procedure.
  const testX = rowsOf(testData, tests);
  const fullStats: { iterations: number; meanGradNorm: number; seconds: number }[] = [];
  const fullLosses = (start: TrainedNetwork, i: number, budget: number, record: boolean): number[] => {
    const r = retrainFull(start, trainData, l2, new Set(i >= 0 ? [i] : []), {
      maxIterations: budget,
      meanGradTolerance: 1e-7,
      optimizer: 'armijo',
    });
    if (record) fullStats.push(r);
    const probs = predictProbabilities(r.net, testX, tests.length);
    return tests.map((t, j) => -Math.log(Math.max(probs[j * numClasses + testData.y[t]], 1e-30)));
  };
  let actualFull: number[][] | null = null;
  let budgetCheck: GroundTruthCheck | null = null;
  let retestCheck: GroundTruthCheck | null = null;
  if (hasBody) {
    const B = spec.retrainIterations;
    const base0 = fullLosses(fitted, -1, B, true);
    actualFull = removed.map((i, k) => {
      const l = fullLosses(fitted, i, B, true);
      if ((k + 1) % 4 === 0 || k === removed.length - 1) log(`full-network retraining ${k + 1}/${removed.length}`);
      return tests.map((_, j) => l[j] - base0[j]);
    });
    mark('retrainFull');
    // Ground-truth checks on an evenly spread subset of the removals (targeted and random alike).
    const subset = (count: number) => {
      const c = Math.min(count, removed.length);
      return Array.from({ length: c }, (_, q) => Math.floor((q * removed.length) / c));
    };
    if (spec.budgetCheck > 0) {
      const ks = subset(spec.budgetCheck);
      const b2 = fullLosses(fitted, -1, 2 * B, false);
      const second = ks.flatMap((k) => {
        const l = fullLosses(fitted, removed[k], 2 * B, false);
        return tests.map((_, j) => l[j] - b2[j]);
      });
      budgetCheck = agreement(
        ks.flatMap((k) => actualFull![k]),
        second,
      );
      log(`budget check (B vs 2B): r = ${budgetCheck.pearson.toFixed(3)}`);
      mark('budgetCheck');
    }
    if (spec.retestCheck > 0) {
      const ks = subset(spec.retestCheck);
      const theta = flatParameters(fitted, trainData);
      let rms = 0;
      for (const v of theta) rms += v * v;
      rms = Math.sqrt(rms / theta.length);
      const rng = createRng(deriveSeed(seed, 'study-retest'));
      const shaken = withFlatParameters(
        fitted,
        Float64Array.from(theta, (v) => v + 1e-3 * rms * normal(rng)),
      );
      const b2 = fullLosses(shaken, -1, B, false);
      const second = ks.flatMap((k) => {
        const l = fullLosses(shaken, removed[k], B, false);
        return tests.map((_, j) => l[j] - b2[j]);
      });
      retestCheck = agreement(
        ks.flatMap((k) => actualFull![k]),
        second,
      );
      log(`retest check (θ̂ vs θ̂ + noise): r = ${retestCheck.pearson.toFixed(3)}`);
      mark('retestCheck');
    }
  }

  const pairs: Pair[] = [];
  removed.forEach((i, k) =>
    tests.forEach((t, j) =>
      pairs.push({
        train: i,
        test: t,
        actualLastLayer: actualLL[k][j],
        actualFull: actualFull ? actualFull[k][j] : null,
      }),
    ),
  );
  const ll = pairs.map((q) => q.actualLastLayer);
  const full = actualFull ? pairs.map((q) => q.actualFull as number) : null;

  for (const result of methodResults) {
    const r = rows.get(result.id);
    const predicted = r ? removed.flatMap((i) => tests.map((_, j) => r[j][i])) : newtonPredicted.get(result.id);
    if (!predicted) continue;
    result.predicted = predicted;
    result.finite = result.predicted.every(Number.isFinite);
    const own = result.target === 'full' ? (full as number[]) : ll;
    result.own = correlate(result.predicted, own);
    result.full = full ? correlate(result.predicted, full) : null;
    const influence = stages.get(result.id);
    if (influence && result.target === 'last-layer') {
      // What `--verify K` reports for this method: the engine's verifyInfluence with exactly the
      // oracle of runReliabilityCheck's last-layer branch (retrainHead on frozen features), cached.
      const report = verifyInfluence({
        removals: spec.removals,
        testCandidates: influence.explained ?? Array.from({ length: testData.n }, (_, t) => t),
        testPoints: spec.testPoints,
        nTrain: trainData.n,
        seed,
        retrain: 'last-layer',
        scoreRow: influence.scoreRow,
        testLossesWithout: lastLayerLossesAt,
      });
      result.engineVerify = {
        pearson: report.pearson,
        spearman: report.spearman,
        points: report.points,
        tests: report.testSamples,
      };
    }
  }
  mark('correlate');

  const totalSeconds = (performance.now() - t0) / 1000;
  return {
    spec,
    dataDescription: data.description,
    nTrain: trainData.n,
    nTest: testData.n,
    parameters,
    headParameters: p,
    trainAccuracy: accuracy(trainProbs, trainData.y, numClasses),
    testAccuracy: accuracy(testProbs, testData.y, numClasses),
    converge,
    headMeanGradNorm,
    headDamping,
    tests,
    removed,
    pairs,
    methods: methodResults,
    retrain: { lastLayer: stats(llStats), full: hasBody ? stats(fullStats) : null },
    budgetCheck,
    retestCheck,
    timings,
    totalSeconds,
  };
}
