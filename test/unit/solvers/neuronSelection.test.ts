import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lastAxisNeuronParameters, selectNeuronParameters, sumAbsoluteColumns } from '../../../src/compute/solvers/neuronSelection';

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
  assert.deepEqual(Array.from(selectNeuronParameters([1, 1], [Int32Array.of(3, 1), Int32Array.of(1, 2)], { fraction: 1 })), [1, 2, 3]);
  assert.throws(() => selectNeuronParameters([1], map), /scores/);
  assert.throws(() => selectNeuronParameters(flat, map, { fraction: 0 }), /fraction/);
});

test('sumAbsoluteColumns scores neurons by Σ|value| over the examined samples', () => {
  assert.deepEqual(Array.from(sumAbsoluteColumns([1, -2, -3, 4, 0.5, 0], 3, 2)), [4.5, 6]);
});
