/**
 * The one-at-a-time solver the engine ran before the batched ones (src/compute/solvers/batchSolvers.ts): kept
 * for the benchmark's "before" rows (bench/sections/solvers.ts) and as a reference in their tests.
 *
 * Influence restricted to a parameter subset J (indices into the full
 * parameter vector of length P), two ways:
 *
 * - `generalizedInfluenceSolve` — GIF (Lyu et al. 2023): only θ_J moves, but
 *   the first-order condition of EVERY parameter is honoured in the least-
 *   squares sense: x = H_J⁺·g, the minimum-norm minimiser of
 *   ‖(H+δI)[:,J]·x − g‖₂ (with g of full length P). This keeps the coupling
 *   between the moved and the frozen parameters that plain restriction drops.
 * - `frozenSubsetSolve` — the naive restriction x = ((H+δI)_JJ)⁻¹·g_J,
 *   which treats the other parameters as if they did not exist.
 *
 * Both return x of length |J| in the order of J; the predicted change of a
 * test loss is then g_t[J]ᵀ·x. With J = everything both reduce to (H+δI)⁻¹g.
 */
import { conjugateGradient, type CgReport } from './conjugateGradient';
import type { Hvp } from '../../src/compute/solvers/types';
import type { SolveReport, SolveResult } from './types';
import { axpy, dampedOperator, dot, norm } from '../../src/compute/solvers/vectors';

export interface SubsetSolveOptions {
  /** δ ≥ 0 added to the FULL Hessian before the columns are taken. Default 0. */
  damping?: number;
  /**
   * GIF: stop when ‖Mᵀ(g − Mx)‖ ≤ tolerance·‖Mᵀg‖ (M = (H+δI)[:,J]); frozen subset: relative residual of the restricted
   * system. Default 1e-6.
   */
  tolerance?: number;
  /** Cap on iterations (GIF: 2 HVPs each; frozen subset: 1). Default max(50, min(2·|J|, 1000)). */
  maxIterations?: number;
}

export interface GifReport extends SolveReport {
  /**
   * ‖g − Mx‖/‖g‖ here: the least-squares MISFIT, which is generally > 0
   * (g has components no move of θ_J alone can cancel). residualNorm is ‖g − Mx‖.
   */
  relativeResidual: number;
  /**
   * ‖Mᵀ(g − Mx)‖ / ‖Mᵀg‖: the optimality of x (0 at the least-squares solution). `converged` compares this with the
   * tolerance.
   */
  normalResidual: number;
  damping: number;
}

function checkSubset(subset: Int32Array, size: number): void {
  for (let k = 0; k < subset.length; k++) {
    if (subset[k] < 0 || subset[k] >= size) throw new Error(`parameter index ${subset[k]} is outside [0, ${size})`);
  }
}

/** Full-length vector with x placed at the indices J. */
function embed(x: Float64Array, subset: Int32Array, size: number): Float64Array {
  const full = new Float64Array(size);
  for (let k = 0; k < subset.length; k++) full[subset[k]] = x[k];
  return full;
}

function gather(full: Float64Array, subset: Int32Array): Float64Array {
  return Float64Array.from(subset, (index) => full[index]);
}

/**
 * x = H_J⁺·g by CGLS (conjugate gradient on the normal equations
 * MᵀM·x = Mᵀg without forming MᵀM). M·x = (H+δI)·embed(x) and, H being
 * symmetric, Mᵀ·y = ((H+δI)·y)[J]: two HVPs per step. Started from x = 0,
 * the iterates stay in the row space of M, so a rank-deficient M still gives
 * the MINIMUM-NORM least-squares solution. Convergence follows κ(M)², so an
 * ill-conditioned subset needs damping or accepts early stopping (which
 * itself regularises, like a truncated pseudo-inverse).
 */
export function generalizedInfluenceSolve(
  hvp: Hvp,
  g: Float64Array,
  subset: Int32Array,
  options: SubsetSolveOptions = {},
): SolveResult<GifReport> {
  const size = g.length;
  checkSubset(subset, size);
  const damping = options.damping ?? 0;
  const tolerance = options.tolerance ?? 1e-6;
  const maxIterations = options.maxIterations ?? Math.max(50, Math.min(2 * subset.length, 1000));
  const counter = { calls: 0 };
  const apply = dampedOperator(hvp, damping, counter);
  const forward = (x: Float64Array) => apply(embed(x, subset, size)); // M·x
  const adjoint = (y: Float64Array) => gather(apply(y), subset); // Mᵀ·y

  const x = new Float64Array(subset.length);
  const r = Float64Array.from(g); // g − M·x
  let s = adjoint(r); // Mᵀ(g − M·x)
  const s0 = norm(s);
  const p = Float64Array.from(s);
  let gamma = dot(s, s);
  let iterations = 0;
  while (Math.sqrt(gamma) > tolerance * s0 && iterations < maxIterations) {
    const q = forward(p);
    const qq = dot(q, q);
    if (!(qq > 0) || !Number.isFinite(qq)) break; // p in the null space of M, or NaN: nothing more to gain
    const alpha = gamma / qq;
    axpy(alpha, p, x);
    axpy(-alpha, q, r);
    s = adjoint(r);
    const gammaNew = dot(s, s);
    const beta = gammaNew / gamma;
    for (let k = 0; k < p.length; k++) p[k] = s[k] + beta * p[k];
    gamma = gammaNew;
    iterations++;
  }
  // True misfit and optimality of the returned x (the recursive r drifts).
  const misfit = Float64Array.from(g);
  axpy(-1, forward(x), misfit);
  const normal = norm(adjoint(misfit));
  const gNorm = norm(g);
  const residualNorm = norm(misfit);
  const normalResidual = s0 > 0 ? normal / s0 : 0;
  return {
    x,
    report: {
      iterations,
      residualNorm,
      relativeResidual: gNorm > 0 ? residualNorm / gNorm : 0,
      normalResidual,
      converged: normalResidual <= tolerance,
      hvpCalls: counter.calls,
      damping,
    },
  };
}

/**
 * x = ((H+δI)_JJ)⁻¹·g_J by CG on the restricted operator v ↦ ((H+δI)·embed(v))[J].
 * `g` is full length (only g[J] is used). Same negative-curvature reporting
 * as conjugateGradient: a principal submatrix of an indefinite H can be
 * indefinite too.
 */
export function frozenSubsetSolve(
  hvp: Hvp,
  g: Float64Array,
  subset: Int32Array,
  options: SubsetSolveOptions = {},
): SolveResult<CgReport> {
  const size = g.length;
  checkSubset(subset, size);
  const restricted: Hvp = (v) => gather(hvp(embed(v, subset, size)), subset);
  return conjugateGradient(restricted, gather(g, subset), {
    damping: options.damping,
    tolerance: options.tolerance,
    maxIterations: options.maxIterations ?? Math.max(50, Math.min(2 * subset.length, 1000)),
  });
}
