import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkJobOptions } from '../../../../src/protocol/compute';
import {
  cacheKeyOptions,
  DEFAULT_SETTINGS,
  jobOptionsFor,
  SettingError,
} from '../../../../src/host/analysis/jobOptions';
import { overallPercent, ProgressTracker, stageMessage } from '../../../../src/host/analysis/progressModel';
import { guessLabel } from '../../../../src/host/analysis/datasetProbe';
import { STAGES } from '../../../../src/compute/pipeline/options';

test('progress: stages map to a monotone overall percentage that ends at 100', () => {
  assert.equal(overallPercent('load', 0, 1), 0);
  const mid = overallPercent('train', 5, 10)!;
  assert.ok(mid > overallPercent('load', 1, 1)! && mid < overallPercent('train', 10, 10)!);
  // The data-issue pass (issue 17) is the run's last stage.
  assert.equal(Math.round(overallPercent('issues', 1, 1)!), 100);
  assert.equal(overallPercent('something-new', 1, 2), undefined);
  // The bar moves through the engine's stages in the order a run reaches them (test/unit/pipeline/stageOrder.test.ts),
  // and knows every one of them.
  const starts = STAGES.map((stage) => overallPercent(stage, 0, 1));
  starts.forEach((start, i) => assert.ok(start !== undefined && (i === 0 || start > starts[i - 1]!), STAGES[i]));
  const tracker = new ProgressTracker();
  const incs = [
    tracker.increment('load', 1, 1),
    tracker.increment('train', 3, 6),
    tracker.increment('train', 2, 6),
    tracker.increment('mystery', 1, 1),
    tracker.increment('issues', 1, 1),
  ];
  assert.ok(incs.every((i) => i >= 0));
  assert.equal(incs[2], 0, 'never backwards');
  assert.equal(Math.round(incs.reduce((a, b) => a + b, 0)), 100);
  assert.equal(stageMessage('train', 3, 12, 'loss 0.5'), 'Training 3/12 — loss 0.5');
  assert.equal(stageMessage('hessian', 0, 1), 'Factoring the Hessian');
});

test('job options: only what the user set reaches the engine, and they pass the wire check', () => {
  const plain = jobOptionsFor('/d.csv', DEFAULT_SETTINGS, {});
  assert.deepEqual(plain, {
    datasetPath: '/d.csv',
    method: 'auto',
    folds: 5,
    topK: 10,
    seed: 0,
    subsetFraction: 0.1,
    solverSeconds: 300,
    model: 'auto',
  });
  const tuned = jobOptionsFor(
    '/d.csv',
    { ...DEFAULT_SETTINGS, model: 'ask', maxSamples: 500, weightDecay: 0.001, epochs: 3, folds: 2 },
    { labelColumn: 'species', model: 'logreg' },
    { verify: true },
  );
  assert.deepEqual(tuned, {
    datasetPath: '/d.csv',
    method: 'auto',
    folds: 2,
    topK: 10,
    seed: 0,
    subsetFraction: 0.1,
    solverSeconds: 300,
    model: 'logreg',
    labelColumn: 'species',
    maxSamples: 500,
    weightDecay: 0.001,
    epochs: 3,
    verify: 10,
  });
  assert.deepEqual(checkJobOptions(tuned, 'options'), tuned);
  assert.equal('datasetPath' in cacheKeyOptions(tuned), false);
});

test('a setting the engine would refuse is refused by name before the run, never raised to a value that works', () => {
  // Before: folds 1 was silently raised to 2 and a fraction of 0 to 0.001, so the run used settings the user never
  // chose.
  for (const [key, value, expected] of [
    ['folds', 1, /^the influenceLens\.folds setting is 1; expected a whole number of at least 2/],
    ['topK', 2.5, /^the influenceLens\.topK setting is 2\.5; expected a positive whole number/],
    ['subsetFraction', 0, /^the influenceLens\.subsetFraction setting is 0; expected a number above 0 and at most 1/],
    ['method', 'fast', /^the influenceLens\.method setting is "fast"; expected one of "auto", "exact", "cg"/],
  ] as const) {
    assert.throws(
      () => jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, [key]: value }, {}),
      (e: Error) => e instanceof SettingError && e.key === key && expected.test(e.message),
    );
  }
  // A fraction of 1 (every neuron) is allowed on every face.
  assert.equal(jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, subsetFraction: 1 }, {}).subsetFraction, 1);
  // The reliability-check count is checked only when a check is asked for.
  assert.doesNotThrow(() => jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, reliabilitySamples: 0 }, {}));
  assert.throws(
    () => jobOptionsFor('/d.csv', { ...DEFAULT_SETTINGS, reliabilitySamples: 0 }, {}, { verify: true }),
    /influenceLens\.reliabilitySamples setting is 0/,
  );
});

test('label column: ambiguous only when no column is named like a label', () => {
  assert.deepEqual(guessLabel(['a', 'Class', 'b']), { labelGuess: 'Class', ambiguous: false });
  assert.deepEqual(guessLabel(['a', 'b', 'species']), { labelGuess: 'species', ambiguous: true });
  assert.deepEqual(guessLabel(['y', 'label']), { labelGuess: 'label', ambiguous: false });
});
