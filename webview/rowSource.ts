/**
 * One list's rows as the page sees them: a total and whatever pages have
 * arrived. The list asks for the rows in view (`ensure`); missing pages are
 * requested once from the host, and answers to a query the user has since
 * changed are dropped by their request id.
 */
import type { HostToWebview, RowQuery, SampleRow, WebviewToHost } from '../src/protocol/webview';

/** Rows per request: a screenful or two, well under the protocol's cap. */
export const PAGE_SIZE = 100;

type RowsMessage = Extract<HostToWebview, { type: 'rows' }>;

export class RowSource {
  /** Unknown until the first answer. */
  total: number | undefined;
  private rows = new Map<number, SampleRow>();
  /** Pages asked for under the current query: page number → request id. */
  private pending = new Map<number, number>();

  constructor(
    public query: RowQuery,
    private readonly send: (message: WebviewToHost) => void,
    private readonly nextRequestId: () => number,
    private readonly requests: Map<number, RowSource>,
  ) {}

  row(index: number): SampleRow | undefined {
    return this.rows.get(index);
  }

  /** Forget everything (a new query, or new results): the next `ensure` asks again. */
  reset(query: RowQuery = this.query): void {
    this.query = query;
    this.total = undefined;
    this.rows.clear();
    for (const id of this.pending.values()) this.requests.delete(id);
    this.pending.clear();
  }

  /** Asks for the pages covering rows [first, last] that are neither here nor on their way. */
  ensure(first: number, last: number): void {
    const end = this.total === undefined ? last : Math.min(last, this.total - 1);
    for (let page = Math.floor(Math.max(0, first) / PAGE_SIZE); page * PAGE_SIZE <= Math.max(end, 0); page++) {
      if (this.pending.has(page) || this.rows.has(page * PAGE_SIZE)) continue;
      const requestId = this.nextRequestId();
      this.pending.set(page, requestId);
      this.requests.set(requestId, this);
      this.send({ type: 'queryRows', requestId, query: this.query, offset: page * PAGE_SIZE, count: PAGE_SIZE });
    }
  }

  /** Takes an answer; false when it belongs to a query this list no longer shows. */
  receive(message: RowsMessage): boolean {
    const page = Math.floor(message.offset / PAGE_SIZE);
    if (this.pending.get(page) !== message.requestId) return false;
    this.pending.delete(page);
    this.total = message.total;
    message.rows.forEach((r, k) => this.rows.set(message.offset + k, r));
    return true;
  }

  /** Applies new review states to the rows already here (their order does not depend on them). */
  applyReviews(states: Map<number, SampleRow['review']>): void {
    for (const [index, row] of this.rows) {
      const review = states.get(row.id);
      if (review !== row.review) this.rows.set(index, review ? { ...row, review } : withoutReview(row));
    }
  }

  /** The rows here, in order (for the ids of a selection shown on screen). */
  loaded(): SampleRow[] {
    return [...this.rows.entries()].sort((a, b) => a[0] - b[0]).map(([, r]) => r);
  }
}

function withoutReview(row: SampleRow): SampleRow {
  const copy = { ...row };
  delete copy.review;
  return copy;
}
