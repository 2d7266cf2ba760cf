/**
 * Which selected rows a bulk "accept suggestions" edits: those whose
 * suggestion differs from their label and that were not relabeled already,
 * each where its record is now. The rest are named, not silently dropped.
 */
import type { TrainRecord } from '../../compute/results/schema';
import type { ReviewDecision } from '../reviews/reviews';
import { currentSource, type SampleMoves } from './sampleMoves';

/** The records a bulk "accept suggestions" would change, and the selected rows it leaves as they are. */
export function suggestionEdits(
  train: ReadonlyMap<number, TrainRecord>,
  moves: SampleMoves,
  ids: readonly number[],
  reviews: ReadonlyMap<number, ReviewDecision>,
): { records: TrainRecord[]; left: string } {
  let kept = 0;
  let done = 0;
  const records: TrainRecord[] = [];
  for (const id of ids) {
    const r = train.get(id);
    if (!r) continue;
    if (reviews.get(id)?.state === 'relabeled') done++;
    else if (r.suggestedLabel === r.label) kept++;
    else records.push({ ...r, source: currentSource(moves, r.source) });
  }
  const left = [kept ? `${kept} whose suggestion is their own label` : '', done ? `${done} relabeled already` : '']
    .filter(Boolean)
    .join(' and ');
  return { records, left };
}
