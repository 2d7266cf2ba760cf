/**
 * Results files for the panel's component tests, made the way the engine
 * lays them out (train sorted by suspicion, the estimated errors first, test
 * samples with proponents and opponents), from a seeded generator. Small
 * ones for the views, 100,000 samples for the virtualized list, and one
 * whose labels and values are hostile markup.
 */
import type { ResultsFile, TestRecord, TrainRecord } from '../../src/compute/results/schema';

export interface FixtureOptions {
  nTrain: number;
  nTest: number;
  classes?: string[];
  format?: 'imagefolder' | 'csv';
  reliability?: boolean;
  /** Labels in each training sample's ranking (default: every class). */
  rankedLabels?: number;
  /** What the reliability check retrained (default: the whole network). */
  retrain?: 'full' | 'last-layer';
  /** Replaces the first class name and the first sample's values with markup that must show as text. */
  hostile?: boolean;
}

export const HOSTILE_LABEL = '<img src=x onerror="window.__pwned=1">';
export const HOSTILE_VALUES = '<script>window.__pwned=2</script><b>bold</b>';

export function makeFixture(o: FixtureOptions): ResultsFile {
  const classes = o.classes ?? ['cat', 'dog', 'fox'];
  if (o.hostile) classes[0] = HOSTILE_LABEL;
  const format = o.format ?? 'imagefolder';
  const c = classes.length;
  let seed = 11;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const estimated = Math.round(o.nTrain * 0.05);
  const source = (split: string, id: number, label: string) =>
    format === 'imagefolder' ? { path: `${split}/${label}/${String(id).padStart(5, '0')}.png` } : { path: `${split}.csv`, line: id + 2, row: id };
  const train: TrainRecord[] = Array.from({ length: o.nTrain }, (_, id) => {
    const k = id % c;
    const label = classes[k];
    const suspicion = rnd();
    const flipped = suspicion > 0.95;
    const suggestedLabel = flipped ? classes[(k + 1) % c] : label;
    const top = 0.5 + rnd() / 2;
    const others = classes.filter((x) => x !== suggestedLabel);
    return {
      id, source: source('train', id, label), label, predicted: label, suggestedLabel, suggestedProbability: top,
      givenLabelProbability: flipped ? 1 - top : top, outOfSampleMargin: flipped ? -0.5 : 0.5, loss: rnd() * 2, selfInfluence: rnd(),
      suspicion, likelyLabelIssue: false,
      rankedLabels: [{ label: suggestedLabel, probability: top }, ...others.slice(0, (o.rankedLabels ?? c) - 1).map((label, j) => ({ label, probability: (1 - top) / (j + 2) }))],
      ...(format === 'csv' ? { preview: `x=${(rnd() * 10).toFixed(2)}, y=${(rnd() * 10).toFixed(2)}` } : {}),
    };
  }).sort((a, b) => b.suspicion - a.suspicion);
  train.slice(0, estimated).forEach((t) => (t.likelyLabelIssue = true));
  if (o.hostile) train[0].preview = HOSTILE_VALUES;
  const test: TestRecord[] = Array.from({ length: o.nTest }, (_, id) => {
    const k = id % c;
    const predicted = id % 4 === 0 ? classes[(k + 1) % c] : classes[k];
    const pick = (n: number, sign: number) =>
      Array.from({ length: n }, (_, j) => ({ train: train[(id * 7 + j * 13 + (sign > 0 ? 0 : 5)) % train.length].id, influence: sign * (1 - j / 10) }));
    return { id, source: source('test', id, classes[k]), label: classes[k], predicted, loss: predicted === classes[k] ? rnd() * 0.5 : 1 + rnd(), proponents: pick(5, 1), opponents: pick(5, -1) };
  });
  return {
    schemaVersion: 1,
    createdAt: '2026-11-22T12:00:00.000Z',
    engine: { version: 'fixture', backend: 'wasm', workers: 2 },
    dataset: {
      root: '/data/pets', format, labelColumn: 'label', classes, nTrain: o.nTrain, nTest: o.nTest, testSource: 'test folder', dims: 64,
      warnings: o.hostile ? [`class ${HOSTILE_LABEL} has one sample`] : [],
    },
    model: { kind: 'mlp', parameters: 1234, targetParameters: 99, weightDecay: 1e-3, trainAccuracy: 0.97, testAccuracy: 0.91, hidden: [16], epochs: 8, seed: 0, headGradientNorm: 1e-9 },
    influence: {
      method: 'exact', reason: 'fixture', damping: 0, l2: 0, target: 'last-layer', selfInfluenceMethod: 'exact', topK: 5, explained: null, details: {},
      reliability: o.reliability
        ? {
            pearson: 0.93, spearman: 0.9, points: 40, retrain: o.retrain ?? 'full', testSamples: [0, 1],
            pairs: Array.from({ length: 40 }, (_, i) => ({ train: i, test: i % 2, predicted: i / 40, actual: i / 40 + (rnd() - 0.5) / 20 })),
          }
        : null,
    },
    labelIssues: { estimatedCount: estimated, folds: 5, confidentJoint: [] },
    train,
    test,
    timings: { loadSeconds: 0, trainSeconds: 0, influenceSeconds: 0, totalSeconds: 0, stages: {} },
  };
}
