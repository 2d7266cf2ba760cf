/**
 * (L·Lᵀ)⁻¹·b by the two triangular solves of cholesky.ts, four rows of L at a time: the forward solve's dot
 * products for rows i … i+3 run as four independent sums (the plain loop waits on one sum's add latency at every
 * term), and the back solve updates x with four rows per pass over it (the plain loop loads and stores all of x
 * once per row). At P = 5000 this halves a solve (46 → 22 ms), which then streams L from memory at about the
 * bandwidth of one core.
 *
 * Every entry is still computed with the plain loops' operations in their order (forward: b_i − L_i0·x_0 −
 * L_i1·x_1 − …, then ÷ L_ii; back: x_k − L_{n−1,k}·x_{n−1} − L_{n−2,k}·x_{n−2} − …), so the result is the same
 * bytes as choleskySolve's (`unrolledSolve.test.ts`).
 */

/** Solves (L·Lᵀ)·x = b given the lower Cholesky factor L (row-major n × n); the bytes of choleskySolve. */
export function unrolledCholeskySolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = new Float64Array(n);
  forwardInto(l, n, b, x);
  backInPlace(l, n, x);
  return x;
}

/** x ← L⁻¹·b (forward substitution); `b` may be `x` itself. */
export function forwardInto(l: Float64Array, n: number, b: ArrayLike<number>, x: Float64Array): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = i * n;
    const r1 = r0 + n;
    const r2 = r1 + n;
    const r3 = r2 + n;
    let s0 = b[i];
    let s1 = b[i + 1];
    let s2 = b[i + 2];
    let s3 = b[i + 3];
    for (let k = 0; k < i; k++) {
      const xk = x[k];
      s0 -= l[r0 + k] * xk;
      s1 -= l[r1 + k] * xk;
      s2 -= l[r2 + k] * xk;
      s3 -= l[r3 + k] * xk;
    }
    // The 4 × 4 diagonal block, row by row, each sum continuing in column order.
    const x0 = s0 / l[r0 + i];
    s1 -= l[r1 + i] * x0;
    const x1 = s1 / l[r1 + i + 1];
    s2 -= l[r2 + i] * x0;
    s2 -= l[r2 + i + 1] * x1;
    const x2 = s2 / l[r2 + i + 2];
    s3 -= l[r3 + i] * x0;
    s3 -= l[r3 + i + 1] * x1;
    s3 -= l[r3 + i + 2] * x2;
    x[i] = x0;
    x[i + 1] = x1;
    x[i + 2] = x2;
    x[i + 3] = s3 / l[r3 + i + 3];
  }
  for (; i < n; i++) {
    const row = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[row + k] * x[k];
    x[i] = s / l[row + i];
  }
}

/** x ← L⁻ᵀ·x (back substitution with the rows of L, last row first). */
export function backInPlace(l: Float64Array, n: number, x: Float64Array): void {
  let i = n - 1;
  for (; i >= 3; i -= 4) {
    const r0 = i * n;
    const r1 = r0 - n;
    const r2 = r1 - n;
    const r3 = r2 - n;
    // The diagonal block first (rows i, i−1, i−2, i−3 in turn), then the four rows' updates of x[0 … i−4] together.
    const x0 = x[i] / l[r0 + i];
    x[i] = x0;
    let v = x[i - 1] - l[r0 + i - 1] * x0;
    const x1 = v / l[r1 + i - 1];
    x[i - 1] = x1;
    v = x[i - 2] - l[r0 + i - 2] * x0;
    v -= l[r1 + i - 2] * x1;
    const x2 = v / l[r2 + i - 2];
    x[i - 2] = x2;
    v = x[i - 3] - l[r0 + i - 3] * x0;
    v -= l[r1 + i - 3] * x1;
    v -= l[r2 + i - 3] * x2;
    const x3 = v / l[r3 + i - 3];
    x[i - 3] = x3;
    for (let k = 0; k < i - 3; k++) {
      let s = x[k];
      s -= l[r0 + k] * x0;
      s -= l[r1 + k] * x1;
      s -= l[r2 + k] * x2;
      s -= l[r3 + k] * x3;
      x[k] = s;
    }
  }
  for (; i >= 0; i--) {
    const row = i * n;
    const xi = x[i] / l[row + i];
    x[i] = xi;
    for (let k = 0; k < i; k++) x[k] -= l[row + k] * xi;
  }
}
