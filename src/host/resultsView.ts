/**
 * Shapes a results file into what the webview shows: a summary, the first
 * page of suspects and test samples, and explanations on request. The file
 * can hold tens of thousands of samples; the webview gets pages of rows, not
 * the file. Pure.
 */
import path from 'node:path';
import type { ResultsFile, TestRecord, TrainRecord } from '../compute/results/schema';
import type { SourceRef } from '../compute/types';
import type { ExplanationView, InfluenceRow, ResultsView, SampleRow } from '../protocol/webview';
import type { ReviewDecision } from './reviews';

/** Rows per list sent to the webview. */
export const PAGE = 200;

export function where(source: SourceRef): string {
  return source.line !== undefined ? `${source.path}:${source.line}` : source.path;
}

const finite = (x: number) => (Number.isFinite(x) ? x : 0);

export function trainRow(t: TrainRecord, review?: ReviewDecision): SampleRow {
  const row: SampleRow = {
    id: t.id,
    split: 'train',
    where: where(t.source),
    label: t.label,
    predicted: t.predicted,
    loss: finite(t.loss),
    suggestedLabel: t.suggestedLabel,
    suspicion: finite(t.suspicion),
    likelyLabelIssue: t.likelyLabelIssue,
  };
  if (t.preview) row.preview = t.preview;
  if (review) row.review = review.state;
  return row;
}

export function testRow(t: TestRecord): SampleRow {
  const row: SampleRow = { id: t.id, split: 'test', where: where(t.source), label: t.label, predicted: t.predicted, loss: finite(t.loss) };
  if (t.preview) row.preview = t.preview;
  return row;
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

export function buildResultsView(
  results: ResultsFile,
  datasetPath: string,
  reviews: Map<number, ReviewDecision>,
  stale: boolean,
): ResultsView {
  const r = results.influence.reliability;
  const tests = [...results.test].sort((a, b) => Number(b.label !== b.predicted) - Number(a.label !== a.predicted) || b.loss - a.loss);
  return {
    datasetName: path.basename(datasetPath),
    datasetPath,
    format: results.dataset.format,
    classes: results.dataset.classes,
    nTrain: results.dataset.nTrain,
    nTest: results.dataset.nTest,
    model: `${results.model.kind}${results.model.hidden?.length ? ` [${results.model.hidden.join(', ')}]` : ''}`,
    method: results.influence.method,
    backend: results.engine.backend,
    trainAccuracy: results.model.trainAccuracy,
    testAccuracy: results.model.testAccuracy,
    estimatedIssues: results.labelIssues.estimatedCount,
    reliability: r ? { pearson: finite(r.pearson), spearman: finite(r.spearman), points: r.points } : null,
    createdAt: results.createdAt,
    stale,
    suspects: results.train.slice(0, PAGE).map((t) => trainRow(t, reviews.get(t.id))),
    tests: tests.slice(0, PAGE).map(testRow),
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
): ExplanationView | undefined {
  if (split === 'test') {
    const t = index.test.get(id);
    if (!t) return undefined;
    const rows = (list: { train: number; influence: number }[]): InfluenceRow[] =>
      list.flatMap((e) => {
        const tr = index.train.get(e.train);
        return tr ? [{ influence: finite(e.influence), sample: trainRow(tr, reviews.get(tr.id)) }] : [];
      });
    const explained = index.results.influence.explained;
    const note =
      explained !== null && !explained.includes(id)
        ? `The ${index.results.influence.method} method explained ${explained.length} test samples; this is not one of them.`
        : undefined;
    return { sample: testRow(t), proponents: rows(t.proponents), opponents: rows(t.opponents), ...(note ? { note } : {}) };
  }
  const tr = index.train.get(id);
  if (!tr) return undefined;
  const helps: InfluenceRow[] = [];
  const hurts: InfluenceRow[] = [];
  for (const t of index.results.test) {
    for (const e of t.proponents) if (e.train === id) helps.push({ influence: finite(e.influence), sample: testRow(t) });
    for (const e of t.opponents) if (e.train === id) hurts.push({ influence: finite(e.influence), sample: testRow(t) });
  }
  helps.sort((a, b) => b.influence - a.influence);
  hurts.sort((a, b) => a.influence - b.influence);
  return {
    sample: trainRow(tr, reviews.get(id)),
    proponents: helps.slice(0, index.results.influence.topK || 10),
    opponents: hurts.slice(0, index.results.influence.topK || 10),
    note: 'A training sample: the test predictions it helps and hurts most (among each test sample\'s top influences).',
  };
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
