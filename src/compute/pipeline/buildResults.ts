/** Assembles the ResultsFile (DESIGN.md §3) from a fit, its scores and the reliability check. */
import type { ReliabilityReport } from '../reliability/verify';
import type { TrainedNetwork } from '../models/types';
import type { BackendInfo } from '../tf/backend';
import type { LoadedDataset } from '../types';
import { RANKED_LABELS, type ResultsFile, SCHEMA_VERSION, type TestRecord, type TrainRecord } from '../results/schema';
import type { IssuesReport } from '../issues';
import type { Fitted } from './fit';
import { issuesSection, sampleIssueFields } from './issuesSection';
import type { Scored } from './score';
import type { StageClock } from './stageClock';
import { ENGINE_VERSION } from '../version';

export interface AssembleInput {
  data: LoadedDataset;
  backend: BackendInfo;
  fitted: Fitted;
  scored: Scored;
  reliability: ReliabilityReport | null;
  /** The data-issue passes (issue 17); null when they were not run. */
  issues?: IssuesReport | null;
  timings: StageClock;
}

function argmaxRow(probs: Float64Array, row: number, c: number): number {
  let best = 0;
  for (let k = 1; k < c; k++) if (probs[row * c + k] > probs[row * c + best]) best = k;
  return best;
}

function accuracy(probs: Float64Array, y: Int32Array, c: number): number {
  if (y.length === 0) return NaN;
  let correct = 0;
  for (let i = 0; i < y.length; i++) if (argmaxRow(probs, i, c) === y[i]) correct++;
  return correct / y.length;
}

function countParameters(net: TrainedNetwork): number {
  return net.body.reduce((sum, w) => sum + w.data.length, 0) + net.head.length;
}

/** JSON has no NaN; an accuracy that does not exist (empty split) is written as null. */
function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Row i's most probable classes, highest first (ties keep class order). */
export function rankLabels(
  probs: Float64Array,
  i: number,
  classes: string[],
): { label: string; probability: number }[] {
  const c = classes.length;
  return Array.from({ length: c }, (_, k) => k)
    .sort((a, b) => probs[i * c + b] - probs[i * c + a] || a - b)
    .slice(0, RANKED_LABELS)
    .map((k) => ({ label: classes[k], probability: probs[i * c + k] }));
}

export function assemble(assembled: AssembleInput): ResultsFile {
  const { data, fitted, scored } = assembled;
  const { ranking, influence } = scored;
  // The fields the results file is made of, by the names it had before fit and score were split.
  const input = {
    ...assembled,
    workers: fitted.workers,
    // The model trained for influence (under --model auto, the chosen one).
    config: fitted.net.config,
    net: fitted.net,
    headGradientNorm: fitted.headGradientNorm,
    l2: fitted.l2,
    topK: scored.topK,
    folds: fitted.settings.folds,
    trainProbs: fitted.trainProbs,
    testProbs: fitted.testProbs,
    trainLoss: scored.trainLoss,
    testLoss: scored.testLoss,
  };
  const classes = data.classes;
  const c = classes.length;
  const likely = new Set<number>(Array.from(ranking.order.subarray(0, ranking.estimatedCount)));

  const train: TrainRecord[] = Array.from(ranking.order, (i) => {
    const suggested = ranking.suggested[i];
    return {
      id: i,
      source: data.train.sources[i],
      label: classes[data.train.y[i]],
      predicted: classes[argmaxRow(input.trainProbs, i, c)],
      suggestedLabel: classes[suggested],
      suggestedProbability: ranking.oosProbs[i * c + suggested],
      givenLabelProbability: ranking.oosProbs[i * c + data.train.y[i]],
      rankedLabels: rankLabels(ranking.oosProbs, i, classes),
      outOfSampleMargin: ranking.outOfSampleMargin[i],
      loss: input.trainLoss[i],
      selfInfluence: influence.selfInfluence[i],
      suspicion: ranking.suspicion[i],
      likelyLabelIssue: likely.has(i),
      ...(data.train.preview[i] ? { preview: data.train.preview[i] } : {}),
      ...sampleIssueFields(assembled.issues ?? null, 'train', i),
    };
  });

  const test: TestRecord[] = data.test.sources.map((source, t) => {
    const { proponents, opponents } = influence.topK.row(t);
    return {
      id: t,
      source,
      label: classes[data.test.y[t]],
      predicted: classes[argmaxRow(input.testProbs, t, c)],
      loss: input.testLoss[t],
      suspicion: scored.testRanking.suspicion[t],
      suggestedLabel: classes[scored.testRanking.suggested[t]],
      likelyLabelIssue: scored.testRanking.likely.has(t),
      proponents: proponents.map((e) => ({ train: e.index, influence: e.value })),
      opponents: opponents.map((e) => ({ train: e.index, influence: e.value })),
      ...(data.test.preview[t] ? { preview: data.test.preview[t] } : {}),
      ...sampleIssueFields(assembled.issues ?? null, 'test', t),
    };
  });

  const stages = input.timings.stages;
  const totalSeconds = input.timings.total();
  return {
    schemaVersion: SCHEMA_VERSION,
    createdAt: new Date().toISOString(),
    engine: {
      version: ENGINE_VERSION,
      backend: input.backend.name,
      ...(input.backend.warning ? { backendWarning: input.backend.warning } : {}),
      workers: input.workers,
    },
    dataset: {
      root: data.root,
      format: data.format,
      labelColumn: data.labelColumn,
      classes,
      nTrain: data.train.y.length,
      nTest: data.test.y.length,
      testSource: data.testSource,
      ...(data.testPath !== undefined ? { testPath: data.testPath } : {}),
      dims: data.dims,
      // The influence stage's warnings (solves cut short by the time budget) go where the CLI and the panel show them.
      warnings: [...data.warnings, ...(influence.warnings ?? [])],
    },
    model: {
      kind: input.config.kind,
      parameters: countParameters(input.net),
      targetParameters: influence.target === 'full' ? countParameters(input.net) : input.net.head.length,
      weightDecay: input.config.weightDecay,
      trainAccuracy: finiteOrNull(accuracy(input.trainProbs, data.train.y, c)),
      testAccuracy: finiteOrNull(accuracy(input.testProbs, data.test.y, c)),
      hidden: input.config.kind === 'logreg' ? [] : input.config.hidden,
      epochs: input.config.epochs,
      seed: input.config.seed,
      headGradientNorm: input.headGradientNorm,
      ...(fitted.source ? { source: fitted.source } : {}),
      ...(fitted.choice ? { reason: fitted.choice.reason } : {}),
    },
    influence: {
      method: influence.method,
      reason: influence.reason,
      damping: influence.damping,
      l2: input.l2,
      target: influence.target,
      selfInfluenceMethod: influence.selfInfluenceMethod,
      topK: input.topK,
      explained: influence.explained,
      details: influence.details,
      ...(influence.solves ? { solves: influence.solves } : {}),
      reliability: input.reliability
        ? {
            pearson: input.reliability.pearson,
            spearman: input.reliability.spearman,
            points: input.reliability.points,
            retrain: input.reliability.retrain,
            ...(input.reliability.retrainBackend ? { retrainBackend: input.reliability.retrainBackend } : {}),
            testSamples: input.reliability.testSamples,
            pairs: input.reliability.pairs,
            ...(input.reliability.warning ? { warning: input.reliability.warning } : {}),
          }
        : null,
    },
    labelIssues: {
      estimatedCount: ranking.estimatedCount,
      folds: input.folds,
      confidentJoint: ranking.confidentJoint,
      estimatedRange: { low: ranking.count.low, high: ranking.count.high },
      countEstimator: ranking.count.estimator,
      suspicion: { explanation: ranking.explanation, signals: ranking.signals, calibration: ranking.calibration },
    },
    ...(assembled.issues ? { issues: issuesSection(assembled.issues, ranking.estimatedCount) } : {}),
    train,
    test,
    timings: {
      loadSeconds: stages.load ?? 0,
      trainSeconds: stages.train ?? 0,
      influenceSeconds:
        (stages.features ?? 0) + (stages.fitHead ?? 0) + (stages.hessian ?? 0) + (stages.influence ?? 0),
      totalSeconds,
      stages,
    },
  };
}
