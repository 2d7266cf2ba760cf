/**
 * The per-sample signal "a duplicate of this training sample carries another
 * label" (issue 17), for the label ranking. One of the two labels is wrong,
 * so both samples deserve a look; which one is decided by the other signals.
 * Kept here as a plain array with a documented meaning so the suspicion
 * combination (src/compute/mislabel) can take it as one more input without
 * knowing how duplicates are found.
 */
import type { DuplicateReport } from './duplicates';
import type { SampleRef } from './types';

/**
 * Per training sample, in [0, 1]: the fraction of the other members of its
 * duplicate set whose label differs from its own (0 outside any set).
 */
export function duplicateLabelConflict(report: DuplicateReport, yTrain: Int32Array, yTest: Int32Array): Float64Array {
  const out = new Float64Array(yTrain.length);
  for (const set of report.sets) {
    if (!set.labelConflict) continue;
    // The members with each label, counted once: a member's differing others are the set's size less those that
    // share its label (itself included). Compared member by member, a set of m members took m² steps and an array per
    // member: short texts gather tens of thousands of identical rows in one set, and 61,945 of them took 327 s.
    const label = (m: SampleRef) => (m.split === 'train' ? yTrain[m.id] : yTest[m.id]);
    const withLabel = new Map<number, number>();
    for (const m of set.members) {
      const l = label(m);
      withLabel.set(l, (withLabel.get(l) ?? 0) + 1);
    }
    const size = set.members.length;
    for (const m of set.members) if (m.split === 'train') out[m.id] = (size - withLabel.get(label(m))!) / (size - 1);
  }
  return out;
}
