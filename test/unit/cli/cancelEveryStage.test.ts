/**
 * Ctrl-C in every stage (issue 12, item 7): the first SIGINT ends the run
 * with exit 130 within 2 s and no results file, whatever the engine is doing
 * — a Cholesky factorization, CG iterations or an L-BFGS fit as much as
 * training. Each run is sized so the stage lasts seconds (the old engine
 * ignored the signal until the stage ended, then wrote its results and
 * exited 0); "in stage X" is read from the progress lines on stderr, never
 * guessed from a sleep.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRng, normal } from '../../../src/compute/random';
import { describeRun, ensureBuilt, finished, leftoverTempFiles, makeTempDir, startCli } from '../../helpers/cli';

const root = makeTempDir('cancel-stages');
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** n × d Gaussian features, one shifted coordinate per class: a last layer of (d + 1)·classes parameters. */
function writeCsv(file: string, n: number, d: number, classes: number, seed: number): void {
  const rng = createRng(seed);
  const lines = [['label', ...Array.from({ length: d }, (_, j) => `f${j}`)].join(',')];
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    lines.push(
      [
        `k${c}`,
        ...Array.from({ length: d }, (_, j) => (((c * 7 + j) % classes === 0 ? 1 : 0) + normal(rng)).toFixed(2)),
      ].join(','),
    );
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

let wide: string;
let long: string;
before(async () => {
  await ensureBuilt();
  // 4000 × 100, 20 classes: a 2020-parameter last layer (seconds to factor, to invert, to solve 50 times).
  wide = path.join(root, 'wide.csv');
  writeCsv(wide, 4000, 100, 20, 7);
  // 150,000 rows: seconds to parse.
  long = path.join(root, 'long.csv');
  writeCsv(long, 150_000, 10, 3, 8);
});

interface Case {
  name: string;
  /** The progress line on stderr that says the stage has started. */
  line: RegExp;
  dataset: () => string;
  args: string[];
}

const quick = ['--model', 'logreg', '--epochs', '1', '--folds', '2'];
/** A head too large to factor: skips the Hessian stage, the iterative methods start at once. */
const noFactor = ['--max-exact-params', '100'];

const CASES: Case[] = [
  { name: 'load', line: /^Loading data/m, dataset: () => long, args: quick },
  { name: 'train', line: /^Training models/m, dataset: () => wide, args: [...quick, '--epochs', '300'] },
  {
    name: 'fit (L-BFGS head)',
    line: /^Fitting the last layer/m,
    dataset: () => wide,
    args: [...quick, ...noFactor, '--weight-decay', '1e-6', '--method', 'cg'],
  },
  { name: 'hessian (float64 Cholesky)', line: /^Hessian/m, dataset: () => wide, args: [...quick, '--method', 'exact'] },
  { name: 'influence, exact', line: /^Influence \(exact/m, dataset: () => wide, args: [...quick, '--method', 'exact'] },
  {
    name: 'influence, cg',
    line: /^Influence \(cg/m,
    dataset: () => wide,
    args: [...quick, ...noFactor, '--method', 'cg'],
  },
  {
    name: 'influence, lissa',
    line: /^Influence \(lissa/m,
    dataset: () => wide,
    args: [...quick, ...noFactor, '--method', 'lissa'],
  },
  {
    name: 'influence, gif',
    line: /^Influence \(gif/m,
    dataset: () => wide,
    args: [...quick, ...noFactor, '--method', 'gif'],
  },
  {
    // The MLP's whole network: every explained sample in one batch, many HVPs per pass over the data
    // (influence/batchedNetwork.ts checks between blocks of samples).
    name: 'influence, lissa over the whole network (batched solves)',
    line: /^Influence \(lissa/m,
    dataset: () => wide,
    args: ['--model', 'mlp', '--hidden', '32', '--epochs', '1', '--folds', '2', '--method', 'lissa'],
  },
  {
    name: 'influence, gif over the whole network (batched solves)',
    line: /^Influence \(gif/m,
    dataset: () => wide,
    args: ['--model', 'mlp', '--hidden', '32', '--epochs', '1', '--folds', '2', '--method', 'gif'],
  },
  {
    name: 'influence, tracin',
    line: /^Influence \(tracin/m,
    dataset: () => wide,
    args: [...quick, ...noFactor, '--method', 'tracin', '--epochs', '3'],
  },
  {
    name: 'verify (retraining)',
    line: /^Reliability check/m,
    dataset: () => wide,
    args: [...quick, ...noFactor, '--method', 'cg', '--explain', '2', '--verify', '20'],
  },
];

describe('the first Ctrl-C ends the run within 2 s in every stage, with exit 130 and no results file', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const outDir = makeTempDir('cancel-stage-out');
      try {
        const out = path.join(outDir, 'results.json');
        const child = startCli(['analyze', c.dataset(), '--out', out, ...c.args]);
        let stderr = '';
        let sentAt = 0;
        // Registered before finished() so the signal goes out on the very chunk that names the stage.
        child.stderr!.setEncoding('utf8').on('data', (s: string) => {
          stderr += s;
          if (!sentAt && c.line.test(stderr)) {
            sentAt = Date.now();
            child.kill('SIGINT');
          }
        });
        const run = await finished(child, 120_000);
        const afterSignal = Date.now() - sentAt;
        assert.ok(sentAt > 0, `the stage was never reached:\n${describeRun(run)}`);
        assert.equal(run.code, 130, describeRun(run));
        assert.ok(afterSignal < 2000, `exited ${afterSignal} ms after Ctrl-C\n${describeRun(run)}`);
        assert.match(run.stderr, /cancelled; no results were written/);
        assert.doesNotMatch(run.stderr, /internal error/);
        assert.equal(run.stdout, '', 'no summary');
        assert.equal(fs.existsSync(out), false, 'no results file');
        assert.deepEqual(leftoverTempFiles(outDir), [], 'no temp file');
      } finally {
        fs.rmSync(outDir, { recursive: true, force: true });
      }
    });
  }
});
