import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InputError } from '../../src/compute/errors';
test('InputError names file and line', () => {
  const e = new InputError('a.csv', 'expected 3 fields', 4);
  assert.equal(e.message, 'a.csv:4: expected 3 fields');
});
