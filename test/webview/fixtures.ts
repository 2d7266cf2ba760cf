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
  /**
   * Adds a data-issue report (issue 17): a leaked pair, a near-duplicate pair with different labels, outliers, harmful
   * samples.
   */
  issues?: boolean;
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
    format === 'imagefolder'
      ? { path: `${split}/${label}/${String(id).padStart(5, '0')}.png` }
      : { path: `${split}.csv`, line: id + 2, row: id };
  const train: TrainRecord[] = Array.from({ length: o.nTrain }, (_, id) => {
    const k = id % c;
    const label = classes[k];
    const suspicion = rnd();
    const flipped = suspicion > 0.95;
    const suggestedLabel = flipped ? classes[(k + 1) % c] : label;
    const top = 0.5 + rnd() / 2;
    const others = classes.filter((x) => x !== suggestedLabel);
    return {
      id,
      source: source('train', id, label),
      label,
      predicted: label,
      suggestedLabel,
      suggestedProbability: top,
      givenLabelProbability: flipped ? 1 - top : top,
      outOfSampleMargin: flipped ? -0.5 : 0.5,
      loss: rnd() * 2,
      selfInfluence: rnd(),
      suspicion,
      likelyLabelIssue: false,
      rankedLabels: [
        { label: suggestedLabel, probability: top },
        ...others.slice(0, (o.rankedLabels ?? c) - 1).map((label, j) => ({ label, probability: (1 - top) / (j + 2) })),
      ],
      ...(format === 'csv' ? { preview: `x=${(rnd() * 10).toFixed(2)}, y=${(rnd() * 10).toFixed(2)}` } : {}),
    };
  }).sort((a, b) => b.suspicion - a.suspicion);
  train.slice(0, estimated).forEach((t) => (t.likelyLabelIssue = true));
  if (o.hostile) train[0].preview = HOSTILE_VALUES;
  const test: TestRecord[] = Array.from({ length: o.nTest }, (_, id) => {
    const k = id % c;
    const predicted = id % 4 === 0 ? classes[(k + 1) % c] : classes[k];
    const pick = (n: number, sign: number) =>
      Array.from({ length: n }, (_, j) => ({
        train: train[(id * 7 + j * 13 + (sign > 0 ? 0 : 5)) % train.length].id,
        influence: sign * (1 - j / 10),
      }));
    return {
      id,
      source: source('test', id, classes[k]),
      label: classes[k],
      predicted,
      loss: predicted === classes[k] ? rnd() * 0.5 : 1 + rnd(),
      proponents: pick(5, 1),
      opponents: pick(5, -1),
    };
  });
  const issues = o.issues ? addIssues(train, test, classes) : undefined;
  return {
    schemaVersion: 1,
    createdAt: '2026-11-22T12:00:00.000Z',
    engine: { version: 'fixture', backend: 'wasm', workers: 2 },
    dataset: {
      root: '/data/pets',
      format,
      labelColumn: 'label',
      classes,
      nTrain: o.nTrain,
      nTest: o.nTest,
      testSource: 'test folder',
      dims: 64,
      warnings: o.hostile ? [`class ${HOSTILE_LABEL} has one sample`] : [],
    },
    model: {
      kind: 'mlp',
      parameters: 1234,
      targetParameters: 99,
      weightDecay: 1e-3,
      trainAccuracy: 0.97,
      testAccuracy: 0.91,
      hidden: [16],
      epochs: 8,
      seed: 0,
      headGradientNorm: 1e-9,
    },
    influence: {
      method: 'exact',
      reason: 'fixture',
      damping: 0,
      l2: 0,
      target: 'last-layer',
      selfInfluenceMethod: 'exact',
      topK: 5,
      explained: null,
      details: {},
      reliability: o.reliability
        ? {
            pearson: 0.93,
            spearman: 0.9,
            points: 40,
            retrain: o.retrain ?? 'full',
            testSamples: [0, 1],
            pairs: Array.from({ length: 40 }, (_, i) => ({
              train: i,
              test: i % 2,
              predicted: i / 40,
              actual: i / 40 + (rnd() - 0.5) / 20,
            })),
          }
        : null,
    },
    labelIssues: { estimatedCount: estimated, folds: 5, confidentJoint: [] },
    ...(issues ? { issues } : {}),
    train,
    test,
    timings: { loadSeconds: 0, trainSeconds: 0, influenceSeconds: 0, totalSeconds: 0, stages: {} },
  };
}

/**
 * The issues section and per-sample fields: train[3] leaked as test 0, train[5] and train[6] near copies with different
 * labels.
 */
function addIssues(train: TrainRecord[], test: TestRecord[], classes: string[]): NonNullable<ResultsFile['issues']> {
  const byId = [...train].sort((a, b) => a.id - b.id);
  const sets = [
    {
      members: [
        { split: 'train' as const, id: 3 },
        { split: 'test' as const, id: 0 },
      ],
      exact: true,
      leakage: true,
      labelConflict: false,
      maxDistance: 0,
    },
    {
      members: [
        { split: 'train' as const, id: 5 },
        { split: 'train' as const, id: 6 },
      ],
      exact: false,
      leakage: false,
      labelConflict: true,
      maxDistance: 0.1,
    },
  ];
  byId[3].duplicateSet = 0;
  test[0].duplicateSet = 0;
  byId[5].duplicateSet = 1;
  byId[6].duplicateSet = 1;
  byId.forEach((t, i) => {
    t.testInfluence = i % 3 === 0 ? -(i + 1) / 100 : (i + 1) / 1000;
    t.outlierScore = i === 7 ? 5 : 1;
    t.outlier = i === 7;
  });
  const harmful = byId.filter((t) => t.testInfluence! < 0).sort((a, b) => a.testInfluence! - b.testInfluence!);
  const helpful = byId.filter((t) => t.testInfluence! > 0).sort((a, b) => b.testInfluence! - a.testInfluence!);
  const entry = (t: TrainRecord) => ({ train: t.id, influence: t.testInfluence! });
  return {
    counts: {
      labelIssues: 5,
      duplicateSets: 2,
      duplicateSamples: 4,
      leakedTestSamples: 1,
      labelConflictSets: 1,
      trainOutliers: 1,
      testOutliers: 0,
      harmful: harmful.length,
      underrepresentedClasses: 0,
    },
    duplicates: { cut: 0.2, medianNeighbourDistance: 1, search: 'exact 10-NN', fingerprints: true, sets },
    outliers: { k: 10, cut: 3, definition: 'fixture' },
    harmful: {
      definition: 'fixture',
      solver: 'cholesky',
      harmful: harmful.slice(0, 200).map(entry),
      helpful: helpful.slice(0, 200).map(entry),
      removal: {
        removed: [harmful[0].id],
        predictedLossChange: -0.05,
        actualLossChange: -0.04,
        testLossBefore: 0.5,
        predictedTestLossAfter: 0.49,
        testLossAfter: 0.492,
        accuracyBefore: 0.9,
        accuracyAfter: 0.91,
        retrain: 'last-layer',
      },
    },
    classes: classes.map((label) => ({
      label,
      train: 10,
      test: 2,
      trainShare: 1 / classes.length,
      underrepresented: false,
      labelIssues: 1,
      outliers: 0,
      duplicates: 1,
      issueShare: 0.2,
    })),
    confusedPairs: [{ a: classes[0], b: classes[1], count: 4 }],
  };
}
