import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadDataset } from '../../../src/compute/data/index';
import { allocate, compareLabels, stratifiedHoldout, stratifiedSubsample } from '../../../src/compute/data/split';
import { tempDir, write } from './helpers';

/** 60 'a', 30 'b', 10 'c'. */
const labels = [...Array(60).fill('a'), ...Array(30).fill('b'), ...Array(10).fill('c')] as string[];

function countsByClass(mask: Uint8Array, value: number): Record<string, number> {
  const out: Record<string, number> = {};
  labels.forEach((l, i) => {
    if (mask[i] === value) out[l] = (out[l] ?? 0) + 1;
  });
  return out;
}

describe('stratified hold-out', () => {
  test('exact per-class proportions', () => {
    const isTest = stratifiedHoldout(labels, 0.2, 0);
    assert.deepEqual(countsByClass(isTest, 1), { a: 12, b: 6, c: 2 });
  });

  test('deterministic by seed, different for another seed', () => {
    const a = stratifiedHoldout(labels, 0.2, 7);
    assert.deepEqual(stratifiedHoldout(labels, 0.2, 7), a);
    const b = stratifiedHoldout(labels, 0.2, 8);
    assert.notDeepEqual(b, a);
    assert.deepEqual(countsByClass(b, 1), countsByClass(a, 1));
  });

  test('every class with >= 2 samples keeps one in train; a singleton stays in train', () => {
    const small = ['x', 'x', 'y', 'y', 'z', 'w', 'w', 'w'];
    const isTest = stratifiedHoldout(small, 0.9, 3);
    const trainOf = (c: string) => small.filter((l, i) => l === c && !isTest[i]).length;
    assert.equal(trainOf('x'), 1);
    assert.equal(trainOf('y'), 1);
    assert.equal(trainOf('w'), 1);
    assert.equal(trainOf('z'), 1, 'the single z is in train');
  });

  test('largest-remainder allocation sums to the total inside the bounds', () => {
    // Quotas 1.5, 0.9, 0.6: floors 1, 0, 0, then the two largest remainders.
    assert.deepEqual(allocate([5, 3, 2], 3, [0, 0, 0], [4, 2, 1]), [1, 1, 1]);
    // Quotas 2.5, 1.5, 1.0: a tie in remainders goes to the first group.
    assert.deepEqual(allocate([5, 3, 2], 5, [0, 0, 0], [5, 3, 2]), [3, 1, 1]);
    assert.deepEqual(allocate([1, 1, 1], 10, [0, 0, 0], [1, 1, 1]), [1, 1, 1], 'bounded');
    assert.deepEqual(allocate([10, 1], 2, [1, 1], [10, 1]), [1, 1], 'minimum per group');
  });

  test('through loadDataset: 20% of each class, sources in file order, seed changes the split', async () => {
    let csv = 'f,label\n';
    labels.forEach((l, i) => (csv += `${i},${l}\n`));
    const file = write(tempDir(), 'h.csv', csv);
    const d = await loadDataset(file);
    assert.equal(d.testSource, 'holdout');
    assert.equal(d.test.y.length, 20);
    const perClass = [0, 0, 0];
    d.test.y.forEach((y) => perClass[y]++);
    assert.deepEqual(perClass, [12, 6, 2]);
    const lines = d.train.sources.map((s) => s.line!);
    assert.deepEqual(
      lines,
      [...lines].sort((a, b) => a - b),
    );
    const again = await loadDataset(file);
    assert.deepEqual(again.test.sources, d.test.sources);
    const other = await loadDataset(file, { seed: 1 });
    assert.notDeepEqual(other.test.sources, d.test.sources);
    const half = await loadDataset(file, { testFraction: 0.5 });
    assert.equal(half.test.y.length, 50);
  });
});

describe('maxSamples subsample', () => {
  test('keeps class proportions, the cap and file order', () => {
    const keep = stratifiedSubsample(labels, 50, 0);
    assert.equal(keep.length, 50);
    const picked = Array.from(keep, (i) => labels[i]);
    assert.equal(picked.filter((l) => l === 'a').length, 30);
    assert.equal(picked.filter((l) => l === 'b').length, 15);
    assert.equal(picked.filter((l) => l === 'c').length, 5);
    assert.deepEqual(
      Array.from(keep),
      Array.from(keep).sort((a, b) => a - b),
    );
    assert.deepEqual(stratifiedSubsample(labels, 50, 0), keep);
  });

  test('through loadDataset, with a warning', async () => {
    let csv = 'f,label\n';
    labels.forEach((l, i) => (csv += `${i},${l}\n`));
    const d = await loadDataset(write(tempDir(), 'm.csv', csv), { maxSamples: 40 });
    assert.equal(d.train.y.length + d.test.y.length, 40);
    assert.ok(d.warnings.includes('Kept a stratified subsample of 40 of 100 samples (maxSamples).'));
  });
});

test('compareLabels: numbers numerically, else by code units', () => {
  assert.deepEqual(['10', '9', '1.5', 'b', 'B', 'a'].sort(compareLabels), ['1.5', '9', '10', 'B', 'a', 'b']);
});
