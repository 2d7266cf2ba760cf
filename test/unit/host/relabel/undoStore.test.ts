/**
 * "Undo last relabel" after a window reload: the undo record lives in the
 * workspace state, so a new extension host (a new UndoStore over the same
 * state) still finds it; a damaged record is never applied.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RelabelUndo } from '../../../../src/host/relabel/undoRelabel';
import { describeUndo, type StateStore, UndoStore } from '../../../../src/host/relabel/undoStore';

/** A Memento stand-in that, like VS Code's, stores JSON (so only what survives serialization survives). */
class JsonState implements StateStore {
  private readonly map = new Map<string, string>();
  get<T>(key: string): T | undefined {
    const v = this.map.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.map.delete(key);
    else this.map.set(key, JSON.stringify(value));
    return Promise.resolve();
  }
}

const undo: RelabelUndo = {
  datasetPath: '/w/pets',
  root: '/w/pets',
  format: 'imagefolder',
  label: 'cat',
  inverse: [
    { kind: 'move', from: '/w/pets/cat/1.png', to: '/w/pets/dog/1.png' },
    {
      kind: 'replace',
      file: '/w/pets/notes.csv',
      start: 10,
      end: 13,
      newText: 'dog',
      oldText: 'cat',
      line: 3,
      analyzedLine: 3,
      recordText: '1,cat',
    },
  ],
  samples: [
    { before: { path: 'dog/1.png' }, after: { path: 'cat/1.png' } },
    { before: { path: 'notes.csv', line: 3, row: 1 }, after: { path: 'notes.csv', line: 3, row: 1 } },
  ],
};

test("the last relabel's undo survives a window reload (a new store over the same workspace state)", async () => {
  const state = new JsonState();
  await new UndoStore(state).remember(undo);
  const afterReload = new UndoStore(state);
  assert.deepEqual(afterReload.last(), undo);
  await afterReload.forget();
  assert.equal(new UndoStore(state).last(), undefined, 'once undone, nothing is left to undo');
});

test('nothing remembered: nothing to undo', () => {
  assert.equal(new UndoStore(new JsonState()).last(), undefined);
});

test('a damaged or foreign undo record is ignored, never applied', async () => {
  const state = new JsonState();
  const store = new UndoStore(state);
  for (const bad of [
    'x',
    { ...undo, inverse: [{ kind: 'delete', file: '/etc/passwd' }] },
    {
      ...undo,
      inverse: [{ kind: 'replace', file: '/w/a.csv', start: -1, end: 2, newText: 'a', oldText: 'b', line: 1 }],
    },
    { ...undo, samples: 'all' },
  ]) {
    await state.update('influenceLens.lastRelabel', bad);
    assert.equal(store.last(), undefined, JSON.stringify(bad).slice(0, 80));
  }
});

test('the undo button says what it would undo', () => {
  assert.equal(describeUndo(undo), "2 samples relabeled as 'cat' in pets");
  assert.equal(describeUndo({ ...undo, samples: undo.samples.slice(0, 1) }), "1 sample relabeled as 'cat' in pets");
});

test('a bulk accept of suggestions survives a reload as one undo and says what it undoes', async () => {
  const state = new JsonState();
  await new UndoStore(state).remember({ ...undo, label: 'cat, dog', bulk: true });
  const back = new UndoStore(state).last();
  assert.equal(back?.bulk, true);
  assert.equal(back?.inverse.length, 2);
  assert.equal(describeUndo(back!), '2 samples relabeled to their suggested labels (cat, dog) in pets');
});
