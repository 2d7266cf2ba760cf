/**
 * score(): influence by the chosen estimator and the mislabel ranking, over a
 * Fitted (fit.ts). Cheap next to the fit for the exact method; a run that
 * changes only the score options (method, target, top-k, explained samples)
 * reuses the fit instead of retraining.
 */
import { headLosses } from '../head/softmaxHead';
import type { DataViews, Fitted } from './fit';
import type { IterativeResume } from '../influence/iterativeInfluence';
import {
  exactCostShape,
  exactStageResult,
  explainedIds,
  type InfluenceStageInput,
  type InfluenceStageResult,
  resolveMethod,
  runInfluenceStage,
} from './influenceStage';
import { type AnalyzeOptions, DEFAULTS, type Progress } from './options';
import { type LabelIssueRanking, rankLabelIssues, rankTestLabels, type TestLabelRanking } from './rankLabelIssues';
import {
  cachedK,
  type IterativeKey,
  loadExactScores,
  loadIterativeScores,
  saveExactScores,
  saveIterativeScores,
  truncate,
} from './scoreCache';
import type { SuspicionSignal } from '../mislabel/suspicion';
import type { StageClock } from './stageClock';

export interface ScoreOptions {
  method?: AnalyzeOptions['method'];
  target?: AnalyzeOptions['target'];
  topK?: number;
  explain?: number;
  explainIds?: number[];
  subsetFraction?: number;
  solverSeconds?: number;
}

export interface Scored {
  topK: number;
  influence: InfluenceStageResult;
  ranking: LabelIssueRanking;
  /** The test labels scored like the training labels' out-of-sample core (the model never trained on them). */
  testRanking: TestLabelRanking;
  trainLoss: Float64Array;
  testLoss: Float64Array;
}

export interface ScoreContext {
  /** More label-ranking signals (a duplicate with another label: issuesStage.ts); each must earn its weight. */
  extraSignals?: SuspicionSignal[];
  /** Where the exact method's scores of this fit are kept for later runs (scoreCache.ts); none: not kept. */
  scoreCachePath?: string;
  /** A line for the log: whether kept scores were used. */
  log?: (line: string) => void;
  signal?: AbortSignal;
  report: (p: Progress) => void;
  clock: StageClock;
}

export async function score(
  fitted: Fitted,
  views: DataViews,
  options: ScoreOptions,
  ctx: ScoreContext,
): Promise<Scored> {
  const topK = Math.max(0, options.topK ?? DEFAULTS.topK);
  const stageInput = {
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
    factorInfo: fitted.factorInfo,
    headDamping: fitted.headDamping,
    maxExactParameters: fitted.settings.maxExactParameters,
    topK,
    explainCount: options.explain ?? DEFAULTS.explain,
    explainIds: options.explainIds ?? [],
    subsetFraction: options.subsetFraction ?? DEFAULTS.subsetFraction,
    solverSeconds: options.solverSeconds ?? DEFAULTS.solverSeconds,
    seed: fitted.settings.seed,
    signal: ctx.signal,
    report: ctx.report,
  };
  const { method, reason } = resolveMethod(
    stageInput.choice,
    exactCostShape(stageInput),
    stageInput.maxExactParameters,
  );
  let influence: InfluenceStageResult;
  if (method === 'exact' && fitted.factor && ctx.scoreCachePath) {
    // The exact scores depend on the fit alone: kept with a longer top-k list, they serve any smaller top-k later.
    const kept = await loadExactScores(ctx.scoreCachePath, fitted, topK);
    if (kept) {
      ctx.log?.(`reusing the exact scores kept for this fit (${ctx.scoreCachePath})`);
      influence = exactStageResult(stageInput, reason, kept);
    } else {
      const computed = runInfluenceStage({ ...stageInput, topK: cachedK(topK, fitted.test.n) });
      await saveExactScores(ctx.scoreCachePath, fitted, computed).then(
        () => ctx.log?.(`exact scores kept for later runs (${ctx.scoreCachePath})`),
        (error: Error) => ctx.log?.(`the exact scores were not kept: ${error.message}`),
      );
      influence = { ...computed, topK: truncate(computed.topK, topK) };
    }
  } else if (method !== 'tracin' && ctx.scoreCachePath) {
    influence = await iterativeWithKept(fitted, stageInput, method, ctx.scoreCachePath, ctx);
  } else {
    influence = runInfluenceStage(stageInput);
  }
  ctx.clock.lap('influence');
  return { topK, influence, ...rank(fitted, influence, ctx) };
}

/** cg, lissa, gif: resume from the solves kept for this fit and estimator; keep the longer list for the next run. */
async function iterativeWithKept(
  fitted: Fitted,
  stageInput: InfluenceStageInput,
  method: string,
  cachePath: string,
  ctx: ScoreContext,
): Promise<InfluenceStageResult> {
  const file = `${cachePath}.${method}`;
  const key: IterativeKey = {
    method,
    target: stageInput.requestedTarget ?? null,
    subsetFraction: method === 'gif' ? stageInput.subsetFraction : null,
  };
  const kept = await loadIterativeScores(file, fitted, key);
  // The kept solves answer the samples they were solved for: only as far as this run solves the same ones in order.
  const wanted = explainedIds(stageInput.explainCount, fitted.test.n, stageInput.explainIds);
  const resume = kept ? commonPrefix(kept.resume, wanted) : undefined;
  if (kept && resume) {
    const all = resume.rows.length === Math.min(kept.resume.rows.length, wanted.length);
    ctx.log?.(
      all
        ? `resuming from ${kept.resume.rows.length} solve(s) kept for this fit (${file})`
        : `resuming from ${resume.rows.length} of the ${kept.resume.rows.length} solve(s) kept for this fit (${file}); ` +
            'the others explain other test samples',
    );
  }
  const influence = runInfluenceStage({ ...stageInput, resume, selfInfluence: kept?.selfInfluence });
  const solved = influence.iterative;
  // Kept again when this run solved samples the kept list lacks (it then holds this run's list).
  if (solved && solved.resume.rows.length > (resume?.rows.length ?? 0)) {
    await saveIterativeScores(file, fitted, key, solved).then(
      () => ctx.log?.(`${solved.resume.rows.length} solve(s) kept for later runs (${file})`),
      (error: Error) => ctx.log?.(`the solves were not kept: ${error.message}`),
    );
  }
  return influence;
}

/** The first kept solves whose test samples are the first of `wanted`, in order; undefined when none. */
function commonPrefix(kept: IterativeResume, wanted: Int32Array): IterativeResume | undefined {
  let e = 0;
  while (e < kept.rows.length && e < wanted.length && kept.solves[e].test === wanted[e]) e++;
  if (e === 0) return undefined;
  return {
    rows: kept.rows.slice(0, e),
    solves: kept.solves.slice(0, e),
    subsetSizes: kept.subsetSizes.slice(0, e),
    states: kept.states.slice(0, e),
  };
}

/** The mislabel ranking: out-of-sample probabilities, losses at θ̂ and self-influence. */
function rank(fitted: Fitted, influence: InfluenceStageResult, ctx: ScoreContext): Omit<Scored, 'topK' | 'influence'> {
  ctx.report({ stage: 'ranking', done: 0, total: 1 });
  const c = fitted.shape.numClasses;
  const trainLoss = headLosses(fitted.trainProbs, fitted.train.y, c);
  const ranking = rankLabelIssues({
    oosProbs: fitted.oosProbs,
    y: fitted.train.y,
    numClasses: c,
    trainLoss,
    selfInfluence: influence.selfInfluence,
    extraSignals: ctx.extraSignals,
  });
  const testLoss = headLosses(fitted.testProbs, fitted.test.y, c);
  const testRanking = rankTestLabels(
    fitted.testProbs,
    fitted.test.y,
    c,
    ranking.estimatedCount / Math.max(fitted.train.y.length, 1),
  );
  ctx.clock.lap('ranking');
  return { ranking, testRanking, trainLoss, testLoss };
}
