/**
 * The user's own ONNX model (issue 15 item 1), on models the test writes as
 * protobuf with known weights: an MLP on a table and a small CNN on images.
 * The embeddings ONNX Runtime gives equal the same network computed here in
 * plain JS; the head read from the graph equals the weights written; the
 * influence over the head equals exact influence computed independently
 * from the same embedding matrix; and the model's problems are exit-2
 * messages naming the file, with nothing written.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { onnx } from 'onnx-proto';
import { PNG } from 'pngjs';
import { loadDataset } from '../../../src/compute/data';
import { writeNpy } from '../../../src/compute/data/embeddings/npy';
import { EmbeddingCache } from '../../../src/compute/onnx/embeddingCache';
import {
  embedWithModel,
  imageEmbedder,
  openModel,
  type RunState,
  tableModelWidth,
} from '../../../src/compute/onnx/embedModel';
import { analyze } from '../../../src/compute/pipeline/analyze';
import { createRng } from '../../../src/compute/random';
import type { ResultsFile } from '../../../src/compute/results/schema';
import { initBackend } from '../../../src/compute/tf/backend';
import { buildResultsView } from '../../../src/host/panel/resultsView';
import { describeRun, ensureBuilt, finished, runCli, startCli } from '../../helpers/cli';
import {
  cnnBytes,
  cnnEmbedding,
  makeCnn,
  makeMlp,
  mlpBytes,
  mlpEmbedding,
  modelBytes,
  node,
  valueInfo,
  floats,
} from './models';
import { newtonHead, referenceInfluence } from './reference';

const CLASSES = ['a', 'b', 'c'];
const ORDER = ['f2', 'f0', 'f1', 'f4', 'f3'];
const mlp = makeMlp(5, 6, 3, 21);
const cnn = makeCnn(8, 2, 3, 31);
let dir: string;
const rows: number[][] = [];
const labels: string[] = [];
/** Image pixels (0..255) by path relative to the image root. */
const pixels = new Map<string, number[]>();

before(async () => {
  await initBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-onnx-'));
  const rng = createRng(4);
  for (let i = 0; i < 60; i++) {
    const c = i % 3;
    rows.push(Array.from({ length: 5 }, (_, k) => Number(((k === c ? 2 : 0) + 2 * rng() - 1).toFixed(4))));
    labels.push(CLASSES[i === 10 ? 0 : c]);
  }
  const split = (i: number) => (i % 4 === 3 ? 'test' : 'train');
  fs.writeFileSync(
    path.join(dir, 'table.csv'),
    ['f0,f1,f2,f3,f4,label,split', ...rows.map((r, i) => [...r, labels[i], split(i)].join(','))].join('\n') + '\n',
  );
  fs.writeFileSync(path.join(dir, 'mlp.onnx'), mlpBytes(mlp));
  fs.writeFileSync(path.join(dir, 'mlp.preprocess.json'), JSON.stringify({ columns: ORDER }));

  const root = path.join(dir, 'images');
  for (const [c, name] of CLASSES.entries()) {
    fs.mkdirSync(path.join(root, name), { recursive: true });
    for (let k = 0; k < 12; k++) {
      const png = new PNG({ width: 8, height: 8 });
      const values: number[] = [];
      for (let p = 0; p < 64; p++) {
        // A bright band whose position depends on the class, plus noise.
        const v = Math.min(255, Math.floor((Math.floor(p / 8) % 3 === c ? 160 : 30) + 90 * rng()));
        values.push(v);
        png.data.set([v, v, v, 255], p * 4);
      }
      const rel = `${name}/${k}.png`;
      pixels.set(rel, values);
      fs.writeFileSync(path.join(root, rel), PNG.sync.write(png));
    }
  }
  fs.writeFileSync(path.join(dir, 'cnn.onnx'), cnnBytes(cnn));
  fs.writeFileSync(path.join(dir, 'cnn.preprocess.json'), JSON.stringify({ mean: [0.5], std: [0.25] }));
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

/** The model's embedding of every sample of the loaded dataset, and the JS reference, side by side. */
async function embedBoth(
  modelFile: string,
  datasetPath: string,
  reference: (source: string, row?: number) => number[],
) {
  const model = await openModel(modelFile);
  const ctx = { report: () => {} };
  const state = {};
  // An image model embeds while the images load (batch by batch), a table model after loading.
  const data = await loadDataset(datasetPath, {
    seed: 0,
    ...(model.image ? { imageFeatures: imageEmbedder(model, ctx, state) } : {}),
  });
  const got = await embedWithModel(model, data, { file: datasetPath, abs: datasetPath }, ctx, state);
  const expected = [...data.train.sources, ...data.test.sources].map((s) => reference(s.path, s.row));
  return { got, expected, data };
}

describe('an ONNX model as the feature source', () => {
  test(
    'MLP on a table: embeddings equal relu(x·W1ᵀ + b1) over the ' +
      "preprocessing's columns, the head equals the MatMul + Add weights",
    async () => {
      const { got, expected } = await embedBoth(path.join(dir, 'mlp.onnx'), path.join(dir, 'table.csv'), (_, row) =>
        mlpEmbedding(
          mlp,
          ORDER.map((c) => rows[row!][Number(c.slice(1))]),
        ),
      );
      assert.equal(got.dim, 6);
      const all = [...got.train, ...got.test];
      expected.flat().forEach((v, k) => assert.ok(close(all[k], v, 1e-5), `value ${k}: ${all[k]} vs ${v}`));
      assert.deepEqual([...got.initHead!], [...mlp.w2, ...mlp.b2], 'the head is [W2; b2] in the layout (F + 1) × C');
      assert.equal(got.source.embeddingOutput, 'hidden');
    },
  );

  test(
    'CNN on images: embeddings equal conv → relu → max-pool → flatten ' +
      'computed in JS after (v/255 − mean)/std, the head equals the Gemm ' +
      'weights',
    async () => {
      const { got, expected } = await embedBoth(path.join(dir, 'cnn.onnx'), path.join(dir, 'images'), (rel) =>
        cnnEmbedding(
          cnn,
          pixels.get(rel)!.map((v) => (v / 255 - 0.5) / 0.25),
        ),
      );
      assert.equal(got.dim, 32);
      const all = [...got.train, ...got.test];
      expected.flat().forEach((v, k) => assert.ok(close(all[k], v, 1e-4), `value ${k}: ${all[k]} vs ${v}`));
      assert.deepEqual([...got.initHead!], [...cnn.w2, ...cnn.b2]);
      assert.equal(got.source.embeddingOutput, 'emb');
    },
  );

  test("an image model's width is known before any image is embedded (the working budget samples first)", async () => {
    const model = await openModel(path.join(dir, 'cnn.onnx'));
    const reports: unknown[] = [];
    const embedder = imageEmbedder(model, { report: (p) => reports.push(p) }, {});
    // K channels of (S/2)² pooled values, from the model itself, with no image read and no progress reported.
    assert.equal(await embedder.width(), cnn.channels * (cnn.size / 2) ** 2);
    assert.deepEqual(reports, []);
    assert.equal(tableModelWidth(model, {}), undefined, 'an image model has no table width');
  });

  test("a table model's width is known before any row is embedded: its hidden layer's", async () => {
    const model = await openModel(path.join(dir, 'mlp.onnx'));
    const state: RunState = {};
    assert.equal(await tableModelWidth(model, state)!(), mlp.hidden);
    assert.ok(state.runtime, 'the width came from a run of the model');
  });

  test('a width the embedding cache kept is taken from it, with no runtime session opened', async () => {
    const table = await openModel(path.join(dir, 'mlp.onnx'));
    const image = await openModel(path.join(dir, 'cnn.onnx'));
    const kept = new EmbeddingCache('key', { digests: new Int32Array(8), phi: new Float32Array(7), dim: 7 });
    const widths = [
      (state: RunState) => tableModelWidth(table, state, kept)!,
      (state: RunState) => imageEmbedder(image, { report: () => {} }, state, kept).width,
    ];
    for (const width of widths) {
      const state: RunState = {};
      assert.equal(await width(state)(), 7);
      assert.equal(state.runtime, undefined, 'no session was opened');
    }
  });

  test(
    "influence over the model's head equals exact influence from the same " +
      'embeddings; the refit figures match an independent refit',
    async () => {
      const r = await analyze({
        datasetPath: path.join(dir, 'images'),
        modelFile: path.join(dir, 'cnn.onnx'),
        folds: 2,
        workers: 1,
        topK: 100,
      });
      const source = r.model.source!;
      assert.equal(source.kind, 'onnx');
      assert.equal(source.headFromModel, true);
      const emb = (rel: string) =>
        cnnEmbedding(
          cnn,
          pixels.get(rel)!.map((v) => (v / 255 - 0.5) / 0.25),
        ).map(Math.fround);
      const trainRecs = [...r.train].sort((a, b) => a.id - b.id);
      const phi = trainRecs.flatMap((t) => emb(t.source.path));
      const y = trainRecs.map((t) => r.dataset.classes.indexOf(t.label));
      const problem = { phi, y, n: trainRecs.length, f: 32, c: 3 };
      const l2 = problem.n * r.model.weightDecay;

      const refHead = newtonHead(problem, l2);
      const modelHead = [...cnn.w2, ...cnn.b2];
      const change = Math.sqrt(
        modelHead.reduce((s, w, k) => s + (refHead[k] - w) ** 2, 0) / modelHead.reduce((s, w) => s + w * w, 0),
      );
      assert.ok(
        close(source.headRelativeChange!, change, 1e-3),
        `relative change ${source.headRelativeChange} vs ${change}`,
      );
      assert.ok(source.agreement! >= 0 && source.agreement! <= 1);
      // The panel's model line says which model, which output, its size and the refit figures.
      const panel = buildResultsView(r, path.join(dir, 'images'), false).model;
      assert.match(
        panel,
        /^softmax head on your model cnn\.onnx \(output 'emb', 32 values\); head refitted from its final layer: moved \d+\.\d%, agrees with your model on \d+\.\d% of samples$/,
      );
      assert.ok(panel.includes(`moved ${(100 * source.headRelativeChange!).toFixed(1)}%`));

      for (const t of [0, 2]) {
        const rec = r.test[t];
        const ref = referenceInfluence(problem, emb(rec.source.path), r.dataset.classes.indexOf(rec.label), l2);
        const scale = Math.max(...ref.map(Math.abs));
        for (const e of [...rec.proponents, ...rec.opponents])
          assert.ok(
            Math.abs(e.influence - ref[e.train]) <= 2e-4 * scale,
            `test ${t}, train ${e.train}: ${e.influence} vs ${ref[e.train]}`,
          );
      }
    },
  );

  test('a fixed batch (1, or 7, which does not divide the rows) gives the results of a dynamic one', async () => {
    const table = path.join(dir, 'table.csv');
    const run = (modelFile: string) => analyze({ datasetPath: table, modelFile, folds: 2, workers: 1, topK: 100 });
    const dynamic = await run(path.join(dir, 'mlp.onnx'));
    for (const size of [1, 7]) {
      const model = onnx.ModelProto.decode(mlpBytes(mlp));
      model.graph!.input![0].type!.tensorType!.shape!.dim![0] = { dimValue: size };
      model.graph!.output![0].type!.tensorType!.shape!.dim![0] = { dimValue: size };
      const file = path.join(dir, `mlp-batch${size}.onnx`);
      fs.writeFileSync(file, onnx.ModelProto.encode(model).finish());
      fs.copyFileSync(path.join(dir, 'mlp.preprocess.json'), path.join(dir, `mlp-batch${size}.preprocess.json`));
      const fixed = await run(file);
      assert.deepEqual(fixed.test, dynamic.test, `batch ${size}`);
      assert.deepEqual(fixed.train, dynamic.train, `batch ${size}`);
    }
  });

  test('the MLP through the model file and its embeddings through a side file give the same influence', async () => {
    const table = path.join(dir, 'table.csv');
    const viaModel = await analyze({
      datasetPath: table,
      modelFile: path.join(dir, 'mlp.onnx'),
      folds: 2,
      workers: 1,
      topK: 100,
    });
    const npy = path.join(dir, 'mlp-emb.npy');
    fs.writeFileSync(
      npy,
      writeNpy(
        Float32Array.from(
          rows.flatMap((r) =>
            mlpEmbedding(
              mlp,
              ORDER.map((c) => r[Number(c.slice(1))]),
            ),
          ),
        ),
        [rows.length, 6],
      ),
    );
    const viaFile = await analyze({ datasetPath: table, embeddingsFile: npy, folds: 2, workers: 1, topK: 100 });
    const infl = (r: ResultsFile) =>
      new Map(r.test[1].proponents.concat(r.test[1].opponents).map((e) => [e.train, e.influence]));
    const a = infl(viaModel);
    const b = infl(viaFile);
    const scale = Math.max(...[...b.values()].map(Math.abs));
    for (const [k, v] of b) assert.ok(Math.abs(a.get(k)! - v) <= 1e-4 * scale, `train ${k}: ${a.get(k)} vs ${v}`);
    assert.equal(viaModel.model.source?.agreement !== null, true);
  });
});

test('a model-file run writes nothing but its results: no ONNX Runtime telemetry at home or in /tmp', async () => {
  await ensureBuilt();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'il-home-'));
  try {
    const out = path.join(dir, 'quiet.results.json');
    const child = startCli(
      [
        'analyze',
        path.join(dir, 'table.csv'),
        '--model-file',
        path.join(dir, 'mlp.onnx'),
        '--out',
        out,
        '--no-progress',
      ],
      // Not inherited: the CLI must switch the telemetry off itself.
      { env: { HOME: home, ORT_DISABLE_TELEMETRY: undefined } },
    );
    const run = await finished(child);
    assert.equal(run.code, 0, describeRun(run));
    assert.ok(fs.existsSync(out));
    assert.deepEqual(fs.readdirSync(home), [], 'nothing under the home folder (ONNX Runtime kept ~/.cache/Microsoft)');
    assert.equal(fs.existsSync(`/tmp/mat-debug-${child.pid}.log`), false);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});

describe('a model that cannot be used is refused (exit 2, nothing written)', () => {
  before(ensureBuilt);
  const refuse = async (name: string, bytes: Uint8Array, dataset: string, pattern: RegExp, extra: string[] = []) => {
    const model = path.join(dir, name);
    fs.writeFileSync(model, bytes);
    const out = path.join(dir, `${name}.results.json`);
    const run = await runCli([
      'analyze',
      path.join(dir, dataset),
      '--model-file',
      model,
      '--out',
      out,
      '--no-progress',
      ...extra,
    ]);
    assert.equal(run.code, 2, describeRun(run));
    assert.match(run.stderr, pattern);
    assert.ok(run.stderr.includes(model), 'the message names the model file');
    assert.equal(fs.existsSync(out), false, 'no results were written');
  };

  test('outputs that do not match the classes', async () => {
    const four = makeMlp(5, 6, 4, 21);
    fs.writeFileSync(path.join(dir, 'four.preprocess.json'), JSON.stringify({ columns: ORDER }));
    await refuse(
      'four.onnx',
      mlpBytes(four),
      'table.csv',
      /final layer .* has 4 outputs; expected 3, one per class of the dataset/,
    );
  });

  test('an input shape that cannot be fed', async () => {
    const bytes = modelBytes({
      node: [node('Flatten', ['x'], ['e']), node('MatMul', ['e', 'W'], ['logits'])],
      initializer: [floats('W', [6, 3], new Float32Array(18))],
      input: [valueInfo('x', ['N', 2, 3])],
      output: [valueInfo('logits', ['N', 3])],
    });
    await refuse('rank3.onnx', bytes, 'table.csv', /takes an input of shape \[-1, 2, 3\]; expected \[N, features\]/);
  });

  test('an operator ONNX Runtime does not know', async () => {
    const bytes = modelBytes({
      node: [node('FancyNorm', ['x'], ['e']), node('MatMul', ['e', 'W'], ['logits'])],
      initializer: [floats('W', [5, 3], new Float32Array(15))],
      input: [valueInfo('x', ['N', 5])],
      output: [valueInfo('logits', ['N', 3])],
    });
    fs.writeFileSync(path.join(dir, 'fancy.preprocess.json'), JSON.stringify({ columns: ORDER }));
    await refuse(
      'fancy.onnx',
      bytes,
      'table.csv',
      /ONNX Runtime cannot load the model \(.*FancyNorm.*\); expected a model of standard ONNX operators/,
    );
  });

  test('a graph whose output is not made by a final linear layer, without --embedding-output', async () => {
    const bytes = modelBytes({
      node: [node('Relu', ['x'], ['logits'])],
      input: [valueInfo('x', ['N', 5])],
      output: [valueInfo('logits', ['N', 5])],
    });
    await refuse(
      'nohead.onnx',
      bytes,
      'table.csv',
      /the output 'logits' is made by a Relu node, not by a Gemm or MatMul \(\+ Add\) final layer/,
    );
  });
});
