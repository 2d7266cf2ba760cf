/** The core's calibration (mislabel/calibrate.ts): label errors planted in a copy of the labels choose the mix. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { calibrateCore, CORE_MIXES, DEFAULT_MIX, MIN_PLANTED } from '../../../src/compute/mislabel/calibrate';
import { createRng, normal, permutation } from '../../../src/compute/random';

/** n samples of C classes with held-out probabilities that favour the true class; 10% of labels flipped. */
function synthetic(seed: number, n = 500, C = 4) {
  const rng = createRng(seed);
  const y = new Int32Array(n);
  const probs = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    const truth = i % C;
    y[i] = rng() < 0.1 ? (truth + 1) % C : truth;
    let z = 0;
    for (let j = 0; j < C; j++) z += probs[i * C + j] = Math.exp((j === truth ? 2 : 0) + normal(rng));
    for (let j = 0; j < C; j++) probs[i * C + j] /= z;
  }
  return { n, C, y, probs };
}

const run = (d: ReturnType<typeof synthetic>, seed = 0) => calibrateCore(d.probs, d.y, d.C, seed);

describe('calibrateCore', () => {
  test('plants 5% (at least 10) per draw, scores each candidate mix, keeps the best, leaves the labels alone', () => {
    const d = synthetic(1);
    const labels = Int32Array.from(d.y);
    const c = run(d);
    assert.deepEqual(d.y, labels);
    assert.equal(c.planted, Math.max(MIN_PLANTED, Math.round(0.05 * d.n)));
    assert.deepEqual(
      c.candidates.map((m) => m.selfConfidenceShare),
      [...CORE_MIXES],
    );
    for (const m of c.candidates) assert.ok(m.auroc > 0.5 && m.auroc <= 1 && m.auprc > 0 && m.auprc <= 1);
    const best = Math.max(...c.candidates.map((m) => m.auroc + m.auprc));
    const chosen = c.candidates.find((m) => m.selfConfidenceShare === c.selfConfidenceShare)!;
    assert.ok(Math.abs(chosen.auroc + chosen.auprc - best) < 1e-12);
  });

  test('invariant to sample order; the same seed gives the same bytes, another seed other plantings', () => {
    const d = synthetic(2);
    const a = run(d);
    const perm = permutation(d.n, createRng(9));
    const probs = new Float64Array(d.n * d.C);
    perm.forEach((i, k) => probs.set(d.probs.subarray(i * d.C, (i + 1) * d.C), k * d.C));
    const y = Int32Array.from(perm, (i) => d.y[i]);
    const b = calibrateCore(probs, y, d.C, 0);
    assert.equal(JSON.stringify(b), JSON.stringify(a));
    assert.equal(JSON.stringify(run(d)), JSON.stringify(a));
    assert.notEqual(JSON.stringify(run(d, 1).candidates), JSON.stringify(a.candidates));
  });

  test('two classes (both signals order samples alike) or too few samples: the even mix, nothing planted', () => {
    for (const d of [synthetic(3, 300, 2), synthetic(3, 30, 4)]) {
      const c = run(d);
      assert.equal(c.selfConfidenceShare, DEFAULT_MIX);
      assert.equal(c.planted, 0);
      assert.deepEqual(c.candidates, []);
    }
  });
});
