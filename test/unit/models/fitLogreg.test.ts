/**
 * Logistic regression is trained by fitting its head (models/fitLogreg.ts): a cross-fitting fold model and the full
 * model reach the regularised optimum, checked against a float64 Newton solve written here (closed-form softmax
 * gradient and Hessian, Gaussian elimination); the MLP still trains by Adam and refits its head as before; TracIn's
 * checkpoints still come from Adam.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import {
  fitHead,
  HEAD_MEAN_GRAD_TOLERANCE,
  POLISHED_HEAD_MEAN_GRAD_TOLERANCE,
} from '../../../src/compute/head/fitHead';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import { FOLD_MEAN_GRAD_TOLERANCE } from '../../../src/compute/models/fitLogreg';
import { computeFeatures, predictProbabilities, trainNetwork } from '../../../src/compute/models/train';
import type { ModelConfig, TrainingData } from '../../../src/compute/models/types';
import type { TrainTask } from '../../../src/compute/parallel/messages';
import { runTrainTask } from '../../../src/compute/parallel/runTrainTask';
import { crossFitTasks } from '../../../src/compute/pipeline/crossfit';
import { initBackend } from '../../../src/compute/tf/backend';
import { gaussSolve } from '../../helpers/synthetic';
import { blobs } from './synthetic';

before(async () => {
  await initBackend('wasm');
});

/** Rows `rows` of the data as plain float64 rows with the bias column appended. */
function rowsWithBias(data: TrainingData, rows: Int32Array): Float64Array[] {
  return Array.from(rows, (r) => {
    const v = new Float64Array(data.dims + 1);
    for (let j = 0; j < data.dims; j++) v[j] = data.x[r * data.dims + j];
    v[data.dims] = 1;
    return v;
  });
}

function softmax(x: Float64Array, w: Float64Array, c: number): Float64Array {
  const z = new Float64Array(c);
  for (let j = 0; j < x.length; j++) for (let k = 0; k < c; k++) z[k] += x[j] * w[j * c + k];
  const max = Math.max(...z);
  let sum = 0;
  for (let k = 0; k < c; k++) sum += z[k] = Math.exp(z[k] - max);
  return z.map((v) => v / sum);
}

/** ∇ and ∇² of Σ_i CE(softmax(W ᵀx̃_i), y_i) + (l2/2)‖W‖², W row-major (dims+1) × c, in float64. */
function gradientAndHessian(xs: Float64Array[], y: Int32Array, c: number, l2: number, w: Float64Array) {
  const p = w.length;
  const grad = w.map((v) => l2 * v);
  const hess = new Float64Array(p * p);
  for (let i = 0; i < p; i++) hess[i * p + i] = l2;
  xs.forEach((x, i) => {
    const prob = softmax(x, w, c);
    for (let j = 0; j < x.length; j++)
      for (let k = 0; k < c; k++) {
        grad[j * c + k] += x[j] * (prob[k] - (k === y[i] ? 1 : 0));
        for (let j2 = 0; j2 < x.length; j2++)
          for (let k2 = 0; k2 < c; k2++)
            hess[(j * c + k) * p + j2 * c + k2] += x[j] * x[j2] * prob[k] * ((k === k2 ? 1 : 0) - prob[k2]);
      }
  });
  return { grad, hess };
}

const norm = (v: Float64Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

/** The optimum by Newton's method in float64, to a mean gradient of 1e-13. */
function newtonOptimum(xs: Float64Array[], y: Int32Array, c: number, l2: number): Float64Array {
  const w = new Float64Array(xs[0].length * c);
  for (let step = 0; step < 50; step++) {
    const { grad, hess } = gradientAndHessian(xs, y, c, l2, w);
    if (norm(grad) / xs.length < 1e-13) return w;
    const d = gaussSolve(hess, w.length, grad);
    for (let i = 0; i < w.length; i++) w[i] -= d[i];
  }
  throw new Error('Newton did not converge');
}

const data = blobs(150, 4, 3, 7, 1.2);
const logreg: ModelConfig = { ...defaultModelConfig('logreg'), seed: 3 };
const allRows = Int32Array.from({ length: data.n }, (_, i) => i);

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('logistic regression trains by fitting its head', () => {
  test('a fold model reaches the optimum of its rows and predicts the held-out fold from there', async () => {
    const { tasks } = crossFitTasks(data, logreg, 5, 11);
    for (const task of tasks.slice(0, 2)) {
      const done = await runTrainTask(task);
      const rows = task.rows!;
      const xs = rowsWithBias(data, rows);
      const y = Int32Array.from(rows, (r) => data.y[r]);
      const l2 = rows.length * logreg.weightDecay;
      const { grad } = gradientAndHessian(xs, y, data.numClasses, l2, done.net.head);
      const meanGrad = norm(grad) / rows.length;
      // The fit's gradient comes from float32 products; in float64 it may read a little larger.
      assert.ok(meanGrad <= 2 * FOLD_MEAN_GRAD_TOLERANCE, `mean gradient ${meanGrad}`);
      const optimum = newtonOptimum(xs, y, data.numClasses, l2);
      const expected = rowsWithBias(data, task.evalRows!).flatMap((x) => [...softmax(x, optimum, data.numClasses)]);
      const probsError = maxAbsDifference(done.evalProbs!, expected);
      // Adam's 5 epochs alone were 0.8–0.96 away here; the fit at its tolerance is within 6e-7.
      assert.ok(probsError < 1e-5, `held-out probabilities ${probsError} from the optimum's`);
    }
  });

  test('a fold whose rows leave features unused is fitted on its rows and used features read in place', async () => {
    // Features 1 and 4 are zero in every row but the held-out ones, so the fold's fit drops them (featureSubset.ts)
    // and reads the rest of its rows straight from the shared inputs (head/biasedFeatures.ts).
    const sparse = blobs(120, 6, 3, 5, 1.5);
    const heldOut = Int32Array.from({ length: 24 }, (_, i) => i * 5);
    const rows = Int32Array.from({ length: sparse.n }, (_, i) => i).filter((i) => i % 5 !== 0);
    for (const r of rows) sparse.x[r * 6 + 1] = sparse.x[r * 6 + 4] = 0;
    const done = await runTrainTask({
      type: 'train',
      taskId: 0,
      config: logreg,
      data: sparse,
      rows,
      evalRows: heldOut,
    });
    const l2 = rows.length * logreg.weightDecay;
    assert.equal(done.net.head.length, 7 * 3);
    for (const row of [1, 4]) for (let k = 0; k < 3; k++) assert.equal(done.net.head[row * 3 + k], 0);
    // The same fit over the rows and columns gathered into an n × 4 matrix here: the same head, bit for bit.
    const kept = [0, 2, 3, 5];
    const gathered = Float32Array.from({ length: rows.length * kept.length }, (_, i) => {
      return sparse.x[rows[Math.floor(i / kept.length)] * 6 + kept[i % kept.length]];
    });
    const reference = fitHead(
      { phi: gathered, y: Int32Array.from(rows, (r) => sparse.y[r]), n: rows.length },
      {
        featureDim: kept.length,
        numClasses: 3,
      },
      l2,
      { meanGradTolerance: FOLD_MEAN_GRAD_TOLERANCE, certifiedSteps: true },
    );
    [...kept, 6].forEach((row, r) => {
      for (let k = 0; k < 3; k++) assert.equal(done.net.head[row * 3 + k], reference.head[r * 3 + k]);
    });
    // And it is the optimum of the fold's rows.
    const xs = rowsWithBias(sparse, rows);
    const { grad } = gradientAndHessian(
      xs,
      Int32Array.from(rows, (r) => sparse.y[r]),
      3,
      l2,
      done.net.head,
    );
    assert.ok(norm(grad) / rows.length <= 2 * FOLD_MEAN_GRAD_TOLERANCE, `mean gradient ${norm(grad) / rows.length}`);
  });

  test('the full model reaches the tighter tolerance the head stage asks for (nothing left for it to do)', async () => {
    const task: TrainTask = { type: 'train', taskId: 0, config: logreg, data };
    const done = await runTrainTask(task);
    const xs = rowsWithBias(data, allRows);
    const l2 = data.n * logreg.weightDecay;
    const { grad } = gradientAndHessian(xs, data.y, data.numClasses, l2, done.net.head);
    assert.ok(norm(grad) / data.n <= 2 * HEAD_MEAN_GRAD_TOLERANCE, `mean gradient ${norm(grad) / data.n}`);
    const optimum = newtonOptimum(xs, data.y, data.numClasses, l2);
    assert.ok(maxAbsDifference(done.net.head, optimum) < 1e-4 * norm(optimum));
    assert.deepEqual(done.net.body, []);
    assert.equal(done.net.featureDim, data.dims);
  });

  test('a head of 768+ parameters (fitted by Newton–CG) reaches the tolerance and the L-BFGS optimum', async () => {
    // 31 features + bias × 24 classes = 768 parameters, the size from which the head stage fits by Newton–CG too.
    // (The float64 Newton reference above costs a minute at this size: the float64 gradient checks the tolerance, and
    // the other optimiser, L-BFGS run to a tighter one, the point.)
    const wide = blobs(144, 31, 24, 5, 2);
    const task: TrainTask = { type: 'train', taskId: 0, config: logreg, data: wide };
    const done = await runTrainTask(task);
    const xs = rowsWithBias(
      wide,
      Int32Array.from({ length: wide.n }, (_, i) => i),
    );
    const l2 = wide.n * logreg.weightDecay;
    const { grad } = gradientAndHessian(xs, wide.y, wide.numClasses, l2, done.net.head);
    assert.equal(done.net.head.length, 768);
    assert.ok(norm(grad) / wide.n <= 2 * HEAD_MEAN_GRAD_TOLERANCE, `mean gradient ${norm(grad) / wide.n}`);
    const shape = { featureDim: wide.dims, numClasses: wide.numClasses };
    const lbfgs = fitHead({ phi: wide.x, y: wide.y, n: wide.n }, shape, l2, {
      meanGradTolerance: 1e-8,
      certifiedSteps: true,
    });
    assert.ok(maxAbsDifference(done.net.head, lbfgs.head) < 1e-4 * norm(lbfgs.head));
  });

  test('a Newton–CG head the head stage polishes stops where that stage has nothing left to do', async () => {
    const wide = blobs(144, 31, 24, 5, 2);
    const shape = { featureDim: wide.dims, numClasses: wide.numClasses };
    const l2 = wide.n * logreg.weightDecay;
    const full = (headPolished: boolean) =>
      runTrainTask({ type: 'train', taskId: 0, config: logreg, data: wide, headPolished });
    const [polished, unpolished] = [await full(true), await full(false)];
    const xs = rowsWithBias(
      wide,
      Int32Array.from({ length: wide.n }, (_, i) => i),
    );
    const meanGrad = (head: Float64Array) =>
      norm(gradientAndHessian(xs, wide.y, wide.numClasses, l2, head).grad) / wide.n;
    assert.ok(meanGrad(polished.net.head) <= 2 * POLISHED_HEAD_MEAN_GRAD_TOLERANCE, `${meanGrad(polished.net.head)}`);
    // It stopped there rather than going on to the unpolished head's 1e-7: the two heads are different points.
    assert.ok(meanGrad(polished.net.head) > meanGrad(unpolished.net.head));
    // The head stage's fit of a head it polishes (headStage.ts: 1e-6, Newton–CG) starts and ends here.
    const again = fitHead({ phi: wide.x, y: wide.y, n: wide.n }, shape, l2, {
      init: polished.net.head,
      meanGradTolerance: POLISHED_HEAD_MEAN_GRAD_TOLERANCE,
      certifiedSteps: true,
      newtonCg: true,
    });
    assert.equal(again.iterations, 0);
  });

  test('a small head (L-BFGS) keeps the 1e-7 tolerance even when polished: the head stage asks it there', async () => {
    const done = await runTrainTask({ type: 'train', taskId: 0, config: logreg, data, headPolished: true });
    const xs = rowsWithBias(data, allRows);
    const { grad } = gradientAndHessian(xs, data.y, data.numClasses, data.n * logreg.weightDecay, done.net.head);
    assert.ok(norm(grad) / data.n <= 2 * HEAD_MEAN_GRAD_TOLERANCE, `mean gradient ${norm(grad) / data.n}`);
  });

  test('with checkpoints (TracIn) logistic regression trains by Adam, epoch by epoch', async () => {
    const task: TrainTask = { type: 'train', taskId: 0, config: logreg, data, checkpoints: true };
    const done = await runTrainTask(task);
    const adam = await trainNetwork(logreg, data, { checkpoints: true });
    assert.equal(done.net.checkpoints?.length, logreg.epochs);
    assert.deepEqual(done.net.head, adam.head);
  });

  test('an MLP fold model is unchanged: Adam epochs, then a refit of its head on its features', async () => {
    const mlp: ModelConfig = { ...defaultModelConfig('mlp'), hidden: [6], epochs: 2, seed: 3 };
    const [task] = crossFitTasks(data, mlp, 5, 11).tasks;
    const done = await runTrainTask(task);
    const sub: TrainingData = { ...data, y: Int32Array.from(task.rows!, (r) => data.y[r]), n: task.rows!.length };
    const adam = await trainNetwork(task.config, sub, { rows: task.rows });
    assert.deepEqual(done.net.body, adam.body);
    const phi = computeFeatures(adam, data.x, sub.n, undefined, task.rows);
    const refit = fitHead(
      { phi, y: sub.y, n: sub.n },
      { featureDim: adam.featureDim, numClasses: data.numClasses },
      sub.n * mlp.weightDecay,
      { init: adam.head, meanGradTolerance: 1e-5, maxIterations: 50 },
    );
    assert.deepEqual(done.net.head, refit.head);
    const heldOut = predictProbabilities(
      { ...adam, head: refit.head },
      data.x,
      task.evalRows!.length,
      undefined,
      task.evalRows,
    );
    assert.deepEqual(done.evalProbs, heldOut);
  });
});
