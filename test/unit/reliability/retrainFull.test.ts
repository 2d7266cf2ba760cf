/**
 * The engine's whole-network retraining (retrainFullNetwork, used by
 * --converge, --verify and the fidelity study) against an independent
 * reference: on logistic regression the whole network IS the head, whose
 * leave-one-out optimum the float64 head refit (retrainHead: L-BFGS + Newton
 * to ‖∇R‖/n ≤ 1e-11) finds exactly. Both optimizers must land on it from the
 * full-data optimum, and the leave-one-out parameter change must be right,
 * not just the parameters (the change is O(1/n), the thing --verify measures).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitHead } from '../../../src/compute/head/fitHead';
import { polishHeadNewton } from '../../../src/compute/head/polishHead';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import { trainNetwork } from '../../../src/compute/models/train';
import type { TrainedNetwork, TrainingData } from '../../../src/compute/models/types';
import { retrainFullNetwork, retrainHead } from '../../../src/compute/reliability/retrain';
import { initBackend } from '../../../src/compute/tf/backend';
import { blobs } from '../../helpers/synthetic';

before(async () => {
  await initBackend('wasm');
});

const F = 4;
const C = 3;

test('logreg: whole-network retraining without sample i reaches the float64 leave-one-out optimum', async () => {
  const train = blobs(60, F, C, 21, 0.4);
  const data: TrainingData = { x: train.phi, y: train.y, n: train.n, dims: F, numClasses: C };
  const l2 = train.n * 0.01;
  const shape = { featureDim: F, numClasses: C };
  const trained = await trainNetwork({ ...defaultModelConfig('logreg'), epochs: 2, seed: 3 }, data);
  const fit = fitHead(train, shape, l2, { init: trained.head, meanGradTolerance: 1e-9 });
  const optimum = polishHeadNewton(train, shape, l2, fit.head, { meanGradTolerance: 1e-12 }).head;
  const start: TrainedNetwork = { ...trained, head: optimum };

  for (const i of [0, 17]) {
    const removed = new Set([i]);
    const reference = retrainHead(train, shape, l2, optimum, removed, true);
    const change = reference.map((v, q) => v - optimum[q]);
    const changeNorm = Math.hypot(...change);
    for (const optimizer of ['armijo', 'wolfe'] as const) {
      const r = retrainFullNetwork(start, data, l2, removed, {
        optimizer,
        meanGradTolerance: 1e-7,
        maxIterations: 500,
      });
      const got = r.net.head.map((v, q) => v - optimum[q]);
      const error = Math.hypot(...got.map((v, q) => v - change[q]));
      assert.ok(
        error < 0.01 * changeNorm,
        `${optimizer}, without ${i}: |Δθ error| ${error.toExponential(2)} vs ` +
          `|Δθ| ${changeNorm.toExponential(2)} (${r.stop}, ${r.iterations} it)`,
      );
      // float32 forward and backward passes put a floor under the gradient norm; the Δθ check above is the one that
      // matters.
      assert.ok(r.meanGradNorm < 1e-3, `${optimizer}: ‖∇R‖/n ${r.meanGradNorm}`);
    }
  }
});

test('the head refit without a factor reads the kept rows in place: the fit of the gathered rows, bit for bit', () => {
  const train = blobs(60, F, C, 22, 0.4);
  const shape = { featureDim: F, numClasses: C };
  const l2 = train.n * 0.01;
  const start = fitHead(train, shape, l2, { meanGradTolerance: 1e-8 }).head;
  const removed = new Set([3, 40, 41, 59]);
  const kept = Array.from({ length: train.n }, (_, i) => i).filter((i) => !removed.has(i));
  const gathered = {
    phi: Float32Array.from(kept.flatMap((i) => Array.from(train.phi.subarray(i * F, (i + 1) * F)))),
    y: Int32Array.from(kept, (i) => train.y[i]),
    n: kept.length,
  };
  const reference = fitHead(gathered, shape, l2, { init: start, meanGradTolerance: 1e-8 }).head;
  assert.deepEqual(retrainHead(train, shape, l2, start, removed, false), reference);
});
