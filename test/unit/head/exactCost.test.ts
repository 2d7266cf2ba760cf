/**
 * `auto` chooses exact influence by a prediction of its time and memory
 * (issue 18 item 1), not by a fixed 4000-parameter limit, and says the
 * prediction in the results.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { affordableExactParameters, EXACT_COST, predictExactCost } from '../../../src/compute/head/exactCost';
import { resolveMaxExactParameters } from '../../../src/compute/pipeline/exactLimit';
import { resolveMethod } from '../../../src/compute/pipeline/influenceStage';
import { validateRun } from '../../../src/compute/pipeline/validateRun';
import type { LoadedDataset } from '../../../src/compute/types';

const logreg784 = { nTrain: 8000, nTest: 2000, numClasses: 10 };

test('auto factors the 7850-parameter logistic regression on 784 pixels (the old fixed limit sent it to cg)', () => {
  const maxExact = resolveMaxExactParameters({ maxMemoryMB: 8192 }, logreg784);
  assert.ok(maxExact >= 7850, `limit ${maxExact}`);
  const { method, reason } = resolveMethod('auto', { ...logreg784, parameters: 7850 }, maxExact);
  assert.equal(method, 'exact');
  assert.match(reason, /predicted \d+ s .* and \d+ MB/);
});

test('the predicted cost grows with P and the limit is the largest affordable P', () => {
  let last = 0;
  for (const p of [100, 1000, 4000, 8000]) {
    const cost = predictExactCost({ ...logreg784, parameters: p });
    assert.ok(cost.seconds > last && cost.float64Seconds >= cost.seconds);
    last = cost.seconds;
  }
  const limit = affordableExactParameters(logreg784, 64 * 2 ** 30);
  assert.ok(predictExactCost({ ...logreg784, parameters: limit }).seconds <= EXACT_COST.budgetSeconds);
  assert.ok(
    predictExactCost({ ...logreg784, parameters: limit + logreg784.numClasses }).seconds > EXACT_COST.budgetSeconds,
  );
});

test('memory limits the exact head: under a small --max-memory-mb auto says cg and why', () => {
  const maxExact = resolveMaxExactParameters({ maxMemoryMB: 300 }, logreg784);
  assert.ok(maxExact < 7850 && maxExact > 0, `limit ${maxExact}`);
  assert.ok(EXACT_COST.bytesPerEntry * maxExact ** 2 <= EXACT_COST.memoryShare * 300 * 2 ** 20);
  const { method, reason } = resolveMethod('auto', { ...logreg784, parameters: 7850 }, maxExact);
  assert.equal(method, 'cg');
  assert.match(reason, /too costly to factor: predicted/);
});

test('at default options the exact head fits the working budget: MNIST 10k logreg goes to cg, not to a refusal', () => {
  // Factored against the machine's share, the 7850-parameter head was chosen exact and the run then refused by the
  // 2 GB working budget's check ("about 2.6 GB … more than the limit of 2.0 GB").
  const shape = { nTrain: 8000, nTest: 2000, numClasses: 10, dims: 784 };
  const maxExact = resolveMaxExactParameters({}, shape);
  assert.ok(maxExact < 7850, `limit ${maxExact}`);
  const data = {
    train: { y: new Int32Array(8000) },
    test: { y: new Int32Array(2000) },
    classes: Array.from({ length: 10 }, (_, k) => String(k)),
    dims: 784,
    imageShape: [28, 28, 1],
  } as unknown as LoadedDataset;
  const options = { datasetPath: 'mnist10k', model: 'logreg' as const };
  assert.doesNotThrow(() => validateRun(options, data, { backend: 'wasm', workers: 2, availableBytes: 16 * 2 ** 30 }));
  // Who sets the limit or the samples gets the machine's share, as before.
  assert.ok(resolveMaxExactParameters({ maxSamples: 10000 }, shape) > maxExact);
});

test('--max-exact-parameters still wins over the prediction', () => {
  assert.equal(resolveMaxExactParameters({ maxExactParameters: 123 }, logreg784), 123);
});

test('the prediction is calibrated on measured stage times: exact MNIST logreg 1k and 5k (P = 7850)', () => {
  // bench/results/REPORT.md §1 (quiet machine, main ad3bd06): hessian + influence stages, less the scores; less the
  // L⁻¹ those runs formed (P³/3 at the 15 GFLOP/s fitted to them: 10.7 s) plus the triangular solve's pieces that
  // replaced it (1.6 s of CPU at P = 7850, kernels bench) — to be measured again whole on a quiet machine.
  const inverseToPieces = -10.7 + 1.6;
  for (const [nTrain, nTest, measured] of [
    [800, 200, 17.5 + 13.1 + inverseToPieces],
    [4000, 1000, 21.4 + 24.8 + inverseToPieces],
  ]) {
    const cost = predictExactCost({ nTrain, nTest, numClasses: 10, parameters: 7850 });
    const predicted = cost.seconds + cost.scoreSeconds;
    assert.ok(Math.abs(predicted / measured - 1) < 0.1, `${nTrain}: predicted ${predicted} s, measured ${measured} s`);
  }
});

test('with room for its arrays, auto factors MNIST logreg 10k; at the 2 GB default it does not', () => {
  const exact = resolveMethod(
    'auto',
    { ...logreg784, parameters: 7850 },
    resolveMaxExactParameters({ maxMemoryMB: 2400 }, logreg784),
  );
  assert.equal(exact.method, 'exact');
  const cg = resolveMethod('auto', { ...logreg784, parameters: 7850 }, resolveMaxExactParameters({}, logreg784));
  assert.equal(cg.method, 'cg');
  assert.match(cg.reason, /predicted \d+ s .* and 1058 MB/);
});
