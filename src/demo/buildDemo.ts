/**
 * `influence-lens demo`: writes a small, real dataset with known label errors
 * — MNIST digits with a share of training labels flipped — as both an image
 * folder and a CSV, plus the ground truth, so a user (or a benchmark) can see
 * whether the suspects the tool ranks first are the flipped ones.
 */
import fs from 'node:fs';
import path from 'node:path';
import { assertWritableDemoDir, DEMO_GENERATOR, writeDemoDirAtomically } from './demoFolder';
import type { DemoManifest } from './demoManifest';
import { DEMO_CLASSES, type DemoOptions, type DemoSample, planDemo, resolveDemoOptions } from './demoPlan';
import { demoReadme } from './demoReadme';
import { encodeGrayPng } from './grayPng';
import { MNIST_SIDE, mnistCounts, mnistImage } from './mnistSource';

export type { DemoManifest, FlippedSample } from './demoManifest';
export type { DemoOptions } from './demoPlan';

const PIXELS = MNIST_SIDE * MNIST_SIDE;

/**
 * Writes the demo dataset into `outDir` and returns its manifest:
 * - `images/train/<label>/<id>.png`, `images/test/<label>/<id>.png` (28×28 gray);
 * - `digits.csv`: `id,split,p0,…,p783,label`, pixels 0..255, one sample per line;
 * - `flipped.json`: the {@link DemoManifest} (ground truth of the flips);
 * - `README.md`: what the data is and where it comes from.
 *
 * Same options → byte-identical files. `outDir` must be missing, empty, or a
 * previous demo output (which is replaced); anything else is refused with an
 * InputError, so user files are never overwritten.
 */
export function buildDemoDataset(outDir: string, options?: DemoOptions): DemoManifest {
  const resolved = resolveDemoOptions(options);
  assertWritableDemoDir(outDir); // refuse before spending ~0.3 s loading 21 MB of digits
  const plan = planDemo(resolved, mnistCounts());
  const pad = Math.max(5, String(plan.length - 1).length);
  const imagePath = (s: DemoSample) => `${s.split}/${s.givenDigit}/${String(s.id).padStart(pad, '0')}.png`;
  const csvLine = (s: DemoSample) => s.id + 2; // ids are the data rows, after the header

  const manifest: DemoManifest = {
    generator: DEMO_GENERATOR,
    seed: resolved.seed,
    noiseRate: resolved.noiseRate,
    testFraction: resolved.testFraction,
    nTrain: plan.filter((s) => s.split === 'train').length,
    nTest: plan.filter((s) => s.split === 'test').length,
    classes: Array.from({ length: DEMO_CLASSES }, (_, d) => String(d)),
    flipped: plan
      .filter((s) => s.givenDigit !== s.trueDigit)
      .map((s) => ({
        id: s.id,
        imagePath: imagePath(s),
        csvLine: csvLine(s),
        trueLabel: String(s.trueDigit),
        givenLabel: String(s.givenDigit),
        mnistIndex: s.mnistIndex,
      })),
  };

  writeDemoDirAtomically(outDir, (dir) => {
    const lines: string[] = [['id', 'split', ...Array.from({ length: PIXELS }, (_, p) => `p${p}`), 'label'].join(',')];
    const madeDirs = new Set<string>();
    for (const sample of plan) {
      const pixels = mnistImage(sample.trueDigit, sample.mnistIndex);
      const file = path.join(dir, 'images', imagePath(sample));
      const folder = path.dirname(file);
      if (!madeDirs.has(folder)) {
        fs.mkdirSync(folder, { recursive: true });
        madeDirs.add(folder);
      }
      fs.writeFileSync(file, encodeGrayPng(pixels, MNIST_SIDE, MNIST_SIDE));
      lines.push(`${sample.id},${sample.split},${pixels.join(',')},${sample.givenDigit}`);
    }
    fs.writeFileSync(path.join(dir, 'digits.csv'), lines.join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'flipped.json'), JSON.stringify(manifest, null, 2) + '\n');
    fs.writeFileSync(path.join(dir, 'README.md'), demoReadme(manifest));
  });
  return manifest;
}
