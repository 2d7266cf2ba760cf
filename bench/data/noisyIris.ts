/**
 * Fisher's Iris with known label noise, as a CSV the benchmark controls:
 * `split,sepal_length,sepal_width,petal_length,petal_width,species`.
 * A stratified 20% per species is the test split (labels left true); then
 * round(noise · nTrain) training rows, chosen by a fixed seed, get a species
 * drawn uniformly from the other two. The CSV line of every flipped row is
 * returned, which is how results records (source.line) are matched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadIrisCsv } from '../../src/demo/iris';
import { createRng, deriveSeed, permutation } from '../../src/compute/random';

export interface NoisyIris {
  file: string;
  nTrain: number;
  nTest: number;
  /** 1-based CSV lines (header = line 1) of the flipped training rows. */
  flippedLines: Set<number>;
  /** Per flipped line: [true species, written species]. */
  flips: Map<number, [string, string]>;
  classes: string[];
}

export function writeNoisyIris(
  file: string,
  options: { noise: number; seed: number; testFraction?: number },
): NoisyIris {
  const clean = `${file}.clean.csv`;
  const { classes } = loadIrisCsv(clean);
  const lines = fs.readFileSync(clean, 'utf8').trim().split('\n');
  fs.rmSync(clean);
  const header = lines[0];
  const rows = lines.slice(1).map((line) => {
    const cells = line.split(',');
    return { features: cells.slice(0, -1), species: cells[cells.length - 1], split: 'train' as 'train' | 'test' };
  });

  const testFraction = options.testFraction ?? 0.2;
  for (const species of classes) {
    const members = rows.filter((r) => r.species === species);
    const order = permutation(members.length, createRng(deriveSeed(options.seed, 'bench-iris-split', species)));
    const nTest = Math.round(testFraction * members.length);
    for (let k = 0; k < nTest; k++) members[order[k]].split = 'test';
  }
  const trainRows = rows.map((r, i) => (r.split === 'train' ? i : -1)).filter((i) => i >= 0);
  const rng = createRng(deriveSeed(options.seed, 'bench-iris-flip'));
  const nFlip = Math.round(options.noise * trainRows.length);
  const chosen = permutation(trainRows.length, rng).subarray(0, nFlip);
  const flips = new Map<number, [string, string]>();
  const given = rows.map((r) => r.species);
  for (const k of chosen) {
    const i = trainRows[k];
    const others = classes.filter((c) => c !== rows[i].species);
    given[i] = others[Math.floor(rng() * others.length)];
    flips.set(i + 2, [rows[i].species, given[i]]); // +1 for the header, +1 for 1-based lines
  }

  const out = [`split,${header}`, ...rows.map((r, i) => [r.split, ...r.features, given[i]].join(','))];
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, out.join('\n') + '\n');
  return {
    file,
    nTrain: trainRows.length,
    nTest: rows.length - trainRows.length,
    flippedLines: new Set(flips.keys()),
    flips,
    classes,
  };
}
