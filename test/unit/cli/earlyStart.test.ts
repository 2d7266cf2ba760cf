/**
 * The bundled CLI starts its analysis thread before its own modules load and its arguments are checked
 * (src/cli/earlyStart.ts). Seen from outside: a preload counts the worker threads the process creates, and an
 * `analyze` with an invalid option fails its argument checks before any analysis could ask for a thread — so a thread
 * created there was created early. (The check `require.main === module` never held in the bundle: no thread was.)
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CLI, type CliRun, describeRun, ensureBuilt, finished, makeTempDir } from '../../helpers/cli';

const root = makeTempDir('earlystart');
after(() => fs.rmSync(root, { recursive: true, force: true }));

/** Announces every worker thread the process creates on stderr, before the thread is made. */
const PRELOAD = `
const threads = require('node:worker_threads');
const Original = threads.Worker;
threads.Worker = class extends Original {
  constructor(...args) {
    process.stderr.write('worker-thread-created\\n');
    super(...args);
  }
};
`;

function runWithPreload(args: string[]): Promise<CliRun> {
  const preload = path.join(root, 'countThreads.js');
  fs.writeFileSync(preload, PRELOAD);
  const child = spawn(process.execPath, ['--require', preload, CLI, ...args], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return finished(child, 60_000);
}

const threadsCreated = (run: CliRun) => run.stderr.split('\n').filter((l) => l === 'worker-thread-created').length;

before(ensureBuilt);

test('analyze starts its analysis thread before its arguments are checked', async () => {
  const dataset = path.join(root, 'data.csv');
  fs.writeFileSync(dataset, 'x,label\n1,a\n2,b\n');
  const run = await runWithPreload(['analyze', dataset, '--model', 'bogus', '--no-progress']);
  assert.equal(run.code, 2, describeRun(run));
  assert.match(run.stderr, /--model must be one of/, describeRun(run));
  // The analysis thread, and perhaps the helper it starts in turn before the process exits (preloads run in threads).
  assert.ok(threadsCreated(run) >= 1, describeRun(run));
});

test('no thread for --help, --version or another command', async () => {
  for (const args of [['analyze', '--help'], ['--version'], ['demo', '--help']]) {
    const run = await runWithPreload(args);
    assert.equal(run.code, 0, describeRun(run));
    assert.equal(threadsCreated(run), 0, `${args.join(' ')}: ${describeRun(run)}`);
  }
});
