/**
 * The results file's bytes made member by member (resultsBytes.ts) against the reference they replace: TextEncoder's
 * UTF-8 of JSON.stringify of the whole object, byte for byte.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resultsBytes } from '../../../src/compute/process/resultsBytes';

const reference = (value: object) => new TextEncoder().encode(JSON.stringify(value));

test('the same bytes as encoding JSON.stringify of the whole, for ASCII records beside non-ASCII sentences', () => {
  const records = Array.from({ length: 500 }, (_, i) => ({ id: i, label: `c${i % 7}`, score: Math.sin(i) / 3 }));
  const value = {
    schemaVersion: 1,
    influence: { method: 'exact', reason: 'auto → exact — Σ over test samples, 1.4826·MAD', damping: 1e-3 },
    dataset: { root: '/data/zürich/数字', classes: ['naïve', '😀', 'plain'] },
    train: records,
    test: records.slice(0, 20),
    timings: { totalSeconds: 12.08, stages: { load: 1.4 } },
  };
  assert.deepEqual(resultsBytes(value), reference(value));
});

test('members JSON leaves out are left out, wherever they fall; the order is JSON.stringify’s', () => {
  const cases: object[] = [
    {},
    { a: undefined },
    { a: undefined, b: 1 },
    { a: 1, b: undefined },
    { a: 1, b: () => 2, c: Symbol('s'), d: 'x' },
    // Integer-like keys come first, ascending, then the others in insertion order.
    { z: 1, 10: 'ten', 2: 'two', a: [undefined, NaN, Infinity, -0], nested: { skip: undefined, keep: null } },
    { date: new Date(0), big: 'é'.repeat(1000), empty: '' },
  ];
  for (const value of cases) assert.deepEqual(resultsBytes(value), reference(value), JSON.stringify(value));
});

test('the bytes own their whole buffer, so it can be transferred to another thread as is', () => {
  const bytes = resultsBytes({ a: 'x'.repeat(100), b: '→' });
  assert.equal(bytes.byteOffset, 0);
  assert.equal(bytes.byteLength, bytes.buffer.byteLength);
});
