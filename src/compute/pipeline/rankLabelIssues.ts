/** Turns out-of-sample probabilities, loss and self-influence into the mislabel ranking. */
import { confidentJoint, offDiagonalCount } from '../mislabel/confidentJoint';
import { normalizedMargin, suggestedLabels } from '../mislabel/signals';
import { suspicionScores } from '../mislabel/suspicion';

export interface LabelIssueRanking {
  /** Out-of-sample probabilities from cross-fitting, n × C. */
  oosProbs: Float64Array;
  suspicion: Float64Array;
  suggested: Int32Array;
  outOfSampleMargin: Float64Array;
  estimatedCount: number;
  confidentJoint: number[][];
  /** Sample indices sorted by suspicion, most suspicious first. */
  order: Int32Array;
}

export function rankLabelIssues(input: {
  oosProbs: Float64Array;
  y: Int32Array;
  numClasses: number;
  trainLoss: Float64Array;
  selfInfluence: Float64Array;
}): LabelIssueRanking {
  const { oosProbs, y, numClasses } = input;
  const margin = normalizedMargin(oosProbs, y, numClasses);
  const suspicion = suspicionScores({ outOfSampleMargin: margin, trainLoss: input.trainLoss, selfInfluence: input.selfInfluence });
  const joint = confidentJoint(oosProbs, y, numClasses);
  const order = Int32Array.from({ length: y.length }, (_, i) => i).sort((a, b) => suspicion[b] - suspicion[a] || a - b);
  return {
    oosProbs,
    suspicion,
    suggested: suggestedLabels(oosProbs, numClasses),
    outOfSampleMargin: margin,
    estimatedCount: Math.round(offDiagonalCount(joint.calibrated)),
    confidentJoint: joint.calibrated,
    order,
  };
}
