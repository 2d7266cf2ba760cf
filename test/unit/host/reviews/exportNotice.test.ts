/**
 * Exporting review decisions confirms where the file went, whichever way it
 * was started (the panel's buttons wrote the file without a word; the
 * palette command said where). Both go through exportAndAnnounce.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Announcer, exportAndAnnounce } from '../../../../src/host/reviews/exportNotice';

function recorder(): Announcer & { said: string[] } {
  const said: string[] = [];
  return { said, info: (text: string) => (said.push(text), Promise.resolve(undefined)) };
}

test('an export says how many decisions went to which file', async () => {
  const n = recorder();
  const uri = await exportAndAnnounce(() => Promise.resolve({ fsPath: '/w/pets-reviews.csv' }), 3, n);
  assert.equal(uri?.fsPath, '/w/pets-reviews.csv');
  assert.deepEqual(n.said, ['Influence Lens: 3 review decisions exported to /w/pets-reviews.csv']);
  await exportAndAnnounce(() => Promise.resolve({ fsPath: '/w/one.json' }), 1, n);
  assert.equal(n.said[1], 'Influence Lens: 1 review decision exported to /w/one.json');
});

test('a cancelled save dialog writes nothing and says nothing', async () => {
  const n = recorder();
  assert.equal(await exportAndAnnounce(() => Promise.resolve(undefined), 3, n), undefined);
  assert.deepEqual(n.said, []);
});
