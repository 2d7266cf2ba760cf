/**
 * The head's Hessian formed by both threads straight into one array in shared memory (softmaxHead.ts's headHessian
 * says what it holds). The work comes in items — one class ca with up to CLASS_GROUP classes cb ≥ ca — that each
 * thread takes in turn from a counter in shared memory (Atomics.add), so the faster thread (the machine may be loaded
 * unevenly) does more. A thread forms an item's blocks Φ̃ᵀ·diag(a_cd)·Φ̃ one float32 product per row range, adds the
 * ranges in float64 and writes the sums into the Hessian itself.
 *
 * Before, this thread computed every weight vector, the two threads split the products of a batch and this thread
 * alone added up both threads' results (copied back) and wrote them, strided by C across P-long rows, while the
 * helper waited: ~20% of the formation's time at P = 3354, ~40% at P = 5000. Every entry is still one thread's sum
 * of the same float32 products in the same order, so the bytes do not depend on which thread formed it.
 */
import { throwIfAborted } from '../cancel';
import type { MatrixStore } from '../linalg/productJobs';
import { contrastRows, contrastWeight } from './classContrasts';
import { claimNext } from '../parallel/claims';

/**
 * Classes cb per item: the item's row j·C + ca is written CLASS_GROUP adjacent entries at a time (a cache line), and
 * its sums take CLASS_GROUP·D² doubles (P = 7850: 39 MB).
 */
export const CLASS_GROUP = 8;

export interface ClassRowsTask {
  /** The P × P Hessian (P = D·C), written in the entries (j·C + ca, l·C + cb) with ca ≤ cb only. */
  hessian: Float64Array;
  /** Softmax probabilities, n × C. */
  probs: Float64Array;
  /** Row ranges as [start₀, end₀, start₁, end₁, …]: one float32 product each, added in float64 in this order. */
  ranges: number[];
  /** Names in the thread's MatrixStore of each range's Φ̃ᵀ (D × rows) and Φ̃ (rows × D). */
  phiT: string[];
  phi: string[];
  featureDim: number;
  numClasses: number;
  /**
   * True: the Hessian H′ in class-contrast coordinates (classContrasts.ts), P′ × P′ with P′ = D·(C − 1), its blocks
   * weighted by A′_i over the C − 1 contrasts; else the P × P Hessian over the C classes.
   */
  contrasts?: boolean;
  /** Shared counters: [0] the next item to take, [1] the class pairs formed so far (both threads). */
  claims: Int32Array;
}

/** The items [ca, first cb, end cb), largest first, so the last ones taken are small and the threads end together. */
export function classRowItems(c: number): [number, number, number][] {
  const items: [number, number, number][] = [];
  for (let ca = 0; ca < c; ca++)
    for (let cb = ca; cb < c; cb += CLASS_GROUP) items.push([ca, cb, Math.min(c, cb + CLASS_GROUP)]);
  return items.sort((x, y) => y[2] - y[1] - (x[2] - x[1]));
}

/**
 * Forms the items this thread takes from `task.claims` until none is left; `onItem(pairs)` after each, with the
 * class pairs formed so far by both threads.
 */
export function formClassRows(
  store: MatrixStore,
  task: ClassRowsTask,
  signal?: AbortSignal,
  onItem?: (pairsDone: number) => void,
): void {
  const { hessian, probs, ranges, phiT, phi, featureDim: f, numClasses, claims } = task;
  // The blocks' classes: the C − 1 contrasts, or the C classes.
  const c = task.contrasts ? numClasses - 1 : numClasses;
  const rows = task.contrasts ? contrastRows(probs, probs.length / numClasses, numClasses) : undefined;
  const d = f + 1;
  const p = d * c;
  const dd = d * d;
  const items = classRowItems(c);
  const sums = new Float64Array(CLASS_GROUP * dd);
  for (;;) {
    throwIfAborted(signal);
    const item = claimNext(claims);
    if (item >= items.length) break;
    const [ca, first, end] = items[item];
    for (let cb = first; cb < end; cb++) {
      const sum = sums.subarray((cb - first) * dd, (cb - first + 1) * dd);
      for (let r = 0; r < phiT.length; r++) {
        const start = ranges[2 * r];
        const stop = ranges[2 * r + 1];
        const weights = new Float32Array(stop - start);
        if (rows) for (let i = start; i < stop; i++) weights[i - start] = contrastWeight(rows, probs, i, ca, cb);
        else
          for (let i = start; i < stop; i++) {
            const pa = probs[i * c + ca];
            weights[i - start] = (ca === cb ? pa : 0) - pa * probs[i * c + cb];
          }
        store.useProduct({ a: phiT[r], b: phi[r], scale: weights }, (block) => {
          if (r === 0) for (let q = 0; q < dd; q++) sum[q] = block[q];
          else for (let q = 0; q < dd; q++) sum[q] += block[q];
        });
      }
    }
    // Entries (j·C + ca, l·C + cb) for the item's cb, each row's adjacent ones together.
    const width = end - first;
    for (let j = 0; j < d; j++) {
      const row = (j * c + ca) * p + first;
      for (let l = 0; l < d; l++) {
        const at = row + l * c;
        const from = j * d + l;
        for (let g = 0; g < width; g++) hessian[at + g] = sums[g * dd + from];
      }
    }
    const done = Atomics.add(claims, 1, width) + width;
    onItem?.(done);
  }
}
