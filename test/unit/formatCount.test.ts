import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatCount } from '../../src/compute/formatCount';

test('formatCount writes counts as en-US grouping does, at every group boundary and sign', () => {
  const values = [0, 7, 12, 999, 1000, 1001, 9999, 10_000, 99_999, 100_000, 123_456, 999_999, 1_000_000, 1_234_567_890];
  for (const v of [...values, ...values.map((x) => -x), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER])
    assert.equal(formatCount(v), v.toLocaleString('en-US'), String(v));
});

test('formatCount leaves what is not a safe integer to toLocaleString', () => {
  for (const v of [1234.5678, -0.5, 2 ** 60, Infinity, NaN]) assert.equal(formatCount(v), v.toLocaleString('en-US'));
});
