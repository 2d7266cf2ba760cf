/** Small synthetic classification problems for math tests. */
import { createRng, normal } from '../../src/compute/random';
import type { HeadData } from '../../src/compute/head/softmaxHead';

/** Gaussian blobs: class c centred at a random point; `flip` of labels changed to another class. */
export function blobs(n: number, featureDim: number, numClasses: number, seed: number, flip = 0, spread = 1): HeadData {
  const rng = createRng(seed);
  const centres = Array.from({ length: numClasses }, () => Array.from({ length: featureDim }, () => 1.5 * normal(rng)));
  const phi = new Float32Array(n * featureDim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % numClasses;
    for (let j = 0; j < featureDim; j++) phi[i * featureDim + j] = centres[c][j] + spread * normal(rng);
    y[i] = rng() < flip ? (c + 1 + Math.floor(rng() * (numClasses - 1))) % numClasses : c;
  }
  return { phi, y, n };
}

/** Rows of a HeadData without sample `skip`. */
export function withoutSample(data: HeadData, featureDim: number, skip: number): HeadData {
  const phi = new Float32Array((data.n - 1) * featureDim);
  const y = new Int32Array(data.n - 1);
  for (let i = 0, r = 0; i < data.n; i++) {
    if (i === skip) continue;
    phi.set(data.phi.subarray(i * featureDim, (i + 1) * featureDim), r * featureDim);
    y[r++] = data.y[i];
  }
  return { phi, y, n: data.n - 1 };
}

/** Dense Gaussian elimination with partial pivoting, float64: an independent reference solver. */
export function gaussSolve(a: Float64Array, n: number, b: Float64Array): Float64Array {
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r * n + col]) > Math.abs(m[pivot * n + col])) pivot = r;
    if (pivot !== col) {
      for (let k = 0; k < n; k++) [m[col * n + k], m[pivot * n + k]] = [m[pivot * n + k], m[col * n + k]];
      [x[col], x[pivot]] = [x[pivot], x[col]];
    }
    for (let r = col + 1; r < n; r++) {
      const f = m[r * n + col] / m[col * n + col];
      for (let k = col; k < n; k++) m[r * n + k] -= f * m[col * n + k];
      x[r] -= f * x[col];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= m[r * n + k] * x[k];
    x[r] = s / m[r * n + r];
  }
  return x;
}

export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let err = 0;
  for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs(actual[i] - expected[i]));
  return err / Math.max(scale, 1e-300);
}

/** A = Bᵀ·diag(d)·B + λI in float64, B random n×n, d spread over 1..1e-3, λ set so κ(A) ≈ kappa. */
export function dampedHessian(n: number, kappa: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const b = Float64Array.from({ length: n * n }, () => normal(rng));
  const a = new Float64Array(n * n);
  const row = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const d = Math.pow(1e-3, k / n);
    for (let i = 0; i < n; i++) row[i] = b[k * n + i];
    for (let i = 0; i < n; i++) {
      const ri = d * row[i];
      if (ri === 0) continue;
      for (let j = 0; j <= i; j++) a[i * n + j] += ri * row[j];
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[j * n + i] = a[i * n + j];
  // λ from the largest eigenvalue (power iteration): κ = (λmax + λ)/λ ≈ λmax/λ.
  let v = new Float64Array(n).fill(1 / Math.sqrt(n));
  let top = 0;
  for (let s = 0; s < 60; s++) {
    const y = multiply(a, n, v);
    top = Math.hypot(...y);
    v = y.map((x) => x / top);
  }
  for (let i = 0; i < n; i++) a[i * n + i] += top / kappa;
  return a;
}

/** A·x for the row-major n × n A, in float64. */
export function multiply(a: Float64Array, n: number, x: Float64Array): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += a[i * n + k] * x[k];
    y[i] = s;
  }
  return y;
}
