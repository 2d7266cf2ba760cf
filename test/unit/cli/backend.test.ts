/**
 * `--backend cpu` through the bundled CLI: the pure-JS backend must be in the
 * bundle (esbuild once dropped its registration as an unused import, and
 * only the benchmark noticed), and the results file must say it ran there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResultsFile } from '../../../src/compute/results/schema';
import { describeRun, ensureBuilt, makeTempDir, runCli, writeBlobsCsv } from '../../helpers/cli';

test('analyze --backend cpu runs on the cpu backend and says so', { timeout: 180_000 }, async () => {
  await ensureBuilt();
  const dir = makeTempDir('cpu');
  try {
    const { file } = writeBlobsCsv(path.join(dir, 'data.csv'), { n: 60, classes: ['a', 'b'], seed: 4 });
    const out = path.join(dir, 'results.json');
    const run = await runCli([
      'analyze',
      file,
      '--backend',
      'cpu',
      '--model',
      'logreg',
      '--epochs',
      '2',
      '--out',
      out,
      '--no-progress',
    ]);
    assert.equal(run.code, 0, describeRun(run));
    const results = JSON.parse(fs.readFileSync(out, 'utf8')) as ResultsFile;
    assert.equal(results.engine.backend, 'cpu');
    assert.equal(results.engine.backendWarning, undefined, 'asked for, so no fallback warning');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(
  "the reliability check's whole-network retrainings run on the backend asked for too",
  { timeout: 300_000 },
  async () => {
    await ensureBuilt();
    const dir = makeTempDir('cpu-verify');
    try {
      const { file } = writeBlobsCsv(path.join(dir, 'data.csv'), { n: 60, classes: ['a', 'b'], seed: 5 });
      const out = path.join(dir, 'results.json');
      const run = await runCli([
        'analyze',
        file,
        '--backend',
        'cpu',
        '--model',
        'mlp',
        '--epochs',
        '2',
        '--method',
        'cg',
        '--target',
        'full',
        '--verify',
        '2',
        '--out',
        out,
        '--no-progress',
      ]);
      assert.equal(run.code, 0, describeRun(run));
      const reliability = (JSON.parse(fs.readFileSync(out, 'utf8')) as ResultsFile).influence.reliability;
      assert.equal(reliability?.retrain, 'full');
      assert.equal(reliability?.retrainBackend, 'cpu');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
