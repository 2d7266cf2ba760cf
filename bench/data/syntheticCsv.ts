/**
 * Synthetic classification data for the scaling benchmark, written as the CSV
 * a user would hand the tool: `split,f0,…,f{D−1},label`. Gaussian blobs
 * (class centres ~ N(0, 2²) per feature, noise ~ N(0, 4²)) rounded to
 * integers, so a 100,000 × 784 file stays near 280 MB and still loads through
 * the real CSV path. The test split has a fixed size so influence cost (train
 * × test) grows with N alone.
 */
import fs from 'node:fs';
import { createRng, normal } from '../../src/compute/random';

export interface SyntheticCsvOptions {
  nTrain: number;
  nTest: number;
  features: number;
  classes: number;
  seed: number;
}

export function writeSyntheticCsv(file: string, o: SyntheticCsvOptions): { bytes: number } {
  const rng = createRng(o.seed);
  const centres = Array.from({ length: o.classes }, () =>
    Float64Array.from({ length: o.features }, () => 2 * normal(rng)),
  );
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  const write = (text: string) => {
    bytes += fs.writeSync(fd, text);
  };
  try {
    write(['split', ...Array.from({ length: o.features }, (_, j) => `f${j}`), 'label'].join(',') + '\n');
    const rows = o.nTrain + o.nTest;
    let chunk: string[] = [];
    for (let i = 0; i < rows; i++) {
      const label = i % o.classes;
      const cells = new Array<string | number>(o.features + 2);
      cells[0] = i < o.nTrain ? 'train' : 'test';
      const centre = centres[label];
      for (let j = 0; j < o.features; j++) cells[j + 1] = Math.round(centre[j] + 4 * normal(rng));
      cells[o.features + 1] = `c${label}`;
      chunk.push(cells.join(','));
      // Write in ~4 MB pieces: one string for the whole file would not fit V8's string limit at 100k × 784.
      if (chunk.length >= 1000) {
        write(chunk.join('\n') + '\n');
        chunk = [];
      }
    }
    if (chunk.length) write(chunk.join('\n') + '\n');
  } finally {
    fs.closeSync(fd);
  }
  return { bytes };
}
