/**
 * The row fingerprint (issues/contentHash.ts) against its definition, written
 * out here independently: two records have the same fingerprint exactly when
 * their cells, trimmed with white space collapsed and numbers taken by value
 * (String(Number(s))), are the same — whether the number comes from the
 * table's own parse (a CSV/JSONL column) or from the text.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RowContentHash } from '../../../src/compute/issues/contentHash';
import { RawColumn } from '../../../src/compute/data/table';
import { createRng } from '../../../src/compute/random';

/** The definition: what two cells must agree on to be the same content. */
function normalized(cell: string): string {
  const s = cell.replace(/\s+/g, ' ').trim();
  if (s === '') return s;
  const n = Number(s);
  return Number.isFinite(n) ? `n:${String(n)}` : `t:${s}`;
}

function textHash(cells: string[]): number {
  const h = new RowContentHash();
  for (const c of cells) h.text(c);
  return h.finish();
}

/** The loaders' way: each cell parsed by a table column, numbers hashed by the parsed value. */
function columnHash(cells: string[], decimalComma = false): number {
  const h = new RowContentHash();
  cells.forEach((cell, k) => {
    const column = new RawColumn(`c${k}`, 1, false, false, decimalComma);
    column.push(0, cell);
    column.addToHash(h, 0, cell);
  });
  return h.finish();
}

const SPELLINGS = [
  ['5.1', ' 5.1', '5.10', '5.1e0', '51e-1', '+5.1', '5.1 '],
  ['0', '-0', '0.0', '+0', '0e5', ' 0 '],
  ['7', '007', '7.', '7.000', '0x7', '7e0'],
  ['100000', '1e5', '1E+5', '100000.0'],
  ['0.5', '.5', '5e-1'],
  ['-2.25', '-2.250', '-225e-2'],
  ['1e-7', '0.0000001'],
  ['12345678901234567890', '1.2345678901234567e19'],
  ['red', ' red', 'red  '],
  ['a b', 'a  b', ' a\tb ', 'a\u00a0b'],
  ['', '  '],
  ['NaN'],
  ['Infinity'],
  ['-Infinity'],
  ['1,5'],
  ['1.5'],
  ['x'],
];

describe('row content fingerprint', () => {
  test('equal exactly when the normalised cells are equal, by text and by the columns', () => {
    // Every spelling of a value against every other, in rows of three cells.
    const cells = SPELLINGS.flat();
    const rng = createRng(7);
    const rows = Array.from({ length: 3000 }, () => [0, 1, 2].map(() => cells[Math.floor(rng() * cells.length)]));
    const byKey = new Map<string, number>();
    const byHash = new Map<number, string>();
    for (const row of rows) {
      const key = JSON.stringify(row.map(normalized));
      const hash = textHash(row);
      // The columns parse numbers themselves: the same fingerprint as from the text.
      assert.equal(columnHash(row), hash, `row ${JSON.stringify(row)}`);
      const seen = byKey.get(key);
      if (seen !== undefined) assert.equal(hash, seen, `same content ${key}`);
      byKey.set(key, hash);
      const other = byHash.get(hash);
      if (other !== undefined) assert.equal(other, key, `one fingerprint for ${other} and ${key}`);
      byHash.set(hash, key);
    }
    assert.ok(byKey.size > 1000, `${byKey.size} distinct rows`);
  });

  test('a decimal comma is the number it writes in a ;-separated table', () => {
    assert.equal(columnHash(['1,5', '2'], true), textHash(['1.5', '2']));
    assert.notEqual(columnHash(['1,5', '2'], false), textHash(['1.5', '2']));
  });

  test('cell boundaries, kinds and order count', () => {
    assert.notEqual(textHash(['ab', 'c']), textHash(['a', 'bc']));
    assert.notEqual(textHash(['12', '3']), textHash(['1', '23']));
    assert.notEqual(textHash(['1', '2']), textHash(['2', '1']));
    assert.notEqual(textHash(['5']), textHash(['5', '']));
    assert.notEqual(textHash(['']), textHash([]));
    // A text cell made of a number's digits is not the number: "0x7" is 7, but "7a" is text.
    assert.notEqual(textHash(['7a']), textHash(['7']));
  });

  test('no collisions among 200,000 distinct rows, and 52-bit values', () => {
    const rng = createRng(11);
    const seen = new Set<number>();
    for (let i = 0; i < 200_000; i++) {
      // Rows that differ in one low-order digit of one cell, the case a weak hash would merge.
      const h = textHash([String(i), (rng() * 16).toFixed(2), 'cat']);
      assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 52);
      seen.add(h);
    }
    assert.equal(seen.size, 200_000);
  });
});
