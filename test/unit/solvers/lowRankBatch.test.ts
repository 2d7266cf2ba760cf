/**
 * Low-rank self-influence as one matMul per block of samples (issue 18 item 2)
 * equals the per-sample float64 dot products it replaces: within 1e-5
 * relative on every sample of a real head, with the complement term (the
 * cancellation-prone one: ‖g‖² − Σc², divided by a small δ).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitHead } from '../../../src/compute/head/fitHead';
import { headHessianVectorProduct, headProbabilities, perSampleGradients } from '../../../src/compute/head/softmaxHead';
import { lanczosEigen } from '../../../src/compute/solvers/lanczosEigen';
import {
  eigenBasisTransposed,
  lowRankInverseQuadraticForm,
  lowRankSelfInfluenceBlock,
} from '../../../src/compute/solvers/lowRank';
import { initBackend } from '../../../src/compute/tf/backend';
import { blobs } from '../../helpers/synthetic';

test('blocked low-rank self-influence equals the per-sample float64 forms within 1e-5', async () => {
  await initBackend('wasm');
  const shape = { featureDim: 30, numClasses: 6 };
  const p = 31 * 6;
  const train = blobs(300, 30, 6, 21, 0.1, 2);
  const l2 = train.n * 1e-3;
  const head = fitHead(train, shape, l2, { meanGradTolerance: 1e-6 }).head;
  const probs = headProbabilities(train, shape, head);
  const eig = lanczosEigen((v) => headHessianVectorProduct(train, shape, probs, 0, v), p, 20, {
    seed: 3,
    which: 'largest',
  });
  const gradients = new Float32Array(train.n * p);
  perSampleGradients(train, shape, probs, 0, train.n, gradients);
  for (const includeComplement of [false, true]) {
    const block = lowRankSelfInfluenceBlock(eig, l2, gradients, train.n, eigenBasisTransposed(eig, p), {
      includeComplement,
    });
    for (let i = 0; i < train.n; i++) {
      const g = Float64Array.from(gradients.subarray(i * p, (i + 1) * p));
      const reference = lowRankInverseQuadraticForm(eig, l2, g, {
        includeComplement,
      });
      assert.ok(
        Math.abs(block[i] - reference) <= 1e-5 * Math.abs(reference),
        `sample ${i}: ${block[i]} vs ${reference}`,
      );
    }
  }
});
