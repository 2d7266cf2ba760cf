/**
 * The last-layer refit of the reliability check (and of the harmful-samples
 * check) starts from θ̂ with the Cholesky factor of the Hessian there. Plain
 * steps x ← x − (LLᵀ)⁻¹∇R(x) converge only at the rate the Hessian moves
 * between θ̂ and the leave-one-out optimum, which for an influential sample
 * (a flipped label far out) is slow; L-BFGS with (LLᵀ)⁻¹ as its initial
 * inverse learns that change. Both must land on the same optimum: checked
 * against an independent refit (L-BFGS + float64 Newton, no factor) and on
 * the true float64 gradient.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fitHead } from '../../../src/compute/head/fitHead';
import { polishHeadNewton } from '../../../src/compute/head/polishHead';
import { type HeadData, headObjective } from '../../../src/compute/head/softmaxHead';
import { type HeadFactor, headFactorSolve } from '../../../src/compute/head/headFactor';
import { preconditionedRefit, retrainHead } from '../../../src/compute/reliability/retrain';
import { initBackend } from '../../../src/compute/tf/backend';
import { blobs, withoutSample } from '../../helpers/synthetic';

// The Hessian's blocks are matrix products on the backend.
before(async () => {
  await initBackend('wasm');
});

const F = 6;
const C = 3;
const shape = { featureDim: F, numClasses: C };

function meanGradNorm(data: HeadData, l2: number, w: Float64Array): number {
  const g = new Float64Array(w.length);
  headObjective(data, shape, l2).evaluate(w, g);
  return Math.hypot(...g) / data.n;
}

/** Gradients the plain preconditioned steps take to ‖∇R‖/n ≤ 1e-11 (the refit before L-BFGS), for comparison. */
function plainSteps(data: HeadData, l2: number, start: Float64Array, factor: HeadFactor): number {
  const objective = headObjective(data, shape, l2);
  const x = Float64Array.from(start);
  const g = new Float64Array(x.length);
  for (let evaluations = 1; evaluations <= 400; evaluations++) {
    objective.evaluate(x, g);
    if (Math.hypot(...g) / data.n <= 1e-11) return evaluations;
    const d = headFactorSolve(factor, g);
    for (let q = 0; q < x.length; q++) x[q] -= d[q];
  }
  return Infinity;
}

test('leave-one-out refits from θ̂: the float64 optimum, in fewer gradients than plain preconditioned steps', () => {
  // Overlapping classes with 20 % flipped labels and little weight decay: removals move the Hessian.
  const train = blobs(240, F, C, 7, 0.2, 1.6);
  // Sample 0 far out with a wrong label: removing it moves the optimum, and the Hessian with it, the most.
  for (let j = 0; j < F; j++) train.phi[j] *= 3;
  train.y[0] = (train.y[0] + 1) % C;
  const l2 = train.n * 1e-5;
  const fit = fitHead(train, shape, l2, { meanGradTolerance: 1e-9 });
  const polished = polishHeadNewton(train, shape, l2, fit.head, { meanGradTolerance: 1e-12 });
  const theta = polished.head;
  let slowest = { plain: 0, refit: 0 };
  for (let i = 0; i < 40; i++) {
    const kept = withoutSample(train, F, i);
    const refit = preconditionedRefit(kept, shape, l2, theta, polished.factor, 1e-11);
    assert.ok(refit, `without ${i}: converged`);
    assert.ok(meanGradNorm(kept, l2, refit.head) <= 1e-11, `without ${i}: ‖∇R‖/n`);
    // The independent refit (no factor): the same optimum, to the accuracy both stop at.
    const reference = retrainHead(train, shape, l2, theta, new Set([i]), true);
    const change = Math.hypot(...reference.map((v, q) => v - theta[q]));
    const error = Math.hypot(...refit.head.map((v, q) => v - reference[q]));
    assert.ok(error <= 1e-4 * change, `without ${i}: |error| ${error.toExponential(2)} vs |Δθ| ${change}`);
    const plain = plainSteps(kept, l2, theta, polished.factor);
    assert.ok(refit.evaluations <= plain, `without ${i}: ${refit.evaluations} gradients vs ${plain} plain`);
    if (plain > slowest.plain) slowest = { plain, refit: refit.evaluations };
  }
  // The case the change is for: where plain steps crawl, L-BFGS takes little more than half as many gradients.
  assert.ok(slowest.plain >= 15, `a slow removal exists (${slowest.plain} plain steps)`);
  assert.ok(slowest.refit * 1.8 <= slowest.plain, `${slowest.refit} gradients vs ${slowest.plain} plain`);
});
