import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ComputeRun, type ComputeProgress } from '../../../../src/host/analysis/computeClient';

const FAKE = path.join(__dirname, 'fixtures', 'fakeCompute.cjs');
const ENTRY = path.resolve(__dirname, '../../../../src/compute/process/entry.ts');
const dir = mkdtempSync(path.join(os.tmpdir(), 'il-client-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fake(mode: string, extra: { killAfterMs?: number; stallTimeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) {
  const progress: ComputeProgress[] = [];
  const logs: string[] = [];
  const run = new ComputeRun({
    entry: FAKE,
    options: { datasetPath: '/nowhere.csv' },
    resultsPath: path.join(dir, `${mode}.json`),
    env: { ...process.env, INFLUENCE_LENS_FAKE_MODE: mode, ...extra.env },
    onProgress: (p) => progress.push(p),
    onLog: (_level, m) => logs.push(m),
    killAfterMs: extra.killAfterMs,
    stallTimeoutMs: extra.stallTimeoutMs,
  });
  return { run, progress, logs };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a result, with progress and log lines forwarded', async () => {
  const { run, progress, logs } = fake('result');
  assert.deepEqual(await run.done, { kind: 'result', resultsPath: path.join(dir, 'result.json') });
  assert.deepEqual(progress, [{ stage: 'train', done: 1, total: 2, message: undefined }]);
  assert.deepEqual(logs, ['hello']);
});

test('the process sees only the allow-listed environment: no tokens or cloud keys (issue 12 item 6)', async () => {
  const secrets = {
    AWS_SECRET_ACCESS_KEY: 'aws-secret',
    GITHUB_TOKEN: 'ghp_secret',
    OPENAI_API_KEY: 'sk-secret',
    VSCODE_IPC_HOOK: '/tmp/sock',
    NODE_OPTIONS: '--require /tmp/evil.js',
  };
  const { run, logs } = fake('env', {
    env: {
      ...secrets,
      PATH: '/usr/bin',
      HOME: '/home/u',
      LANG: 'de_DE.UTF-8',
      LC_NUMERIC: 'C',
      TMPDIR: '/tmp',
      INFLUENCE_LENS_DEBUG: '1',
    },
  });
  assert.equal((await run.done).kind, 'result');
  const seen = JSON.parse(logs[0]) as Record<string, string>;
  for (const name of Object.keys(secrets))
    assert.equal(seen[name], undefined, `${name} must not reach the compute process`);
  assert.equal(seen.PATH, '/usr/bin');
  assert.equal(seen.HOME, '/home/u');
  assert.equal(seen.LANG, 'de_DE.UTF-8');
  assert.equal(seen.LC_NUMERIC, 'C');
  assert.equal(seen.TMPDIR, '/tmp');
  assert.equal(seen.INFLUENCE_LENS_DEBUG, '1');
});

test('a process that exits without an answer is a crash with its exit code and stderr in the log', async () => {
  const { run, logs } = fake('crash');
  const outcome = await run.done;
  assert.equal(outcome.kind, 'crash');
  assert.ok(outcome.kind === 'crash' && outcome.exitCode === 3 && !outcome.outOfMemory);
  assert.match(
    outcome.kind === 'crash' ? outcome.message : '',
    /stopped unexpectedly: it exited with code 3 without a result/,
  );
  assert.deepEqual(logs, ['[process] something broke']);
});

test('running out of memory is named as such', async () => {
  const outcome = await fake('oom').run.done;
  assert.ok(outcome.kind === 'crash' && outcome.outOfMemory);
  assert.match(outcome.kind === 'crash' ? outcome.message : '', /ran out of memory.*maximum samples/);
});

test('an invalid message ends the run as an internal error and kills the process', async () => {
  const { run } = fake('garbage');
  const outcome = await run.done;
  assert.equal(outcome.kind, 'internalError');
  assert.match(
    outcome.kind === 'internalError' ? outcome.message : '',
    /invalid message \(message\.done: expected a finite number/,
  );
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(alive(run.pid!), false);
});

test('cancel: a process that answers stops cleanly', async () => {
  const { run, progress } = fake('cooperative');
  while (progress.length === 0) await new Promise((r) => setTimeout(r, 10));
  run.cancel();
  assert.deepEqual(await run.done, { kind: 'cancelled', killed: false });
});

test('cancel: a process too busy to answer is killed after the grace period', async () => {
  const { run, progress } = fake('stubborn', { killAfterMs: 300 });
  while (progress.length === 0) await new Promise((r) => setTimeout(r, 10));
  const t0 = Date.now();
  run.cancel();
  assert.deepEqual(await run.done, { kind: 'cancelled', killed: true });
  const ms = Date.now() - t0;
  assert.ok(ms >= 250 && ms < 5000, `stopped after ${ms} ms`);
  assert.equal(alive(run.pid!), false);
});

test(
  'a hung process (silent, never returning to its event loop) is killed ' + 'by the watchdog and reported as a hang',
  async () => {
    const { run, progress } = fake('stubborn', { stallTimeoutMs: 600 });
    while (progress.length === 0) await new Promise((r) => setTimeout(r, 10));
    const t0 = Date.now();
    const outcome = await run.done;
    const ms = Date.now() - t0;
    assert.equal(outcome.kind, 'crash');
    assert.ok(outcome.kind === 'crash' && outcome.hung === true && !outcome.outOfMemory);
    assert.match(outcome.kind === 'crash' ? outcome.message : '', /stopped responding \(nothing from it for 1 s\)/);
    assert.ok(ms >= 400 && ms < 5000, `stopped after ${ms} ms`);
    assert.equal(alive(run.pid!), false);
  },
);

test('a process that keeps sending heartbeats is not taken for hung, however long it works', async () => {
  // The stall limit is well above Node's start on a busy machine (which comes before any heartbeat) and well
  // below the 4 s the fake works: without the heartbeats it would be taken for hung.
  const { run } = fake('heartbeat', { stallTimeoutMs: 1500 });
  const outcome = await run.done;
  assert.equal(outcome.kind, 'result', JSON.stringify(outcome));
});

test('the real subprocess entry: analyzes a CSV, writes the results atomically, reports input errors', async () => {
  const csv = path.join(dir, 'tiny.csv');
  const rows = ['a,b,label'];
  for (let i = 0; i < 40; i++) rows.push(`${(i % 2) * 3 + (i % 7) / 10},${(i % 5) / 10},${i % 2 ? 'dog' : 'cat'}`);
  writeFileSync(csv, rows.join('\n'));
  const stages: string[] = [];
  const out = path.join(dir, 'tiny-results.json');
  const run = new ComputeRun({
    entry: ENTRY,
    execArgv: ['--import', 'tsx'],
    options: { datasetPath: csv, model: 'logreg', folds: 2, workers: 1 },
    resultsPath: out,
    onProgress: (p) => stages.push(p.stage),
  });
  assert.deepEqual(await run.done, { kind: 'result', resultsPath: out });
  const results = JSON.parse(readFileSync(out, 'utf8')) as { dataset: { nTrain: number; nTest: number } };
  assert.equal(results.dataset.nTrain + results.dataset.nTest, 40);
  assert.ok(stages.includes('load') && stages.includes('train'), stages.join(','));

  writeFileSync(csv, 'a,b,label\n1,2\n');
  const bad = new ComputeRun({
    entry: ENTRY,
    execArgv: ['--import', 'tsx'],
    options: { datasetPath: csv },
    resultsPath: path.join(dir, 'bad.json'),
  });
  const outcome = await bad.done;
  assert.equal(outcome.kind, 'inputError');
  assert.ok(outcome.kind === 'inputError' && outcome.line === 2 && outcome.file === csv, JSON.stringify(outcome));
  assert.equal(existsSync(path.join(dir, 'bad.json')), false);
});
