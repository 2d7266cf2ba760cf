/**
 * The working budget on the user's own features (pipeline/frozenSample.ts):
 * before, an embeddings or ONNX run estimated past the limit at default
 * options was refused, where a table of the same size was analyzed on a
 * stratified sample. The limit here is made small through the context's free
 * memory (75% of it is the limit), so the estimate itself decides, as in a run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimateRunMemory, SAMPLE_TARGET_SHARE } from '../../../src/compute/pipeline/memoryEstimate';
import { sampleFrozenToBudget } from '../../../src/compute/pipeline/frozenSample';
import type { FrozenFeatures } from '../../../src/compute/pipeline/fitFrozen';
import {
  dataShape,
  runFitsLimit,
  runShape,
  validateRun,
  type RunContext,
} from '../../../src/compute/pipeline/validateRun';
import type { LoadedDataset, SplitData } from '../../../src/compute/types';

// Wide enough that the features and the head, not the runtime's fixed share, decide the estimate.
const DIMS = 256;
const CLASSES = ['ant', 'bee', 'cat', 'dog'];
/** Class shares 1 : 2 : 3 : 4, so a sample that ignored them would show. */
const classOf = (i: number) => (i % 10 < 1 ? 0 : i % 10 < 3 ? 1 : i % 10 < 6 ? 2 : 3);

/** A split whose row i carries i (and the split's offset) in every feature, so a kept row names its origin. */
function split(n: number, offset: number): SplitData {
  const x = new Float32Array(n * DIMS);
  for (let i = 0; i < n; i++) x.fill(offset + i, i * DIMS, (i + 1) * DIMS);
  return {
    x,
    y: Int32Array.from({ length: n }, (_, i) => classOf(i)),
    sources: Array.from({ length: n }, (_, i) => ({ path: 'emb.csv', line: offset + i + 2, row: offset + i })),
    preview: Array.from({ length: n }, (_, i) => `row ${offset + i}`),
    contentHash: Float64Array.from({ length: n }, (_, i) => offset + i + 0.5),
  };
}

function run(nTrain: number, nTest: number): { data: LoadedDataset; frozen: FrozenFeatures } {
  const C = CLASSES.length;
  // The user's out-of-sample probabilities: row i puts i / 1e6 on class 0 and the rest on its own class (rows differ).
  const probs = new Float64Array(nTrain * C);
  for (let i = 0; i < nTrain; i++) {
    probs[i * C] = i / 1e6;
    probs[i * C + classOf(i)] += 1 - i / 1e6;
  }
  return {
    data: {
      root: '/d',
      format: 'csv',
      labelColumn: 'label',
      classes: CLASSES,
      dims: DIMS,
      testSource: 'split-column',
      train: split(nTrain, 0),
      test: split(nTest, nTrain),
      warnings: ['an earlier note'],
    },
    frozen: {
      userOosProbs: probs,
      source: {
        kind: 'embeddings',
        file: 'emb.csv',
        description: 'columns of emb.csv',
        embeddingDim: DIMS,
        outOfSample: 'p.csv',
      },
    },
  };
}

const options = { datasetPath: 'emb.csv', embeddingsFile: 'emb.npy', model: 'logreg' as const };

/** A context whose limit (75% of the free memory it names) is `share` of what the run is estimated to need. */
function contextFor(data: LoadedDataset, share: number): RunContext {
  const base: RunContext = { backend: 'wasm', workers: 2 };
  const need = estimateRunMemory(runShape(options, dataShape(data), base.workers)).totalBytes;
  return { ...base, availableBytes: (share * need) / 0.75 };
}

describe('the working budget on the user’s own features', () => {
  test('a run that fits is left exactly as it is', () => {
    const r = run(30000, 10000);
    assert.equal(sampleFrozenToBudget(r, options, contextFor(r.data, 1.5), 7), r);
  });

  test('past the limit: a stratified sample that fits, each row keeps its features, source, probabilities', () => {
    const r = run(30000, 10000);
    const ctx = contextFor(r.data, 0.8);
    assert.throws(() => validateRun(options, r.data, ctx), /would not fit in memory/);
    const s = sampleFrozenToBudget(r, options, ctx, 7);
    const kept = s.data.train.y.length + s.data.test.y.length;
    assert.ok(kept < 40000 && kept > 2000, `${kept} kept`);
    // It fits with the loaders' margin below the limit, beside the whole set's vectors (read before the sample was
    // sized, and freed when the collector chooses), and validateRun lets it through.
    assert.ok(runFitsLimit(options, s.data, ctx));
    const limit = 0.75 * ctx.availableBytes!;
    const need = estimateRunMemory(runShape(options, dataShape(s.data), 2)).totalBytes;
    const held = 40000 * DIMS * 4;
    assert.ok(need + held <= SAMPLE_TARGET_SHARE * limit, `${need} + ${held} of ${limit}`);
    assert.doesNotThrow(() => validateRun(options, s.data, ctx));
    // Train and test keep their shares of the whole.
    assert.ok(Math.abs(s.data.train.y.length / kept - 0.75) < 0.01);

    for (const [name, offset] of [
      ['train', 0],
      ['test', 30000],
    ] as const) {
      const before = r.data[name];
      const after = s.data[name];
      const rows = after.sources.map((src) => src.row! - offset);
      // File order is kept, and no row twice.
      assert.ok(rows.every((v, k) => k === 0 || v > rows[k - 1]));
      rows.forEach((i, k) => {
        assert.equal(after.y[k], before.y[i]);
        assert.equal(after.preview[k], `row ${offset + i}`);
        assert.equal(after.contentHash![k], offset + i + 0.5);
        assert.ok(after.x.subarray(k * DIMS, (k + 1) * DIMS).every((v) => v === offset + i));
      });
      // Each class keeps its share of the split (to one sample).
      for (let c = 0; c < CLASSES.length; c++) {
        const want = (before.y.filter((y) => y === c).length * after.y.length) / before.y.length;
        assert.ok(Math.abs(after.y.filter((y) => y === c).length - want) <= 1, `${name} class ${c}`);
      }
    }
    const C = CLASSES.length;
    s.data.train.sources.forEach((src, k) =>
      assert.deepEqual(
        s.frozen.userOosProbs!.subarray(k * C, (k + 1) * C),
        r.frozen.userOosProbs!.subarray(src.row! * C, (src.row! + 1) * C),
      ),
    );
    assert.equal(s.frozen.source, r.frozen.source);
    assert.equal(s.data.warnings[0], 'an earlier note');
    assert.match(
      s.data.warnings[1],
      new RegExp(
        `^Analyzed a stratified sample of ${kept.toLocaleString('en-US')} of 40,000 samples to stay within .* of memory; set the maxSamples option to choose\\.$`,
      ),
    );
  });

  test('the same seed picks the same sample; the input is not changed', () => {
    const r = run(30000, 10000);
    const xBefore = r.data.train.x.slice();
    const ctx = contextFor(r.data, 0.8);
    const a = sampleFrozenToBudget(r, options, ctx, 7);
    const b = sampleFrozenToBudget(r, options, ctx, 7);
    assert.deepEqual(a.data.train.sources, b.data.train.sources);
    assert.deepEqual(a.data.test.sources, b.data.test.sources);
    assert.deepEqual(r.data.train.x, xBefore);
    assert.equal(r.data.train.y.length, 30000);
  });

  test('a user who chose the samples or the limit gets that: the run is left for validateRun to refuse', () => {
    const r = run(30000, 10000);
    const ctx = contextFor(r.data, 0.8);
    for (const chosen of [{ maxSamples: 40000 }, { maxMemoryMB: Math.floor((0.75 * ctx.availableBytes!) / 2 ** 20) }]) {
      const o = { ...options, ...chosen };
      assert.equal(sampleFrozenToBudget(r, o, ctx, 7), r);
      assert.throws(() => validateRun(o, r.data, ctx), /would not fit in memory/);
    }
  });

  test('too small a budget to keep two samples per class: left for validateRun to refuse', () => {
    const r = run(30000, 10000);
    const ctx = contextFor(r.data, 0.001);
    assert.equal(sampleFrozenToBudget(r, options, ctx, 7), r);
  });
});
