/**
 * An image relabel moves the file: the row must show the new path, carry the
 * "relabeled" tag (the decision is stored under the new path), and its
 * thumbnail and "open" must use the new path; undo brings it all back; a
 * window reload keeps it (the mapping is stored beside the reviews).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainRecord } from '../../../../src/compute/results/schema';
import { trainRow } from '../../../../src/host/panel/resultsView';
import { applyDecision, decisionsFor } from '../../../../src/host/reviews/reviews';
import { ReviewStore, type StateStore } from '../../../../src/host/reviews/reviewStore';
import { analysedPath, currentSource, withMoves } from '../../../../src/host/relabel/sampleMoves';

class MapState implements StateStore {
  readonly map = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return JSON.parse(JSON.stringify(this.map.get(key) ?? null)) ?? undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.map.set(key, value);
  }
}

const sample = {
  id: 4,
  source: { path: 'dark/d-01.png' },
  label: 'dark',
  predicted: 'light',
  suggestedLabel: 'light',
  suggestedProbability: 0.9,
  givenLabelProbability: 0.1,
  outOfSampleMargin: -0.8,
  loss: 2,
  selfInfluence: 0.3,
  suspicion: 0.9,
  likelyLabelIssue: true,
} as TrainRecord;

test('moves compose, go back, and map both ways', () => {
  const once = withMoves(new Map(), [{ from: 'dark/a.png', to: 'light/a.png' }]);
  assert.deepEqual([...once], [['dark/a.png', 'light/a.png']]);
  const twice = withMoves(once, [{ from: 'light/a.png', to: 'mid/a.png' }]);
  assert.deepEqual([...twice], [['dark/a.png', 'mid/a.png']]);
  assert.equal(analysedPath(twice, 'mid/a.png'), 'dark/a.png');
  assert.equal(analysedPath(twice, 'dark/a.png'), '', 'what now sits at a moved-away path is not that sample');
  assert.equal(analysedPath(twice, 'light/b.png'), 'light/b.png');
  assert.deepEqual([...withMoves(twice, [{ from: 'mid/a.png', to: 'dark/a.png' }])], [], 'moved back: no mapping');
  assert.deepEqual(currentSource(twice, { path: 'dark/a.png' }), { path: 'mid/a.png' });
});

test(
  "a moved image's row: the new path, its thumbnail from the new path, " +
    'and the "relabeled" tag; undo restores all three',
  () => {
    let moves = withMoves(new Map(), [{ from: 'dark/d-01.png', to: 'light/d-01.png' }]);
    // relabelEdit stores the decision under the path after the move.
    let book = applyDecision(
      {},
      [{ source: { path: 'light/d-01.png' }, label: 'dark' }],
      'relabeled',
      new Date(0),
      'light',
    );
    const thumbs: string[] = [];
    const decor = (m: ReadonlyMap<string, string>) => ({
      current: (s: { path: string }) => currentSource(m, s),
      thumbnail: (s: { path: string }) => (thumbs.push(s.path), `uri:${s.path}`),
    });
    const reviews = decisionsFor(book, [sample], (s) => currentSource(moves, s));
    assert.equal(reviews.get(4)?.state, 'relabeled', 'the decision under the new path matches the analysed sample');
    const row = trainRow(sample, reviews.get(4), decor(moves));
    assert.equal(row.where, 'light/d-01.png');
    assert.equal(row.thumbnail, 'uri:light/d-01.png');
    assert.equal(row.review, 'relabeled');

    moves = withMoves(moves, [{ from: 'light/d-01.png', to: 'dark/d-01.png' }]);
    book = applyDecision(book, [{ source: { path: 'dark/d-01.png' }, label: '' }], null, new Date(0));
    const back = trainRow(sample, decisionsFor(book, [sample], (s) => currentSource(moves, s)).get(4), decor(moves));
    assert.equal(back.where, 'dark/d-01.png');
    assert.equal(back.thumbnail, 'uri:dark/d-01.png');
    assert.equal(back.review, undefined);
  },
);

test('the moves survive a reload (stored per dataset) and belong to one results file', async () => {
  const state = new MapState();
  await new ReviewStore(state).setMoves('/data/shades', 'r1.json@t1', new Map([['dark/a.png', 'light/a.png']]));
  const reloaded = new ReviewStore(state);
  assert.deepEqual([...reloaded.moves('/data/shades', 'r1.json@t1')], [['dark/a.png', 'light/a.png']]);
  assert.deepEqual(
    [...reloaded.moves('/data/shades', 'r2.json@t2')],
    [],
    'a new analysis sees the files where they are',
  );
  assert.deepEqual([...reloaded.moves('/data/other', 'r1.json@t1')], []);
  await state.update('moves:/data/shades', { results: 'r1.json@t1', paths: { 'dark/a.png': 7 } });
  assert.deepEqual([...reloaded.moves('/data/shades', 'r1.json@t1')], [], 'damaged entries are dropped');
});
