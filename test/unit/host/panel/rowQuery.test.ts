import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultsFile, TestRecord, TrainRecord } from '../../../../src/compute/results/schema';
import { ResultsIndex } from '../../../../src/host/panel/resultsView';
import type { ReviewDecision } from '../../../../src/host/reviews/reviews';
import { RowQueries } from '../../../../src/host/panel/rowQuery';

const CLASSES = ['a', 'b', 'c'];

/**
 * A results file of n training samples with scores drawn from a seeded generator, sorted by suspicion like the
 * engine's.
 */
function makeResults(n: number, nTest: number): ResultsFile {
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const train: TrainRecord[] = Array.from({ length: n }, (_, id) => {
    const label = CLASSES[id % 3];
    const suggestedLabel = rnd() < 0.2 ? CLASSES[(id + 1) % 3] : label;
    return {
      id,
      source: { path: `${label}/${id}.png` },
      label,
      predicted: label,
      suggestedLabel,
      suggestedProbability: rnd(),
      givenLabelProbability: rnd(),
      outOfSampleMargin: 0,
      loss: rnd() * 3,
      selfInfluence: rnd(),
      suspicion: rnd(),
      likelyLabelIssue: false,
    };
  }).sort((x, y) => y.suspicion - x.suspicion);
  train.slice(0, Math.round(n / 10)).forEach((t) => (t.likelyLabelIssue = true));
  const test: TestRecord[] = Array.from({ length: nTest }, (_, id) => ({
    id,
    source: { path: `t/${id}.png` },
    label: CLASSES[id % 3],
    predicted: CLASSES[(id * 2) % 3],
    loss: rnd(),
    proponents: [],
    opponents: [],
  }));
  return {
    dataset: { root: '/r', format: 'imagefolder', classes: CLASSES },
    train,
    test,
    influence: {},
    labelIssues: {},
  } as unknown as ResultsFile;
}

const results = makeResults(3000, 300);
const index = new ResultsIndex(results);
const decision = (state: ReviewDecision['state']): ReviewDecision => ({
  source: { path: 'x' },
  state,
  label: 'a',
  decidedAt: 't',
});

test('pages of a query are consecutive slices of one order: together they are the whole filtered list', () => {
  const q = new RowQueries(index, new Map());
  const query = { list: 'suspects', sort: 'selfInfluence', label: 'b' } as const;
  const seen: number[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = q.page(query, offset, 500);
    assert.equal(page.total, 1000);
    seen.push(...page.rows.map((r) => r.id));
    if (page.rows.length < 500) break;
  }
  const expected = results.train
    .filter((t) => t.label === 'b')
    .sort((x, y) => y.selfInfluence - x.selfInfluence)
    .map((t) => t.id);
  assert.deepEqual(seen, expected);
});

test("every sort orders its key from largest to smallest; suspicion keeps the file's order", () => {
  const q = new RowQueries(index, new Map());
  for (const [sort, key] of [
    ['suspicion', 'suspicion'],
    ['selfInfluence', 'selfInfluence'],
    ['loss', 'loss'],
  ] as const) {
    const rows = q.page({ list: 'suspects', sort }, 0, 500).rows;
    for (let i = 1; i < rows.length; i++) assert.ok(rows[i - 1][key]! >= rows[i][key]!, `${sort} at ${i}`);
  }
  assert.deepEqual(
    q.ids({ list: 'suspects', sort: 'suspicion' }),
    results.train.map((t) => t.id),
  );
});

test('filters combine: given label, suggested label, the estimated errors, and review state', () => {
  const reviews = new Map<number, ReviewDecision>([
    [results.train[0].id, decision('confirmed')],
    [results.train[5].id, decision('notIssue')],
  ]);
  const q = new RowQueries(index, reviews);
  const pair = q.ids({ list: 'suspects', sort: 'suspicion', label: 'a', other: 'b' });
  assert.deepEqual(
    pair,
    results.train.filter((t) => t.label === 'a' && t.suggestedLabel === 'b').map((t) => t.id),
  );
  assert.ok(pair.length > 0);
  assert.equal(q.ids({ list: 'suspects', sort: 'suspicion', likelyOnly: true }).length, 300);
  assert.deepEqual(q.ids({ list: 'suspects', sort: 'suspicion', review: 'confirmed' }), [results.train[0].id]);
  assert.deepEqual(q.ids({ list: 'suspects', sort: 'suspicion', review: 'notIssue' }), [results.train[5].id]);
  assert.equal(q.ids({ list: 'suspects', sort: 'suspicion', review: 'unreviewed' }).length, 2998);
  assert.equal(q.page({ list: 'suspects', sort: 'suspicion' }, 0, 1).rows[0].review, 'confirmed');
});

test('new review decisions re-resolve the queries that filter by them', () => {
  const q = new RowQueries(index, new Map());
  assert.equal(q.ids({ list: 'suspects', sort: 'suspicion', review: 'relabeled' }).length, 0);
  q.setReviews(new Map([[results.train[9].id, decision('relabeled')]]));
  assert.deepEqual(q.ids({ list: 'suspects', sort: 'suspicion', review: 'relabeled' }), [results.train[9].id]);
});

test('the test list: misclassified first, then by loss; filters by given and predicted label', () => {
  const q = new RowQueries(index, new Map());
  const rows = q.page({ list: 'tests', sort: 'misclassifiedFirst' }, 0, 500).rows;
  assert.equal(rows.length, 300);
  const firstRight = rows.findIndex((r) => r.label === r.predicted);
  assert.ok(
    firstRight > 0 && rows.slice(firstRight).every((r) => r.label === r.predicted),
    'every wrong prediction comes before every right one',
  );
  for (let i = 1; i < firstRight; i++) assert.ok(rows[i - 1].loss >= rows[i].loss);
  const byPair = q.ids({ list: 'tests', sort: 'loss', label: 'a', other: 'b' });
  assert.deepEqual(
    byPair.sort((x, y) => x - y),
    results.test.filter((t) => t.label === 'a' && t.predicted === 'b').map((t) => t.id),
  );
});

test('a page past the end is empty, and rows carry the thumbnail the host makes', () => {
  const q = new RowQueries(index, new Map(), { thumbnail: (s) => `vscode-resource:/r/${s.path}` });
  assert.deepEqual(q.page({ list: 'suspects', sort: 'loss' }, 5000, 10).rows, []);
  const row = q.page({ list: 'suspects', sort: 'suspicion' }, 0, 1).rows[0];
  assert.equal(row.thumbnail, `vscode-resource:/r/${results.train[0].source.path}`);
});

test('a NaN score sorts last instead of scrambling the order', () => {
  const r = makeResults(50, 0);
  r.train[10].loss = Number.NaN;
  const ids = new RowQueries(new ResultsIndex(r), new Map()).ids({ list: 'suspects', sort: 'loss' });
  assert.equal(ids.at(-1), r.train[10].id);
  const losses = ids.slice(0, -1).map((id) => r.train.find((t) => t.id === id)!.loss);
  for (let i = 1; i < losses.length; i++) assert.ok(losses[i - 1] >= losses[i]);
});

test(
  'the test list by suspected wrong label: most suspicious test label ' + 'first; rows carry its suspicion and flag',
  () => {
    const withSuspicion = makeResults(30, 40);
    withSuspicion.test.forEach((t, k) => {
      t.suspicion = ((k * 7) % 40) / 40;
      t.likelyLabelIssue = t.suspicion >= 0.9;
    });
    const q = new RowQueries(new ResultsIndex(withSuspicion), new Map());
    const page = q.page({ list: 'tests', sort: 'suspicion' }, 0, 40);
    const values = page.rows.map((r) => r.suspicion!);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => b - a),
    );
    assert.equal(values[0], 39 / 40);
    assert.deepEqual(
      page.rows.filter((r) => r.likelyLabelIssue).map((r) => r.suspicion),
      [0.975, 0.95, 0.925, 0.9],
    );
  },
);
