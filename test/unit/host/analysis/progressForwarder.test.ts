import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressForwarder } from '../../../../src/compute/process/progressForwarder';
import type { ComputeToHost } from '../../../../src/protocol/compute';

test('stage changes go out at once, bursts within a stage are thinned, the last count is not lost', async () => {
  const sent: ComputeToHost[] = [];
  const logs: string[] = [];
  let now = 0;
  const f = new ProgressForwarder(
    (m) => sent.push(m),
    (l) => logs.push(l),
    20,
    () => now,
  );
  f.update({ stage: 'load', done: 0, total: 1 });
  for (let i = 1; i <= 50; i++) f.update({ stage: 'train', done: i, total: 50 });
  assert.deepEqual(
    sent.map((m) => (m.type === 'progress' ? `${m.stage}:${m.done}` : m.type)),
    ['load:0', 'train:1'],
  );
  // The held-back count goes out when the interval is over (polled: timers run late on a busy machine).
  for (let waited = 0; waited < 2000 && sent.length < 3; waited += 10) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(sent.at(-1), { type: 'progress', stage: 'train', done: 50, total: 50 });
  now = 1500;
  f.update({ stage: 'ranking', done: 0, total: 1, message: 'm' });
  f.close();
  assert.deepEqual(sent.at(-1), { type: 'progress', stage: 'ranking', done: 0, total: 1, message: 'm' });
  assert.deepEqual(logs, ['stage load took 0.00 s', 'stage train took 1.50 s', 'stage ranking took 0.00 s']);
});
