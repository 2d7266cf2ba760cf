/** --model auto's choice by cross-fitted log-loss (pipeline/modelChoice.ts), against losses computed by hand. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseModel, crossFittedLogLoss } from '../../../src/compute/pipeline/modelChoice';

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
});
