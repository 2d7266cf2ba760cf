import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planDemo, resolveDemoOptions } from '../../../src/demo/demoPlan';

// Pool sizes of the real `mnist` package (digit 5 is the smallest).
const COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

test('defaults', () => {
  assert.deepEqual(resolveDemoOptions(), { samples: 3000, testFraction: 0.2, noiseRate: 0.1, seed: 0 });
  assert.deepEqual(resolveDemoOptions({ seed: 3, samples: undefined }), {
    samples: 3000,
    testFraction: 0.2,
    noiseRate: 0.1,
    seed: 3,
  });
});

test('plan invariants hold for any options (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 20, max: 2000 }),
      fc.double({ min: 0, max: 0.5, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.integer({ min: 0, max: 2 ** 31 }),
      (samples, testFraction, noiseRate, seed) => {
        const plan = planDemo(resolveDemoOptions({ samples, testFraction, noiseRate, seed }), COUNTS);
        const train = plan.filter((s) => s.split === 'train');
        assert.equal(plan.length, samples);
        assert.deepEqual(
          plan.map((s) => s.id),
          [...plan.keys()],
        );
        // training samples come first, so ids double as CSV data rows
        assert.ok(plan.slice(0, train.length).every((s) => s.split === 'train'));
        const flipped = plan.filter((s) => s.givenDigit !== s.trueDigit);
        assert.equal(flipped.length, Math.round(noiseRate * train.length));
        assert.ok(flipped.every((s) => s.split === 'train' && s.givenDigit >= 0 && s.givenDigit < 10));
        for (let d = 0; d < 10; d++) {
          const mine = plan.filter((s) => s.trueDigit === d);
          const k = Math.floor(samples / 10) + (d < samples % 10 ? 1 : 0);
          assert.equal(mine.length, k);
          assert.equal(mine.filter((s) => s.split === 'test').length, Math.round(testFraction * k));
          const idx = new Set(mine.map((s) => s.mnistIndex));
          assert.equal(idx.size, k, 'no image drawn twice');
          assert.ok([...idx].every((i) => i >= 0 && i < COUNTS[d]));
        }
      },
    ),
    { numRuns: 60 },
  );
});

test('flipped labels are spread evenly over the 9 wrong digits', () => {
  const plan = planDemo(resolveDemoOptions({ samples: 8000, testFraction: 0, noiseRate: 1 }), COUNTS);
  const offsets = new Array(10).fill(0);
  for (const s of plan) offsets[(s.givenDigit - s.trueDigit + 10) % 10]++;
  assert.equal(offsets[0], 0);
  // 8000 / 9 ≈ 889 each; a fair draw stays well within ±15%
  for (let o = 1; o < 10; o++)
    assert.ok(Math.abs(offsets[o] - 8000 / 9) < 0.15 * (8000 / 9), `offset ${o}: ${offsets[o]}`);
});

test('testFraction 0 gives no test split', () => {
  const plan = planDemo(resolveDemoOptions({ samples: 100, testFraction: 0 }), COUNTS);
  assert.equal(plan.filter((s) => s.split === 'test').length, 0);
});
