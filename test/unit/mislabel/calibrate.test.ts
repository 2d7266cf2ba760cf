/** The core's calibration (mislabel/calibrate.ts): the structure of the likely errors chooses the mix. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  calibrateCore,
  DEFAULT_MIX,
  FULL_MARGIN_EXCESS,
  MIN_LIKELY_ERRORS,
} from '../../../src/compute/mislabel/calibrate';
import { suspicionRanks } from '../../../src/compute/mislabel/suspicion';
import { auroc } from '../../../src/compute/stats/metrics';
import { createRng, normal, permutation } from '../../../src/compute/random';

/**
 * n samples of C classes; class t's confusable partner is t xor 1 (pairs 0–1, 2–3, as nearest centroids usually
 * are). `noise` sends a share `rate` of each class's labels either to its partner or to another class drawn
 * from the model's own doubt about the sample. The held-out probabilities are what a model fitted on the noisy
 * labels estimates for pair noise, p(label j | x) = Σ_a q(a | x)·T[a][j] (q: the clean posterior).
 */
function synthetic(seed: number, noise: 'pairs' | 'doubt', n = 2000, C = 4, rate = 0.2) {
  const rng = createRng(seed);
  const y = new Int32Array(n);
  const wrong: boolean[] = [];
  const probs = new Float64Array(n * C);
  const q = new Float64Array(C);
  for (let i = 0; i < n; i++) {
    const truth = i % C;
    let z = 0;
    for (let j = 0; j < C; j++) z += q[j] = Math.exp((j === truth ? 2 : j === (truth ^ 1) ? 0.8 : 0) + normal(rng));
    for (let j = 0; j < C; j++) q[j] /= z;
    let label = truth;
    if (noise === 'pairs') {
      for (let j = 0; j < C; j++) {
        const fromTrue = (a: number) => (j === a ? 1 - rate : j === (a ^ 1) ? rate : 0);
        let p = 0;
        for (let a = 0; a < C; a++) p += q[a] * fromTrue(a);
        probs[i * C + j] = p;
      }
      if (rng() < rate) label = truth ^ 1;
    } else {
      probs.set(q, i * C);
      if (rng() < rate) {
        let u = rng() * (1 - q[truth]);
        for (let j = 0; j < C && u >= 0; j++) if (j !== truth) [label, u] = [j, u - q[j]];
      }
    }
    y[i] = label;
    wrong.push(label !== truth);
  }
  return { n, C, y, probs, wrong };
}

/** AUROC, on the true errors, of the core at a share of self-confidence (the rest margin), as suspicion.ts mixes. */
function coreAuroc(d: ReturnType<typeof synthetic>, share: number): number {
  const sc = new Float64Array(d.n);
  const margin = new Float64Array(d.n);
  for (let i = 0; i < d.n; i++) {
    let other = -Infinity;
    for (let j = 0; j < d.C; j++) if (j !== d.y[i]) other = Math.max(other, d.probs[i * d.C + j]);
    sc[i] = d.probs[i * d.C + d.y[i]];
    margin[i] = sc[i] - other;
  }
  const a = suspicionRanks({ name: 'sc', values: sc, higherIsSuspicious: false });
  const b = suspicionRanks({ name: 'margin', values: margin, higherIsSuspicious: false });
  return auroc(
    Float64Array.from(a, (v, i) => share * v + (1 - share) * b[i]),
    d.wrong,
  );
}

describe('calibrateCore', () => {
  test('errors sent to one partner class, beyond where the model doubts: the margin, as the truth wants', () => {
    // The planted-error calibration kept the even mix here: planted errors were found alike by every mix.
    for (const seed of [1, 2, 3]) {
      const d = synthetic(seed, 'pairs');
      const c = calibrateCore(d.probs, d.y, d.C);
      assert.ok(c.errorConcentration! - c.doubtConcentration! >= FULL_MARGIN_EXCESS, JSON.stringify(c));
      assert.equal(c.selfConfidenceShare, 0);
      const chosen = coreAuroc(d, c.selfConfidenceShare);
      assert.ok(chosen >= coreAuroc(d, 1) + 0.02, `seed ${seed}: margin ${chosen} vs self-confidence`);
      assert.ok(chosen >= coreAuroc(d, 0.5) + 0.005, `seed ${seed}: margin ${chosen} vs the even mix`);
    }
  });

  test('errors that go where the model doubts: whichever share is read, within 0.005 of the better signal', () => {
    for (const seed of [1, 2, 3]) {
      const d = synthetic(seed, 'doubt');
      const c = calibrateCore(d.probs, d.y, d.C);
      const best = Math.max(coreAuroc(d, 0), coreAuroc(d, 1));
      assert.ok(coreAuroc(d, c.selfConfidenceShare) >= best - 0.005, `seed ${seed}: ${JSON.stringify(c)}`);
    }
  });

  test('the share falls linearly with the excess concentration, and both concentrations are in [0, 1]', () => {
    for (const noise of ['pairs', 'doubt'] as const)
      for (const rate of [0.05, 0.1, 0.3]) {
        const d = synthetic(4, noise, 2000, 4, rate);
        const c = calibrateCore(d.probs, d.y, d.C);
        for (const v of [c.errorConcentration!, c.doubtConcentration!]) assert.ok(v >= 0 && v <= 1);
        const excess = c.errorConcentration! - c.doubtConcentration!;
        assert.equal(c.selfConfidenceShare, Math.min(1, Math.max(0, 1 - excess / FULL_MARGIN_EXCESS)));
        assert.ok(c.likelyErrors >= MIN_LIKELY_ERRORS);
      }
  });

  test('invariant to sample order and to float32 probabilities being passed; leaves the inputs alone', () => {
    const d = synthetic(2, 'pairs', 1000, 6, 0.15);
    const labels = Int32Array.from(d.y);
    const probsCopy = Float64Array.from(d.probs);
    const a = calibrateCore(d.probs, d.y, d.C);
    assert.deepEqual(d.y, labels);
    assert.deepEqual(d.probs, probsCopy);
    const perm = permutation(d.n, createRng(9));
    const probs = new Float64Array(d.n * d.C);
    perm.forEach((i, k) => probs.set(d.probs.subarray(i * d.C, (i + 1) * d.C), k * d.C));
    const y = Int32Array.from(perm, (i) => d.y[i]);
    assert.equal(JSON.stringify(calibrateCore(probs, y, d.C)), JSON.stringify(a));
    assert.equal(JSON.stringify(calibrateCore(d.probs, d.y, d.C)), JSON.stringify(a));
    const f32 = Float32Array.from(d.probs);
    assert.equal(
      JSON.stringify(calibrateCore(f32, d.y, d.C)),
      JSON.stringify(calibrateCore(Float64Array.from(f32), d.y, d.C)),
    );
  });

  test('two classes (both signals order samples alike) or too few likely errors: the even mix, nothing read', () => {
    for (const d of [synthetic(3, 'pairs', 300, 2), synthetic(3, 'pairs', 40, 4, 0.05)]) {
      const c = calibrateCore(d.probs, d.y, d.C);
      assert.equal(c.selfConfidenceShare, DEFAULT_MIX);
      assert.equal(c.errorConcentration, null);
      assert.equal(c.doubtConcentration, null);
    }
  });
});
