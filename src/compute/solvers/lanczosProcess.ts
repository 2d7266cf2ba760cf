/**
 * The symmetric Lanczos process with full reorthogonalisation: builds an
 * orthonormal basis Q of the Krylov space {q₀, Aq₀, A²q₀, …} and the
 * tridiagonal T = QᵀAQ, one product A·q per step. The eigenvalues of T
 * (Ritz values) approximate the extreme eigenvalues of A after a few dozen
 * steps, whatever P is.
 *
 * Full reorthogonalisation (two Gram–Schmidt passes against every previous
 * q) costs O(P·m) per step and keeps m vectors of length P in memory, but it
 * prevents the "ghost" copies of converged eigenvalues that plain Lanczos
 * produces in floating point. When the Krylov space becomes invariant
 * (β ≈ 0: repeated eigenvalues, low rank) the process continues from a fresh
 * random vector orthogonal to Q, with a zero coupling in T.
 */
import { type Rng, createRng, normal } from '../random';
import { tridiagonalEigen } from './tridiagonalEigen';
import type { Hvp } from './types';
import { axpy, dot, norm } from './vectors';

export interface RitzPairs {
  /** Ritz values, ascending. */
  values: Float64Array;
  /** Residual bounds ‖A·y − θ·y‖ of each Ritz pair: an eigenvalue of A lies within this distance of θ. */
  residuals: Float64Array;
  /** Eigenvectors of T (row-major m×m, column j belongs to values[j]); Ritz vector j = Q·s_j. */
  small: Float64Array;
}

export class LanczosProcess {
  /** Orthonormal basis vectors q₀ … q_{m−1}. */
  readonly basis: Float64Array[] = [];
  /** Diagonal of T: αⱼ = qⱼᵀAqⱼ. */
  readonly alpha: number[] = [];
  /**
   * Off-diagonal of T: beta[j] couples qⱼ and qⱼ₊₁ (0 at a restart). beta[m−1] is the norm of the unused next residual.
   */
  readonly beta: number[] = [];
  /** True when Q spans the whole space (or every fresh vector fell inside it): T is then exact. */
  exhausted = false;
  private next: Float64Array | undefined;
  private readonly rng: Rng;
  private scale = 0; // largest |α|, |β| so far, a rough ‖A‖ for "negligible"

  /**
   * @param start optional start vector (normalised here; a random one when
   *   absent or zero). Starting from a direction already rich in the
   *   eigenvector you look for finds it in a few steps.
   */
  constructor(
    private readonly apply: Hvp,
    readonly size: number,
    seed: number,
    start?: Float64Array,
  ) {
    this.rng = createRng(seed);
    const len = start ? norm(start) : 0;
    this.next = start && len > 0 && Number.isFinite(len) ? start.map((v) => v / len) : this.freshDirection();
  }

  get steps(): number {
    return this.alpha.length;
  }

  /** Runs up to `count` more steps (fewer if the space is exhausted). */
  extend(count: number): void {
    for (let s = 0; s < count && !this.exhausted && this.steps < this.size; s++) this.step();
    if (this.steps >= this.size) this.exhausted = true;
  }

  private step(): void {
    const q = this.next;
    if (!q) {
      this.exhausted = true;
      return;
    }
    this.basis.push(q);
    const w = Float64Array.from(this.apply(q));
    const a = dot(q, w);
    this.alpha.push(a);
    this.orthogonalise(w);
    this.orthogonalise(w);
    const b = norm(w);
    this.scale = Math.max(this.scale, Math.abs(a), b);
    if (!Number.isFinite(a) || !Number.isFinite(b))
      throw new Error('Lanczos: the Hessian-vector product returned NaN or Inf');
    if (b > 1e-10 * this.scale) {
      for (let i = 0; i < w.length; i++) w[i] /= b;
      this.beta.push(b);
      this.next = w;
    } else {
      // Invariant subspace: restart in the orthogonal complement.
      this.beta.push(0);
      this.next = this.freshDirection();
    }
  }

  /**
   * A random unit vector orthogonal to the basis, or undefined when the basis already spans (numerically) everything.
   */
  private freshDirection(): Float64Array | undefined {
    for (let attempt = 0; attempt < 3; attempt++) {
      const v = Float64Array.from({ length: this.size }, () => normal(this.rng));
      const before = norm(v);
      this.orthogonalise(v);
      this.orthogonalise(v);
      const after = norm(v);
      if (after > 1e-8 * before) {
        for (let i = 0; i < v.length; i++) v[i] /= after;
        return v;
      }
    }
    return undefined;
  }

  /** w ← w − Q·(Qᵀw) (one classical Gram–Schmidt pass). */
  private orthogonalise(w: Float64Array): void {
    for (const q of this.basis) axpy(-dot(q, w), q, w);
  }

  /** Eigen-decomposition of the current T with a residual bound for each Ritz pair. */
  ritz(): RitzPairs {
    const m = this.steps;
    const { values, vectors } = tridiagonalEigen(this.alpha, this.beta.slice(0, m - 1));
    const tail = this.exhausted ? 0 : this.beta[m - 1];
    const residuals = new Float64Array(m);
    for (let j = 0; j < m; j++) residuals[j] = Math.abs(tail * vectors[(m - 1) * m + j]);
    return { values, residuals, small: vectors };
  }

  /** Ritz vector Q·s_j for column j of `small`, unit length. */
  ritzVector(small: Float64Array, j: number): Float64Array {
    const m = this.steps;
    const y = new Float64Array(this.size);
    for (let i = 0; i < m; i++) axpy(small[i * m + j], this.basis[i], y);
    const len = norm(y);
    if (len > 0) for (let i = 0; i < y.length; i++) y[i] /= len;
    return y;
  }
}
