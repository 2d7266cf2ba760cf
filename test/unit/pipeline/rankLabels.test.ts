import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rankLabels } from '../../../src/compute/pipeline/buildResults';
import { RANKED_LABELS } from '../../../src/compute/results/schema';

test(
  "ranked labels: the row's most probable classes, highest first, at most " + 'RANKED_LABELS, ties in class order',
  () => {
    const classes = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const probs = Float64Array.from([...[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.4], ...[0.05, 0.3, 0.05, 0.3, 0.1, 0.1, 0.1]]);
    assert.equal(RANKED_LABELS, 5);
    assert.deepEqual(
      rankLabels(probs, 0, classes).map((r) => r.label),
      ['g', 'a', 'b', 'c', 'd'],
    );
    assert.deepEqual(rankLabels(probs, 1, classes), [
      { label: 'b', probability: 0.3 },
      { label: 'd', probability: 0.3 },
      { label: 'e', probability: 0.1 },
      { label: 'f', probability: 0.1 },
      { label: 'g', probability: 0.1 },
    ]);
    assert.deepEqual(
      rankLabels(Float64Array.from([0.2, 0.8]), 0, ['x', 'y']).map((r) => r.label),
      ['y', 'x'],
    );
  },
);
