/**
 * Persists review decisions per dataset in the workspace state (a Memento),
 * so they survive window reloads and re-runs. The stored value is read back
 * through a runtime check: it is data from disk, written by some version.
 */
import path from 'node:path';
import { nonNegInt, object, oneOf, optional, str } from '../../protocol/check';
import { applyDecision, type ReviewBook, type ReviewState, REVIEW_STATES, moveDecision } from './reviews';
import type { SourceRef } from '../../compute/types';

/** The part of vscode.Memento this needs (so tests can pass a Map-backed stand-in). */
export interface StateStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

const checkDecision = object({
  source: object({ path: str, line: optional(nonNegInt), row: optional(nonNegInt) }),
  state: oneOf(REVIEW_STATES),
  label: str,
  newLabel: optional(str),
  decidedAt: str,
});

export class ReviewStore {
  constructor(private readonly state: StateStore) {}

  private key(datasetPath: string): string {
    return `reviews:${path.resolve(datasetPath)}`;
  }

  get(datasetPath: string): ReviewBook {
    const raw = this.state.get<Record<string, unknown>>(this.key(datasetPath));
    const book: ReviewBook = {};
    if (raw === null || typeof raw !== 'object') return book;
    for (const [k, v] of Object.entries(raw)) {
      try {
        book[k] = checkDecision(v, k);
      } catch {
        // A damaged entry is dropped, not the whole book.
      }
    }
    return book;
  }

  async set(
    datasetPath: string,
    samples: { source: SourceRef; label: string }[],
    state: ReviewState | null,
    newLabel?: string,
  ): Promise<ReviewBook> {
    const book = applyDecision(this.get(datasetPath), samples, state, new Date(), newLabel);
    await this.state.update(this.key(datasetPath), book);
    return book;
  }

  async move(datasetPath: string, from: SourceRef, to: SourceRef): Promise<void> {
    await this.state.update(this.key(datasetPath), moveDecision(this.get(datasetPath), from, to));
  }

  /** Where moved samples of these results are now (sampleMoves.ts); empty for other results. */
  moves(datasetPath: string, results: string): Map<string, string> {
    // Data from disk: only string → string entries of the same results count.
    const raw = this.state.get<{ results?: unknown; paths?: unknown }>(`moves:${path.resolve(datasetPath)}`);
    if (!raw || typeof raw !== 'object' || raw.results !== results || !raw.paths || typeof raw.paths !== 'object')
      return new Map();
    return new Map(Object.entries(raw.paths).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }

  async setMoves(datasetPath: string, results: string, moves: ReadonlyMap<string, string>): Promise<void> {
    await this.state.update(`moves:${path.resolve(datasetPath)}`, { results, paths: Object.fromEntries(moves) });
  }
}
