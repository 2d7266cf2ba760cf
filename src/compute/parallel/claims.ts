/**
 * Work split between threads by index: a counter in shared memory from which each thread takes the next index
 * (Atomics.add), so every index goes to exactly one thread and the faster thread takes more (the training beside a
 * worker, the neighbour searches, the influence scan, the Hessian's class rows, the image decoding). Slot 0 is the
 * counter; further slots are the caller's (counts of work done, for progress).
 */

/** An index past every piece of work: no thread takes another. */
const NO_MORE = 2 ** 30;

/** A counter starting at `first`, with `slots` Int32 slots in all. */
export function sharedClaims(first = 0, slots = 1): Int32Array {
  const claims = new Int32Array(new SharedArrayBuffer(slots * Int32Array.BYTES_PER_ELEMENT));
  claims[0] = first;
  return claims;
}

/** The next index for this thread (at or past the work's end when none is left). */
export function claimNext(claims: Int32Array): number {
  return Atomics.add(claims, 0, 1);
}

/** No thread takes another index (this one failed or was cancelled). */
export function stopClaims(claims: Int32Array): void {
  Atomics.store(claims, 0, NO_MORE);
}
