/**
 * The study's grid. Everything that decides what is measured is here, fixed
 * before anything runs: the same seed everywhere, the same data, the same
 * protocol; test points and removals are chosen by the engine's seeded rules.
 */
import type { ConfigSpec, MethodId } from './types';

export const SEED = 0;
/** MNIST-small: per digit, and the side the 28×28 digits are shrunk to. */
export const MNIST = { perClassTrain: 60, perClassTest: 20, side: 14 } as const;

const LAST_LAYER_ONLY: MethodId[] = ['exact', 'cg-ll', 'lissa-ll', 'tracin', 'gif'];
/**
 * The convex model also gets the one-step Newton estimate: on MNIST logreg with weight decay
 * 1e-5 every first-order estimator under-predicts retraining ~2.8× (removing a high-leverage
 * sample also removes its own curvature), which is what the Newton step corrects.
 */
const LOGREG_METHODS: MethodId[] = [...LAST_LAYER_ONLY, 'newton', 'newton-loss'];
const ALL_METHODS: MethodId[] = ['exact', 'cg-ll', 'lissa-ll', 'tracin', 'gif', 'cg-full', 'lissa-full'];
/**
 * The CNN's Hessian-vector product is ~10× an MLP's on wasm: gif and whole-network lissa would take most of the budget.
 */
const CNN_METHODS: MethodId[] = ['exact', 'cg-ll', 'lissa-ll', 'tracin', 'cg-full'];

const WEIGHT_DECAYS = [1e-3, 1e-5];

function wdLabel(wd: number): string {
  return wd === 0 ? 'wd0' : `wd${wd.toExponential(0)}`;
}

function base(
  overrides: Partial<ConfigSpec> & Pick<ConfigSpec, 'id' | 'family' | 'dataset' | 'model' | 'weightDecay'>,
): ConfigSpec {
  return {
    hidden: [],
    convChannels: [],
    epochs: 30,
    methods: ALL_METHODS,
    removals: 12,
    testPoints: 5,
    explain: 5,
    retrainIterations: 500,
    convergeIterations: 1500,
    budgetCheck: 3,
    retestCheck: 3,
    seed: SEED,
    ...overrides,
  };
}

function logreg(dataset: 'iris' | 'mnist', wd: number, removals: number): ConfigSpec {
  return base({
    id: `${dataset}-logreg-${wdLabel(wd)}`,
    family: 'logreg',
    dataset,
    model: 'logreg',
    weightDecay: wd,
    methods: LOGREG_METHODS,
    removals,
    explain: dataset === 'iris' ? 30 : 5,
    budgetCheck: 0,
    retestCheck: 0,
  });
}

function mlp(dataset: 'iris' | 'mnist', hidden: number[], wd: number, overrides: Partial<ConfigSpec> = {}): ConfigSpec {
  return base({
    id: `${dataset}-mlp-${hidden.join('x')}-${wdLabel(wd)}`,
    family: 'mlp',
    dataset,
    model: 'mlp',
    hidden,
    weightDecay: wd,
    explain: dataset === 'iris' ? 30 : 5,
    ...overrides,
  });
}

function cnn(wd: number, overrides: Partial<ConfigSpec> = {}): ConfigSpec {
  return base({
    id: `mnist-cnn-4x8-32-${wdLabel(wd)}`,
    family: 'cnn',
    dataset: 'mnist',
    model: 'cnn',
    hidden: [32],
    convChannels: [4, 8],
    weightDecay: wd,
    epochs: 10,
    methods: CNN_METHODS,
    removals: 6,
    budgetCheck: 2,
    retestCheck: 0,
    ...overrides,
  });
}

/**
 * Full grid (≈ 35–40 min on 2 idle cores): logreg on Iris and MNIST; MLPs on
 * MNIST of depth 1 × width {16, 64, 256}, depth 2 × width 64 and depth 3 ×
 * width {16, 64} (deep 256-wide nets are left out: one alone would take
 * ~15 min), each with weight decay 1e-3 and 1e-5; a 1-hidden-layer MLP on
 * Iris (both weight decays); the small CNN (weight decay 1e-3).
 */
export function fullGrid(): ConfigSpec[] {
  const configs: ConfigSpec[] = [];
  for (const wd of WEIGHT_DECAYS) configs.push(logreg('iris', wd, 20), logreg('mnist', wd, 20));
  for (const wd of WEIGHT_DECAYS) configs.push(mlp('iris', [16], wd, { removals: 20 }));
  const shapes = [[16], [64], [256], [64, 64], [16, 16, 16], [64, 64, 64]];
  for (const hidden of shapes) {
    for (const wd of WEIGHT_DECAYS) {
      // The widest net: the ground-truth checks cost as much as the study itself there.
      const wide = hidden.some((h) => h >= 256);
      configs.push(mlp('mnist', hidden, wd, wide ? { retestCheck: 0, budgetCheck: 2 } : {}));
    }
  }
  configs.push(cnn(1e-3));
  return configs;
}

/**
 * Quick grid (≈ 2 min on 2 cores; part of `npm run bench -- --quick`, which
 * CI runs and which must stay under 5 minutes in all): the convex model on
 * both datasets and the 1-hidden-layer MLP with weight decay on Iris and
 * MNIST, with few removals and one ground-truth check each. It proves the
 * study runs end to end; the full grid is what the committed report is from.
 */
export function quickGrid(): ConfigSpec[] {
  return [
    logreg('iris', 1e-3, 10),
    logreg('mnist', 1e-3, 6),
    mlp('iris', [16], 1e-3, { removals: 6, budgetCheck: 1, retestCheck: 1 }),
    mlp('mnist', [16], 1e-3, { removals: 4, budgetCheck: 1, retestCheck: 1 }),
  ];
}

/** Rough relative cost, to start the longest configurations first. */
export function estimatedCost(spec: ConfigSpec): number {
  if (spec.dataset === 'iris') return 1;
  if (spec.model === 'logreg') return 2;
  if (spec.model === 'cnn') return 60;
  const widths = spec.hidden.reduce((a, h, k) => a + h * (k === 0 ? 196 : spec.hidden[k - 1]), 0);
  return 5 + widths / 400 + (spec.weightDecay < 1e-4 ? 5 : 0);
}
