/**
 * Where the samples of one results file are now, when their files moved
 * since the analysis (an image relabel moves the image to another class
 * folder). One mapping, analysed path → current path, that everything asking
 * "where is this sample?" goes through: opening it, its thumbnail, the path
 * its row shows, and matching review decisions (stored under the current
 * path). Undo maps it back. Kept per results file, so a new analysis (which
 * sees the files where they are) starts with none. Pure.
 */
import type { SourceRef } from '../../compute/types';

/** Analysed path → current path, only for samples that moved. */
export type SampleMoves = ReadonlyMap<string, string>;

/** The sample's source where it is now. */
export function currentSource(moves: SampleMoves, source: SourceRef): SourceRef {
  const now = moves.get(source.path);
  return now === undefined ? source : { ...source, path: now };
}

/** The analysed path of whatever is now at `current` (the inverse, for "explain" on a moved file). */
export function analysedPath(moves: SampleMoves, current: string): string {
  for (const [analysed, now] of moves) if (now === current) return analysed;
  // A path something else moved away from is no longer that sample's.
  return moves.has(current) ? '' : current;
}

/**
 * The mapping after files moved from → to (paths as they were before this
 * move, i.e. current paths): chains compose (a→b then b→c is a→c), and a
 * file moved back to where the analysis saw it leaves the mapping.
 */
export function withMoves(moves: SampleMoves, steps: { from: string; to: string }[]): Map<string, string> {
  const next = new Map(moves);
  for (const { from, to } of steps) {
    if (from === to) continue;
    const analysed = analysedPath(next, from) || from;
    if (analysed === to) next.delete(analysed);
    else next.set(analysed, to);
  }
  return next;
}

/** Which results a stored mapping belongs to (a re-run gives new results and no moves). */
export function resultsIdentity(resultsPath: string, createdAt: string): string {
  return `${resultsPath}@${createdAt}`;
}
