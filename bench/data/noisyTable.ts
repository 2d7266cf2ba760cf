/**
 * Writes a labeled table as a CSV the engine reads (`split,<features…>,label`)
 * with known label noise on the training rows; test rows keep their true
 * labels. A stratified share per class is the test split; then
 * round(noise · nTrain) training rows, chosen by a fixed seed, get a wrong label:
 *
 * - 'uniform': a class drawn uniformly from the other classes;
 * - 'pairs' (class-conditional, "confusable pairs"): the class's most
 *   confusable class — the one whose centroid lies nearest to its own in
 *   standardized features (per-column z-scores of `vector`), a fixed map
 *   like the pair-flip noise of Han et al. 2018, but following the data.
 *
 * The CSV line of every flipped row is returned (how results records are
 * matched: `source.line`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRng, deriveSeed, permutation } from '../../src/compute/random';
import type { LabeledTable } from './publicSets';

export type NoiseKind = 'uniform' | 'pairs';

export interface NoisyTable {
  file: string;
  nTrain: number;
  nTest: number;
  classes: string[];
  /** 1-based CSV line → [true label, written label]. */
  flips: Map<number, [string, string]>;
  /** The CSV line of each training row, in file order (the engine's training order). */
  trainLines: number[];
}

/** Per class (sorted names): the class whose standardized centroid is nearest. */
export function confusablePartners(table: LabeledTable, classes: string[]): Map<string, string> {
  const d = table.rows[0]?.vector.length ?? 0;
  const mean = new Float64Array(d);
  const sq = new Float64Array(d);
  const seen = new Float64Array(d);
  for (const r of table.rows) {
    r.vector.forEach((v, j) => {
      if (!Number.isFinite(v)) return;
      mean[j] += v;
      sq[j] += v * v;
      seen[j]++;
    });
  }
  const sd = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    mean[j] /= Math.max(seen[j], 1);
    sd[j] = Math.sqrt(Math.max(sq[j] / Math.max(seen[j], 1) - mean[j] * mean[j], 0)) || 1;
  }
  const centroids = new Map(classes.map((c) => [c, { sum: new Float64Array(d), n: 0 }]));
  for (const r of table.rows) {
    const c = centroids.get(r.label)!;
    c.n++;
    r.vector.forEach((v, j) => {
      c.sum[j] += Number.isFinite(v) ? (v - mean[j]) / sd[j] : 0;
    });
  }
  const partners = new Map<string, string>();
  for (const a of classes) {
    let best = '';
    let bestD = Infinity;
    for (const b of classes) {
      if (a === b) continue;
      const ca = centroids.get(a)!;
      const cb = centroids.get(b)!;
      let dist = 0;
      for (let j = 0; j < d; j++) dist += (ca.sum[j] / ca.n - cb.sum[j] / cb.n) ** 2;
      if (dist < bestD) {
        bestD = dist;
        best = b;
      }
    }
    partners.set(a, best);
  }
  return partners;
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function writeNoisyTable(
  file: string,
  table: LabeledTable,
  options: { noise: number; kind: NoiseKind; seed: number; testFraction?: number },
): NoisyTable {
  const classes = [...new Set(table.rows.map((r) => r.label))].sort();
  const split = table.rows.map(() => 'train');
  const testFraction = options.testFraction ?? 0.2;
  for (const c of classes) {
    const members = table.rows.map((r, i) => (r.label === c ? i : -1)).filter((i) => i >= 0);
    const order = permutation(members.length, createRng(deriveSeed(options.seed, 'bench-table-split', c)));
    const nTest = Math.round(testFraction * members.length);
    for (let k = 0; k < nTest; k++) split[members[order[k]]] = 'test';
  }
  const trainRows = split.map((s, i) => (s === 'train' ? i : -1)).filter((i) => i >= 0);
  const rng = createRng(deriveSeed(options.seed, 'bench-table-flip', options.kind));
  const nFlip = Math.round(options.noise * trainRows.length);
  const chosen = permutation(trainRows.length, rng).subarray(0, nFlip);
  const partners = options.kind === 'pairs' ? confusablePartners(table, classes) : null;
  const given = table.rows.map((r) => r.label);
  const flips = new Map<number, [string, string]>();
  for (const k of chosen) {
    const i = trainRows[k];
    const truth = table.rows[i].label;
    const others = classes.filter((c) => c !== truth);
    given[i] = partners ? partners.get(truth)! : others[Math.floor(rng() * others.length)];
    flips.set(i + 2, [truth, given[i]]); // +1 for the header, +1 for 1-based lines
  }
  const lines = [['split', ...table.header, 'label'].join(',')];
  table.rows.forEach((r, i) => lines.push([split[i], ...r.cells, given[i]].map(csvCell).join(',')));
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return {
    file,
    nTrain: trainRows.length,
    nTest: table.rows.length - trainRows.length,
    classes,
    flips,
    trainLines: trainRows.map((i) => i + 2),
  };
}
