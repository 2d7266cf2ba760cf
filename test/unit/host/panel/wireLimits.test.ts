/**
 * The host builds every message to the panel within the wire's limits
 * (declared once in src/protocol/webview.ts, checked by the page with the
 * same checkers): a dataset with many classes, a long ranked-label list, a
 * big reliability check or a long influence list gives a message the page
 * accepts, with a note saying what was left out — never a message the page
 * drops, leaving the panel blank.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResultsFile, TestRecord, TrainRecord } from '../../../../src/compute/results/schema';
import { buildExplanation, buildResultsView, ResultsIndex } from '../../../../src/host/panel/resultsView';
import { RowQueries } from '../../../../src/host/panel/rowQuery';
import {
  MAX_CONFUSION_CLASSES,
  MAX_INFLUENCERS,
  MAX_PAIRS,
  MAX_RANKED_LABELS,
  parseHostToWebview,
} from '../../../../src/protocol/webview';

function results(
  nClasses: number,
  o: { nTrain?: number; ranked?: number; pairs?: number; influencers?: number } = {},
): ResultsFile {
  const classes = Array.from({ length: nClasses }, (_, i) => `class-${i}`);
  const nTrain = o.nTrain ?? 60;
  const train: TrainRecord[] = Array.from({ length: nTrain }, (_, id) => ({
    id,
    source: { path: 'd.csv', line: id + 2, row: id },
    label: classes[id % nClasses],
    predicted: classes[id % nClasses],
    suggestedLabel: classes[(id + 1) % nClasses],
    suggestedProbability: 0.6,
    givenLabelProbability: 0.3,
    outOfSampleMargin: -0.3,
    loss: 1,
    selfInfluence: 0.1,
    suspicion: 1 - id / nTrain,
    likelyLabelIssue: id < 3,
    rankedLabels: Array.from({ length: o.ranked ?? 5 }, (_, k) => ({
      label: classes[(id + k) % nClasses],
      probability: 1 / (k + 2),
    })),
  }));
  const entries = (sign: number) =>
    Array.from({ length: o.influencers ?? 5 }, (_, k) => ({ train: k % nTrain, influence: sign / (k + 1) }));
  const test: TestRecord[] = [
    {
      id: 0,
      source: { path: 't.csv', line: 2, row: 0 },
      label: classes[0],
      predicted: classes[1],
      loss: 2,
      proponents: entries(1),
      opponents: entries(-1),
    },
  ];
  const pairs = Array.from({ length: o.pairs ?? 0 }, (_, k) => ({
    train: k % nTrain,
    test: 0,
    predicted: k,
    actual: k,
  }));
  return {
    schemaVersion: 1,
    createdAt: '2026-01-01T00:00:00Z',
    engine: { version: '0', backend: 'wasm', workers: 1 },
    dataset: {
      root: '/r',
      format: 'csv',
      labelColumn: 'label',
      classes,
      nTrain,
      nTest: 1,
      testSource: 'split column',
      dims: 2,
      warnings: [],
    },
    model: {
      kind: 'mlp',
      parameters: 10,
      targetParameters: 6,
      weightDecay: 0,
      trainAccuracy: Number.NaN,
      testAccuracy: 0.5,
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
      topK: o.influencers ?? 5,
      explained: null,
      details: {},
      reliability: o.pairs
        ? { pearson: 0.99, spearman: 0.98, points: pairs.length, retrain: 'last-layer', testSamples: [0], pairs }
        : null,
    },
    labelIssues: { estimatedCount: 3, folds: 2, confidentJoint: [] },
    train,
    test,
    timings: { loadSeconds: 0, trainSeconds: 0, influenceSeconds: 0, totalSeconds: 0, stages: {} },
  } as ResultsFile;
}

/** The results message as the page checks it (throws what the page would log and drop). */
function pageAccepts(r: ResultsFile) {
  const checked = parseHostToWebview({ type: 'results', view: buildResultsView(r, '/r/d.csv', false) });
  assert.equal(checked.type, 'results');
  return checked.view;
}

for (const n of [1001, 5000]) {
  test(
    `${n.toLocaleString('en-US')} classes: the results message passes the ` +
      `page's check, every class is offered, and a note says the table is ` +
      `left out`,
    () => {
      const view = pageAccepts(results(n));
      assert.equal(view.classes.length, n);
      assert.equal(view.confusion, null);
      assert.ok(
        view.notes?.some(
          (s) => s.includes(`at most ${MAX_CONFUSION_CLASSES} classes`) && s.includes(n.toLocaleString('en-US')),
        ),
        String(view.notes),
      );
    },
  );
}

test("up to the table's limit of classes the table is sent whole, and no note is added", () => {
  const view = pageAccepts(results(MAX_CONFUSION_CLASSES));
  assert.equal(view.confusion?.length, MAX_CONFUSION_CLASSES);
  assert.equal(view.notes, undefined);
});

test('the limit the host builds to is the one the page checks: one more row in the table is refused', () => {
  const view = buildResultsView(results(3), '/r/d.csv', false);
  const tooBig = Array.from({ length: MAX_CONFUSION_CLASSES + 1 }, () => [0]);
  assert.throws(
    () => parseHostToWebview({ type: 'results', view: { ...view, confusion: tooBig } }),
    /confusion: expected at most 200 items/,
  );
});

test('rows: a ranking of 5,000 labels is cut to the most probable ones, so the page accepts the rows', () => {
  const r = results(5000, { ranked: 5000 });
  const page = new RowQueries(new ResultsIndex(r), new Map()).page({ list: 'suspects', sort: 'suspicion' }, 0, 50);
  const checked = parseHostToWebview({ type: 'rows', requestId: 1, ...page });
  assert.equal(checked.type === 'rows' && checked.rows[0].rankedLabels?.length, MAX_RANKED_LABELS);
  assert.equal(checked.type === 'rows' && checked.rows[0].rankedLabels?.[0].label, 'class-0');
});

test('a reliability check with more pairs than the scatter plot takes is thinned evenly, with a note', () => {
  const view = pageAccepts(results(3, { pairs: 45_000 }));
  const shown = view.reliability!.pairs;
  assert.ok(shown.length <= MAX_PAIRS && shown.length >= MAX_PAIRS / 2, `${shown.length} pairs`);
  // Evenly: the last pairs are there, not only a prefix.
  assert.ok(shown[shown.length - 1].predicted > 40_000);
  assert.equal(view.reliability!.points, 45_000);
  assert.ok(
    view.notes?.some((s) => s.includes('scatter plot shows 15,000 of its 45,000 pairs')),
    String(view.notes),
  );
});

test('an explanation with more influencers than the wire takes is cut to the strongest, with a note', () => {
  const r = results(3, { nTrain: 60, influencers: MAX_INFLUENCERS + 500 });
  const e = buildExplanation(new ResultsIndex(r), 'test', 0, new Map())!;
  const checked = parseHostToWebview({ type: 'explanation', view: e });
  assert.equal(checked.type === 'explanation' && checked.view.proponents.length, MAX_INFLUENCERS);
  assert.match(e.note ?? '', /strongest 1,000 of the 1,500/);
});

test('an accuracy that is not a number reaches the page as "unknown" (null), not as a message it drops', () => {
  const view = pageAccepts(results(3));
  assert.equal(view.trainAccuracy, null);
  assert.equal(view.testAccuracy, 0.5);
});

test('rows carry their place by suspicion (1 = most suspicious), which the page shows as "top x%"', () => {
  const r = results(3, { nTrain: 10 });
  const index = new ResultsIndex(r);
  const page = new RowQueries(index, new Map()).page({ list: 'suspects', sort: 'loss' }, 0, 10);
  for (const row of page.rows) assert.equal(row.suspicionRank, row.id + 1, `row ${row.id}`);
});
