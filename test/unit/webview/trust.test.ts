import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assessTrust, fmt, topShare } from '../../../webview/format';

const check = (pearson: number, points = 30) => ({
  pearson,
  spearman: pearson - 0.05,
  points,
  retrain: 'full',
  pairs: [],
});

test('the trust badge: high from Pearson 0.9, moderate from 0.6, low below; unknown without a check', () => {
  assert.equal(assessTrust(null).level, 'unknown');
  assert.match(assessTrust(null).sentence, /Run the reliability check/);
  assert.equal(assessTrust(check(0.9)).level, 'high');
  assert.equal(assessTrust(check(0.899)).level, 'moderate');
  assert.equal(assessTrust(check(0.6)).level, 'moderate');
  assert.equal(assessTrust(check(0.59)).level, 'low');
  assert.equal(assessTrust(check(-0.2)).level, 'low');
});

test('the sentence states what was measured: the pairs, Pearson and Spearman', () => {
  const t = assessTrust(check(0.93, 40));
  assert.equal(t.badge, 'trust: high (r 0.93; whole network retrained, 40 pairs)');
  assert.match(t.sentence, /influence predicted the changes with Pearson 0\.93 \(Spearman 0\.88\) over 40 pairs/);
  assert.match(assessTrust(check(0.3)).sentence, /hints only/);
});

test(
  'the trust badge says what was checked: last layer or whole network, ' + 'how many removals, which test samples',
  () => {
    // The issue's case: an MLP whose check refit only the last layer reads "trust: high (r 1.00) … sizes can be
    // trusted".
    const lastLayer = {
      pearson: 1,
      spearman: 0.99,
      points: 40,
      retrain: 'last-layer',
      removals: 20,
      tests: ['test.csv:5', 'test.csv:9'],
      testCount: 2,
      pairs: [],
    };
    const mlp = assessTrust(lastLayer, true);
    assert.equal(mlp.level, 'high');
    assert.equal(mlp.badge, 'trust: high for the last layer (r 1.00; last layer refit, 20 removals × 2 test samples)');
    assert.match(
      mlp.sentence,
      /refitting only the last layer on frozen features \(the hidden layers kept their weights\)/,
    );
    assert.match(mlp.sentence, /the loss of 2 test samples \(test\.csv:5, test\.csv:9\)/);
    assert.match(mlp.sentence, /how removing a sample would change the whole network was not measured/);
    assert.doesNotMatch(mlp.sentence, /can be trusted/);
    // A logistic regression has nothing but the last layer: the same check covers it all.
    const logreg = assessTrust(lastLayer, false);
    assert.equal(logreg.badge, 'trust: high (r 1.00; last layer refit, 20 removals × 2 test samples)');
    assert.doesNotMatch(logreg.sentence, /not measured/);
    const full = assessTrust({ ...lastLayer, retrain: 'full', removals: 1, testCount: 1, tests: ['a.png'] }, true);
    assert.equal(full.badge, 'trust: high (r 1.00; whole network retrained, 1 removal × 1 test sample)');
  },
);

test('suspicion shows as a rank share, not as a probability-like score', () => {
  assert.equal(topShare(12, 400), 'top 3%');
  assert.equal(topShare(1, 400), 'top 0.3%');
  assert.equal(topShare(40, 400), 'top 10%');
  assert.equal(topShare(1, 1), 'top 100%');
  assert.equal(topShare(1, 0), '–');
});

test('numbers: three digits, small ones in exponent form, missing ones as a dash', () => {
  assert.equal(fmt(0.12345), '0.123');
  assert.equal(fmt(0.00001234), '1.2e-5');
  assert.equal(fmt(0), '0.000');
  assert.equal(fmt(null), '–');
  assert.equal(fmt(Number.NaN), '–');
});
