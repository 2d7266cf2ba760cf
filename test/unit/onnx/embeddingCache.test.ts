/**
 * The user's model's vectors kept beside the saved fit (onnx/embeddingCache.ts): a second run on the same model and
 * data takes them instead of running the model — results byte for byte a fresh run's — and a changed sample, another
 * model or preprocessing, or a damaged file is never taken.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PNG } from 'pngjs';
import {
  EmbeddingCache,
  openEmbeddingCache,
  sampleDigest,
  saveEmbeddingCache,
} from '../../../src/compute/onnx/embeddingCache';
import type { AnalyzeRun } from '../../../src/compute/pipeline/analyze';
import { createRng } from '../../../src/compute/random';
import type { ResultsFile } from '../../../src/compute/results/schema';
import { initBackend } from '../../../src/compute/tf/backend';
import { analyzeWithLog } from './analyzeWithLog';
import { cnnBytes, makeCnn, makeMlp, mlpBytes } from './models';

const CLASSES = ['a', 'b', 'c'];
let dir: string;
let table: string;
let images: string;

/** 40 images per class: more than one batch of 32, so a changed image leaves other batches to take. */
const PER_CLASS = 40;

function writeImage(file: string, c: number, rng: () => number): void {
  const png = new PNG({ width: 8, height: 8 });
  for (let p = 0; p < 64; p++) {
    const v = Math.min(255, Math.floor((Math.floor(p / 8) % 3 === c ? 160 : 30) + 90 * rng()));
    png.data.set([v, v, v, 255], p * 4);
  }
  fs.writeFileSync(file, PNG.sync.write(png));
}

before(async () => {
  await initBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-embcache-'));
  const rng = createRng(5);
  const lines = ['f0,f1,f2,f3,f4,label,split'];
  for (let i = 0; i < 60; i++) {
    const c = i % 3;
    const row = Array.from({ length: 5 }, (_, k) => ((k === c ? 2 : 0) + 2 * rng() - 1).toFixed(4));
    lines.push([...row, CLASSES[i === 10 ? 0 : c], i % 4 === 3 ? 'test' : 'train'].join(','));
  }
  table = path.join(dir, 'table.csv');
  fs.writeFileSync(table, lines.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'mlp.onnx'), mlpBytes(makeMlp(5, 6, 3, 21)));
  fs.writeFileSync(path.join(dir, 'mlp.preprocess.json'), JSON.stringify({ columns: ['f0', 'f1', 'f2', 'f3', 'f4'] }));
  images = path.join(dir, 'images');
  for (const [c, name] of CLASSES.entries()) {
    fs.mkdirSync(path.join(images, name), { recursive: true });
    for (let k = 0; k < PER_CLASS; k++) writeImage(path.join(images, name, `${k}.png`), c, rng);
  }
  fs.writeFileSync(path.join(dir, 'cnn.onnx'), cnnBytes(makeCnn(8, 2, 3, 31)));
  fs.writeFileSync(path.join(dir, 'cnn.preprocess.json'), JSON.stringify({ mean: [0.5], std: [0.25] }));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The results without what differs between any two runs (when, how long, which runtime computed the vectors). */
function comparable(r: ResultsFile) {
  const { timings: _t, createdAt: _c, ...rest } = r;
  const source = rest.model.source ? { ...rest.model.source, runtime: undefined } : undefined;
  return { ...rest, model: { ...rest.model, source } };
}

const run = (options: Partial<AnalyzeRun>) => analyzeWithLog({ datasetPath: table, skipIssues: true, ...options });

describe('the vectors of a table model', () => {
  const fitPath = () => path.join(dir, 'table-fit.bin');
  const model = () => path.join(dir, 'mlp.onnx');

  test('are kept, then taken by the next run: the model is not run, the results are a fresh run’s', async () => {
    const first = await run({ modelFile: model(), fitPath: fitPath() });
    assert.match(first.log, /embeddings saved to .*table-fit\.bin\.embeddings/);
    assert.ok(fs.existsSync(`${fitPath()}.embeddings`));
    const again = await run({ modelFile: model(), fitPath: fitPath(), topK: 7 });
    assert.match(again.log, /took 60 of 60 embeddings/);
    assert.match(again.log, /reusing the saved fit/, 'the vectors taken are the fit key’s vectors');
    assert.doesNotMatch(again.log, /embeddings saved/, 'nothing new to save');
    assert.deepEqual(comparable(again.results), comparable((await run({ modelFile: model(), topK: 7 })).results));
    // Other fit options at the same path: a new fit on the kept vectors, and the results say no model ran.
    const refolded = await run({ modelFile: model(), fitPath: fitPath(), folds: 3 });
    assert.match(refolded.log, /took 60 of 60 embeddings[^]*fitting: /);
    assert.match(refolded.results.model.source!.runtime!, /none: all 60 vectors kept from an earlier run/);
    const fresh = await run({ modelFile: model(), folds: 3 });
    assert.match(fresh.results.model.source!.runtime!, /onnxruntime/);
    assert.deepEqual(comparable(refolded.results), comparable(fresh.results));
  });

  test('an edited row is embedded again (its batch runs the model), and the results are a fresh run’s', async () => {
    await run({ modelFile: model(), fitPath: fitPath() });
    const original = fs.readFileSync(table, 'utf8');
    const lines = original.split('\n');
    lines[5] = lines[5].replace(/^[^,]+/, '9.9999');
    fs.writeFileSync(table, lines.join('\n'));
    try {
      const again = await run({ modelFile: model(), fitPath: fitPath() });
      // The training rows sit in one batch with the edited row: all of them run; the test rows are taken.
      assert.match(again.log, /took 15 of 60 embeddings/);
      assert.match(again.results.model.source!.runtime!, /onnxruntime.*15 vectors kept/);
      assert.deepEqual(comparable(again.results), comparable((await run({ modelFile: model() })).results));
    } finally {
      fs.writeFileSync(table, original);
    }
  });
});

describe('the vectors of an image model', () => {
  const fitPath = () => path.join(dir, 'image-fit.bin');
  const options = () => ({ datasetPath: images, modelFile: path.join(dir, 'cnn.onnx'), fitPath: fitPath() });

  test('are taken by the next run; one changed image costs its own batch only', async () => {
    const total = 3 * PER_CLASS;
    assert.match((await run(options())).log, /embeddings saved to/);
    const again = await run({ ...options(), topK: 4 });
    assert.match(again.log, new RegExp(`took ${total} of ${total} embeddings[^]*reusing the saved fit`));
    const fresh = await run({ datasetPath: images, modelFile: path.join(dir, 'cnn.onnx'), topK: 4 });
    assert.deepEqual(comparable(again.results), comparable(fresh.results));

    const file = path.join(images, 'b', '7.png');
    const original = fs.readFileSync(file);
    writeImage(file, 2, createRng(99));
    try {
      const edited = await run(options());
      const taken = Number(/took (\d+) of/.exec(edited.log)?.[1]);
      // At most one batch of 32 (the edited image's) ran again; every other batch was taken.
      assert.ok(taken >= total - 32 && taken < total, `took ${taken} of ${total}`);
      const freshEdited = await run({ datasetPath: images, modelFile: path.join(dir, 'cnn.onnx') });
      assert.deepEqual(comparable(edited.results), comparable(freshEdited.results));
    } finally {
      fs.writeFileSync(file, original);
    }
  });

  test('another preprocessing is another key: nothing is taken', async () => {
    await run(options());
    const spec = path.join(dir, 'cnn.preprocess.json');
    const original = fs.readFileSync(spec);
    fs.writeFileSync(spec, JSON.stringify({ mean: [0.4], std: [0.25] }));
    try {
      assert.doesNotMatch((await run(options())).log, /took \d+ of/);
    } finally {
      fs.writeFileSync(spec, original);
    }
  });

  test('a damaged or foreign file beside the fit is not taken, and the run still succeeds', async () => {
    const file = `${fitPath()}.embeddings`;
    for (const bytes of [
      Buffer.from('not a cache'),
      fs.readFileSync(`${path.join(dir, 'table-fit.bin')}.embeddings`),
    ]) {
      fs.writeFileSync(file, bytes);
      const again = await run(options());
      assert.doesNotMatch(again.log, /took \d+ of/);
      assert.match(again.log, /embeddings saved to/);
    }
  });
});

test('the cache answers a batch only when every sample of it is kept, and reads back what it wrote', async () => {
  const digests = ['x', 'y', 'z'].map((s) => sampleDigest(Buffer.from(s)));
  const written = new EmbeddingCache('key');
  written.put(digests, Float32Array.from([1, 2, 3, 4, 5, 6]), 2);
  written.embedded = 3;
  const file = path.join(dir, 'roundtrip.embeddings');
  fs.writeFileSync(file, written.encode()!);
  const read = await openEmbeddingCache(file, 'key');
  assert.deepEqual(Array.from(read.take([digests[2], digests[0]])!), [5, 6, 1, 2]);
  assert.equal(read.take([digests[0], sampleDigest(Buffer.from('w'))]), null);
  assert.equal(read.taken, 2);
  assert.equal((await openEmbeddingCache(file, 'other key')).take([digests[0]]), null);
  assert.equal((await openEmbeddingCache(path.join(dir, 'missing'), 'key')).take([digests[0]]), null);
});

test('vectors beyond the size kept are not saved, and the file kept from before is removed', async () => {
  const file = path.join(dir, 'large.embeddings');
  const digests = ['x', 'y'].map((s) => sampleDigest(Buffer.from(s)));
  const small = new EmbeddingCache('key');
  small.put(digests, Float32Array.from([1, 2, 3, 4]), 2);
  small.embedded = 2;
  assert.equal(await saveEmbeddingCache(file, small, 16), 'saved');
  assert.equal(await saveEmbeddingCache(file, small, 15), 'too large');
  assert.equal(fs.existsSync(file), false);
  const unchanged = await openEmbeddingCache(file, 'key');
  assert.equal(await saveEmbeddingCache(file, unchanged), 'unchanged');
});
