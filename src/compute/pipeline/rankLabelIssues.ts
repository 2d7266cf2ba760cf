/** Turns out-of-sample probabilities, loss and self-influence into the mislabel ranking. */
import { confidentJoint } from '../mislabel/confidentJoint';
import { normalizedMargin, suggestedLabels } from '../mislabel/signals';
import { type SignalWeight, type SuspicionSignal, suspicionScores } from '../mislabel/suspicion';
import { type CountEstimate, estimateLabelIssues } from '../mislabel/count';
import type { CoreCalibration } from '../mislabel/calibrate';

export interface LabelIssueRanking {
  /** Out-of-sample probabilities from cross-fitting, n × C. */
  oosProbs: Float64Array;
  suspicion: Float64Array;
  suggested: Int32Array;
  outOfSampleMargin: Float64Array;
  estimatedCount: number;
  /** The count's likely range and how it was estimated. */
  count: CountEstimate;
  confidentJoint: number[][];
  /** Sample indices sorted by suspicion, most suspicious first. */
  order: Int32Array;
  /** The signals suspicion combined, their weights, and the sentence that says so. */
  signals: SignalWeight[];
  /** How the core's mix of self-confidence and margin was chosen (the structure of the likely errors). */
  calibration: CoreCalibration;
  explanation: string;
}

export function rankLabelIssues(input: {
  oosProbs: Float64Array;
  y: Int32Array;
  numClasses: number;
  trainLoss: Float64Array;
  selfInfluence: Float64Array;
  /**
   * More per-sample signals computed on the training set (e.g. a duplicate of the
   * sample with another label): each gets weight only as far as it agrees with the
   * out-of-sample core on this dataset (mislabel/suspicion.ts).
   */
  extraSignals?: SuspicionSignal[];
}): LabelIssueRanking {
  const { oosProbs, y, numClasses } = input;
  const margin = normalizedMargin(oosProbs, y, numClasses);
  const suspicion = suspicionScores({
    oosProbs,
    y,
    numClasses,
    checked: [
      { name: 'trainLoss', values: input.trainLoss, higherIsSuspicious: true },
      { name: 'selfInfluence', values: input.selfInfluence, higherIsSuspicious: true },
      ...(input.extraSignals ?? []),
    ],
  });
  const scores = suspicion.scores;
  const joint = confidentJoint(oosProbs, y, numClasses);
  const count = estimateLabelIssues(oosProbs, y, numClasses);
  const order = Int32Array.from({ length: y.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  return {
    oosProbs,
    suspicion: scores,
    suggested: suggestedLabels(oosProbs, numClasses),
    outOfSampleMargin: margin,
    estimatedCount: count.count,
    count,
    confidentJoint: joint.calibrated,
    order,
    signals: suspicion.signals,
    calibration: suspicion.calibration,
    explanation: suspicion.explanation,
  };
}

export interface TestLabelRanking {
  suspicion: Float64Array;
  suggested: Int32Array;
  /** The most suspicious round(rate · nTest) test samples, rate = the training set's estimated error rate. */
  likely: Set<number>;
}

/**
 * Test labels: the trained model never saw them, so its probabilities are out
 * of sample and score them like the training labels' core (no training-set
 * signals exist for them). A wrong test label corrupts the accuracy reported.
 */
export function rankTestLabels(
  testProbs: Float64Array,
  y: Int32Array,
  numClasses: number,
  errorRate: number,
): TestLabelRanking {
  if (y.length === 0) return { suspicion: new Float64Array(0), suggested: new Int32Array(0), likely: new Set() };
  const { scores } = suspicionScores({ oosProbs: testProbs, y, numClasses, checked: [] });
  const order = Int32Array.from({ length: y.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const k = Math.round(Math.min(Math.max(errorRate, 0), 1) * y.length);
  return {
    suspicion: scores,
    suggested: suggestedLabels(testProbs, numClasses),
    likely: new Set(order.subarray(0, k)),
  };
}
