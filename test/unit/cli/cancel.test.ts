/**
 * Ctrl-C during an analysis: exit code 130, "cancelled" on stderr, and no
 * results file or temp file (README "Exit codes"; DESIGN.md §1).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRng, normal } from '../../../src/compute/random';
import { describeRun, ensureBuilt, finished, leftoverTempFiles, makeTempDir, startCli } from '../../helpers/cli';

const root = makeTempDir('cancel');
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** 3000 samples × 40 features, 4 classes: long enough to train that Ctrl-C lands mid-run. */
function writeLargeCsv(file: string): void {
  const rng = createRng(5);
  const lines = [['label', ...Array.from({ length: 40 }, (_, j) => `f${j}`)].join(',')];
  for (let i = 0; i < 3000; i++) {
    const c = i % 4;
    lines.push(
      [`k${c}`, ...Array.from({ length: 40 }, (_, j) => (((c + j) % 4) * 0.4 + normal(rng)).toFixed(3))].join(','),
    );
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let dataset: string;
before(async () => {
  await ensureBuilt();
  dataset = path.join(root, 'large.csv');
  writeLargeCsv(dataset);
});

describe('SIGINT during a run', () => {
  for (const workers of ['1', '2']) {
    test(`--workers ${workers}: exit 130, "cancelled" on stderr, no results file`, async () => {
      const outDir = path.join(root, `out-${workers}`);
      fs.mkdirSync(outDir);
      const out = path.join(outDir, 'results.json');
      // Progress stays on (stderr is not a terminal: one line per stage), so we know when training has started.
      const child = startCli(['analyze', dataset, '--out', out, '--workers', workers, '--epochs', '60']);
      const done = finished(child, 120_000);
      let stderr = '';
      child.stderr!.on('data', (s: string) => (stderr += s));
      const started = Date.now();
      while (!stderr.includes('Training models') && child.exitCode === null && Date.now() - started < 60_000)
        await sleep(50);
      assert.ok(stderr.includes('Training models'), `training started: ${stderr}`);
      await sleep(1500);
      assert.equal(child.exitCode, null, 'the run is still going when Ctrl-C comes');
      child.kill('SIGINT');
      const run = await done;
      assert.equal(run.code, 130, describeRun(run));
      assert.match(run.stderr, /cancelled/);
      assert.doesNotMatch(run.stderr, /internal error/);
      assert.equal(run.stdout, '', 'no summary');
      assert.equal(fs.existsSync(out), false, 'no results file');
      assert.deepEqual(leftoverTempFiles(outDir), [], 'no temp file');
      assert.deepEqual(fs.readdirSync(outDir), []);
    });
  }
});
