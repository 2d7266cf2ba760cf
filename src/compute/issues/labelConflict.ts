/**
 * The per-sample signal "a duplicate of this training sample carries another
 * label" (issue 17), for the label ranking. One of the two labels is wrong,
 * so both samples deserve a look; which one is decided by the other signals.
 * Kept here as a plain array with a documented meaning so the suspicion
 * combination (src/compute/mislabel) can take it as one more input without
 * knowing how duplicates are found.
 */
import type { DuplicateReport } from './duplicates';

/**
 * Per training sample, in [0, 1]: the fraction of the other members of its
 * duplicate set whose label differs from its own (0 outside any set).
 */
export function duplicateLabelConflict(report: DuplicateReport, yTrain: Int32Array, yTest: Int32Array): Float64Array {
  const out = new Float64Array(yTrain.length);
  for (const set of report.sets) {
    if (!set.labelConflict) continue;
    const labels = set.members.map((m) => (m.split === 'train' ? yTrain[m.id] : yTest[m.id]));
    set.members.forEach((m, k) => {
      if (m.split !== 'train') return;
      const differing = labels.filter((l, j) => j !== k && l !== labels[k]).length;
      out[m.id] = differing / (set.members.length - 1);
    });
  }
  return out;
}
