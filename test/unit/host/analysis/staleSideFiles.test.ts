/**
 * Cached results on the user's own model or embeddings (issue 15) are stale
 * when the model file, its preprocessing or a side file changed, not only
 * when the dataset did: a retrained model written over the old one — even of
 * the same size with its mtime put back — must not open as fresh. Content,
 * not mtimes, like the dataset's own fingerprint.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ResultsCache } from '../../../../src/host/analysis/cache';
import {
  type AnalysisInputs,
  fingerprintAnalysis,
  fingerprintDataset,
  sideFiles,
} from '../../../../src/host/analysis/fingerprint';

const dir = mkdtempSync(path.join(os.tmpdir(), 'il-stale-side-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const data = path.join(dir, 'data.csv');
writeFileSync(data, 'a,label\n1,cat\n2,dog\n');

/** Writes `bytes` over `file`, which must keep its size, and puts its mtime back. */
function replaceKeepingSizeAndMtime(file: string, bytes: Buffer): void {
  const before = statSync(file);
  assert.equal(bytes.length, before.size);
  writeFileSync(file, bytes);
  utimesSync(file, before.atime, before.mtime);
}

/** The status the results cache gives results recorded on `inputs` after `change`. */
async function statusAfter(inputs: AnalysisInputs, change: () => void): Promise<'fresh' | 'stale' | undefined> {
  const cache = new ResultsCache(path.join(dir, `cache-${Math.random().toString(16).slice(2)}`));
  await cache.prepare(data);
  const file = cache.resultsPath(data, 'k');
  writeFileSync(file, '{}');
  await cache.record(data, {
    settingsKey: 'k',
    fingerprint: await fingerprintAnalysis(data, inputs),
    resultsFile: path.basename(file),
    createdAt: 't',
    options: { datasetPath: data },
  });
  change();
  return (await cache.lookup(data, 'k', await fingerprintAnalysis(data, inputs)))?.status;
}

test('a model file replaced by one of the same size and mtime is stale; the same bytes are not', async () => {
  const model = path.join(dir, 'model.onnx');
  writeFileSync(model, Buffer.from('onnx-weights-AAAA'));
  const inputs = { modelFile: model };
  assert.equal(
    await statusAfter(inputs, () => writeFileSync(model, Buffer.from('onnx-weights-AAAA'))),
    'fresh',
    'rewriting the same bytes (a new mtime) is no change',
  );
  assert.equal(
    await statusAfter(inputs, () => replaceKeepingSizeAndMtime(model, Buffer.from('onnx-weights-AAAB'))),
    'stale',
  );
});

test("the model's default preprocessing file beside it counts: created, changed or removed", async () => {
  const model = path.join(dir, 'net.onnx');
  writeFileSync(model, 'net');
  const spec = path.join(dir, 'net.preprocess.json');
  assert.deepEqual(sideFiles({ modelFile: model }), [model, spec]);
  assert.equal(await statusAfter({ modelFile: model }, () => writeFileSync(spec, '{"scale":1}')), 'stale');
  assert.equal(await statusAfter({ modelFile: model }, () => writeFileSync(spec, '{"scale":2}')), 'stale');
  assert.equal(await statusAfter({ modelFile: model }, () => rmSync(spec)), 'stale');
  // A named preprocessing file replaces the default one.
  const named = path.join(dir, 'other.json');
  writeFileSync(named, '{}');
  assert.deepEqual(sideFiles({ modelFile: model, preprocessFile: named }), [model, named]);
  assert.equal(
    await statusAfter({ modelFile: model, preprocessFile: named }, () => writeFileSync(spec, '{"scale":3}')),
    'fresh',
  );
});

test('embeddings, test embeddings and probabilities side files count', async () => {
  for (const option of ['embeddingsFile', 'testEmbeddingsFile', 'probabilitiesFile'] as const) {
    const file = path.join(dir, `${option}.csv`);
    writeFileSync(file, '0.25,0.75\n0.50,0.50\n');
    const inputs = { [option]: file };
    assert.equal(await statusAfter(inputs, () => writeFileSync(file, readFileSync(file))), 'fresh', option);
    assert.equal(
      await statusAfter(inputs, () => replaceKeepingSizeAndMtime(file, Buffer.from('0.25,0.75\n0.50,0.51\n'))),
      'stale',
      option,
    );
  }
});

test('without side files the fingerprint is the dataset alone (older cached results stay fresh)', async () => {
  assert.equal(await fingerprintAnalysis(data, {}), await fingerprintDataset(data));
  assert.notEqual(
    await fingerprintAnalysis(data, { modelFile: path.join(dir, 'model.onnx') }),
    await fingerprintDataset(data),
  );
});
