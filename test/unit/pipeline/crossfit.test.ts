/** Stratified folds, the cross-fitting tasks built from them, and the out-of-sample scatter. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import type { TrainingData } from '../../../src/compute/models/types';
import type { TrainDone } from '../../../src/compute/parallel/messages';
import { collectOutOfSample, crossFitTasks } from '../../../src/compute/pipeline/crossfit';
import { stratifiedFolds } from '../../../src/compute/pipeline/folds';

/** Per class, how many samples each fold got. */
function countsByClass(y: Int32Array, assignment: Int32Array, numClasses: number, folds: number): number[][] {
  const counts = Array.from({ length: numClasses }, () => new Array<number>(folds).fill(0));
  y.forEach((c, i) => counts[c][assignment[i]]++);
  return counts;
}

const labelsArb = fc
  .record({ numClasses: fc.integer({ min: 1, max: 6 }), folds: fc.integer({ min: 2, max: 7 }), seed: fc.nat() })
  .chain(({ numClasses, folds, seed }) =>
    fc.record({
      numClasses: fc.constant(numClasses),
      folds: fc.constant(folds),
      seed: fc.constant(seed),
      y: fc.array(fc.integer({ min: 0, max: numClasses - 1 }), { maxLength: 200 }).map((a) => Int32Array.from(a)),
    }),
  );

describe('stratifiedFolds', () => {
  test('every sample gets exactly one fold in [0, folds): disjoint and covering', () => {
    fc.assert(
      fc.property(labelsArb, ({ y, numClasses, folds, seed }) => {
        const a = stratifiedFolds(y, numClasses, folds, seed);
        assert.equal(a.length, y.length);
        for (const f of a) assert.ok(Number.isInteger(f) && f >= 0 && f < folds, `fold ${f}`);
      }),
    );
  });

  test('each class is spread over the folds within ±1, and so are the fold sizes', () => {
    fc.assert(
      fc.property(labelsArb, ({ y, numClasses, folds, seed }) => {
        const a = stratifiedFolds(y, numClasses, folds, seed);
        for (const perFold of countsByClass(y, a, numClasses, folds)) {
          assert.ok(Math.max(...perFold) - Math.min(...perFold) <= 1, `class counts per fold ${perFold}`);
        }
        const sizes = new Array<number>(folds).fill(0);
        a.forEach((f) => sizes[f]++);
        assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `fold sizes ${sizes}`);
      }),
    );
  });

  test('a class with at least `folds` members is in every fold', () => {
    const y = Int32Array.from({ length: 53 }, (_, i) => (i < 5 ? 0 : i < 12 ? 1 : 2)); // 5, 7 and 41 samples
    const a = stratifiedFolds(y, 3, 5, 9);
    for (const perFold of countsByClass(y, a, 3, 5))
      assert.ok(
        perFold.every((k) => k >= 1),
        `${perFold}`,
      );
  });

  test('deterministic for a seed; another seed deals the samples differently', () => {
    fc.assert(
      fc.property(labelsArb, ({ y, numClasses, folds, seed }) => {
        assert.deepEqual(stratifiedFolds(y, numClasses, folds, seed), stratifiedFolds(y, numClasses, folds, seed));
      }),
    );
    const y = Int32Array.from({ length: 100 }, (_, i) => i % 3);
    const a = stratifiedFolds(y, 3, 5, 1);
    const b = stratifiedFolds(y, 3, 5, 2);
    assert.notDeepEqual(a, b);
    // Shuffled, not dealt in file order.
    assert.notDeepEqual(
      a,
      Int32Array.from(y, (_, i) => i % 5),
    );
  });
});

describe('crossFitTasks', () => {
  const n = 47;
  const dims = 3;
  const numClasses = 3;
  // Row i is [i, i + 0.25, i + 0.5]: every row identifies its sample.
  const data: TrainingData = {
    x: Float32Array.from({ length: n * dims }, (_, k) => Math.floor(k / dims) + (k % dims) * 0.25),
    y: Int32Array.from({ length: n }, (_, i) => (i * 7) % numClasses),
    n,
    dims,
    numClasses,
  };
  const config = { ...defaultModelConfig('mlp'), seed: 3 };
  const { tasks, heldOut } = crossFitTasks(data, config, 4, 3, 'wasm');

  test('one task per fold; held-out sets are disjoint and cover every sample', () => {
    assert.equal(tasks.length, 4);
    assert.equal(heldOut.length, 4);
    assert.deepEqual(
      tasks.map((t) => t.taskId),
      [1, 2, 3, 4],
      'task 0 is the main model',
    );
    const all = heldOut.flatMap((h) => Array.from(h)).sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: n }, (_, i) => i),
    );
  });

  test('fold f trains on every sample outside it, in order, and predicts exactly its held-out samples', () => {
    tasks.forEach((task, f) => {
      const held = new Set(heldOut[f]);
      const trainOn = Array.from({ length: n }, (_, i) => i).filter((i) => !held.has(i));
      // The task names rows of the one shared data set instead of carrying a copy.
      assert.equal(task.data, data);
      assert.deepEqual(Array.from(task.rows!), trainOn);
      assert.deepEqual(Array.from(task.evalRows!), Array.from(heldOut[f]));
      assert.equal(task.data.numClasses, numClasses, 'all classes, even if a fold missed one');
      assert.equal(task.evalX, undefined);
      assert.equal(task.backend, 'wasm');
      assert.equal(task.config.kind, 'mlp');
      assert.equal(task.config.epochs, config.epochs);
    });
  });

  test('each fold model has its own seed, different from the main model', () => {
    const seeds = tasks.map((t) => t.config.seed);
    assert.equal(new Set([...seeds, config.seed]).size, seeds.length + 1);
    assert.deepEqual(crossFitTasks(data, config, 4, 3).heldOut, heldOut, 'deterministic');
  });
});

describe('collectOutOfSample', () => {
  const n = 23;
  const C = 4;
  const heldOut = [
    Int32Array.from([5, 0, 22, 7]),
    Int32Array.from([1, 2, 3, 4, 6]),
    Int32Array.from({ length: 14 }, (_, k) => k + 8),
  ];
  /** Fold f predicts, for its r-th held-out sample i, p(c) = i·10 + c (a value that says where it belongs). */
  const done = (f: number): TrainDone =>
    ({
      type: 'trained',
      taskId: f + 1,
      backend: 'wasm',
      seconds: 0,
      net: undefined as never,
      evalProbs: Float32Array.from(
        { length: heldOut[f].length * C },
        (_, k) => heldOut[f][Math.floor(k / C)] * 10 + (k % C),
      ),
    }) satisfies TrainDone;

  test("scatters every fold's rows back to sample order", () => {
    const probs = collectOutOfSample([done(0), done(1), done(2)], heldOut, n, C);
    assert.ok(probs instanceof Float64Array);
    assert.equal(probs.length, n * C);
    for (let i = 0; i < n; i++)
      for (let c = 0; c < C; c++) assert.equal(probs[i * C + c], i * 10 + c, `sample ${i}, class ${c}`);
  });

  test('a fold without held-out probabilities is an error naming the fold', () => {
    const broken = { ...done(1), evalProbs: undefined };
    assert.throws(() => collectOutOfSample([done(0), broken, done(2)], heldOut, n, C), /fold 1/);
  });
});
