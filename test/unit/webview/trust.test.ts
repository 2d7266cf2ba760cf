import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assessTrust, fmt } from '../../../webview/format';

const check = (pearson: number, points = 30) => ({ pearson, spearman: pearson - 0.05, points, retrain: 'full', pairs: [] });

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
  assert.equal(t.badge, 'trust: high (r 0.93)');
  assert.match(t.sentence, /\(40 pairs\) moved the test losses as influence predicted with Pearson 0\.93 \(Spearman 0\.88\)/);
  assert.match(assessTrust(check(0.3)).sentence, /hints only/);
});

test('numbers: three digits, small ones in exponent form, missing ones as a dash', () => {
  assert.equal(fmt(0.12345), '0.123');
  assert.equal(fmt(0.00001234), '1.2e-5');
  assert.equal(fmt(0), '0.000');
  assert.equal(fmt(null), '–');
  assert.equal(fmt(Number.NaN), '–');
});
