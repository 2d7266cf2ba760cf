/**
 * The reliability check's report (reportVerification): changes of the test losses at rounding level measure nothing,
 * and the report says so instead of quoting a correlation with noise; real changes are correlated as before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportVerification, type VerificationPlan } from '../../../src/compute/reliability/verify';

const plan: VerificationPlan = {
  tests: [0, 1],
  rows: [Float64Array.from([0.3, -0.2, 0.1, 0.5]), Float64Array.from([0.1, 0.4, -0.3, 0.2])],
  removed: [0, 1, 2, 3],
  retrain: 'last-layer',
};

test('loss changes at rounding level are said to measure nothing, whatever their correlation', () => {
  const base = Float64Array.from([0.02, 0.05]);
  // Changes of ~1e-14 that happen to follow the predictions exactly.
  const without = plan.removed.map((i) => Float64Array.from(plan.rows.map((row, j) => base[j] + 1e-13 * row[i])));
  const report = reportVerification(plan, base, without);
  assert.ok(report.pearson > 0.99, 'the correlation is perfect and still means nothing');
  assert.match(report.warning ?? '', /changed the test losses by at most 5\.0e-14, rounding and no more/);
});

test('real loss changes are compared as before: close ones give no warning', () => {
  const base = Float64Array.from([0.02, 0.05]);
  const without = plan.removed.map((i) => Float64Array.from(plan.rows.map((row, j) => base[j] + 0.01 * row[i])));
  const report = reportVerification(plan, base, without);
  assert.ok(report.pearson > 0.99);
  assert.equal(report.warning, undefined);
});
