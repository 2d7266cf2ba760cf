/** --model auto's choice by cross-fitted log-loss (pipeline/modelChoice.ts), against losses computed by hand. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chooseModel,
  correctPredictions,
  crossFittedLogLoss,
  preferred,
  significantlyLessAccurate,
} from '../../../src/compute/pipeline/modelChoice';

const y = [0, 1, 0, 1];
// Row-major n × 2.
const good = Float64Array.from([0.9, 0.1, 0.2, 0.8, 0.8, 0.2, 0.1, 0.9]);
const poor = Float64Array.from([0.6, 0.4, 0.45, 0.55, 0.55, 0.45, 0.4, 0.6]);

describe('chooseModel', () => {
  test('log-loss is the mean −log p(given label)', () => {
    const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.8) + Math.log(0.9)) / 4;
    assert.ok(Math.abs(crossFittedLogLoss(good, y, 2) - expected) < 1e-15);
  });
  test('the candidate with the lower loss wins, and the reason names it and the losses', () => {
    const a = chooseModel({ logreg: good, mlp: poor }, y, 2);
    assert.equal(a.pick, 'logreg');
    assert.equal(a.kind, 'logreg');
    assert.equal(a.oosProbs, good);
    assert.match(
      a.reason,
      /^The automatic model choice picked logistic regression: the lowest cross-fitted log-loss \(logistic regression 0\.164; MLP 0\.55\d, their average 0\.3\d\d\)/,
    );
    const b = chooseModel({ logreg: poor, mlp: good }, y, 2);
    assert.equal(b.pick, 'mlp');
  });
  test('the average wins when the two err on different samples, and influence uses the better member', () => {
    const a = Float64Array.from([0.99, 0.01, 0.3, 0.7, 0.4, 0.6, 0.1, 0.9]);
    const b = Float64Array.from([0.4, 0.6, 0.1, 0.9, 0.99, 0.01, 0.3, 0.7]);
    const c = chooseModel({ logreg: a, mlp: b }, y, 2);
    assert.equal(c.pick, 'ensemble');
    assert.ok(c.losses.ensemble < Math.min(c.losses.logreg, c.losses.mlp));
    assert.equal(c.kind, c.losses.mlp < c.losses.logreg ? 'mlp' : 'logreg');
    assert.ok(Math.abs(c.oosProbs[0] - (0.99 + 0.4) / 2) < 1e-15);
  });
  test('a tie goes to the simpler model', () => {
    assert.equal(chooseModel({ logreg: good, mlp: Float64Array.from(good) }, y, 2).pick, 'logreg');
  });

  test('a lower loss does not win when its held-out accuracy trails the best by over two standard errors', () => {
    // 200 samples, 2 classes. The "calibrated" model hedges every prediction at 0.6 and is right on 150; the
    // "sharp" model is right on 180 at 0.999 and wrong on 20 at 0.999 for the other class. On the given labels the
    // hedging model's log-loss is lower (0.612 against 0.691: each confident mistake costs 6.9), its accuracy 75%
    // against 90%.
    const n = 200;
    const yy = Array.from({ length: n }, (_, i) => i % 2);
    const hedging = new Float64Array(2 * n);
    const sharp = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      const right = yy[i];
      const wrong = 1 - right;
      const hedgeRight = i < 150;
      hedging[2 * i + right] = hedgeRight ? 0.6 : 0.4;
      hedging[2 * i + wrong] = hedgeRight ? 0.4 : 0.6;
      const sharpRight = i >= 20;
      sharp[2 * i + right] = sharpRight ? 0.999 : 0.001;
      sharp[2 * i + wrong] = sharpRight ? 0.001 : 0.999;
    }
    const lossHedging = -(150 * Math.log(0.6) + 50 * Math.log(0.4)) / n;
    const lossSharp = -(180 * Math.log(0.999) + 20 * Math.log(0.001)) / n;
    assert.ok(lossHedging < lossSharp, 'the set-up: the hedging model has the lower loss');
    const c = chooseModel({ logreg: hedging, mlp: sharp }, yy, 2);
    assert.ok(Math.abs(c.losses.logreg - lossHedging) < 1e-12);
    assert.equal(c.accuracies.logreg, 0.75);
    assert.equal(c.accuracies.mlp, 0.9);
    // The average of the two is the pick (its loss is lowest, and it is as accurate as the sharp model), and
    // influence goes to the sharp member, not to the hedging one with the lower loss.
    assert.equal(c.pick, 'ensemble');
    assert.equal(c.accuracies.ensemble, 0.9);
    assert.equal(c.kind, 'mlp');
    assert.match(
      c.reason,
      /influence is computed for the MLP, the more accurate member: 90\.0% against 75\.0% held out/,
    );
    // Without the accuracy gap (the sharp model as often right as the hedging one), the loss decides as before.
    const sharpAsRight = Float64Array.from(sharp);
    for (let i = 150; i < 200; i++) {
      sharpAsRight[2 * i + yy[i]] = 0.001;
      sharpAsRight[2 * i + 1 - yy[i]] = 0.999;
    }
    for (let i = 0; i < 20; i++) {
      sharpAsRight[2 * i + yy[i]] = 0.999;
      sharpAsRight[2 * i + 1 - yy[i]] = 0.001;
    }
    const d = chooseModel({ logreg: hedging, mlp: sharpAsRight }, yy, 2);
    assert.equal(d.accuracies.mlp, 0.75);
    assert.equal(d.kind, 'logreg');
    assert.doesNotMatch(d.reason, /accura/);
  });
  test('a single pick: the lowest loss among the candidates not significantly less accurate', () => {
    // 100 samples. "a" is right on 60, "b" on 75 (a superset), "c" on 74 of b's (the paired gap 1: not significant).
    const right = (k: number) => Uint8Array.from({ length: 100 }, (_, i) => (i < k ? 1 : 0));
    const correct = { a: right(60), b: right(75), c: right(74) };
    assert.equal(preferred(['a', 'b', 'c'], { a: 0.5, b: 0.9, c: 0.8 }, correct), 'c');
    assert.equal(preferred(['a', 'b', 'c'], { a: 0.5, b: 0.7, c: 0.8 }, correct), 'b');
    // Without the accurate ones, "a" is the only candidate and wins.
    assert.equal(preferred(['a'], { a: 0.5 }, correct), 'a');
    // Equal losses: the first listed (the simpler model).
    assert.equal(preferred(['c', 'b'], { b: 0.7, c: 0.7 }, correct), 'c');
  });
  test('significance is the paired difference against two standard errors', () => {
    // 100 samples: a right on 60, b right on those 60 and on k more. d has k entries of −1: mean −k/100,
    // sd = sqrt((k − k²/100)/99); significant when k/100 > 2·sd/10.
    for (let k = 0; k <= 10; k++) {
      const a = new Uint8Array(100);
      const b = new Uint8Array(100);
      for (let i = 0; i < 60; i++) a[i] = b[i] = 1;
      for (let i = 60; i < 60 + k; i++) b[i] = 1;
      const mean = k / 100;
      const sd = Math.sqrt((k - (k * k) / 100) / 99);
      assert.equal(significantlyLessAccurate(a, b), mean > (2 * sd) / 10, `k = ${k}`);
      assert.equal(significantlyLessAccurate(b, a), false);
    }
    // k = 3: 0.03 against 2·0.0171 = 0.034, not significant; k = 5: 0.05 against 0.0438, significant.
    const at = (k: number) => {
      const a = new Uint8Array(100).fill(0);
      const b = new Uint8Array(100).fill(0);
      for (let i = 0; i < k; i++) b[i] = 1;
      return significantlyLessAccurate(a, b);
    };
    assert.equal(at(3), false);
    assert.equal(at(5), true);
  });
  test('correct predictions take the first of equal probabilities', () => {
    const p = Float64Array.from([0.5, 0.5, 0.2, 0.8, 0.7, 0.3]);
    assert.deepEqual([...correctPredictions(p, [0, 0, 1], 2)], [1, 0, 0]);
  });
});
