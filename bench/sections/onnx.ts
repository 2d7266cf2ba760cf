/**
 * Section 5 — the user's own ONNX model (issue 15): the embedding pass of a
 * ResNet-18-sized graph (random weights, ~45 MB, 224×224 RGB) over a folder
 * of PNGs, against a bare InferenceSession.run loop over batches of the same
 * shape in the same process: images/s of both, their ratio (the target is ≥
 * 70%: decoding and preprocessing overlap inference), and peak memory. The
 * two alternate in rounds (a quarter of the images each, the order swapped
 * every round): on a shared machine the load moves within minutes, and a
 * ratio of two passes timed minutes apart measures the load, not the engine.
 * Then mislabel detection on the MNIST demo (10% of training labels
 * flipped): the built-in MLP against the engine's own CNN, trained on the
 * same noisy training set and exported to ONNX (--model-file), same run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { imageEmbedder, modelKey, type OpenedModel, openModel } from '../../src/compute/onnx/embedModel';
import { openEmbeddingCache, saveEmbeddingCache } from '../../src/compute/onnx/embeddingCache';
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

/** One round: the bare loop and the engine's pass over the same number of images, back to back. */
export interface OnnxRound {
  images: number;
  bareSeconds: number;
  embedSeconds: number;
  /** CPU seconds of this process (every thread: ONNX Runtime's, the decoding thread) in each pass. */
  bareCpuSeconds?: number;
  embedCpuSeconds?: number;
  /** Which ran first (swapped every round). */
  bareFirst: boolean;
}

export interface OnnxSection {
  detection?: OnnxDetection;
  modelMB: number;
  images: number;
  batch: number;
  imageSize: number;
  bareImagesPerSecond: number;
  embeddingImagesPerSecond: number;
  /** embedding / bare, over all rounds. */
  ratio: number;
  /** The rounds, in order (absent in runs from before the passes alternated). */
  rounds?: OnnxRound[];
  /** Median over the rounds of each round's ratio. */
  medianRatio?: number;
  /** Peak RSS of this process during the embedding pass, MB (sampled every 50 ms). */
  peakRssMB: number;
  /**
   * A second run on the same images and model: the vectors the first pass kept beside the fit
   * (onnx/embeddingCache.ts) taken instead of decoding and running the model. Absent in older runs.
   */
  kept?: { images: number; embedSeconds: number; keptSeconds: number; taken: number };
  runtime: string;
}

const SIZE = 224;
const BATCH = 32;

function writeImages(root: string, from: number, n: number): void {
  for (let i = from; i < from + n; i++) {
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
  const roundCount = opts.quick ? 2 : 4;
  const perRound = images / roundCount;
  const dir = path.join(opts.tempDir, 'onnx');
  fs.mkdirSync(dir, { recursive: true });
  const modelFile = path.join(dir, 'resnet18.onnx');
  const bytes = resnet18Bytes(4, SIZE, 1);
  fs.writeFileSync(modelFile, bytes);
  log(
    `onnx: ResNet-18-sized graph, ${(bytes.length / 2 ** 20).toFixed(1)} MB; writing ${images} PNGs of ${SIZE}×${SIZE} ` +
      `in ${roundCount} folders`,
  );
  const roots = Array.from({ length: roundCount }, (_, r) => path.join(dir, `images-${r}`));
  roots.forEach((root, r) => writeImages(root, r * perRound, perRound));

  const model = await openModel(modelFile);
  const ort = await import('onnxruntime-node');
  const input = new Float32Array(BATCH * 3 * SIZE * SIZE).map((_, k) => (k % 251) / 251);
  // The bare loop: the cut graph, one prepared batch run again and again (no decoding, no copies).
  // Both passes are timed from the session's creation, which the engine's pass includes.
  const cpuSince = (c: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(c);
    return (d.user + d.system) / 1e6;
  };
  let bareCpu = 0;
  let embedCpu = 0;
  const bare = async (n: number): Promise<number> => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const session = await ort.InferenceSession.create(model.cutBytes, { graphOptimizationLevel: 'all' });
    for (let b = 0; b < Math.ceil(n / BATCH); b++) {
      const m = Math.min(BATCH, n - b * BATCH);
      await session.run({
        [model.cut.input]: new ort.Tensor('float32', input.subarray(0, m * 3 * SIZE * SIZE), [m, 3, SIZE, SIZE]),
      });
    }
    const seconds = (performance.now() - t0) / 1000;
    bareCpu = cpuSince(c0);
    await session.release();
    return seconds;
  };
  // The engine's pass: walk the folder, decode and normalise batch k + 1 while batch k runs.
  let peak = process.memoryUsage().rss;
  const state: { runtime?: string } = {};
  const engine = async (root: string): Promise<number> => {
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    try {
      await loadDataset(root, { seed: 0, imageFeatures: imageEmbedder(model, { report: () => {} }, state) });
    } finally {
      clearInterval(sampler);
    }
    embedCpu = cpuSince(c0);
    return (performance.now() - t0) / 1000;
  };
  const rounds: OnnxRound[] = [];
  for (let r = 0; r < roundCount; r++) {
    const bareFirst = r % 2 === 0;
    let bareSeconds: number;
    let embedSeconds: number;
    if (bareFirst) {
      bareSeconds = await bare(perRound);
      embedSeconds = await engine(roots[r]);
    } else {
      embedSeconds = await engine(roots[r]);
      bareSeconds = await bare(perRound);
    }
    rounds.push({
      images: perRound,
      bareSeconds,
      embedSeconds,
      bareCpuSeconds: bareCpu,
      embedCpuSeconds: embedCpu,
      bareFirst,
    });
    log(
      `onnx: round ${r + 1}/${roundCount}: bare ${(perRound / bareSeconds).toFixed(1)} images/s, engine ` +
        `${(perRound / embedSeconds).toFixed(1)} images/s (${((bareSeconds / embedSeconds) * 100).toFixed(0)}%), ` +
        `CPU s ${bareCpu.toFixed(1)} / ${embedCpu.toFixed(1)}, load average ${os.loadavg()[0].toFixed(1)}`,
    );
  }
  const kept = await keptPass(model, roots[0], perRound, dir);
  const bareTotal = rounds.reduce((a, r) => a + r.bareSeconds, 0);
  const embedTotal = rounds.reduce((a, r) => a + r.embedSeconds, 0);
  const ratios = rounds.map((r) => r.bareSeconds / r.embedSeconds).sort((a, b) => a - b);
  const medianRatio =
    ratios.length % 2
      ? ratios[(ratios.length - 1) / 2]
      : (ratios[ratios.length / 2 - 1] + ratios[ratios.length / 2]) / 2;
  log(
    `onnx: embedding pass ${(images / embedTotal).toFixed(1)} images/s against bare ${(images / bareTotal).toFixed(1)} ` +
      `(${((bareTotal / embedTotal) * 100).toFixed(0)}% overall, median round ${(medianRatio * 100).toFixed(0)}%), ` +
      `peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`,
  );
  return {
    modelMB: bytes.length / 2 ** 20,
    images,
    batch: BATCH,
    imageSize: SIZE,
    bareImagesPerSecond: images / bareTotal,
    embeddingImagesPerSecond: images / embedTotal,
    ratio: bareTotal / embedTotal,
    rounds,
    medianRatio,
    peakRssMB: peak / 2 ** 20,
    kept,
    runtime: state.runtime ?? '',
    detection: await demoDetection(opts),
  };
}

/** The embedding pass with an empty cache (kept to a file), then again taking the kept vectors: seconds of each. */
async function keptPass(model: OpenedModel, root: string, images: number, dir: string): Promise<OnnxSection['kept']> {
  const file = path.join(dir, 'fit.bin.embeddings');
  const pass = async () => {
    const cache = await openEmbeddingCache(file, modelKey(model));
    const t0 = performance.now();
    await loadDataset(root, { seed: 0, imageFeatures: imageEmbedder(model, { report: () => {} }, {}, cache) });
    const seconds = (performance.now() - t0) / 1000;
    await saveEmbeddingCache(file, cache);
    return { seconds, taken: cache.taken };
  };
  const first = await pass();
  const second = await pass();
  log(
    `onnx: a second run on the same ${images} images takes the kept vectors: ${second.seconds.toFixed(2)} s ` +
      `against ${first.seconds.toFixed(1)} s (${(first.seconds / second.seconds).toFixed(0)}×), ${second.taken} taken`,
  );
  return { images, embedSeconds: first.seconds, keptSeconds: second.seconds, taken: second.taken };
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
