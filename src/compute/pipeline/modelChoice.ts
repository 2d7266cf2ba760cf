/**
 * `--model auto`: choose the model by its cross-fitted log-loss — the mean
 * −log p(given label) of the out-of-sample probabilities the folds already
 * give, so the choice costs no extra held-out data and measures exactly what
 * the mislabel ranking reads. Candidates: logistic regression, the MLP, and
 * their average (a two-model ensemble). The lowest loss wins; on a tie the
 * simpler one (logreg, then the MLP, then the ensemble).
 *
 * Guarded by held-out accuracy: a candidate whose out-of-sample accuracy is
 * below the most accurate candidate's by more than two standard errors (paired,
 * over the same samples) is not eligible. Log-loss on noisy labels rewards a
 * model for doubting everything: each wrong label costs a confident model
 * dearly, so a calibrated but weaker model can win it (measured on
 * Fashion-MNIST with the logistic regression fitted to its optimum: it won the
 * log-loss while its test accuracy was 3–9 points below the MLP's). Accuracy
 * measured against noisy labels keeps the order of accuracy against the true
 * labels whenever errors are spread over the classes (expected noisy accuracy
 * = a·(1 − η·C/(C−1)) + η/(C−1) for true accuracy a and noise rate η), so the
 * guard only removes models that are really less accurate. Between models the
 * data cannot tell apart by accuracy, log-loss decides as before.
 *
 * Influence needs one model: for the ensemble it is computed for the member
 * the same rule prefers (the lower loss among the members not significantly
 * less accurate), while the ranking reads the ensemble's probabilities.
 */
import type { ModelKind } from '../types';

export type ModelPick = 'logreg' | 'mlp' | 'ensemble';
/** The models an ensemble averages, one of which influence is computed for. */
type Member = Exclude<ModelPick, 'ensemble'>;

export interface ModelChoice {
  pick: ModelPick;
  /** The single model trained for influence (the pick, or the ensemble's preferred member). */
  kind: ModelKind;
  /** Cross-fitted log-loss of each candidate. */
  losses: Record<ModelPick, number>;
  /** Cross-fitted accuracy of each candidate (against the given labels). */
  accuracies: Record<ModelPick, number>;
  /** The out-of-sample probabilities of the pick. */
  oosProbs: Float64Array;
  /** One sentence for the results and the panel. */
  reason: string;
}

/** Standard errors by which a candidate's accuracy may trail the best before it is set aside. */
const ACCURACY_STANDARD_ERRORS = 2;

/** Mean −log p(given label), p floored at 1e-12 so one confident mistake stays finite. */
export function crossFittedLogLoss(probs: Float64Array, y: ArrayLike<number>, C: number): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum -= Math.log(Math.max(probs[i * C + y[i]], 1e-12));
  return y.length ? sum / y.length : 0;
}

/** Per sample: 1 when the most probable class (the lowest index among equals) is the given label. */
export function correctPredictions(probs: Float64Array, y: ArrayLike<number>, C: number): Uint8Array {
  const correct = new Uint8Array(y.length);
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let k = 1; k < C; k++) if (probs[i * C + k] > probs[i * C + best]) best = k;
    correct[i] = best === y[i] ? 1 : 0;
  }
  return correct;
}

/**
 * Whether `a` is less accurate than `b` by more than `ACCURACY_STANDARD_ERRORS` standard errors of the paired
 * difference: d_i = a_i − b_i over the same samples, mean d̄, standard error sd(d)/√n.
 */
export function significantlyLessAccurate(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n < 2) return false;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    sum += d;
    sumSquares += d * d;
  }
  const mean = sum / n;
  const variance = Math.max(0, (sumSquares - n * mean * mean) / (n - 1));
  return mean < 0 && -mean > ACCURACY_STANDARD_ERRORS * Math.sqrt(variance / n);
}

/** Among `among`, the lowest loss of those not significantly less accurate than the most accurate; ties: first. */
export function preferred<T extends string>(among: T[], losses: Record<T, number>, correct: Record<T, Uint8Array>): T {
  const accuracy = (p: T) => correct[p].reduce((s, c) => s + c, 0);
  let mostAccurate = among[0];
  for (const p of among) if (accuracy(p) > accuracy(mostAccurate)) mostAccurate = p;
  const eligible = among.filter((p) => !significantlyLessAccurate(correct[p], correct[mostAccurate]));
  let pick = eligible[0];
  for (const p of eligible) if (losses[p] < losses[pick]) pick = p;
  return pick;
}

export function chooseModel(
  oos: { logreg: Float64Array; mlp: Float64Array },
  y: ArrayLike<number>,
  C: number,
): ModelChoice {
  const ensemble = new Float64Array(oos.logreg.length);
  for (let k = 0; k < ensemble.length; k++) ensemble[k] = (oos.logreg[k] + oos.mlp[k]) / 2;
  const probs: Record<ModelPick, Float64Array> = { logreg: oos.logreg, mlp: oos.mlp, ensemble };
  const order: ModelPick[] = ['logreg', 'mlp', 'ensemble'];
  const losses = {} as Record<ModelPick, number>;
  const correct = {} as Record<ModelPick, Uint8Array>;
  const accuracies = {} as Record<ModelPick, number>;
  for (const p of order) {
    losses[p] = crossFittedLogLoss(probs[p], y, C);
    correct[p] = correctPredictions(probs[p], y, C);
    accuracies[p] = y.length ? correct[p].reduce((s, c) => s + c, 0) / y.length : 0;
  }
  const pick = preferred(order, losses, correct);
  const kind: Member = pick === 'ensemble' ? preferred<Member>(['logreg', 'mlp'], losses, correct) : pick;
  const mostAccurate = order.reduce((a, b) => (accuracies[b] > accuracies[a] ? b : a));
  const setAside = order.filter(
    (p) => losses[p] < losses[pick] && significantlyLessAccurate(correct[p], correct[mostAccurate]),
  );
  // The ensemble's member for influence: set apart when the guard, not the loss, chose it.
  const other: Member = kind === 'mlp' ? 'logreg' : 'mlp';
  const memberByAccuracy = pick === 'ensemble' && losses[other] < losses[kind];
  const name = (p: ModelPick) => (p === 'ensemble' ? 'their average' : p === 'mlp' ? 'MLP' : 'logistic regression');
  const fmt = (p: ModelPick) => `${name(p)} ${losses[p].toFixed(3)}`;
  const others = order
    .filter((p) => p !== pick)
    .map(fmt)
    .join(', ');
  const what =
    pick === 'ensemble'
      ? `the average of logistic regression and the MLP (influence is computed ` +
        `for the ${kind === 'mlp' ? 'MLP' : 'logistic regression'}` +
        (memberByAccuracy
          ? `, the more accurate member: ${(100 * accuracies[kind]).toFixed(1)}% against ` +
            `${(100 * accuracies[other]).toFixed(1)}% held out)`
          : ')')
      : pick === 'mlp'
        ? 'the MLP'
        : 'logistic regression';
  const guard = setAside.length
    ? ` ${setAside.map(name).join(' and ')} had a lower loss but a held-out accuracy below the best by more than ` +
      `${ACCURACY_STANDARD_ERRORS} standard errors (${order.map((p) => `${name(p)} ${(100 * accuracies[p]).toFixed(1)}%`).join(', ')}).`
    : '';
  const lowest = setAside.length
    ? 'the lowest cross-fitted log-loss among the most accurate'
    : 'the lowest cross-fitted log-loss';
  const reason = `The automatic model choice picked ${what}: ${lowest} (${fmt(pick)}; ${others}).` + guard;
  return { pick, kind, losses, accuracies, oosProbs: probs[pick], reason };
}
