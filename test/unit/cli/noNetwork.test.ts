/**
 * The engine never uses the network: a whole analysis through the bundled CLI
 * (loading, training on two worker threads, influence, the results file) runs
 * with every socket, DNS and fetch entry point trapped in every thread, and
 * the trap log must show no attempt. The trap itself is checked to fire, so
 * the test cannot pass by not trapping.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI, describeRun, ensureBuilt, finished, makeTempDir, REPO, writeBlobsCsv } from '../../helpers/cli';

const TRAP = path.join(REPO, 'test', 'helpers', 'trapNetwork.cjs');

function trappedEnv(logFile: string): NodeJS.ProcessEnv {
  return { ...process.env, NODE_OPTIONS: `--require ${JSON.stringify(TRAP)}`, INFLUENCE_LENS_NETWORK_LOG: logFile };
}

test('the trap fires on a connection attempt (so a silent log means something)', () => {
  const dir = makeTempDir('trap');
  try {
    const logFile = path.join(dir, 'net.log');
    const script = "require('node:net').connect(9, '127.0.0.1')";
    assert.throws(() => execFileSync(process.execPath, ['-e', script], { env: trappedEnv(logFile), stdio: 'pipe' }));
    assert.match(fs.readFileSync(logFile, 'utf8'), /NETWORK net\.(connect|Socket\.connect)/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'a whole analysis on two worker threads opens no socket, resolves no name, fetches nothing',
  { timeout: 240_000 },
  async () => {
    await ensureBuilt();
    const dir = makeTempDir('nonet');
    try {
      const { file } = writeBlobsCsv(path.join(dir, 'data.csv'), { n: 120, classes: ['a', 'b', 'c'], seed: 3 });
      const logFile = path.join(dir, 'net.log');
      const out = path.join(dir, 'results.json');
      const child = spawn(
        process.execPath,
        [CLI, 'analyze', file, '--model', 'mlp', '--workers', '2', '--epochs', '3', '--out', out, '--no-progress'],
        {
          cwd: dir,
          env: trappedEnv(logFile),
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const run = await finished(child, 200_000);
      assert.equal(run.code, 0, describeRun(run));
      assert.ok(fs.existsSync(out), 'the analysis wrote its results');
      const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n');
      assert.deepEqual(
        lines.filter((l) => l.startsWith('NETWORK')),
        [],
        'no network access',
      );
      assert.ok(lines.includes('loaded main'), lines.join('\n'));
      assert.ok(
        lines.some((l) => l.startsWith('loaded worker')),
        `the trap must cover the worker threads too:\n${lines.join('\n')}`,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
