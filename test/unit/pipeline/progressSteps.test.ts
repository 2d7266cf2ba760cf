/** The loader's progress thinned to one report per 1/200 of the total (progressSteps.ts), the end always reported. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inSteps, PROGRESS_STEPS } from '../../../src/compute/pipeline/progressSteps';

test('one report per new step of the total, the first and the last kept, none twice', () => {
  for (const total of [1, 7, 200, 10_000, 12_345]) {
    const seen: number[] = [];
    const report = inSteps((done, t) => {
      assert.equal(t, total);
      seen.push(done);
    });
    for (let done = 1; done <= total; done++) report(done, total);
    assert.equal(seen.at(-1), total, `total ${total}: the end`);
    assert.equal(seen[0], 1, `total ${total}: the first call`);
    assert.ok(seen.length <= PROGRESS_STEPS + 1, `total ${total}: ${seen.length} reports`);
    const steps = new Set(Array.from({ length: total }, (_, i) => Math.floor(((i + 1) * PROGRESS_STEPS) / total)));
    assert.equal(seen.length, steps.size, `total ${total}: one report per step`);
    // Each report is the first call of its step.
    seen.forEach((done) => {
      const step = Math.floor((done * PROGRESS_STEPS) / total);
      assert.ok(done === 1 || Math.floor(((done - 1) * PROGRESS_STEPS) / total) < step, `total ${total}: ${done}`);
    });
  }
});

test('a total of 0 (nothing to count) passes every call through', () => {
  const seen: number[] = [];
  const report = inSteps((done) => seen.push(done));
  report(0, 0);
  report(0, 0);
  assert.deepEqual(seen, [0, 0]);
});
