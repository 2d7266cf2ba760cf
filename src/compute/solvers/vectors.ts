/** Small Float64 vector kernels used by the iterative solvers. */
import type { Hvp } from './types';

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

/** y ← y + α·x, in place. */
export function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] += alpha * x[i];
}

/**
 * Wraps an HVP into v ↦ (H + δI)·v, counting calls in `counter.calls`, and
 * checks the length of what the callback returns (a wrong-length HVP is a
 * programming error that would otherwise surface as NaN far away).
 */
export function dampedOperator(hvp: Hvp, damping: number, counter: { calls: number }): Hvp {
  return (v: Float64Array) => {
    counter.calls++;
    const out = hvp(v);
    if (out.length !== v.length) throw new Error(`HVP returned ${out.length} values for a vector of ${v.length}`);
    if (damping !== 0) {
      const shifted = Float64Array.from(out);
      axpy(damping, v, shifted);
      return shifted;
    }
    return out;
  };
}
