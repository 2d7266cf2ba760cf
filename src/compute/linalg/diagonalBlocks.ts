/**
 * The float64 pieces of the blocked factorisations that work on one small diagonal block at a time (blockedCholesky.ts,
 * mixedRecursive.ts): its unblocked Cholesky and its triangular inverse. They cost O(b³) for a b×b block, a small
 * share of the whole when b is a few hundred at most.
 */

/** Unblocked Cholesky of the kb×kb diagonal block at (k0, k0) of a (row stride n), in place. */
export function factorDiagonalBlock(a: Float64Array, n: number, k0: number, kb: number): boolean {
  for (let i = k0; i < k0 + kb; i++) {
    const rowI = i * n;
    for (let j = k0; j <= i; j++) {
      const rowJ = j * n;
      let sum = a[rowI + j];
      for (let k = k0; k < j; k++) sum -= a[rowI + k] * a[rowJ + k];
      if (i === j) {
        if (!(sum > 0) || !Number.isFinite(sum)) return false;
        a[rowI + i] = Math.sqrt(sum);
      } else {
        a[rowI + j] = sum / a[rowJ + j];
      }
    }
  }
  return true;
}

/** Inverse of the kb×kb lower-triangular block at (k0, k0) of a (row stride n), float64 kb×kb row-major. */
export function diagonalInverse(a: Float64Array, n: number, k0: number, kb: number): Float64Array {
  const inv = new Float64Array(kb * kb);
  for (let i = 0; i < kb; i++) {
    const rowL = (k0 + i) * n + k0;
    for (let k = 0; k < i; k++) {
      const lik = a[rowL + k];
      if (lik === 0) continue;
      for (let j = 0; j <= k; j++) inv[i * kb + j] -= lik * inv[k * kb + j];
    }
    const scale = 1 / a[rowL + i];
    for (let j = 0; j < i; j++) inv[i * kb + j] *= scale;
    inv[i * kb + i] = scale;
  }
  return inv;
}

/** diagonalInverse transposed, as float32. */
export function diagonalInverseTransposed32(a: Float64Array, n: number, k0: number, kb: number): Float32Array {
  const inv = diagonalInverse(a, n, k0, kb);
  const out = new Float32Array(kb * kb);
  for (let i = 0; i < kb; i++) for (let j = 0; j <= i; j++) out[j * kb + i] = inv[i * kb + j];
  return out;
}

/** Zeroes the strict upper triangle of the n×n row-major `a`. */
export function zeroUpper(a: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) a.fill(0, i * n + i + 1, (i + 1) * n);
}
