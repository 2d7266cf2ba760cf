/**
 * Shapes a results file into what the webview shows: the overview (summary,
 * suspicion histogram, label confusion, reliability scatter), rows, and
 * explanations on request. The file can hold 100,000 samples; the webview
 * gets rows a page at a time (rowQuery.ts), never the file. Pure.
 */
import path from 'node:path';
import type { ResultsFile, TestRecord, TrainRecord } from '../../compute/results/schema';
import type { SourceRef } from '../../compute/types';
import {
  type ExplanationView,
  type InfluenceRow,
  MAX_CHECKED_TESTS,
  MAX_CLASSES,
  MAX_CONFUSION_CLASSES,
  MAX_HISTOGRAM_BINS,
  MAX_INFLUENCERS,
  MAX_PAIRS,
  MAX_RANKED_LABELS,
  type ResultsView,
  type SampleRow,
} from '../../protocol/webview';
import type { ReviewDecision } from '../reviews/reviews';
import { inExtensionTerms } from '../analysis/jobOptions';
import { explainWhy } from './whyLine';
import { modelLabel } from './modelLabel';

export { explainWhy } from './whyLine';

export function where(source: SourceRef): string {
  return source.line !== undefined ? `${source.path}:${source.line}` : source.path;
}

const finite = (x: number) => (Number.isFinite(x) ? x : 0);
/** A number the page's check accepts, or null (NaN does not survive every wire as itself). */
const finiteOrNull = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const count = (n: number) => n.toLocaleString('en-US');

/** How rows get what only the host can make: a webview URI for an image sample. */
export interface RowDecor {
  /** Where a sample is now, when its file moved since the analysis (sampleMoves.ts): its row shows that path. */
  current?(source: SourceRef): SourceRef;
  /** Given the sample's current source. */
  thumbnail?(source: SourceRef): string | undefined;
  /** Where a record of stale results is now, when it moved or went (recordLocator.ts). */
  relocated?(source: SourceRef): string | undefined;
}

function decorate(row: SampleRow, source: SourceRef, decor: RowDecor): SampleRow {
  const now = decor.current?.(source) ?? source;
  if (now.path !== source.path) row.where = where(now);
  const thumbnail = decor.thumbnail?.(now);
  if (thumbnail) row.thumbnail = thumbnail;
  const relocated = decor.relocated?.(source);
  if (relocated) row.relocated = relocated;
  return row;
}

/** A training row; `rank` is its place by suspicion (1 = most suspicious), from ResultsIndex.suspicionRank. */
export function trainRow(t: TrainRecord, review?: ReviewDecision, decor: RowDecor = {}, rank?: number): SampleRow {
  const row: SampleRow = {
    id: t.id,
    split: 'train',
    where: where(t.source),
    label: t.label,
    predicted: t.predicted,
    loss: finite(t.loss),
    suggestedLabel: t.suggestedLabel,
    suggestedProbability: finite(t.suggestedProbability),
    givenProbability: finite(t.givenLabelProbability),
    suspicion: finite(t.suspicion),
    ...(rank !== undefined ? { suspicionRank: rank } : {}),
    selfInfluence: finite(t.selfInfluence),
    likelyLabelIssue: t.likelyLabelIssue,
  };
  // Most probable first, so the cut keeps the head; the picker offers every other class after these.
  if (t.rankedLabels)
    row.rankedLabels = t.rankedLabels
      .slice(0, MAX_RANKED_LABELS)
      .map((r) => ({ label: r.label, probability: finite(r.probability) }));
  if (t.preview) row.preview = t.preview;
  if (review) row.review = review.state;
  return decorate(row, t.source, decor);
}

export function testRow(t: TestRecord, decor: RowDecor = {}): SampleRow {
  const row: SampleRow = {
    id: t.id,
    split: 'test',
    where: where(t.source),
    label: t.label,
    predicted: t.predicted,
    loss: finite(t.loss),
  };
  // The test label scored like a training label (results of older engines have neither).
  if (t.suspicion !== undefined) row.suspicion = finite(t.suspicion);
  if (t.likelyLabelIssue !== undefined) row.likelyLabelIssue = t.likelyLabelIssue;
  if (t.preview) row.preview = t.preview;
  return decorate(row, t.source, decor);
}

/** Index of records by id (ids are positions today, but the contract does not promise it). */
export class ResultsIndex {
  readonly train = new Map<number, TrainRecord>();
  readonly test = new Map<number, TestRecord>();
  /** Place of each training id by suspicion, 1 = most suspicious (ties keep the file's order). */
  readonly suspicionRank = new Map<number, number>();
  constructor(readonly results: ResultsFile) {
    for (const t of results.train) this.train.set(t.id, t);
    for (const t of results.test) this.test.set(t.id, t);
    const bySuspicion = results.train
      .map((t, i) => ({ id: t.id, s: finite(t.suspicion), i }))
      .sort((a, b) => b.s - a.s || a.i - b.i);
    bySuspicion.forEach((t, k) => this.suspicionRank.set(t.id, k + 1));
  }
  trainRow(id: number, review?: ReviewDecision, decor: RowDecor = {}): SampleRow | undefined {
    const t = this.train.get(id);
    return t ? trainRow(t, review, decor, this.suspicionRank.get(id)) : undefined;
  }
  record(split: 'train' | 'test', id: number): TrainRecord | TestRecord | undefined {
    return split === 'train' ? this.train.get(id) : this.test.get(id);
  }
}

/** Bins of the suspicion histogram (within the wire's MAX_HISTOGRAM_BINS). */
export const HISTOGRAM_BINS = Math.min(20, MAX_HISTOGRAM_BINS);

/**
 * Equal-width bins of suspicion over [0, 1], and the cut: the lowest
 * suspicion among the estimated label errors (the train list is sorted by
 * suspicion, so it is the estimatedCount-th entry).
 */
export function suspicionHistogram(
  train: TrainRecord[],
  estimatedCount: number,
): { counts: number[]; cut: number | null } {
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const t of train)
    counts[Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor(finite(t.suspicion) * HISTOGRAM_BINS)))]++;
  const last = estimatedCount > 0 ? train[Math.min(estimatedCount, train.length) - 1] : undefined;
  return { counts, cut: last ? finite(last.suspicion) : null };
}

/** Training samples counted by given label (rows) and suggested label (columns). */
export function labelConfusion(train: TrainRecord[], classes: string[]): number[][] {
  const index = new Map(classes.map((c, i) => [c, i]));
  const counts = classes.map(() => new Array<number>(classes.length).fill(0));
  for (const t of train) {
    const g = index.get(t.label);
    const s = index.get(t.suggestedLabel);
    if (g !== undefined && s !== undefined) counts[g][s]++;
  }
  return counts;
}

/**
 * Which samples the test accuracy is for, in words: the test file by name
 * (dataset.testPath; results from before it existed name it through their
 * test samples), the split column, a test folder, or a hold-out.
 */
export function describeTestSet(results: ResultsFile, datasetName: string): string {
  const { testSource, testPath } = results.dataset;
  const named = testPath ?? results.test[0]?.source.path;
  switch (testSource) {
    case 'test-file':
      return named ? `${named} (a separate file)` : 'a separate file';
    case 'test-folder':
      return `the ${testPath ?? named?.split('/')[0] ?? 'test'}/ folder`;
    case 'split-column':
      return 'the rows marked test in the split column';
    case 'holdout':
      return `a stratified hold-out of ${datasetName}`;
    default:
      return testSource ?? '';
  }
}

/**
 * Every k-th item, k chosen so at most `max` remain (the scatter plot's shape survives thinning; a prefix would not).
 */
function thin<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  const step = Math.ceil(items.length / max);
  return items.filter((_, i) => i % step === 0);
}

/**
 * The overview message, built within the wire's limits (src/protocol/
 * webview.ts): whatever has to be cut is cut here, and `notes` says what, so
 * the page never gets a message its check would drop.
 */
export function buildResultsView(results: ResultsFile, datasetPath: string, stale: boolean): ResultsView {
  const r = results.influence.reliability;
  const notes: string[] = [];
  const allClasses = results.dataset.classes;
  const classes = allClasses.slice(0, MAX_CLASSES);
  if (allClasses.length > MAX_CLASSES) {
    notes.push(
      `${count(allClasses.length)} classes: the label filters and the relabel ` +
        `picker offer the first ${count(MAX_CLASSES)}.`,
    );
  }
  const confusion = allClasses.length <= MAX_CONFUSION_CLASSES ? labelConfusion(results.train, allClasses) : null;
  if (!confusion) {
    notes.push(
      `The given × suggested table is drawn for at most ` +
        `${count(MAX_CONFUSION_CLASSES)} classes and this dataset has ` +
        `${count(allClasses.length)}: ` +
        'filter the suspects by given and suggested label instead.',
    );
  }
  const finitePairs = (r?.pairs ?? []).filter((p) => Number.isFinite(p.predicted) && Number.isFinite(p.actual));
  const pairs = thin(finitePairs, MAX_PAIRS);
  if (pairs.length < finitePairs.length) {
    notes.push(
      `The reliability scatter plot shows ${count(pairs.length)} of its ` +
        `${count(finitePairs.length)} pairs (one in ` +
        `${Math.ceil(finitePairs.length / MAX_PAIRS)}); the correlations use ` +
        `them all.`,
    );
  }
  const testById = new Map(results.test.map((t) => [t.id, t]));
  const checked = r?.testSamples ?? [];
  return {
    datasetName: path.basename(datasetPath),
    datasetPath,
    format: results.dataset.format,
    classes,
    nTrain: results.dataset.nTrain,
    nTest: results.dataset.nTest,
    testSource: describeTestSet(results, path.basename(datasetPath)),
    model: modelLabel(results.model),
    hiddenLayers:
      results.model.kind === 'cnn' || (results.model.kind === 'mlp' && (results.model.hidden?.length ?? 1) > 0),
    parameters: results.model.parameters ?? 0,
    method: results.influence.method,
    backend: results.engine.backend,
    trainAccuracy: finiteOrNull(results.model.trainAccuracy),
    testAccuracy: finiteOrNull(results.model.testAccuracy),
    estimatedIssues: results.labelIssues.estimatedCount,
    ...(results.labelIssues.estimatedRange ? { estimatedRange: results.labelIssues.estimatedRange } : {}),
    ...(results.labelIssues.suspicion ? { suspicionExplanation: results.labelIssues.suspicion.explanation } : {}),
    ...(results.model.reason ? { modelReason: results.model.reason } : {}),
    reliability: r
      ? {
          pearson: finite(r.pearson),
          spearman: finite(r.spearman),
          points: r.points,
          retrain: r.retrain,
          removals: new Set(r.pairs.map((p) => p.train)).size,
          tests: checked.slice(0, MAX_CHECKED_TESTS).map((id) => {
            const t = testById.get(id);
            return t ? where(t.source) : `test sample ${id}`;
          }),
          testCount: checked.length,
          ...(r.warning ? { warning: r.warning } : {}),
          pairs: pairs.map((p) => ({ predicted: p.predicted, actual: p.actual })),
        }
      : null,
    suspicionHistogram: suspicionHistogram(results.train, results.labelIssues.estimatedCount),
    confusion,
    // A note may name an option the engine's way ("the maxSamples option", the solverSeconds budget):
    // the panel names the setting.
    warnings: (results.dataset.warnings ?? []).map((w) => inExtensionTerms(w).text),
    ...(notes.length ? { notes } : {}),
    createdAt: results.createdAt,
    stale,
  };
}

/**
 * For a test sample: the training samples that support its given label
 * (proponents: removing one would raise its loss on that label) and those
 * that pull it away from it (opponents). For a training sample: the test
 * samples whose given label it supports and works against most, gathered from the test samples' top lists (the
 * results keep only those), so it is a lower bound on its reach.
 */
export function buildExplanation(
  index: ResultsIndex,
  split: 'train' | 'test',
  id: number,
  reviews: Map<number, ReviewDecision>,
  decor: RowDecor = {},
): ExplanationView | undefined {
  if (split === 'test') {
    const t = index.test.get(id);
    if (!t) return undefined;
    const rows = (list: { train: number; influence: number }[]): InfluenceRow[] =>
      list.slice(0, MAX_INFLUENCERS).flatMap((e) => {
        const sample = index.trainRow(e.train, reviews.get(e.train), decor);
        return sample ? [{ influence: finite(e.influence), sample }] : [];
      });
    const explained = index.results.influence.explained;
    const notes: string[] = [];
    if (explained !== null && !explained.includes(id))
      notes.push(
        `The ${index.results.influence.method} method explained ` +
          `${explained.length} test samples; this is not one of them.`,
      );
    const kept = Math.max(t.proponents.length, t.opponents.length);
    if (kept > MAX_INFLUENCERS)
      notes.push(`Showing the strongest ${count(MAX_INFLUENCERS)} of the ${count(kept)} kept on each side.`);
    const note = notes.length ? notes.join(' ') : undefined;
    const proponents = rows(t.proponents);
    const opponents = rows(t.opponents);
    const why = explainWhy(t, proponents, opponents);
    return { sample: testRow(t, decor), proponents, opponents, ...(why ? { why } : {}), ...(note ? { note } : {}) };
  }
  const tr = index.train.get(id);
  if (!tr) return undefined;
  const helps: InfluenceRow[] = [];
  const hurts: InfluenceRow[] = [];
  for (const t of index.results.test) {
    for (const e of t.proponents)
      if (e.train === id) helps.push({ influence: finite(e.influence), sample: testRow(t, decor) });
    for (const e of t.opponents)
      if (e.train === id) hurts.push({ influence: finite(e.influence), sample: testRow(t, decor) });
  }
  helps.sort((a, b) => b.influence - a.influence);
  hurts.sort((a, b) => a.influence - b.influence);
  const shown = Math.min(index.results.influence.topK || 10, MAX_INFLUENCERS);
  return {
    sample: index.trainRow(id, reviews.get(id), decor)!,
    proponents: helps.slice(0, shown),
    opponents: hurts.slice(0, shown),
    why:
      `Among the test samples' strongest influences, this sample supports the ` +
      `given label of ${plural(helps.length, 'test sample')} and pulls ` +
      `${plural(hurts.length, 'test sample')} away from theirs.`,
    note:
      'A training sample: the test samples whose loss on their given label it ' +
      'lowers (supports) and raises (pulls away) most, among each test ' +
      "sample's top influences.",
  };
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * The sample at a place in a file: the image itself, or the text record
 * whose start line is the last one at or before `line` (a record can span
 * lines). The caller checks that the record really reaches `line` (samples
 * left out by "maximum samples" leave gaps).
 */
export function findSampleAt(
  index: ResultsIndex,
  relPath: string,
  line?: number,
): { split: 'train' | 'test'; id: number; line?: number } | undefined {
  let best: { split: 'train' | 'test'; id: number; line?: number } | undefined;
  for (const split of ['test', 'train'] as const) {
    const records: (TrainRecord | TestRecord)[] = split === 'test' ? index.results.test : index.results.train;
    for (const r of records) {
      if (r.source.path !== relPath) continue;
      const start = r.source.line;
      if (start === undefined) return { split, id: r.id };
      if (line !== undefined && start <= line && (best?.line === undefined || start > best.line))
        best = { split, id: r.id, line: start };
    }
  }
  return best;
}
