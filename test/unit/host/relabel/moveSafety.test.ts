import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type MoveFs, moveConflict, rollBackMoves } from '../../../../src/host/relabel/moveSafety';
import type { PlannedEdit } from '../../../../src/host/relabel/relabelPlan';

/** An in-memory file system of plain paths; `failRename` makes one rename throw. */
function memoryFs(files: string[], failRename?: string): MoveFs & { files: Set<string> } {
  const set = new Set(files);
  return {
    files: set,
    exists: async (f) => set.has(f),
    rename: async (from, to) => {
      if (from === failRename || !set.has(from) || set.has(to)) throw new Error(`cannot move ${from}`);
      set.delete(from);
      set.add(to);
    },
  };
}

const move = (name: string): PlannedEdit => ({ kind: 'move', from: `/d/dark/${name}`, to: `/d/light/${name}` });
const edits = [move('a.png'), move('b.png'), move('c.png')];

test(
  'a bulk move is checked first: a missing image or an occupied target is ' + 'named, relative to the dataset',
  async () => {
    const all = ['/d/dark/a.png', '/d/dark/b.png', '/d/dark/c.png'];
    assert.equal(await moveConflict(edits, memoryFs(all), '/d'), undefined);
    assert.equal(await moveConflict(edits, memoryFs([...all, '/d/light/b.png']), '/d'), 'light/b.png already exists');
    assert.equal(
      await moveConflict(edits, memoryFs(['/d/dark/a.png', '/d/dark/c.png']), '/d'),
      'dark/b.png no longer exists',
    );
    // Two moves onto one target (two classes' files with the same name) conflict with each other.
    const twice: PlannedEdit[] = [move('a.png'), { kind: 'move', from: '/d/cat/a.png', to: '/d/light/a.png' }];
    assert.equal(
      await moveConflict(twice, memoryFs(['/d/dark/a.png', '/d/cat/a.png']), '/d'),
      'light/a.png already exists',
    );
    // Text edits are not its business.
    assert.equal(
      await moveConflict(
        [{ kind: 'replace', file: '/d/x.csv', start: 0, end: 1, newText: 'y', oldText: 'x', line: 2 } as PlannedEdit],
        memoryFs([]),
        '/d',
      ),
      undefined,
    );
  },
);

test(
  'a move that failed halfway: the moves done before it are put back, ' + 'last first, and the failed one is named',
  async () => {
    // a and b were moved, c was not (its move failed).
    const fs = memoryFs(['/d/light/a.png', '/d/light/b.png', '/d/dark/c.png']);
    const result = await rollBackMoves(edits, fs);
    assert.deepEqual(
      result.restored.map((m) => m.kind === 'move' && m.to),
      ['/d/light/b.png', '/d/light/a.png'],
    );
    assert.equal(result.failed?.from, '/d/dark/c.png');
    assert.deepEqual(result.stuck, []);
    assert.deepEqual([...fs.files].sort(), ['/d/dark/a.png', '/d/dark/b.png', '/d/dark/c.png']);
  },
);

test('a move that cannot be put back is reported, not hidden', async () => {
  const fs = memoryFs(['/d/light/a.png', '/d/dark/b.png', '/d/dark/c.png'], '/d/light/a.png');
  const result = await rollBackMoves(edits, fs);
  assert.deepEqual(
    result.stuck.map((m) => m.kind === 'move' && m.from),
    ['/d/dark/a.png'],
  );
  assert.equal(result.failed?.from, '/d/dark/b.png');
});

test('a move whose target no longer passes the dataset check (a link changed since the plan) is refused', async () => {
  const all = ['/d/dark/a.png', '/d/dark/b.png', '/d/dark/c.png'];
  const inside = (abs: string) => !abs.startsWith('/d/light/b');
  assert.equal(await moveConflict(edits, memoryFs(all), '/d', inside), 'light/b.png no longer lies inside the dataset');
});
