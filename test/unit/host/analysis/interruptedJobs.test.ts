import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InterruptedJobs, type StateStore } from '../../../../src/host/analysis/interruptedJobs';

function memento(): StateStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return { data, get: <T>(k: string) => data.get(k) as T | undefined, update: async (k, v) => void data.set(k, v) };
}

test('an analysis that ended is not interrupted; one still noted at the next activation is, once', async () => {
  const state = memento();
  const before = new InterruptedJobs(state);
  await before.started('/data/a.csv');
  await before.started('/data/images');
  await before.ended('/data/a.csv');
  // The window reloads: a new extension host reads the same workspace state.
  const after = new InterruptedJobs(state);
  assert.deepEqual(await after.takeInterrupted(), ['/data/images']);
  assert.deepEqual(await after.takeInterrupted(), [], 'offered once');
});

test('a damaged state entry is ignored, not thrown on', async () => {
  const state = memento();
  state.data.set('influenceLens.runningAnalyses', [42, '/ok.csv', null]);
  assert.deepEqual(await new InterruptedJobs(state).takeInterrupted(), ['/ok.csv']);
  state.data.set('influenceLens.runningAnalyses', 'nonsense');
  assert.deepEqual(await new InterruptedJobs(state).takeInterrupted(), []);
});
