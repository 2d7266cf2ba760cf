import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawColumn } from '../../../src/compute/data/table';
import { RowFingerprint } from '../../../src/compute/issues/contentHash';

/** The definition, written out here: one cell as it is compared — trimmed, white space collapsed, numbers by value. */
function normalizeCell(cell: string): string {
  const s = /\s/.test(cell) ? cell.replace(/\s+/g, ' ').trim() : cell;
  if (s === '') return s;
  const n = Number(s);
  return Number.isFinite(n) ? String(n) : s;
}

const EDGE_CELLS = [
  '-0',
  '0',
  '+0',
  '0.0',
  '007',
  '7',
  '1e5',
  '1E+5',
  '100000',
  '0.10',
  '0.1',
  '.5',
  '0.5',
  '5.',
  '5',
  ' 5.1 ',
  '5.10',
  '0x10',
  '16',
  'Infinity',
  '-Infinity',
  'NaN',
  '1,5',
  '1.5',
  '-1,25',
  '1,2,3',
  '12345678901234567890',
  '12345678901234567000',
  '0.0000001',
  '1e-7',
  '\u00a05\u00a0',
  '5\u00a0',
  '\u20035.0',
  '\u00a0',
  '',
  '   ',
  'a  b',
  ' a\tb ',
  'a b',
  'abc',
  '1e999',
  '-',
  '.',
  '+',
  'nan',
  '?',
  '1 2',
  '0b11',
  '3',
  '1_000',
  '9007199254740993',
];

/** Cells like a CSV's: numbers in many spellings, padded, text, with seeded randomness (no Math.random). */
function generatedCells(count: number, seed: number): string[] {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const pads = ['', ' ', '\t', '\u00a0', '  '];
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const v = (rand() - 0.5) * 10 ** Math.floor(rand() * 30 - 10);
    const spellings = [
      String(v),
      v.toFixed(Math.floor(rand() * 8)),
      v.toExponential(Math.floor(rand() * 6)),
      v.toPrecision(1 + Math.floor(rand() * 20)),
      String(Math.round(v)),
      `00${Math.abs(Math.round(v))}`,
      String(v).replace('.', ','),
      pick(EDGE_CELLS),
    ];
    out.push(pick(pads) + pick(spellings) + pick(pads));
  }
  return out;
}

/** A row's fingerprint the way the loaders feed it: each cell through RawColumn.push's parse. */
function loaderFingerprint(cells: readonly string[], decimalComma: boolean): number {
  const fp = new RowFingerprint();
  const column = new RawColumn('x', cells.length, false, false, decimalComma);
  cells.forEach((cell, row) => fp.cell(cell, column.push(row, cell), decimalComma));
  return fp.finish();
}

/** The same row with every cell through the full normalisation. */
function normalisedFingerprint(cells: readonly string[]): number {
  const fp = new RowFingerprint();
  for (const cell of cells) fp.text(cell);
  return fp.finish();
}

const CELLS = [...EDGE_CELLS, ...generatedCells(4000, 17)];

test('the numeric fast path gives the full normalisation’s fingerprint, for , and ; files', () => {
  for (const decimalComma of [false, true]) {
    for (const cell of CELLS) {
      assert.equal(loaderFingerprint([cell], decimalComma), normalisedFingerprint([cell]), JSON.stringify(cell));
    }
    for (let i = 0; i + 8 <= CELLS.length; i += 8) {
      const row = CELLS.slice(i, i + 8);
      assert.equal(loaderFingerprint(row, decimalComma), normalisedFingerprint(row), JSON.stringify(row));
    }
  }
});

test('two cells share a fingerprint exactly when normalizeCell makes them the same text', () => {
  const byText = new Map<string, number>();
  const byPrint = new Map<number, string>();
  for (const cell of CELLS) {
    const text = normalizeCell(cell);
    const print = loaderFingerprint([cell], true);
    const seen = byText.get(text);
    if (seen !== undefined) assert.equal(print, seen, `${JSON.stringify(cell)} normalises to ${JSON.stringify(text)}`);
    else byText.set(text, print);
    const other = byPrint.get(print);
    if (other !== undefined) assert.equal(text, other, `${JSON.stringify(cell)} shares a fingerprint`);
    else byPrint.set(print, text);
  }
  // The documented equalities, and the old normalisation's answer for each.
  const same = (a: string, b: string) => loaderFingerprint([a], false) === loaderFingerprint([b], false);
  for (const [a, b] of [
    ['5.10', ' 5.1'],
    ['-0', '0'],
    ['007', '7'],
    ['1e5', '1E+5'],
    ['0x10', '16'],
    ['.5', '0.5'],
    ['a  b', ' a\tb '],
  ]) {
    assert.equal(normalizeCell(a), normalizeCell(b));
    assert.ok(same(a, b), `${a} ~ ${b}`);
  }
  assert.ok(!same('1,5', '1.5'));
  assert.ok(!same('Infinity', '1e999'));
});

test('a row is its cells in order: moving a value to another column or splitting text changes it', () => {
  const print = (cells: string[]) => loaderFingerprint(cells, false);
  assert.notEqual(print(['1', '2']), print(['2', '1']));
  assert.notEqual(print(['ab', 'c']), print(['a', 'bc']));
  assert.notEqual(print(['a', '']), print(['', 'a']));
  assert.notEqual(print(['1']), print(['1', '']));
  assert.equal(print(['x y', '3.50']), print(['x  y ', '3.5']));
});
