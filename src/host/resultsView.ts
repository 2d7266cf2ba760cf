/**
 * Shapes a results file into what the webview shows: the overview (summary,
 * suspicion histogram, label confusion, reliability scatter), rows, and
 * explanations on request. The file can hold 100,000 samples; the webview
 * gets rows a page at a time (rowQuery.ts), never the file. Pure.
 */
import path from 'node:path';
import type { ResultsFile, TestRecord, TrainRecord } from '../compute/results/schema';
import type { SourceRef } from '../compute/types';
import type { ExplanationView, InfluenceRow, ResultsView, SampleRow } from '../protocol/webview';
import type { ReviewDecision } from './reviews';

export function where(source: SourceRef): string {
  return source.line !== undefined ? `${source.path}:${source.line}` : source.path;
}

const finite = (x: number) => (Number.isFinite(x) ? x : 0);

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

export function trainRow(t: TrainRecord, review?: ReviewDecision, decor: RowDecor = {}): SampleRow {
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
    selfInfluence: finite(t.selfInfluence),
    likelyLabelIssue: t.likelyLabelIssue,
  };
  if (t.rankedLabels) row.rankedLabels = t.rankedLabels.map((r) => ({ label: r.label, probability: finite(r.probability) }));
  if (t.preview) row.preview = t.preview;
  if (review) row.review = review.state;
  return decorate(row, t.source, decor);
}

export function testRow(t: TestRecord, decor: RowDecor = {}): SampleRow {
  const row: SampleRow = { id: t.id, split: 'test', where: where(t.source), label: t.label, predicted: t.predicted, loss: finite(t.loss) };
  if (t.preview) row.preview = t.preview;
  return decorate(row, t.source, decor);
}

/** Index of records by id (ids are positions today, but the contract does not promise it). */
export class ResultsIndex {
  readonly train = new Map<number, TrainRecord>();
  readonly test = new Map<number, TestRecord>();
  constructor(readonly results: ResultsFile) {
    for (const t of results.train) this.train.set(t.id, t);
    for (const t of results.test) this.test.set(t.id, t);
  }
  record(split: 'train' | 'test', id: number): TrainRecord | TestRecord | undefined {
    return split === 'train' ? this.train.get(id) : this.test.get(id);
  }
}

/** Bins of the suspicion histogram. */
export const HISTOGRAM_BINS = 20;

/**
 * Equal-width bins of suspicion over [0, 1], and the cut: the lowest
 * suspicion among the estimated label errors (the train list is sorted by
 * suspicion, so it is the estimatedCount-th entry).
 */
export function suspicionHistogram(train: TrainRecord[], estimatedCount: number): { counts: number[]; cut: number | null } {
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  for (const t of train) counts[Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor(finite(t.suspicion) * HISTOGRAM_BINS)))]++;
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

export function buildResultsView(results: ResultsFile, datasetPath: string, stale: boolean): ResultsView {
  const r = results.influence.reliability;
  return {
    datasetName: path.basename(datasetPath),
    datasetPath,
    format: results.dataset.format,
    classes: results.dataset.classes,
    nTrain: results.dataset.nTrain,
    nTest: results.dataset.nTest,
    testSource: describeTestSet(results, path.basename(datasetPath)),
    model: `${results.model.kind}${results.model.hidden?.length ? ` [${results.model.hidden.join(', ')}]` : ''}`,
    parameters: results.model.parameters ?? 0,
    method: results.influence.method,
    backend: results.engine.backend,
    trainAccuracy: results.model.trainAccuracy,
    testAccuracy: results.model.testAccuracy,
    estimatedIssues: results.labelIssues.estimatedCount,
    reliability: r
      ? {
          pearson: finite(r.pearson),
          spearman: finite(r.spearman),
          points: r.points,
          retrain: r.retrain,
          ...(r.warning ? { warning: r.warning } : {}),
          pairs: (r.pairs ?? []).filter((p) => Number.isFinite(p.predicted) && Number.isFinite(p.actual)).map((p) => ({ predicted: p.predicted, actual: p.actual })),
        }
      : null,
    suspicionHistogram: suspicionHistogram(results.train, results.labelIssues.estimatedCount),
    confusion: labelConfusion(results.train, results.dataset.classes),
    warnings: results.dataset.warnings ?? [],
    createdAt: results.createdAt,
    stale,
  };
}

/**
 * For a test sample: the training samples that helped (proponents) and hurt
 * (opponents) its prediction. For a training sample: the test predictions it
 * helps and hurts most, gathered from the test samples' top lists (the
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
      list.flatMap((e) => {
        const tr = index.train.get(e.train);
        return tr ? [{ influence: finite(e.influence), sample: trainRow(tr, reviews.get(tr.id), decor) }] : [];
      });
    const explained = index.results.influence.explained;
    const note =
      explained !== null && !explained.includes(id)
        ? `The ${index.results.influence.method} method explained ${explained.length} test samples; this is not one of them.`
        : undefined;
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
    for (const e of t.proponents) if (e.train === id) helps.push({ influence: finite(e.influence), sample: testRow(t, decor) });
    for (const e of t.opponents) if (e.train === id) hurts.push({ influence: finite(e.influence), sample: testRow(t, decor) });
  }
  helps.sort((a, b) => b.influence - a.influence);
  hurts.sort((a, b) => a.influence - b.influence);
  return {
    sample: trainRow(tr, reviews.get(id), decor),
    proponents: helps.slice(0, index.results.influence.topK || 10),
    opponents: hurts.slice(0, index.results.influence.topK || 10),
    why: `Among the test samples' strongest influences, this sample helps ${plural(helps.length, 'prediction')} and hurts ${plural(hurts.length, 'prediction')}.`,
    note: 'A training sample: the test predictions it helps and hurts most (among each test sample\'s top influences).',
  };
}

/** How many of the strongest influences the one-line reason looks at. */
const WHY_TOP = 5;

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * One line on why a test prediction came out as it did, read off its
 * strongest proponents: for a wrong prediction, how many of them carry the
 * predicted label (they pull the sample toward it) and how many of those are
 * suspected mislabels (fixing them should help).
 */
export function explainWhy(t: TestRecord, proponents: InfluenceRow[], opponents: InfluenceRow[]): string | undefined {
  const top = proponents.slice(0, WHY_TOP);
  if (top.length === 0) return undefined;
  const suspects = top.filter((r) => r.sample.likelyLabelIssue).length;
  const suspectNote = suspects > 0 ? `; ${suspects} of them ${suspects === 1 ? 'is a suspected mislabel' : 'are suspected mislabels'}` : '';
  if (t.predicted !== t.label) {
    const pulling = top.filter((r) => r.sample.label === t.predicted).length;
    return `${pulling} of the ${top.length} strongest proponents are labeled ${t.predicted}: they pull this ${t.label} toward ${t.predicted}${suspectNote}.`;
  }
  const same = top.filter((r) => r.sample.label === t.label).length;
  const against = opponents.slice(0, WHY_TOP);
  const rival = mostCommon(against.map((r) => r.sample.label).filter((l) => l !== t.label));
  const rivalNote = rival ? `; its strongest opponents are mostly labeled ${rival.label} (${rival.count} of ${against.length})` : '';
  return `${same} of the ${top.length} strongest proponents share its label ${t.label}${rivalNote}${suspectNote}.`;
}

function mostCommon(labels: string[]): { label: string; count: number } | undefined {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let best: { label: string; count: number } | undefined;
  for (const [label, count] of counts) if (!best || count > best.count) best = { label, count };
  return best;
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
      if (line !== undefined && start <= line && (best?.line === undefined || start > best.line)) best = { split, id: r.id, line: start };
    }
  }
  return best;
}
