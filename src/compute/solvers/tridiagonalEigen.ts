/**
 * Eigen-decomposition of a small symmetric tridiagonal matrix T (the
 * Lanczos projection of the Hessian) by implicit-shift QR with Wilkinson
 * shifts and Givens "bulge chasing" (Golub & Van Loan §8.3). O(m²) for the
 * values plus O(m³) for the vectors, fine for the m ≤ a few hundred that
 * Lanczos produces.
 */

export interface TridiagonalEigen {
  /** Eigenvalues, ascending. */
  values: Float64Array;
  /** Row-major m×m; column j (entries vectors[i·m + j]) is the unit eigenvector of values[j]. Empty when not wanted. */
  vectors: Float64Array;
}

/**
 * @param diagonal  T[i][i], length m
 * @param offDiagonal T[i][i+1] = T[i+1][i], length m − 1 (a zero splits T into independent blocks)
 * @param wantVectors accumulate eigenvectors (O(m³)); false = values only (O(m²))
 */
export function tridiagonalEigen(
  diagonal: ArrayLike<number>,
  offDiagonal: ArrayLike<number>,
  wantVectors = true,
): TridiagonalEigen {
  const m = diagonal.length;
  const d = Float64Array.from(diagonal);
  const e = new Float64Array(Math.max(m - 1, 0));
  for (let i = 0; i < m - 1; i++) e[i] = offDiagonal[i];
  const z = new Float64Array(wantVectors ? m * m : 0);
  if (wantVectors) for (let i = 0; i < m; i++) z[i * m + i] = 1;

  const eps = Number.EPSILON;
  let hi = m - 1;
  let sweeps = 0;
  while (hi > 0) {
    // Deflate: an off-diagonal negligible next to its neighbours is set to 0.
    if (Math.abs(e[hi - 1]) <= eps * (Math.abs(d[hi - 1]) + Math.abs(d[hi]))) {
      e[hi - 1] = 0;
      hi--;
      continue;
    }
    // The unreduced block [lo, hi] that ends at hi.
    let lo = hi - 1;
    while (lo > 0 && Math.abs(e[lo - 1]) > eps * (Math.abs(d[lo - 1]) + Math.abs(d[lo]))) lo--;
    if (++sweeps > 50 * m) throw new Error('tridiagonal QR did not converge (NaN in the Lanczos coefficients?)');
    qrStep(d, e, z, m, lo, hi);
  }

  // Sort ascending, permuting the eigenvector columns with the values.
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => d[a] - d[b]);
  const values = new Float64Array(m);
  const vectors = new Float64Array(wantVectors ? m * m : 0);
  order.forEach((src, dst) => {
    values[dst] = d[src];
    if (wantVectors) for (let i = 0; i < m; i++) vectors[i * m + dst] = z[i * m + src];
  });
  return { values, vectors };
}

/**
 * One implicit QR step with a Wilkinson shift on the block [lo, hi]; accumulates the rotations into z (if it is not
 * empty).
 */
function qrStep(d: Float64Array, e: Float64Array, z: Float64Array, m: number, lo: number, hi: number): void {
  // Wilkinson shift: the eigenvalue of the trailing 2×2 closer to d[hi].
  const half = (d[hi - 1] - d[hi]) / 2;
  const off = e[hi - 1];
  const sign = half >= 0 ? 1 : -1;
  const shift = d[hi] - (off * off) / (half + sign * Math.hypot(half, off));

  // The first rotation is chosen from the first column of T − shift·I; the
  // ones after it chase the bulge it creates down the band.
  let x = d[lo] - shift;
  let bulgeValue = e[lo];
  for (let k = lo; k < hi; k++) {
    const r = Math.hypot(x, bulgeValue);
    const c = r === 0 ? 1 : x / r;
    const s = r === 0 ? 0 : bulgeValue / r;
    if (k > lo) e[k - 1] = r;
    const a = d[k];
    const b = d[k + 1];
    const f = e[k];
    d[k] = c * c * a + 2 * c * s * f + s * s * b;
    d[k + 1] = s * s * a - 2 * c * s * f + c * c * b;
    e[k] = c * s * (b - a) + (c * c - s * s) * f;
    if (k + 1 < hi) {
      bulgeValue = s * e[k + 1];
      e[k + 1] = c * e[k + 1];
    }
    x = e[k];
    if (z.length === 0) continue;
    for (let i = 0; i < m; i++) {
      const zk = z[i * m + k];
      const zk1 = z[i * m + k + 1];
      z[i * m + k] = c * zk + s * zk1;
      z[i * m + k + 1] = -s * zk + c * zk1;
    }
  }
}
