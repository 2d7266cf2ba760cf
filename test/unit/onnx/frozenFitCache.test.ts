/**
 * The saved fit on the user's own features (issue 15 with the fit cache): a
 * run that changes only how it is scored (top-k, estimator, the reliability
 * check) reuses the head fitted on the model's or the embeddings' features —
 * results as a fresh run's, no head fitted — and a changed model file (even
 * one of the same size and mtime whose features are unchanged: only its final
 * layer differs), a changed embeddings side file or a changed probabilities
 * file is fitted again.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AnalyzeRun } from '../../../src/compute/pipeline/analyze';
import { frozenFingerprint } from '../../../src/compute/pipeline/fitFrozen';
import { createRng } from '../../../src/compute/random';
import type { ResultsFile } from '../../../src/compute/results/schema';
import { initBackend } from '../../../src/compute/tf/backend';
import { analyzeWithLog } from './analyzeWithLog';
import { makeMlp, mlpBytes } from './models';

const CLASSES = ['a', 'b', 'c'];
const mlp = makeMlp(5, 6, 3, 21);
let dir: string;
let table: string;
let model: string;
let side: string;
let probs: string;

before(async () => {
  await initBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-frozenfit-'));
  const rng = createRng(8);
  const lines = ['f0,f1,f2,f3,f4,label,split'];
  const emb: string[] = [];
  const p: string[] = ['a,b,c'];
  for (let i = 0; i < 60; i++) {
    const c = i % 3;
    const row = Array.from({ length: 5 }, (_, k) => ((k === c ? 2 : 0) + 2 * rng() - 1).toFixed(4));
    lines.push([...row, CLASSES[i === 10 ? 0 : c], i % 4 === 3 ? 'test' : 'train'].join(','));
    emb.push(row.slice(0, 4).join(','));
    p.push(CLASSES.map((_, k) => (k === c ? '0.8' : '0.1')).join(','));
  }
  table = path.join(dir, 'table.csv');
  fs.writeFileSync(table, lines.join('\n') + '\n');
  model = path.join(dir, 'mlp.onnx');
  fs.writeFileSync(model, mlpBytes(mlp));
  fs.writeFileSync(path.join(dir, 'mlp.preprocess.json'), JSON.stringify({ columns: ['f0', 'f1', 'f2', 'f3', 'f4'] }));
  side = path.join(dir, 'emb.csv');
  fs.writeFileSync(side, emb.join('\n') + '\n');
  probs = path.join(dir, 'probs.csv');
  fs.writeFileSync(probs, p.join('\n') + '\n');
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The results without what differs between any two runs (when, how long). */
function comparable(r: ResultsFile): Omit<ResultsFile, 'timings' | 'createdAt'> {
  const { timings: _t, createdAt: _c, ...rest } = r;
  return rest;
}

const run = (options: Partial<AnalyzeRun>) => analyzeWithLog({ datasetPath: table, ...options });

/** Rewrites `file` with `edit` applied to its bytes, keeping its size and putting back its mtime. */
function rewriteKeepingSizeAndMtime(file: string, edit: (bytes: Buffer) => Buffer): void {
  const before = fs.statSync(file);
  const bytes = edit(fs.readFileSync(file));
  assert.equal(bytes.length, before.size, 'the replacement has the same size');
  fs.writeFileSync(file, bytes);
  fs.utimesSync(file, before.atime, before.mtime);
}

const refitted = (log: string) => assert.match(log, /fitting: .*other data/);

describe('a fit on your own model file', () => {
  const fitPath = () => path.join(dir, 'model-fit.bin');
  const options = () => ({ modelFile: model, fitPath: fitPath() });

  test('is saved, and reused by runs that change only top-k, the estimator or the reliability check', async () => {
    const first = await run({ ...options(), topK: 5 });
    assert.match(first.log, /fit saved to/);
    for (const score of [{ topK: 12 }, { topK: 12, method: 'cg' as const }, { topK: 5, verify: 3 }]) {
      const fresh = await run({ modelFile: model, ...score });
      const again = await run({ ...options(), ...score });
      assert.match(again.log, /reusing the saved fit/, JSON.stringify(score));
      for (const stage of ['fitHead', 'crossfit'])
        assert.equal(stage in again.results.timings.stages, false, `${stage} did not run (${JSON.stringify(score)})`);
      assert.ok('fitHead' in fresh.results.timings.stages);
      // The model section (which file, the refit figures) comes back with the fit.
      assert.deepEqual(again.results.model.source, fresh.results.model.source);
      assert.deepEqual(comparable(again.results), comparable(fresh.results), JSON.stringify(score));
    }
  });

  test('replaced by a model of the same size and mtime with other final-layer weights, is fitted again', async () => {
    await run(options());
    const other = { ...mlp, w2: mlp.w2.map((w) => -w), b2: mlp.b2.map((b) => b + 0.5) };
    const bytes = Buffer.from(mlpBytes(other));
    rewriteKeepingSizeAndMtime(model, () => bytes);
    try {
      const again = await run(options());
      refitted(again.log);
      const fresh = await run({ modelFile: model });
      assert.deepEqual(comparable(again.results), comparable(fresh.results));
    } finally {
      fs.writeFileSync(model, mlpBytes(mlp));
    }
  });

  test('a changed preprocessing file beside it is fitted again', async () => {
    await run(options());
    const spec = path.join(dir, 'mlp.preprocess.json');
    const original = fs.readFileSync(spec);
    // Same columns, another order: other features from the same model bytes.
    fs.writeFileSync(spec, JSON.stringify({ columns: ['f1', 'f0', 'f2', 'f3', 'f4'] }));
    try {
      refitted((await run(options())).log);
    } finally {
      fs.writeFileSync(spec, original);
    }
  });
});

describe('a fit on your embeddings', () => {
  const fitPath = () => path.join(dir, 'emb-fit.bin');

  test('is reused by a run with another top-k, and fitted again when the side file changes (same size)', async () => {
    const options = { embeddingsFile: side, fitPath: fitPath() };
    assert.match((await run(options)).log, /fit saved to/);
    const again = await run({ ...options, topK: 3 });
    assert.match(again.log, /reusing the saved fit/);
    assert.deepEqual(comparable(again.results), comparable((await run({ embeddingsFile: side, topK: 3 })).results));
    const original = fs.readFileSync(side);
    // One digit of one embedding: the same size, the same mtime.
    rewriteKeepingSizeAndMtime(side, (b) => {
      const copy = Buffer.from(b);
      const at = copy.indexOf('.') + 1;
      copy[at] = copy[at] === 0x39 ? 0x38 : copy[at] + 1;
      return copy;
    });
    try {
      refitted((await run(options)).log);
    } finally {
      fs.writeFileSync(side, original);
    }
  });

  test('a changed probabilities file is fitted again (the features are the same)', async () => {
    const options = { embeddingsFile: side, probabilitiesFile: probs, fitPath: path.join(dir, 'prob-fit.bin') };
    await run(options);
    assert.match((await run({ ...options, topK: 4 })).log, /reusing the saved fit/);
    const original = fs.readFileSync(probs);
    rewriteKeepingSizeAndMtime(probs, (b) => Buffer.from(b.toString('latin1').replace('0.8,0.1,0.1', '0.1,0.8,0.1')));
    try {
      refitted((await run(options)).log);
    } finally {
      fs.writeFileSync(probs, original);
    }
  });
});

test('the key of a frozen fit: the same data with another model head or other probabilities is another key', () => {
  const source = {
    kind: 'onnx' as const,
    file: 'm.onnx',
    description: 'output h of m.onnx',
    embeddingDim: 2,
    outOfSample: 'cross-fitted',
  };
  const base = { source, initHead: Float64Array.from([1, 2, 3]), contentKey: 'onnx aaa' };
  const key = frozenFingerprint('data', base);
  assert.equal(frozenFingerprint('data', { ...base, initHead: Float64Array.from([1, 2, 3]) }), key, 'deterministic');
  for (const other of [
    { ...base, initHead: Float64Array.from([1, 2, 4]) },
    { ...base, contentKey: 'onnx aab' },
    { ...base, userOosProbs: Float64Array.from([0.5, 0.5]) },
    { ...base, source: { ...source, file: 'n.onnx' } },
  ])
    assert.notEqual(frozenFingerprint('data', other), key);
  assert.notEqual(frozenFingerprint('other data', base), key);
});
