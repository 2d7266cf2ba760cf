/**
 * Time left in a long stage (issue 12, item 16): the engine estimates it from
 * the stage's pace, the CLI shows it (in a log, a line every interval), and
 * the compute subprocess sends it to the extension inside the progress
 * message. Clocks are injected: nothing here waits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StageProgress } from '../../../src/cli/progressBar';
import { formatTimeLeft, StageTimeLeft } from '../../../src/compute/pipeline/timeLeft';
import { ProgressForwarder } from '../../../src/compute/process/progressForwarder';
import type { ComputeToHost } from '../../../src/protocol/compute';

test('the time left follows the stage pace and restarts with each stage', () => {
  let now = 0;
  const left = new StageTimeLeft(() => now);
  assert.equal(left.annotate({ stage: 'influence', done: 0, total: 50 }).secondsLeft, undefined, 'nothing counted yet');
  now = 20_000;
  assert.equal(
    left.annotate({ stage: 'influence', done: 10, total: 50 }).secondsLeft,
    80,
    '10 solves in 20 s: 40 more take 80 s',
  );
  now = 100_000;
  assert.equal(left.annotate({ stage: 'influence', done: 50, total: 50 }).secondsLeft, 0);
  now = 100_500;
  assert.equal(
    left.annotate({ stage: 'verify', done: 1, total: 10 }).secondsLeft,
    undefined,
    'a new stage: too early to tell',
  );
  now = 102_000;
  assert.equal(left.annotate({ stage: 'verify', done: 2, total: 10 }).secondsLeft, 6);
});

test('a stage that says "0 done" again after a preparation phase is timed from there', () => {
  let now = 0;
  const left = new StageTimeLeft(() => now);
  left.annotate({ stage: 'influence', done: 0, total: 50, message: 'cg: self-influence' });
  now = 60_000;
  left.annotate({ stage: 'influence', done: 0, total: 50, message: 'cg: solves' });
  now = 70_000;
  assert.equal(
    left.annotate({ stage: 'influence', done: 5, total: 50 }).secondsLeft,
    90,
    '5 solves in 10 s, not in 70 s',
  );
});

test('time left reads as a person would say it', () => {
  assert.equal(formatTimeLeft(0.2), 'less than a second left');
  assert.equal(formatTimeLeft(42), 'about 40 s left');
  assert.equal(formatTimeLeft(170), 'about 3 min left');
  assert.equal(formatTimeLeft(4800), 'about 1 h 20 min left');
});

test('in a log (stderr not a terminal) the CLI prints each stage, then the count and time left every interval', () => {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s) } as unknown as NodeJS.WriteStream;
  let now = 0;
  const bar = new StageProgress(stream, 10_000, () => now);
  bar.update({ stage: 'influence', done: 0, total: 50, message: 'cg' });
  now = 5_000;
  bar.update({ stage: 'influence', done: 5, total: 50, message: 'cg', secondsLeft: 45 });
  now = 12_000;
  bar.update({ stage: 'influence', done: 12, total: 50, message: 'cg', secondsLeft: 38 });
  now = 13_000;
  bar.update({ stage: 'influence', done: 13, total: 50, message: 'cg', secondsLeft: 37 });
  bar.stop();
  assert.deepEqual(lines, ['Influence (cg)\n', '  Influence 12/50, about 40 s left\n']);
});

test('the extension gets the time left in the progress message', () => {
  const sent: ComputeToHost[] = [];
  const f = new ProgressForwarder(
    (m) => sent.push(m),
    () => undefined,
    0,
    () => 0,
  );
  f.update({ stage: 'influence', done: 12, total: 50, message: 'cg', secondsLeft: 170 });
  f.update({ stage: 'verify', done: 1, total: 4, secondsLeft: 30 });
  f.update({ stage: 'ranking', done: 0, total: 1 });
  f.close();
  assert.deepEqual(sent, [
    { type: 'progress', stage: 'influence', done: 12, total: 50, message: 'cg · about 3 min left' },
    { type: 'progress', stage: 'verify', done: 1, total: 4, message: 'about 30 s left' },
    { type: 'progress', stage: 'ranking', done: 0, total: 1 },
  ]);
});
