/**
 * `--model auto`: choose the model by its cross-fitted log-loss — the mean
 * −log p(given label) of the out-of-sample probabilities the folds already
 * give, so the choice costs no extra held-out data and measures exactly what
 * the mislabel ranking reads. Candidates: logistic regression, the MLP, and
 * their average (a two-model ensemble). The lowest loss wins; on a tie the
 * simpler one (logreg, then the MLP, then the ensemble).
 *
 * Influence needs one model: for the ensemble it is computed for the member
 * with the lower loss, while the ranking reads the ensemble's probabilities.
 */
import type { ModelKind } from '../types';

export type ModelPick = 'logreg' | 'mlp' | 'ensemble';

export interface ModelChoice {
  pick: ModelPick;
  /** The single model trained for influence (the pick, or the ensemble's better member). */
  kind: ModelKind;
  /** Cross-fitted log-loss of each candidate. */
  losses: Record<ModelPick, number>;
  /** The out-of-sample probabilities of the pick. */
  oosProbs: Float64Array;
  /** One sentence for the results and the panel. */
  reason: string;
}

/** Mean −log p(given label), p floored at 1e-12 so one confident mistake stays finite. */
export function crossFittedLogLoss(probs: Float64Array, y: ArrayLike<number>, C: number): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) sum -= Math.log(Math.max(probs[i * C + y[i]], 1e-12));
  return y.length ? sum / y.length : 0;
}

export function chooseModel(
  oos: { logreg: Float64Array; mlp: Float64Array },
  y: ArrayLike<number>,
  C: number,
): ModelChoice {
  const ensemble = new Float64Array(oos.logreg.length);
  for (let k = 0; k < ensemble.length; k++) ensemble[k] = (oos.logreg[k] + oos.mlp[k]) / 2;
  const probs: Record<ModelPick, Float64Array> = { logreg: oos.logreg, mlp: oos.mlp, ensemble };
  const losses = {
    logreg: crossFittedLogLoss(oos.logreg, y, C),
    mlp: crossFittedLogLoss(oos.mlp, y, C),
    ensemble: crossFittedLogLoss(ensemble, y, C),
  };
  const order: ModelPick[] = ['logreg', 'mlp', 'ensemble'];
  let pick: ModelPick = 'logreg';
  for (const p of order) if (losses[p] < losses[pick]) pick = p;
  const kind: ModelKind = pick === 'ensemble' ? (losses.mlp < losses.logreg ? 'mlp' : 'logreg') : pick;
  const fmt = (p: ModelPick) =>
    `${p === 'ensemble' ? 'their average' : p === 'mlp' ? 'MLP' : 'logistic regression'} ${losses[p].toFixed(3)}`;
  const others = order
    .filter((p) => p !== pick)
    .map(fmt)
    .join(', ');
  const what =
    pick === 'ensemble'
      ? `the average of logistic regression and the MLP (influence is computed ` +
        `for the ${kind === 'mlp' ? 'MLP' : 'logistic regression'})`
      : pick === 'mlp'
        ? 'the MLP'
        : 'logistic regression';
  const reason =
    `The automatic model choice picked ${what}: the lowest cross-fitted ` + `log-loss (${fmt(pick)}; ${others}).`;
  return { pick, kind, losses, oosProbs: probs[pick], reason };
}
