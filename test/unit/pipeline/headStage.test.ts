/**
 * The head stage takes a logistic regression's trained head as it is when the training was its own fit (the same
 * rows, L2 and tolerance: models/types.ts HeadFitRecord), and fits any other head again: a record copied onto a
 * network with another head, another L2 or other rows is not used.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { headObjective } from '../../../src/compute/head/softmaxHead';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import { fitLogisticRegression } from '../../../src/compute/models/fitLogreg';
import type { TrainedNetwork, TrainingData } from '../../../src/compute/models/types';
import { fitLastLayer } from '../../../src/compute/pipeline/headStage';
import { initBackend } from '../../../src/compute/tf/backend';
import { blobs } from '../../helpers/synthetic';

before(async () => {
  await initBackend('wasm');
});

const D = 6;
const C = 4;

function data(n: number, seed: number): TrainingData {
  const b = blobs(n, D, C, seed, 0.1);
  return { x: b.phi, y: b.y, n, dims: D, numClasses: C };
}

const train = data(300, 1);
const test_ = data(80, 2);
const config = { ...defaultModelConfig('logreg'), weightDecay: 1e-3 };
const l2 = train.n * config.weightDecay;
// No polish (maxExactParameters 0): the stage's answer is its fit, at the 1e-7 tolerance training stops at too.
const NO_POLISH = 0;

/** ‖∇R‖₂ / n of the float64 objective at `head`. */
function meanGradient(head: Float64Array): number {
  const grad = new Float64Array(head.length);
  headObjective({ phi: train.x, y: train.y, n: train.n }, { featureDim: D, numClasses: C }, l2).evaluate(head, grad);
  return Math.hypot(...grad) / train.n;
}

test("a logistic regression's own fit is taken as it is, and fitting it again gives the same head", () => {
  const net = fitLogisticRegression(config, train, { meanGradTolerance: 1e-7 });
  assert.ok(net.headFit, 'training records its fit');
  const taken = fitLastLayer(net, train, test_, l2, NO_POLISH);
  assert.deepEqual([...taken.net.head], [...net.head]);
  assert.equal(taken.headGradientNorm, net.headFit.meanGradNorm);
  // Without the record the stage fits from the trained head: it stops at once, where the record said it was.
  const { headFit: _, ...unrecorded } = net;
  const refitted = fitLastLayer(unrecorded, train, test_, l2, NO_POLISH);
  assert.deepEqual([...refitted.net.head], [...net.head]);
  assert.equal(refitted.headGradientNorm, net.headFit.meanGradNorm);
});

test('a record that does not hold for the network it sits on is not used: the head is fitted again', () => {
  const net = fitLogisticRegression(config, train, { meanGradTolerance: 1e-7 });
  const rows = 200;
  const cases: [string, TrainedNetwork, number][] = [
    // Another head under the same record (a network copied with a new head, `{ ...net, head }`).
    ['another head', { ...net, head: net.head.map((v) => v + 0.3) }, l2],
    ['another L2', net, 2 * l2],
    // A model fitted on other rows (a fold's).
    [
      'other rows',
      fitLogisticRegression(
        { ...config, weightDecay: l2 / rows },
        { ...train, x: train.x.slice(0, rows * D), y: train.y.slice(0, rows), n: rows },
        { meanGradTolerance: 1e-7 },
      ),
      l2,
    ],
  ];
  for (const [name, recorded, stageL2] of cases) {
    assert.ok(recorded.headFit, name);
    const { headFit: _, ...unrecorded } = recorded;
    const withRecord = fitLastLayer(recorded, train, test_, stageL2, NO_POLISH);
    // The same as without any record: fitted from the given head.
    assert.deepEqual(
      [...withRecord.net.head],
      [...fitLastLayer(unrecorded, train, test_, stageL2, NO_POLISH).net.head],
    );
    assert.notDeepEqual([...withRecord.net.head], [...recorded.head], `${name}: fitted, not taken`);
  }
  // Taking the moved head as it is would have left a large gradient.
  assert.ok(meanGradient(cases[0][1].head) > 1e-3);
});
