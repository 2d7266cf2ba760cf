/**
 * score(): influence by the chosen estimator and the mislabel ranking, over a
 * Fitted (fit.ts). Cheap next to the fit for the exact method; a run that
 * changes only the score options (method, target, top-k, explained samples)
 * reuses the fit instead of retraining.
 */
import { headLosses } from '../head/softmaxHead';
import type { DataViews, Fitted } from './fit';
import { type InfluenceStageResult, runInfluenceStage } from './influenceStage';
import { type AnalyzeOptions, DEFAULTS, type Progress } from './options';
import { type LabelIssueRanking, rankLabelIssues } from './rankLabelIssues';
import type { StageClock } from './stageClock';

export interface ScoreOptions {
  method?: AnalyzeOptions['method'];
  target?: AnalyzeOptions['target'];
  topK?: number;
  explain?: number;
  subsetFraction?: number;
}

export interface Scored {
  topK: number;
  influence: InfluenceStageResult;
  ranking: LabelIssueRanking;
  trainLoss: Float64Array;
  testLoss: Float64Array;
}

export interface ScoreContext {
  signal?: AbortSignal;
  report: (p: Progress) => void;
  clock: StageClock;
}

export function score(fitted: Fitted, views: DataViews, options: ScoreOptions, ctx: ScoreContext): Scored {
  const topK = Math.max(0, options.topK ?? DEFAULTS.topK);
  const influence = runInfluenceStage({
    choice: options.method ?? DEFAULTS.method,
    requestedTarget: options.target,
    net: fitted.net,
    train: fitted.train,
    test: fitted.test,
    trainData: views.trainData,
    testData: views.testData,
    shape: fitted.shape,
    trainProbs: fitted.trainProbs,
    testProbs: fitted.testProbs,
    l2: fitted.l2,
    factor: fitted.factor,
    headDamping: fitted.headDamping,
    maxExactParameters: fitted.settings.maxExactParameters,
    topK,
    explainCount: options.explain ?? DEFAULTS.explain,
    subsetFraction: options.subsetFraction ?? DEFAULTS.subsetFraction,
    seed: fitted.settings.seed,
    signal: ctx.signal,
    report: ctx.report,
  });
  ctx.clock.lap('influence');
  return { topK, influence, ...rank(fitted, influence, ctx) };
}

/** The mislabel ranking: out-of-sample probabilities, losses at θ̂ and self-influence. */
function rank(fitted: Fitted, influence: InfluenceStageResult, ctx: ScoreContext): Omit<Scored, 'topK' | 'influence'> {
  ctx.report({ stage: 'ranking', done: 0, total: 1 });
  const c = fitted.shape.numClasses;
  const trainLoss = headLosses(fitted.trainProbs, fitted.train.y, c);
  const ranking = rankLabelIssues({ oosProbs: fitted.oosProbs, y: fitted.train.y, numClasses: c, trainLoss, selfInfluence: influence.selfInfluence });
  const testLoss = headLosses(fitted.testProbs, fitted.test.y, c);
  ctx.clock.lap('ranking');
  return { ranking, trainLoss, testLoss };
}
