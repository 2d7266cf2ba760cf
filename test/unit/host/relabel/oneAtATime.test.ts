/** Edits of the user's files run one at a time (src/host/relabel/oneAtATime.ts), a failed one included. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oneAtATime } from '../../../../src/host/relabel/oneAtATime';

test('an edit queued while another waits starts only once that one has finished, even when it failed', async () => {
  const events: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const first = oneAtATime(async () => {
    events.push('first starts');
    await held; // waiting for its confirmation
    events.push('first ends');
    throw new Error('first failed');
  });
  const second = oneAtATime(async () => {
    events.push('second starts');
    return 2;
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(events, ['first starts']);
  release();
  await assert.rejects(first, /first failed/);
  assert.equal(await second, 2);
  assert.deepEqual(events, ['first starts', 'first ends', 'second starts']);
});
