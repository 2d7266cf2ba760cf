import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultsFile, TestRecord, TrainRecord } from '../../../../src/compute/results/schema';
import { checkResultsView } from '../../../../src/protocol/webview';
import { formatSummary } from '../../../../src/cli/summary';
import { resultsOverview } from '../../../../src/compute/process/resultsOverview';
import { budgetSampleWarning } from '../../../../src/compute/data/sampleBudget';
import {
  buildExplanation,
  buildResultsView,
  findSampleAt,
  labelConfusion,
  ResultsIndex,
  suspicionHistogram,
} from '../../../../src/host/panel/resultsView';

function train(id: number, line: number, label: string, suspicion: number): TrainRecord {
  return {
    id,
    source: { path: 'd.csv', line, row: line - 2 },
    label,
    predicted: label,
    suggestedLabel: label,
    suggestedProbability: 0.9,
    givenLabelProbability: 0.9,
    outOfSampleMargin: 0.8,
    loss: 0.1,
    selfInfluence: 0.01,
    suspicion,
    likelyLabelIssue: suspicion > 0.5,
  };
}
function testRecord(
  id: number,
  line: number,
  label: string,
  predicted: string,
  proponents: number[],
  opponents: number[],
): TestRecord {
  return {
    id,
    source: { path: 'd.csv', line, row: line - 2 },
    label,
    predicted,
    loss: label === predicted ? 0.1 : 2,
    proponents: proponents.map((t, k) => ({ train: t, influence: 1 - k * 0.1 })),
    opponents: opponents.map((t, k) => ({ train: t, influence: -1 + k * 0.1 })),
  };
}

// Lines: 2 train, 3–4 test (a two-line record), 5 train, 7 train (line 6 is blank).
const results = {
  schemaVersion: 1,
  createdAt: '2025-01-01T00:00:00Z',
  engine: { version: '0', backend: 'wasm', workers: 1 },
  dataset: {
    root: '/r',
    format: 'csv',
    labelColumn: 'label',
    classes: ['cat', 'dog'],
    nTrain: 3,
    nTest: 1,
    testSource: 'split-column',
    dims: 2,
    warnings: [],
  },
  model: {
    kind: 'mlp',
    parameters: 10,
    targetParameters: 6,
    weightDecay: 0,
    trainAccuracy: 1,
    testAccuracy: 0,
    hidden: [4],
    epochs: 1,
    seed: 0,
    headGradientNorm: 0,
  },
  influence: {
    method: 'exact',
    reason: '',
    damping: 0,
    l2: 0,
    target: 'last-layer',
    selfInfluenceMethod: 'exact',
    topK: 2,
    explained: null,
    details: {},
    reliability: null,
  },
  labelIssues: { estimatedCount: 1, folds: 2, confidentJoint: [] },
  train: [train(0, 5, 'dog', 0.9), train(1, 2, 'cat', 0.2), train(2, 7, 'cat', 0.1)],
  test: [testRecord(0, 3, 'cat', 'dog', [1, 2], [0])],
  timings: { loadSeconds: 0, trainSeconds: 0, influenceSeconds: 0, totalSeconds: 0, stages: {} },
} as ResultsFile;
const index = new ResultsIndex(results);

test("the results view passes the webview's own check; its histogram and confusion count every training sample", () => {
  const view = buildResultsView(results, '/r/d.csv', true);
  assert.doesNotThrow(() => checkResultsView(view, 'view'));
  assert.equal(view.stale, true);
  assert.equal(view.model, 'mlp [4]');
  // Suspicions 0.9, 0.2, 0.1 fall in bins 18, 4 and 2 of 20; the one estimated error sets the cut at 0.9.
  const expected = new Array(20).fill(0);
  expected[18] = 1;
  expected[4] = 1;
  expected[2] = 1;
  assert.deepEqual(view.suspicionHistogram, { counts: expected, cut: 0.9 });
  // All three keep their label as the suggestion: the diagonal holds them.
  assert.deepEqual(view.confusion, [
    [2, 0],
    [0, 1],
  ]);
});

test('the histogram puts suspicion 1 in the last bin and has no cut when no errors are estimated', () => {
  const h = suspicionHistogram([train(0, 2, 'cat', 1), train(1, 3, 'cat', 0)], 0);
  assert.equal(h.counts[19], 1);
  assert.equal(h.counts[0], 1);
  assert.equal(h.cut, null);
});

test('the label confusion counts given (rows) against suggested (columns)', () => {
  const records = [train(0, 2, 'cat', 0.9), train(1, 3, 'cat', 0.1), train(2, 4, 'dog', 0.1)];
  records[0] = { ...records[0], suggestedLabel: 'dog' };
  assert.deepEqual(labelConfusion(records, ['cat', 'dog']), [
    [1, 1],
    [0, 1],
  ]);
});

test(
  'why a wrong prediction came out: the opponents carrying the predicted ' +
    'label (the rules are tested in whyLine.test.ts)',
  () => {
    // Test 0 is a cat predicted dog; its proponents (train 1 and 2, both cat) support cat, its opponent (train 0, a
    // suspected dog) pulls toward dog.
    const e = buildExplanation(index, 'test', 0, new Map())!;
    assert.equal(
      e.why,
      '1 of its 1 strongest opponents is labeled dog: it pulls this cat toward dog; ' +
        '1 of these is a suspected mislabel.',
    );
  },
);

test('a test explanation lists proponents and opponents with their training rows', () => {
  const e = buildExplanation(index, 'test', 0, new Map())!;
  assert.deepEqual(
    e.proponents.map((p) => [p.sample.id, p.influence]),
    [
      [1, 1],
      [2, 0.9],
    ],
  );
  assert.deepEqual(
    e.opponents.map((p) => [p.sample.id, p.influence]),
    [[0, -1]],
  );
  assert.equal(buildExplanation(index, 'test', 9, new Map()), undefined);
});

test("a training sample's explanation: the test predictions it helps and hurts", () => {
  const e = buildExplanation(index, 'train', 0, new Map())!;
  assert.deepEqual(e.proponents, []);
  assert.deepEqual(
    e.opponents.map((p) => [p.sample.split, p.sample.id]),
    [['test', 0]],
  );
});

test('the sample at a line: the record starting at or before it, in either split', () => {
  assert.deepEqual(findSampleAt(index, 'd.csv', 2), { split: 'train', id: 1, line: 2 });
  assert.deepEqual(findSampleAt(index, 'd.csv', 4), { split: 'test', id: 0, line: 3 });
  assert.deepEqual(findSampleAt(index, 'd.csv', 6), { split: 'train', id: 0, line: 5 });
  assert.equal(findSampleAt(index, 'd.csv', 1), undefined, 'the header');
  assert.equal(findSampleAt(index, 'other.csv', 2), undefined);
});

test('a note naming an option says it in each face: the setting in the panel, the flag in the CLI summary', () => {
  // The working budget's note (issue 12 item 8) names maxSamples the engine's way.
  const note = budgetSampleWarning(168_000, 1_044_960, '2.0 GB');
  const withNote = { ...results, dataset: { ...results.dataset, warnings: [note] } } as ResultsFile;
  assert.deepEqual(buildResultsView(withNote, '/r/d.csv', false).warnings, [
    'Analyzed a stratified sample of 168,000 of 1,044,960 samples to stay within 2.0 GB of memory; ' +
      'set the influenceLens.maxSamples setting to choose.',
  ]);
  assert.match(
    formatSummary(resultsOverview(withNote), 'out.json'),
    /Note: Analyzed a stratified sample of 168,000 of 1,044,960 samples to stay within 2\.0 GB of memory; set --max-samples to choose\./,
  );
});
