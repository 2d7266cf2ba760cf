import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  lastAxisNeuronParameters,
  selectNeuronParameters,
  squaredNormPerNeuron,
  sumAbsoluteColumns,
} from '../../../src/compute/solvers/neuronSelection';

test('dense-layer neuron map: unit u owns column u of the [in, units] kernel and bias u', () => {
  // kernel 3×2 at offset 10, bias at offset 16
  const map = lastAxisNeuronParameters(10, 6, 2, 16);
  assert.deepEqual(Array.from(map[0]), [10, 12, 14, 16]);
  assert.deepEqual(Array.from(map[1]), [11, 13, 15, 17]);
  assert.deepEqual(Array.from(lastAxisNeuronParameters(0, 4, 2, -1)[1]), [1, 3]);
  assert.throws(() => lastAxisNeuronParameters(0, 5, 2, 0), /does not split/);
});

test('selectNeuronParameters keeps the top fraction of neurons, whole rows, sorted and unique', () => {
  const units = 20;
  const map = lastAxisNeuronParameters(0, 3 * units, units, 3 * units);
  const scores = Float64Array.from({ length: units }, (_, u) => (u * 7) % units); // a permutation of 0..19
  const chosen = selectNeuronParameters(scores, map, { fraction: 0.1 }); // 2 neurons
  // the two largest scores are 19 (u = 17) and 18 (u = 14)
  const expected = [...map[14], ...map[17]].sort((a, b) => a - b);
  assert.deepEqual(Array.from(chosen), expected);
  assert.equal(chosen.length, 8);
  for (let i = 1; i < chosen.length; i++) assert.ok(chosen[i] > chosen[i - 1]);

  // default 5 % of 20 = 1 neuron; ties go to the lower index; minNeurons raises the count
  const flat = new Float64Array(units).fill(1);
  assert.deepEqual(Array.from(selectNeuronParameters(flat, map)), Array.from(map[0]));
  assert.equal(selectNeuronParameters(flat, map, { minNeurons: 3 }).length, 12);
  // overlapping parameter lists are deduplicated
  assert.deepEqual(
    Array.from(selectNeuronParameters([1, 1], [Int32Array.of(3, 1), Int32Array.of(1, 2)], { fraction: 1 })),
    [1, 2, 3],
  );
  assert.throws(() => selectNeuronParameters([1], map), /scores/);
  assert.throws(() => selectNeuronParameters(flat, map, { fraction: 0 }), /fraction/);
});

test('sumAbsoluteColumns scores neurons by Σ|value| over the examined samples', () => {
  assert.deepEqual(Array.from(sumAbsoluteColumns([1, -2, -3, 4, 0.5, 0], 3, 2)), [4.5, 6]);
});

test('coverage adds neurons beyond the fraction until they hold that share of the score', () => {
  const map = lastAxisNeuronParameters(0, 10, 10, -1); // 10 neurons of one parameter each
  const scores = [50, 30, 10, 5, 3, 1, 1, 0, 0, 0]; // total 100
  const count = (coverage: number) => selectNeuronParameters(scores, map, { fraction: 0.1, coverage }).length;
  assert.equal(count(0), 1); // the fraction alone: one neuron (50 %)
  assert.equal(count(0.5), 1); // 50 already held
  assert.equal(count(0.8), 2); // 50 + 30
  assert.equal(count(0.9), 3); // 50 + 30 + 10
  assert.equal(count(0.99), 6); // up to 99
  assert.equal(count(1), 7); // every neuron with a positive score, no zero ones
  assert.throws(() => selectNeuronParameters(scores, map, { coverage: 1.5 }), /coverage/);
});

test("squaredNormPerNeuron is each neuron's share of the squared norm", () => {
  const map = [Int32Array.of(0, 2), Int32Array.of(1, 3)];
  assert.deepEqual(Array.from(squaredNormPerNeuron([1, -2, 3, 0.5], map)), [10, 4.25]);
});
