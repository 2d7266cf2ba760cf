/**
 * Duplicates on constructed data (issue 17): byte copies and a copy with one
 * pixel changed in an image folder, and CSV rows that differ only in white
 * space and number spelling — each found, grouped into exactly the planted
 * sets, leakage and label conflicts flagged, and nothing else reported.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset } from '../../../src/compute/data';
import {
  CHANCE_SHARE,
  findDuplicates,
  NEAR_DUPLICATE_CUT,
  nearDuplicateCut,
} from '../../../src/compute/issues/duplicates';
import { nearestNeighbours, type Points } from '../../../src/compute/issues/knn';
import { duplicateLabelConflict } from '../../../src/compute/issues/labelConflict';
import type { SampleRef } from '../../../src/compute/issues/types';
import { createRng } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';
import type { LoadedDataset } from '../../../src/compute/types';
import { pngBytes, tempDir, write } from '../data/helpers';

before(async () => {
  await initBackend('wasm');
});

function duplicatesOf(data: LoadedDataset) {
  const points = (x: Float32Array, n: number): Points => ({ x, n, d: data.dims });
  const train = points(data.train.x, data.train.y.length);
  const testP = points(data.test.x, data.test.y.length);
  const report = findDuplicates({
    train: { features: train, y: data.train.y, contentHash: data.train.contentHash },
    test: { features: testP, y: data.test.y, contentHash: data.test.contentHash },
    trainInTrain: nearestNeighbours(train, train, 5, { excludeSelf: true }),
    testInTrain: nearestNeighbours(testP, train, 5),
    testInTest: nearestNeighbours(testP, testP, 5, { excludeSelf: true }),
  });
  return report;
}

/** Members of each set as "split:path", sorted, for comparing with the planted sets. */
function named(data: LoadedDataset, members: SampleRef[]): string[] {
  return members.map((m) => `${m.split}:${(m.split === 'train' ? data.train : data.test).sources[m.id].path}`).sort();
}

test(
  'image folder: byte copies, a cross-split copy and a one-pixel change ' + 'are found as exactly the planted sets',
  async () => {
    const dir = tempDir();
    const rng = createRng(7);
    const images = Array.from({ length: 24 }, () => Array.from({ length: 64 }, () => Math.floor(rng() * 256)));
    const png = (pixels: number[]) =>
      pngBytes(8, 8, (x, y) => [pixels[y * 8 + x], pixels[y * 8 + x], pixels[y * 8 + x]]);
    images.forEach((pixels, k) =>
      write(dir, `${k < 20 ? 'train' : 'test'}/${k % 2 ? 'b' : 'a'}/img${k}.png`, png(pixels)),
    );
    // A byte copy within train, a train image copied into test (leakage), and a
    // copy of img4 with one pixel changed by 40 levels, filed under another class.
    write(dir, 'train/a/copy0.png', png(images[0]));
    write(dir, 'test/b/leak5.png', png(images[5]));
    const changed = [...images[4]];
    changed[10] = (changed[10] + 40) % 256;
    write(dir, 'train/b/pixel4.png', png(changed));

    const data = await loadDataset(dir);
    const report = duplicatesOf(data);
    const sets = report.sets.map((s) => ({
      members: named(data, s.members),
      exact: s.exact,
      leakage: s.leakage,
      labelConflict: s.labelConflict,
    }));
    sets.sort((a, b) => a.members[0].localeCompare(b.members[0]));
    assert.deepEqual(sets, [
      {
        members: ['test:test/b/leak5.png', 'train:train/b/img5.png'],
        exact: true,
        leakage: true,
        labelConflict: false,
      },
      {
        members: ['train:train/a/copy0.png', 'train:train/a/img0.png'],
        exact: true,
        leakage: false,
        labelConflict: false,
      },
      {
        members: ['train:train/a/img4.png', 'train:train/b/pixel4.png'],
        exact: false,
        leakage: false,
        labelConflict: true,
      },
    ]);
    // The conflict reaches both training samples of the conflicting set, and no other.
    const conflict = duplicateLabelConflict(report, data.train.y, data.test.y);
    const flagged = Array.from(conflict.keys())
      .filter((i) => conflict[i] > 0)
      .map((i) => data.train.sources[i].path)
      .sort();
    assert.deepEqual(flagged, ['train/a/img4.png', 'train/b/pixel4.png']);
  },
);

test(
  'CSV rows that differ only in white space or number spelling are exact ' + 'duplicates; other rows are not',
  async () => {
    const dir = tempDir();
    const rng = createRng(3);
    const lines = ['x,colour,note,label,split'];
    for (let k = 0; k < 30; k++)
      lines.push(
        `${(rng() * 10).toFixed(3)},${k % 3 ? 'red' : 'blue'},word${k} ` +
          `other${k},${k % 2 ? 'yes' : 'no'},${k < 24 ? 'train' : 'test'}`,
      );
    // Row 1 again with spaces around cells, a doubled inner space and 5.10 for 5.1, in the test split (leakage).
    const [x1, c1, n1, l1] = lines[2].split(',');
    lines.push(` ${Number(x1).toFixed(4)} , ${c1} ,${n1.replace(' ', '   ')}, ${l1},test`);
    // Row 3 again in train with the other label (a label conflict).
    const [x3, c3, n3, l3] = lines[4].split(',');
    lines.push(`${x3},${c3},  ${n3}  ,${l3 === 'yes' ? 'no' : 'yes'},train`);
    const file = write(dir, 'rows.csv', lines.join('\n') + '\n');

    const data = await loadDataset(file);
    const report = duplicatesOf(data);
    const at = (data0: LoadedDataset, members: SampleRef[]) =>
      members.map((m) => `${m.split}:${(m.split === 'train' ? data0.train : data0.test).sources[m.id].line}`).sort();
    const sets = report.sets.map((s) => ({
      lines: at(data, s.members),
      exact: s.exact,
      leakage: s.leakage,
      labelConflict: s.labelConflict,
    }));
    sets.sort((a, b) => a.lines[0].localeCompare(b.lines[0]));
    assert.deepEqual(sets, [
      { lines: ['test:32', 'train:3'], exact: true, leakage: true, labelConflict: false },
      { lines: ['train:33', 'train:5'], exact: true, leakage: false, labelConflict: true },
    ]);
  },
);

test("the label-conflict signal: the share of a member's set with another label, as counted pair by pair", () => {
  const rng = createRng(8);
  const yTrain = Int32Array.from({ length: 3000 }, () => Math.floor(rng() * 3));
  const yTest = Int32Array.from({ length: 600 }, () => Math.floor(rng() * 3));
  // Sets of 2 to 2,000 members across both splits (one of them all train and one label: no conflict), each sample in
  // at most one set; a large set as short texts make (thousands of identical rows).
  const sizes = [2, 3, 7, 40, 2000];
  const ids = { train: 0, test: 0 };
  const sets = sizes.map((size, s) => {
    const members: SampleRef[] = Array.from({ length: size }, (_, j) => {
      const split = j % 5 === 4 ? ('test' as const) : ('train' as const);
      return { split, id: ids[split]++ };
    });
    if (s === 1) for (const m of members) (m.split === 'train' ? yTrain : yTest)[m.id] = 2;
    const labels = new Set(members.map((m) => (m.split === 'train' ? yTrain : yTest)[m.id]));
    return { members, exact: true, leakage: true, labelConflict: labels.size > 1, maxDistance: 0 };
  });
  const report = { sets } as unknown as Parameters<typeof duplicateLabelConflict>[0];
  const expected = new Float64Array(yTrain.length);
  for (const set of sets) {
    if (!set.labelConflict) continue;
    const label = (m: SampleRef) => (m.split === 'train' ? yTrain : yTest)[m.id];
    for (const m of set.members) {
      if (m.split !== 'train') continue;
      let differing = 0;
      for (const other of set.members) if (other !== m && label(other) !== label(m)) differing++;
      expected[m.id] = differing / (set.members.length - 1);
    }
  }
  assert.equal(sets[1].labelConflict, false);
  assert.ok(expected.some((v) => v > 0));
  assert.deepEqual(duplicateLabelConflict(report, yTrain, yTest), expected);
});

test('the near-duplicate cut flags about CHANCE_SHARE of locally uniform samples by chance, in 1 to 4 dims', () => {
  assert.equal(nearDuplicateCut(5), NEAR_DUPLICATE_CUT);
  assert.equal(nearDuplicateCut(784), NEAR_DUPLICATE_CUT);
  const rng = createRng(5);
  const n = 2000;
  for (const d of [1, 2, 3, 4]) {
    // Uniform points on a torus (no edges), nearest-neighbour distances by brute force.
    const x = Array.from({ length: n }, () => Array.from({ length: d }, () => rng()));
    const nearest = x.map((p, i) => {
      let best = Infinity;
      x.forEach((q, j) => {
        if (j === i) return;
        let s = 0;
        for (let k = 0; k < d; k++) {
          const t = Math.abs(p[k] - q[k]);
          s += Math.min(t, 1 - t) ** 2;
        }
        best = Math.min(best, s);
      });
      return Math.sqrt(best);
    });
    const med = [...nearest].sort((a, b) => a - b)[n >> 1];
    const flagged = nearest.filter((r) => r <= nearDuplicateCut(d) * med).length / n;
    // The share the cut is made for is 1e-3; 0.2 would flag 13% in one dimension, 2.7% in two.
    assert.ok(flagged <= 4 * CHANCE_SHARE, `d = ${d}: ${(100 * flagged).toFixed(2)}% flagged`);
    assert.ok(nearest.filter((r) => r <= NEAR_DUPLICATE_CUT * med).length / n > (d <= 2 ? 0.02 : 0), `d = ${d}`);
  }
});

test('identical samples are 0 apart, also when most samples have a copy (a median distance of 0)', () => {
  const x = new Float32Array([1, 2, 1, 2, 1, 2, 1, 2, 5, 5]);
  const train: Points = { x, n: 5, d: 2 };
  const test: Points = { x: new Float32Array([1, 2]), n: 1, d: 2 };
  const report = findDuplicates({
    train: { features: train, y: Int32Array.from([0, 1, 0, 1, 0]) },
    test: { features: test, y: Int32Array.from([1]) },
    trainInTrain: nearestNeighbours(train, train, 3, { excludeSelf: true }),
    testInTrain: nearestNeighbours(test, train, 3),
    testInTest: nearestNeighbours(test, test, 3, { excludeSelf: true }),
  });
  assert.equal(report.medianNeighbourDistance, 0);
  assert.deepEqual([...report.trainDistance.subarray(0, 4)], [0, 0, 0, 0]);
  assert.deepEqual([...report.testDistance], [0]);
  assert.ok(Number.isNaN(report.trainDistance[4]), 'the one apart has no scale to be measured on');
  assert.equal(report.sets.length, 1);
  assert.equal(report.sets[0].maxDistance, 0);
});
