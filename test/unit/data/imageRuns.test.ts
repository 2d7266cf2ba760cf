/**
 * Runs of images (imageRuns.ts): values written chunk by chunk, from any image on, land where the consecutive parts of
 * the whole set's tensor are, whatever the chunks' boundaries against the runs'.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocateRuns, cutIntoRuns, writeImages } from '../../../src/compute/data/imageRuns';

const PER_IMAGE = 3;
/** Image i's values: 10·i + channel, so every value says where it belongs. */
const whole = (n: number) =>
  Float32Array.from({ length: n * PER_IMAGE }, (_, j) => 10 * Math.floor(j / PER_IMAGE) + (j % PER_IMAGE));
const parts = (x: Float32Array, counts: number[]) => {
  let at = 0;
  return counts.map((c) => x.slice(at * PER_IMAGE, (at += c) * PER_IMAGE));
};

test('chunks written in any order, across run boundaries, give the consecutive parts of the whole', () => {
  for (const counts of [[7], [3, 4], [0, 7], [7, 0], [2, 0, 5], [1, 1, 1, 4]]) {
    for (const chunk of [1, 2, 3, 7]) {
      const n = 7;
      const x = whole(n);
      const runs = allocateRuns(counts, PER_IMAGE);
      const starts = Array.from({ length: Math.ceil(n / chunk) }, (_, c) => c * chunk).reverse();
      for (const first of starts) {
        writeImages(
          runs,
          counts,
          PER_IMAGE,
          first,
          x.subarray(first * PER_IMAGE, Math.min(n, first + chunk) * PER_IMAGE),
        );
      }
      assert.deepEqual(runs, parts(x, counts), `runs ${counts}, chunks of ${chunk}`);
    }
  }
});

test('runs live in shared memory; cutting a tensor into one run is the tensor itself', () => {
  const runs = allocateRuns([2, 3], PER_IMAGE);
  assert.ok(runs.every((r) => r.buffer instanceof SharedArrayBuffer));
  assert.deepEqual(
    runs.map((r) => r.length),
    [6, 9],
  );
  const x = whole(5);
  assert.equal(cutIntoRuns(x, [5], PER_IMAGE)[0], x);
  const cut = cutIntoRuns(x, [2, 3], PER_IMAGE);
  assert.deepEqual(cut, parts(x, [2, 3]));
  assert.ok(cut.every((r) => r.buffer instanceof SharedArrayBuffer));
});
