/**
 * Section 5 — the user's own ONNX model (issue 15): the embedding pass of a
 * ResNet-18-sized graph (random weights, ~45 MB, 224×224 RGB) over a folder
 * of PNGs, against a bare InferenceSession.run loop over batches of the same
 * shape in the same process: images/s of both, their ratio (the target is ≥
 * 70%: decoding and preprocessing overlap inference), and peak memory.
 * Then mislabel detection on the MNIST demo (10% of training labels
 * flipped): the built-in MLP against the engine's own CNN, trained on the
 * same noisy training set and exported to ONNX (--model-file), same run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { imageEmbedder, openModel } from '../../src/compute/onnx/embedModel';
import { loadDataset } from '../../src/compute/data';
import { log } from '../lib/log';
import { buildDemoDataset } from '../../src/demo/buildDemo';
import { defaultModelConfig } from '../../src/compute/models/defaults';
import { computeFeatures, trainNetwork } from '../../src/compute/models/train';
import type { TrainingData } from '../../src/compute/models/types';
import { openRunner } from '../../src/compute/onnx/runtime';
import type { ResultsFile } from '../../src/compute/results/schema';
import { initBackend } from '../../src/compute/tf/backend';
import { rankingQuality } from '../lib/ranking';
import { runCliAnalyze } from '../lib/runCli';
import { cnnToOnnx } from '../onnx/cnnToOnnx';
import { resnet18Bytes } from '../onnx/resnetGraph';

export interface OnnxDetection {
  nTrain: number;
  flipped: number;
  mlpAuroc: number | null;
  onnxAuroc: number | null;
  /** Suspicion AUROC of out-of-sample margin alone for the ONNX run (a baseline). */
  onnxTestAccuracy: number | null;
  mlpTestAccuracy: number | null;
  /** max |ONNX embedding − engine features| over 64 training images: the export is the same network. */
  exportMaxAbsDiff: number;
  modelKB: number;
  headRelativeChange: number | null;
  agreement: number | null;
  error?: string;
}

export interface OnnxSection {
  detection?: OnnxDetection;
  modelMB: number;
  images: number;
  batch: number;
  imageSize: number;
  bareImagesPerSecond: number;
  embeddingImagesPerSecond: number;
  /** embedding / bare. */
  ratio: number;
  /** Peak RSS of this process during the embedding pass, MB (sampled every 50 ms). */
  peakRssMB: number;
  runtime: string;
}

const SIZE = 224;
const BATCH = 32;

function writeImages(root: string, n: number): void {
  for (let i = 0; i < n; i++) {
    const cls = `class${i % 4}`;
    fs.mkdirSync(path.join(root, cls), { recursive: true });
    const png = new PNG({ width: SIZE, height: SIZE });
    // Smooth gradients plus a little noise: PNG-compressible like a photo, not like white noise.
    for (let p = 0; p < SIZE * SIZE; p++) {
      const r = Math.floor(p / SIZE);
      const c = p % SIZE;
      png.data[p * 4] = (r + i * 7) & 255;
      png.data[p * 4 + 1] = (c * 2 + i) & 255;
      png.data[p * 4 + 2] = ((r ^ c) + ((p * 2654435761) >>> 28)) & 255;
      png.data[p * 4 + 3] = 255;
    }
    fs.writeFileSync(path.join(root, cls, `${i}.png`), PNG.sync.write(png));
  }
}

export async function runOnnx(opts: { quick: boolean; tempDir: string }): Promise<OnnxSection> {
  const images = opts.quick ? 128 : 2048;
  const dir = path.join(opts.tempDir, 'onnx');
  fs.mkdirSync(dir, { recursive: true });
  const modelFile = path.join(dir, 'resnet18.onnx');
  const bytes = resnet18Bytes(4, SIZE, 1);
  fs.writeFileSync(modelFile, bytes);
  log(
    `onnx: ResNet-18-sized graph, ${(bytes.length / 2 ** 20).toFixed(1)} MB; writing ${images} PNGs of ${SIZE}×${SIZE}`,
  );
  const root = path.join(dir, 'images');
  writeImages(root, images);

  const model = await openModel(modelFile);
  // The bare loop: the cut graph, one prepared batch run again and again (no decoding, no copies).
  // Both passes are timed from the session's creation, which the engine's pass includes.
  const ort = await import('onnxruntime-node');
  const input = new Float32Array(BATCH * 3 * SIZE * SIZE).map((_, k) => (k % 251) / 251);
  const batches = Math.ceil(images / BATCH);
  let t0 = performance.now();
  const session = await ort.InferenceSession.create(model.cutBytes, { graphOptimizationLevel: 'all' });
  for (let b = 0; b < batches; b++) {
    const m = Math.min(BATCH, images - b * BATCH);
    await session.run({
      [model.cut.input]: new ort.Tensor('float32', input.subarray(0, m * 3 * SIZE * SIZE), [m, 3, SIZE, SIZE]),
    });
  }
  const bareSeconds = (performance.now() - t0) / 1000;
  await session.release();
  log(`onnx: bare run loop ${(images / bareSeconds).toFixed(1)} images/s`);

  // The engine's pass: walk the folder, decode and normalise batch k + 1 while batch k runs.
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const state: { runtime?: string } = {};
  t0 = performance.now();
  try {
    await loadDataset(root, { seed: 0, imageFeatures: imageEmbedder(model, { report: () => {} }, state) });
  } finally {
    clearInterval(sampler);
  }
  const embedSeconds = (performance.now() - t0) / 1000;
  log(
    `onnx: embedding pass ${(images / embedSeconds).toFixed(1)} images/s ` +
      `(${((bareSeconds / embedSeconds) * 100).toFixed(0)}% of bare), peak ` +
      `RSS ${(peak / 2 ** 20).toFixed(0)} MB`,
  );
  return {
    modelMB: bytes.length / 2 ** 20,
    images,
    batch: BATCH,
    imageSize: SIZE,
    bareImagesPerSecond: images / bareSeconds,
    embeddingImagesPerSecond: images / embedSeconds,
    ratio: bareSeconds / embedSeconds,
    peakRssMB: peak / 2 ** 20,
    runtime: state.runtime ?? '',
    detection: await demoDetection(opts),
  };
}

async function demoDetection(opts: { quick: boolean; tempDir: string }): Promise<OnnxDetection> {
  const dir = path.join(opts.tempDir, 'onnx-demo');
  const manifest = buildDemoDataset(dir, { samples: opts.quick ? 2000 : 3000, noiseRate: 0.1, seed: 0 });
  const images = path.join(dir, 'images');
  const flipped = new Set(manifest.flipped.map((f) => f.imagePath));
  const auroc = (r: ResultsFile | undefined) =>
    r
      ? rankingQuality(
          r.train.map((t) => t.suspicion),
          r.train.map((t) => flipped.has(t.source.path)),
        ).auroc
      : null;
  log(`onnx: MNIST demo, ${manifest.flipped.length} of ${manifest.nTrain} labels flipped; built-in mlp …`);
  const mlp = await runCliAnalyze({
    dataset: images,
    args: ['--model', 'mlp'],
    outFile: path.join(dir, 'mlp.json'),
    timeoutSeconds: 1800,
  });

  log("onnx: training the engine's cnn on the noisy training set and exporting it to ONNX …");
  await initBackend('wasm');
  const data = await loadDataset(images, { seed: 0 });
  const train: TrainingData = {
    x: data.train.x,
    y: data.train.y,
    n: data.train.y.length,
    dims: data.dims,
    numClasses: data.classes.length,
    imageShape: data.imageShape,
  };
  const net = await trainNetwork({ ...defaultModelConfig('cnn'), seed: 0 }, train);
  const bytes = cnnToOnnx(net);
  const modelFile = path.join(dir, 'cnn.onnx');
  fs.writeFileSync(modelFile, bytes);
  // The export is checked, not assumed: the ONNX embedding of 64 images against the engine's own features.
  const check = 64;
  const mine = computeFeatures(net, data.train.x.subarray(0, check * data.dims), check);
  const model = await openModel(modelFile);
  const runner = await openRunner(model.cutBytes, model.cut.input, model.cut.embedding, modelFile);
  const [h, w, c] = data.imageShape!;
  const out = await runner.run(data.train.x.slice(0, check * data.dims), [check, h, w, c]);
  await runner.dispose();
  let diff = 0;
  for (let k = 0; k < mine.length; k++) diff = Math.max(diff, Math.abs(mine[k] - out.data[k]));
  log(
    `onnx: exported cnn (${(bytes.length / 1024).toFixed(0)} KB), max ` +
      `|embedding difference| ${diff.toExponential(1)}; analyzing with ` +
      `--model-file …`,
  );
  const onnxRun = await runCliAnalyze({
    dataset: images,
    args: ['--model-file', modelFile],
    outFile: path.join(dir, 'onnx.json'),
    timeoutSeconds: 1800,
  });
  const source = onnxRun.results?.model.source;
  const result: OnnxDetection = {
    nTrain: manifest.nTrain,
    flipped: manifest.flipped.length,
    mlpAuroc: auroc(mlp.results),
    onnxAuroc: auroc(onnxRun.results),
    mlpTestAccuracy: mlp.results?.model.testAccuracy ?? null,
    onnxTestAccuracy: onnxRun.results?.model.testAccuracy ?? null,
    exportMaxAbsDiff: diff,
    modelKB: bytes.length / 1024,
    headRelativeChange: source?.headRelativeChange ?? null,
    agreement: source?.agreement ?? null,
    ...(mlp.ok && onnxRun.ok ? {} : { error: [mlp.error, onnxRun.error].filter(Boolean).join('; ') }),
  };
  log(`onnx: suspicion AUROC mlp ${result.mlpAuroc?.toFixed(3)}, your-model cnn ${result.onnxAuroc?.toFixed(3)}`);
  return result;
}
