import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyDecision,
  csvCell,
  decisionsFor,
  exportCsv,
  exportJson,
  moveDecision,
  sourceKey,
} from '../../../../src/host/reviews/reviews';
import { ReviewStore, type StateStore } from '../../../../src/host/reviews/reviewStore';

const t0 = new Date('2025-01-02T03:04:05Z');

class MapState implements StateStore {
  readonly map = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.map.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.map.set(key, JSON.parse(JSON.stringify(value)));
  }
}

test('decisions are matched by source, not id: they survive a re-run that renumbers samples', () => {
  const run1 = [
    { id: 0, source: { path: 'a.csv', line: 2, row: 0 } },
    { id: 1, source: { path: 'a.csv', line: 5, row: 1 } },
  ];
  const book = applyDecision({}, [{ source: run1[1].source, label: 'cat' }], 'confirmed', t0);
  // Re-run: a quoted field grew a line (line moved), ids reordered by suspicion.
  const run2 = [
    { id: 0, source: { path: 'a.csv', line: 6, row: 1 } },
    { id: 1, source: { path: 'a.csv', line: 2, row: 0 } },
  ];
  const matched = decisionsFor(book, run2);
  assert.equal(matched.get(0)?.state, 'confirmed');
  assert.equal(matched.has(1), false);
  assert.equal(
    decisionsFor(applyDecision(book, [{ source: run1[1].source, label: 'cat' }], null, t0), run2).size,
    0,
    'cleared',
  );
});

test('keys: row, else line, else path; an image decision follows its move', () => {
  assert.equal(sourceKey({ path: 'a.csv', line: 3, row: 1 }), 'a.csv#row1');
  assert.equal(sourceKey({ path: 'a.jsonl', line: 3 }), 'a.jsonl#line3');
  assert.equal(sourceKey({ path: 'cat/1.png' }), 'cat/1.png');
  const book = applyDecision({}, [{ source: { path: 'cat/1.png' }, label: 'cat' }], 'relabeled', t0, 'dog');
  const moved = moveDecision(book, { path: 'cat/1.png' }, { path: 'dog/1.png' });
  assert.deepEqual(Object.keys(moved), ['dog/1.png']);
  assert.equal(moved['dog/1.png'].newLabel, 'dog');
});

test('export: CSV quotes what needs it and is ordered by file and line; JSON has the same', () => {
  let book = applyDecision({}, [{ source: { path: 'b.csv', line: 9, row: 7 }, label: 'x, "y"' }], 'notIssue', t0);
  book = applyDecision(book, [{ source: { path: 'a.csv', line: 4, row: 2 }, label: 'cat' }], 'relabeled', t0, 'dog');
  assert.equal(
    exportCsv(book),
    'path,line,row,label,decision,newLabel,decidedAt\n' +
      'a.csv,4,2,cat,relabeled,dog,2025-01-02T03:04:05.000Z\n' +
      'b.csv,9,7,"x, ""y""",notIssue,,2025-01-02T03:04:05.000Z\n',
  );
  const json = JSON.parse(exportJson(book, '/d')) as { dataset: string; decisions: { source: { path: string } }[] };
  assert.equal(json.dataset, '/d');
  assert.deepEqual(
    json.decisions.map((d) => d.source.path),
    ['a.csv', 'b.csv'],
  );
});

test('export: cells a spreadsheet would run as a formula are defused; plain numbers are left alone', () => {
  for (const hostile of ['=HYPERLINK("http://x","y")', '+cmd|calc', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
    const cell = csvCell(hostile);
    assert.ok(/^"?'/.test(cell), `${JSON.stringify(hostile)} → ${cell}`);
  }
  assert.equal(csvCell('-1'), '-1');
  assert.equal(csvCell('+3.5e2'), '+3.5e2');
  assert.equal(csvCell(-4), '-4');
  assert.equal(csvCell('cat'), 'cat');
  // Through exportCsv: a label and a path from the dataset.
  const book = applyDecision({}, [{ source: { path: '=evil.csv', line: 2, row: 0 }, label: '=1+1' }], 'confirmed', t0);
  assert.equal(exportCsv(book).split('\n')[1], "'=evil.csv,2,0,'=1+1,confirmed,,2025-01-02T03:04:05.000Z");
});

test('the store persists per dataset and drops damaged entries when reading back', async () => {
  const state = new MapState();
  const store = new ReviewStore(state);
  await store.set('/d1.csv', [{ source: { path: 'd1.csv', line: 2, row: 0 }, label: 'cat' }], 'confirmed');
  assert.equal(Object.keys(store.get('/d1.csv')).length, 1);
  assert.equal(Object.keys(store.get('/d2.csv')).length, 0);
  const key = [...state.map.keys()][0];
  state.map.set(key, { ...(state.map.get(key) as object), bad: { state: 'maybe' } });
  assert.deepEqual(Object.keys(new ReviewStore(state).get('/d1.csv')), ['d1.csv#row0']);
});
