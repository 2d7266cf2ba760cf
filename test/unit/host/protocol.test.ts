import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../../../src/protocol/check';
import { parseComputeToHost, parseHostToCompute } from '../../../src/protocol/compute';
import { parseHostToWebview, parseWebviewToHost } from '../../../src/protocol/webview';

test('compute: a start message round-trips and unknown fields are dropped', () => {
  const msg = parseHostToCompute({
    type: 'start',
    resultsPath: '/tmp/r.json',
    options: {
      datasetPath: '/d.csv',
      model: 'logreg',
      folds: 3,
      hidden: [64, 32],
      weightDecay: 1e-4,
      extra: 'ignored',
    },
    sentAt: 1,
  });
  assert.deepEqual(msg, {
    type: 'start',
    resultsPath: '/tmp/r.json',
    options: { datasetPath: '/d.csv', model: 'logreg', folds: 3, hidden: [64, 32], weightDecay: 1e-4 },
  });
  assert.deepEqual(parseHostToCompute({ type: 'cancel' }), { type: 'cancel' });
});

test('compute: bad messages name the field and what was expected', () => {
  const cases: [unknown, RegExp][] = [
    [null, /message: expected a message object, got null/],
    [{ type: 'launch' }, /message\.type: expected one of "start", "cancel"/],
    [
      { type: 'start', resultsPath: 1, options: { datasetPath: 'x' } },
      /message\.resultsPath: expected a string, got number 1/,
    ],
    [
      { type: 'start', resultsPath: 'r', options: { datasetPath: 'x', model: 'gpt' } },
      /message\.options\.model: expected one of "auto", "logreg", "mlp", "cnn"/,
    ],
    [
      { type: 'start', resultsPath: 'r', options: { datasetPath: 'x', folds: -1 } },
      /message\.options\.folds: expected a whole number of at least 2/,
    ],
    [
      { type: 'start', resultsPath: 'r', options: { datasetPath: 'x', hidden: [1, 'a'] } },
      /message\.options\.hidden: expected comma-separated layer widths/,
    ],
    [
      { type: 'start', resultsPath: 'r', options: { datasetPath: 'x', weightDecay: NaN } },
      /weightDecay: expected a number ≥ 0, got number NaN/,
    ],
  ];
  for (const [raw, pattern] of cases)
    assert.throws(
      () => parseHostToCompute(raw),
      (e: unknown) => e instanceof ProtocolError && pattern.test(e.message),
    );
});

test('compute: every answer from the subprocess is checked', () => {
  assert.deepEqual(parseComputeToHost({ type: 'progress', stage: 'train', done: 3, total: 10 }), {
    type: 'progress',
    stage: 'train',
    done: 3,
    total: 10,
  });
  assert.deepEqual(parseComputeToHost({ type: 'error', kind: 'input', message: 'm', file: 'f.csv', line: 4 }), {
    type: 'error',
    kind: 'input',
    message: 'm',
    file: 'f.csv',
    line: 4,
  });
  assert.throws(() => parseComputeToHost({ type: 'error', kind: 'fatal', message: 'm' }), /message\.kind/);
  assert.throws(() => parseComputeToHost({ type: 'log', level: 'debug', message: 'x' }), /message\.level/);
  assert.throws(() => parseComputeToHost({ type: 'result' }), /message\.resultsPath: expected a string, got undefined/);
  assert.throws(() => parseComputeToHost('result'), /expected a message object/);
});

test('webview → host: intents are checked; the webview cannot set the "relabeled" state itself', () => {
  assert.deepEqual(parseWebviewToHost({ type: 'relabel', split: 'train', ids: [1, 2], label: 'dog' }), {
    type: 'relabel',
    split: 'train',
    ids: [1, 2],
    label: 'dog',
  });
  assert.deepEqual(parseWebviewToHost({ type: 'setReview', ids: [3], state: null }), {
    type: 'setReview',
    ids: [3],
    state: null,
  });
  assert.throws(() => parseWebviewToHost({ type: 'setReview', ids: [3], state: 'relabeled' }), /message\.state/);
  assert.throws(
    () => parseWebviewToHost({ type: 'openSample', split: 'train', id: 1.5 }),
    /message\.id: expected a non-negative integer/,
  );
  assert.throws(() => parseWebviewToHost({ type: 'openSample', split: 'validation', id: 1 }), /message\.split/);
  assert.throws(
    () => parseWebviewToHost({ type: 'relabel', split: 'train', ids: 'all', label: 'x' }),
    /message\.ids: expected an array/,
  );
  assert.throws(
    () => parseWebviewToHost({ type: 'relabel', split: 'train', ids: new Array(10_001).fill(0), label: 'x' }),
    /at most 10000 items/,
  );
  assert.throws(() => parseWebviewToHost({ type: 'exportReviews', format: 'xml' }), /message\.format/);
  const query = { list: 'suspects', sort: 'suspicion' };
  assert.equal(parseWebviewToHost({ type: 'queryRows', requestId: 1, query, offset: 0, count: 500 }).type, 'queryRows');
  assert.throws(
    () => parseWebviewToHost({ type: 'queryRows', requestId: 1, query, offset: 0, count: 501 }),
    /message\.count: expected an integer from 1 to 500/,
  );
  assert.throws(
    () =>
      parseWebviewToHost({ type: 'queryRows', requestId: 1, query: { ...query, sort: 'name' }, offset: 0, count: 5 }),
    /message\.query\.sort/,
  );
  assert.throws(
    () =>
      parseWebviewToHost({ type: 'queryRows', requestId: 1, query: { ...query, list: 'all' }, offset: 0, count: 5 }),
    /message\.query\.list/,
  );
});

test('host → webview: results views and updates are checked at the page too', () => {
  const row = { id: 0, split: 'train', where: 'a.csv:2', label: 'cat', predicted: 'dog', loss: 1.2, suspicion: 0.9 };
  const view = {
    datasetName: 'a.csv',
    datasetPath: '/a.csv',
    format: 'csv',
    classes: ['cat', 'dog'],
    nTrain: 1,
    nTest: 0,
    testSource: 'hold-out',
    model: 'mlp',
    parameters: 10,
    method: 'exact',
    backend: 'wasm',
    trainAccuracy: 1,
    testAccuracy: null,
    estimatedIssues: 0,
    reliability: null,
    suspicionHistogram: { counts: [1], cut: null },
    confusion: [
      [0, 1],
      [0, 0],
    ],
    warnings: [],
    createdAt: 'now',
    stale: false,
  };
  assert.equal(parseHostToWebview({ type: 'results', view }).type, 'results');
  assert.throws(
    () => parseHostToWebview({ type: 'results', view: { ...view, confusion: [[0, -1]] } }),
    /message\.view\.confusion\[0\]\[1\]/,
  );
  assert.equal(parseHostToWebview({ type: 'rows', requestId: 3, total: 1, offset: 0, rows: [row] }).type, 'rows');
  assert.throws(
    () => parseHostToWebview({ type: 'rows', requestId: 3, total: 1, offset: 0, rows: [{ ...row, loss: 'high' }] }),
    /message\.rows\[0\]\.loss/,
  );
  assert.deepEqual(parseHostToWebview({ type: 'stale', stale: true }), { type: 'stale', stale: true });
  assert.deepEqual(parseHostToWebview({ type: 'progress', running: false }), { type: 'progress', running: false });
});
