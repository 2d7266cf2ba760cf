/**
 * The L-BFGS curvature memory and its two-loop recursion (Nocedal & Wright,
 * Algorithm 7.4), shared by both L-BFGS drivers: minimizeLbfgs (Armijo
 * backtracking, for the smooth convex head) and minimizeLbfgsWolfe (weak
 * Wolfe, for ReLU networks' kinks). Only their line searches differ.
 */

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export class LbfgsHistory {
  private readonly s: Float64Array[] = [];
  private readonly y: Float64Array[] = [];
  private readonly rho: number[] = [];
  private readonly alpha: Float64Array;

  constructor(private readonly memory: number) {
    this.alpha = new Float64Array(memory);
  }

  /**
   * Writes −H̃·grad into `out`, H̃ the L-BFGS inverse Hessian. With no pairs
   * yet: a unit-length steepest-descent move, so the line search starts at a
   * sane scale.
   */
  direction(grad: Float64Array, gradNorm: number, out: Float64Array): void {
    const n = grad.length;
    const { s: sHist, y: yHist, rho, alpha } = this;
    for (let i = 0; i < n; i++) out[i] = -grad[i];
    for (let k = sHist.length - 1; k >= 0; k--) {
      alpha[k] = rho[k] * dot(sHist[k], out);
      const y = yHist[k];
      for (let i = 0; i < n; i++) out[i] -= alpha[k] * y[i];
    }
    if (sHist.length > 0) {
      const last = sHist.length - 1;
      const gamma = dot(sHist[last], yHist[last]) / dot(yHist[last], yHist[last]);
      for (let i = 0; i < n; i++) out[i] *= gamma;
    } else {
      const scale = 1 / Math.max(gradNorm, 1e-12);
      for (let i = 0; i < n; i++) out[i] *= scale;
    }
    for (let k = 0; k < sHist.length; k++) {
      const beta = rho[k] * dot(yHist[k], out);
      const s = sHist[k];
      for (let i = 0; i < n; i++) out[i] += (alpha[k] - beta) * s[i];
    }
  }

  /** Forgets every pair (the direction was not a descent direction: the curvature went stale). */
  reset(): void {
    this.s.length = 0;
    this.y.length = 0;
    this.rho.length = 0;
  }

  /** Records the step x → xNew with gradients grad → gradNew, unless its curvature sᵀy is not safely positive. */
  update(x: Float64Array, xNew: Float64Array, grad: Float64Array, gradNew: Float64Array): void {
    const n = x.length;
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gradNew[i] - grad[i];
    }
    const sy = dot(s, y);
    if (!(sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y)))) return;
    if (this.s.length === this.memory) {
      this.s.shift();
      this.y.shift();
      this.rho.shift();
    }
    this.s.push(s);
    this.y.push(y);
    this.rho.push(1 / sy);
  }
}
