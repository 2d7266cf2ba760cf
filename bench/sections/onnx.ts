/**
 * Section 5 — the user's own ONNX model (issue 15): the embedding pass of a
 * ResNet-18-sized graph (random weights, ~45 MB, 224×224 RGB) over a folder
 * of PNGs, against a bare InferenceSession.run loop over batches of the same
 * shape in the same process: images/s of both, their ratio (the target is ≥
 * 70%: decoding and preprocessing overlap inference), and peak memory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { imageEmbedder, openModel } from '../../src/compute/onnx/embedModel';
import { loadDataset } from '../../src/compute/data';
import { log } from '../lib/log';
import { resnet18Bytes } from '../onnx/resnetGraph';

export interface OnnxSection {
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
  log(`onnx: ResNet-18-sized graph, ${(bytes.length / 2 ** 20).toFixed(1)} MB; writing ${images} PNGs of ${SIZE}×${SIZE}`);
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
    await session.run({ [model.cut.input]: new ort.Tensor('float32', input.subarray(0, m * 3 * SIZE * SIZE), [m, 3, SIZE, SIZE]) });
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
  log(`onnx: embedding pass ${(images / embedSeconds).toFixed(1)} images/s (${((bareSeconds / embedSeconds) * 100).toFixed(0)}% of bare), peak RSS ${(peak / 2 ** 20).toFixed(0)} MB`);
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
  };
}
