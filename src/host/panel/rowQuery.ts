/**
 * The panel's lists, a window at a time. A results file can hold 100,000
 * training samples; the page shows a virtualized list and asks only for the
 * rows in view. Each query (filter + order) is resolved once into an ordered
 * id list and kept, so scrolling is a slice, not a re-sort. Pure.
 */
import type { TestRecord, TrainRecord } from '../../compute/results/schema';
import type { RowQuery, SampleRow } from '../../protocol/webview';
import { byHarm, hasIssue } from './issuesView';
import type { ReviewDecision } from '../reviews/reviews';
import { type ResultsIndex, type RowDecor, testRow } from './resultsView';

export interface RowPage {
  total: number;
  offset: number;
  rows: SampleRow[];
}

/** Queries kept resolved (a few filters the user flips between). */
const CACHE_SIZE = 8;

export class RowQueries {
  private readonly resolved = new Map<string, number[]>();

  constructor(
    private readonly index: ResultsIndex,
    private reviews: Map<number, ReviewDecision>,
    private readonly decor: RowDecor = {},
  ) {}

  /** New review decisions: queries that filter by review state resolve again. */
  setReviews(reviews: Map<number, ReviewDecision>): void {
    this.reviews = reviews;
    this.resolved.clear();
  }

  page(query: RowQuery, offset: number, count: number): RowPage {
    const ids = this.ids(query);
    const slice = ids.slice(offset, offset + count);
    const rows =
      query.list === 'suspects'
        ? slice.map((id) => this.index.trainRow(id, this.reviews.get(id), this.decor)!)
        : slice.map((id) => testRow(this.index.test.get(id)!, this.decor));
    return { total: ids.length, offset, rows };
  }

  /** The ids a query selects, in its order. */
  ids(query: RowQuery): number[] {
    const key = JSON.stringify([
      query.list,
      query.sort,
      query.label,
      query.other,
      query.review,
      query.likelyOnly,
      query.issue,
    ]);
    let ids = this.resolved.get(key);
    if (!ids) {
      ids = query.list === 'suspects' ? this.resolveTrain(query) : this.resolveTest(query);
      if (this.resolved.size >= CACHE_SIZE) this.resolved.delete(this.resolved.keys().next().value!);
      this.resolved.set(key, ids);
    }
    return ids;
  }

  /** The data-issue filter (issue 17): every record when the query names no kind. */
  private issueFilter(q: RowQuery): (t: TrainRecord | TestRecord) => boolean {
    const kind = q.issue;
    if (!kind) return () => true;
    const sets = this.index.results.issues?.duplicates.sets ?? [];
    const leaked = new Set(sets.flatMap((s, k) => (s.leakage ? [k] : [])));
    const conflicts = new Set(sets.flatMap((s, k) => (s.labelConflict ? [k] : [])));
    return (t) => hasIssue(kind, t, leaked, conflicts);
  }

  private resolveTrain(q: RowQuery): number[] {
    const review = q.review ?? 'all';
    // Made once per query: built per row, its sets of leaking and conflicting duplicate sets cost rows × sets.
    const hasKind = this.issueFilter(q);
    const kept = this.index.results.train.filter(
      (t) =>
        (q.label === undefined || t.label === q.label) &&
        (q.other === undefined || t.suggestedLabel === q.other) &&
        (!q.likelyOnly || t.likelyLabelIssue) &&
        (review === 'all' ||
          (review === 'unreviewed' ? !this.reviews.has(t.id) : this.reviews.get(t.id)?.state === review)) &&
        hasKind(t),
    );
    // The harmful samples come most harmful first, whatever the sort (the kind is its own order).
    return stableSort(kept, q.issue === 'harmful' ? byHarm : trainOrder(q.sort)).map((t) => t.id);
  }

  private resolveTest(q: RowQuery): number[] {
    const hasKind = this.issueFilter(q);
    const kept = this.index.results.test.filter(
      (t) =>
        (q.label === undefined || t.label === q.label) &&
        (q.other === undefined || t.predicted === q.other) &&
        hasKind(t),
    );
    const byLoss = (a: TestRecord, b: TestRecord) => descending(a.loss, b.loss);
    // Suspicion of the test label (absent in older results: then by loss, which orders the same way for most rows).
    const bySuspicion = (a: TestRecord, b: TestRecord) =>
      descending(a.suspicion ?? 0, b.suspicion ?? 0) || byLoss(a, b);
    const order =
      q.sort === 'loss'
        ? byLoss
        : q.sort === 'suspicion'
          ? bySuspicion
          : (a: TestRecord, b: TestRecord) =>
              Number(b.label !== b.predicted) - Number(a.label !== a.predicted) || byLoss(a, b);
    return stableSort(kept, order).map((t) => t.id);
  }
}

/** Larger first; NaN last. */
function descending(a: number, b: number): number {
  const x = Number.isNaN(a) ? -Infinity : a;
  const y = Number.isNaN(b) ? -Infinity : b;
  return y - x || 0;
}

function trainOrder(sort: RowQuery['sort']): (a: TrainRecord, b: TrainRecord) => number {
  switch (sort) {
    case 'selfInfluence':
      return (a, b) => descending(a.selfInfluence, b.selfInfluence);
    case 'loss':
      return (a, b) => descending(a.loss, b.loss);
    default:
      // The file's own order is by suspicion; ties keep it.
      return (a, b) => descending(a.suspicion, b.suspicion);
  }
}

function stableSort<T>(items: T[], compare: (a: T, b: T) => number): T[] {
  // Array.prototype.sort is stable (ES2019); the copy leaves the results untouched.
  return [...items].sort(compare);
}
