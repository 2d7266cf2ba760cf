/** The shared work counter (parallel/claims.ts): every index to exactly one taker, none after a stop. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimNext, sharedClaims, stopClaims } from '../../../src/compute/parallel/claims';

test('indices come from `first` on, once each, and none is below any count after a stop', () => {
  const claims = sharedClaims(1, 2);
  assert.ok(claims.buffer instanceof SharedArrayBuffer);
  assert.equal(claims.length, 2);
  assert.deepEqual([claimNext(claims), claimNext(claims), claimNext(claims)], [1, 2, 3]);
  assert.equal(claims[1], 0, 'the caller’s slots are left alone');
  stopClaims(claims);
  assert.ok(claimNext(claims) >= 2 ** 30 && claimNext(claims) >= 2 ** 30);
});
