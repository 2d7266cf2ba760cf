/**
 * The iterative solvers for MANY right-hand sides at once (issue 18 item 3):
 * CG, LiSSA (in lissaBatch.ts, on this file's control) and GIF's least squares, each right-hand side with its own
 * recurrence (its own step sizes and stopping test, exactly as the
 * one-at-a-time solvers the engine ran before, now kept for the benchmark's
 * "before" rows and as test references in bench/before/), but every iteration applies the operator to all
 * the still-active columns in ONE call, which the head and the network turn
 * into one pair of matMuls (influence/operators.ts).
 *
 * They also share what the influence stage needs around a long solve:
 * - a deadline (performance.now() ms): checked after each iteration (so every
 *   column makes at least one step); past it, every active column stops, its
 *   true relative residual is measured with one more product, and the column
 *   is marked `cutShort`;
 * - progress: after each iteration, the fraction done — for each active
 *   column the larger of its iteration share of the cap and its residual's
 *   share of the way (in log scale) to the tolerance (LiSSA: its iterations
 *   over the count its residual's own rate of decay predicts), the slowest
 *   column counting; never backwards;
 * - cancellation: the operator checks between blocks (cancel.ts).
 *
 * The damping is one for all columns (all scores from the same operator): a
 * column that meets negative curvature (CG) or diverges (LiSSA) makes the
 * caller raise it for the whole batch and solve again.
 */
import type { Hvp } from './types';
import { axpy, dot, norm } from './vectors';

/**
 * H·v for several vectors; `columns[k]` says which right-hand side vs[k] belongs to (an operator may depend on it,
 * e.g. GIF's per-sample parameter subset). Damping is not part of it.
 */
export type HvpMany = (vs: readonly Float64Array[], columns: readonly number[]) => Float64Array[];

/** One single-vector product from a batched one (for the Lanczos spectrum estimates). */
export function singleHvp(hvpMany: HvpMany): Hvp {
  return (v) => hvpMany([v], [0])[0];
}

export interface BatchControl {
  /** performance.now() in ms past which the solve stops and reports what it reached. */
  deadline?: number;
  /** Fraction of the solve done, in [0, 1], after each iteration; never decreasing. */
  onProgress?: (fraction: number) => void;
}

export interface ColumnReport {
  iterations: number;
  /** True ‖b − A·x‖/‖b‖ (GIF: the least-squares misfit ‖g − Mx‖/‖g‖). */
  relativeResidual: number;
  converged: boolean;
  /** Stopped by the deadline before its tolerance or its iteration cap. */
  cutShort: boolean;
}

export interface BatchResult<R extends ColumnReport = ColumnReport> {
  xs: Float64Array[];
  reports: R[];
}

/** Tracks the batch's progress fraction (see the file comment). */
export class ProgressMeter {
  private best = 0;
  constructor(
    private readonly control: BatchControl,
    private readonly tolerance: number,
  ) {}

  /**
   * @param active per still-active column: the share of its iteration cap it used, and its relative residual (none:
   * the share alone counts)
   */
  report(active: { relative?: number; share: number }[]): void {
    if (!this.control.onProgress) return;
    let slowest = 1;
    const logTarget = Math.log(1 / Math.max(this.tolerance, 1e-300));
    for (const c of active) {
      if (c.relative === undefined) {
        slowest = Math.min(slowest, c.share);
        continue;
      }
      const byResidual = c.relative > 0 ? Math.log(1 / c.relative) / logTarget : 1;
      slowest = Math.min(slowest, Math.max(c.share, Math.min(1, Math.max(0, byResidual))));
    }
    this.best = Math.max(this.best, Math.min(1, slowest));
    this.control.onProgress(this.best);
  }
}

export const pastDeadline = (control: BatchControl) =>
  control.deadline !== undefined && performance.now() > control.deadline;

/** (H + δI)·v for each v, from a batched product. */
export function damped(hvpMany: HvpMany, damping: number, counter: { calls: number }): HvpMany {
  return (vs, columns) => {
    if (vs.length === 0) return [];
    counter.calls++;
    const out = hvpMany(vs, columns);
    out.forEach((o, k) => {
      if (o.length !== vs[k].length) throw new Error(`HVP returned ${o.length} values for a vector of ${vs[k].length}`);
      if (damping !== 0) axpy(damping, vs[k], o);
    });
    return out;
  };
}

export interface CgBatchOptions {
  damping: number;
  /** Relative residual target per column. */
  tolerance: number;
  /** Cap on CG steps per column. Default max(50, min(2·P, 1000)), as conjugateGradient. */
  maxIterations?: number;
}

export interface CgColumnReport extends ColumnReport {
  /** A direction with pᵀ(H+δI)p ≤ 0 was met (the column stopped there). */
  negativeCurvature: boolean;
  /** That direction (for sizing the extra damping). */
  curvatureDirection?: Float64Array;
}

/** Passes (true-residual restarts) per column, as conjugateGradient. */
const MAX_PASSES = 6;

/** CG for (H + δI)·x_c = b_c, every column at once. */
export function conjugateGradientBatch(
  hvpMany: HvpMany,
  bs: readonly Float64Array[],
  options: CgBatchOptions,
  control: BatchControl = {},
): BatchResult<CgColumnReport> {
  const size = Math.max(0, ...bs.map((b) => b.length));
  const maxIterations = options.maxIterations ?? Math.max(50, Math.min(2 * size, 1000));
  const apply = damped(hvpMany, options.damping, { calls: 0 });
  const meter = new ProgressMeter(control, options.tolerance);
  const xs = bs.map((b) => new Float64Array(b.length));
  const reports: CgColumnReport[] = bs.map(() => ({
    iterations: 0,
    relativeResidual: 0,
    converged: false,
    cutShort: false,
    negativeCurvature: false,
  }));
  const bNorms = bs.map(norm);
  const targets = bNorms.map((b) => options.tolerance * b);
  const passes = bs.map(() => 0);
  // Per column: residual r, direction p, rr = rᵀr (a pass starts with a true residual r = b − A·x).
  const r = bs.map((b) => Float64Array.from(b));
  const p = bs.map((b) => Float64Array.from(b));
  const rr = r.map((v) => dot(v, v));
  /** Columns still iterating; a column whose recursive residual met the target waits in `recheck`. */
  let active = bs.map((_, c) => c).filter((c) => bNorms[c] > 0);
  for (const c of bs.keys()) if (bNorms[c] === 0) reports[c].converged = true;

  const finish = (c: number, residualNorm: number) => {
    reports[c].relativeResidual = bNorms[c] > 0 ? residualNorm / bNorms[c] : 0;
    reports[c].converged = !reports[c].negativeCurvature && residualNorm <= targets[c];
  };

  while (active.length > 0) {
    const aps = apply(
      active.map((c) => p[c]),
      active,
    );
    const recheck: number[] = [];
    const next: number[] = [];
    active.forEach((c, k) => {
      const ap = aps[k];
      const pap = dot(p[c], ap);
      if (!(pap > 0) || !Number.isFinite(pap)) {
        reports[c].negativeCurvature = Number.isFinite(pap);
        reports[c].curvatureDirection = Float64Array.from(p[c]);
        finish(c, Math.sqrt(rr[c]));
        return;
      }
      const alpha = rr[c] / pap;
      axpy(alpha, p[c], xs[c]);
      axpy(-alpha, ap, r[c]);
      reports[c].iterations++;
      const rrNew = dot(r[c], r[c]);
      if (Math.sqrt(rrNew) <= targets[c] || reports[c].iterations >= maxIterations) {
        recheck.push(c);
        return;
      }
      const beta = rrNew / rr[c];
      const pc = p[c];
      const rc = r[c];
      for (let i = 0; i < pc.length; i++) pc[i] = rc[i] + beta * pc[i];
      rr[c] = rrNew;
      next.push(c);
    });
    if (recheck.length > 0) {
      // The recursive residual drifts: a true one says whether the column is done or starts another pass.
      const axs = apply(
        recheck.map((c) => xs[c]),
        recheck,
      );
      recheck.forEach((c, k) => {
        const rc = Float64Array.from(bs[c]);
        axpy(-1, axs[k], rc);
        const trueNorm = norm(rc);
        passes[c]++;
        if (trueNorm <= targets[c] || reports[c].iterations >= maxIterations || passes[c] >= MAX_PASSES) {
          finish(c, trueNorm);
          return;
        }
        r[c] = rc;
        p[c] = Float64Array.from(rc);
        rr[c] = trueNorm * trueNorm;
        next.push(c);
      });
    }
    active = next.sort((a, b) => a - b);
    meter.report(
      active.map((c) => ({ relative: Math.sqrt(rr[c]) / bNorms[c], share: reports[c].iterations / maxIterations })),
    );
    if (active.length > 0 && pastDeadline(control)) {
      for (const c of active) reports[c].cutShort = true;
      break;
    }
  }
  if (active.length > 0) {
    // Cut short: the true residual of the x returned.
    const axs = apply(
      active.map((c) => xs[c]),
      active,
    );
    active.forEach((c, k) => {
      const rc = Float64Array.from(bs[c]);
      axpy(-1, axs[k], rc);
      finish(c, norm(rc));
    });
  }
  return { xs, reports };
}

export interface GifBatchOptions {
  damping: number;
  tolerance: number;
  /** Per column: the parameter subset J (indices into the full vector). */
  subsets: readonly Int32Array[];
  maxIterations?: number;
}

export interface GifColumnReport extends ColumnReport {
  /** ‖Mᵀ(g − Mx)‖/‖Mᵀg‖ (converged compares it with the tolerance; see bench/before/generalizedInfluence.ts). */
  normalResidual: number;
}

/**
 * GIF's least squares x_c = (H+δI)[:,J_c]⁺·g_c by CGLS (generalizedInfluenceSolve), every column at once: two
 * batched products per iteration (M·p and Mᵀ·r). Returns x_c of length |J_c|.
 */
export function generalizedInfluenceBatch(
  hvpMany: HvpMany,
  gs: readonly Float64Array[],
  options: GifBatchOptions,
  control: BatchControl = {},
): BatchResult<GifColumnReport> {
  const size = gs[0]?.length ?? 0;
  const apply = damped(hvpMany, options.damping, { calls: 0 });
  const { subsets } = options;
  const caps = subsets.map((j) => options.maxIterations ?? Math.max(50, Math.min(2 * j.length, 1000)));
  const meter = new ProgressMeter(control, options.tolerance);
  const embed = (x: Float64Array, c: number) => {
    const full = new Float64Array(size);
    subsets[c].forEach((q, k) => (full[q] = x[k]));
    return full;
  };
  const gather = (full: Float64Array, c: number) => Float64Array.from(subsets[c], (q) => full[q]);
  const forward = (vs: Float64Array[], cols: number[]) =>
    apply(
      vs.map((v, k) => embed(v, cols[k])),
      cols,
    );
  const adjoint = (ys: Float64Array[], cols: number[]) => apply(ys, cols).map((full, k) => gather(full, cols[k]));

  const all = gs.map((_, c) => c);
  const xs = gs.map((_, c) => new Float64Array(subsets[c].length));
  const r = gs.map((g) => Float64Array.from(g));
  const s = adjoint(r, all);
  const s0 = s.map(norm);
  const p = s.map((v) => Float64Array.from(v));
  const gamma = s.map((v) => dot(v, v));
  const reports: GifColumnReport[] = gs.map(() => ({
    iterations: 0,
    relativeResidual: 0,
    converged: false,
    cutShort: false,
    normalResidual: 0,
  }));
  const running = (c: number) => Math.sqrt(gamma[c]) > options.tolerance * s0[c] && reports[c].iterations < caps[c];
  let active = all.filter(running);
  while (active.length > 0) {
    const qs = forward(
      active.map((c) => p[c]),
      active,
    );
    const moved: number[] = [];
    active.forEach((c, k) => {
      const q = qs[k];
      const qq = dot(q, q);
      if (!(qq > 0) || !Number.isFinite(qq)) return; // p in the null space of M, or NaN: nothing more to gain
      const alpha = gamma[c] / qq;
      axpy(alpha, p[c], xs[c]);
      axpy(-alpha, q, r[c]);
      moved.push(c);
    });
    const ss = adjoint(
      moved.map((c) => r[c]),
      moved,
    );
    moved.forEach((c, k) => {
      const gammaNew = dot(ss[k], ss[k]);
      const beta = gammaNew / gamma[c];
      const pc = p[c];
      const sc = ss[k];
      for (let i = 0; i < pc.length; i++) pc[i] = sc[i] + beta * pc[i];
      gamma[c] = gammaNew;
      reports[c].iterations++;
    });
    active = moved.filter(running);
    meter.report(
      active.map((c) => ({ relative: Math.sqrt(gamma[c]) / s0[c], share: reports[c].iterations / caps[c] })),
    );
    if (active.length > 0 && pastDeadline(control)) {
      for (const c of active) reports[c].cutShort = true;
      break;
    }
  }
  // True misfit and optimality of every returned x (the recursive r drifts).
  const misfits = forward(xs, all).map((mx, c) => {
    const m = Float64Array.from(gs[c]);
    axpy(-1, mx, m);
    return m;
  });
  const normals = adjoint(misfits, all);
  all.forEach((c) => {
    const gNorm = norm(gs[c]);
    reports[c].relativeResidual = gNorm > 0 ? norm(misfits[c]) / gNorm : 0;
    reports[c].normalResidual = s0[c] > 0 ? norm(normals[c]) / s0[c] : 0;
    reports[c].converged = reports[c].normalResidual <= options.tolerance;
  });
  return { xs, reports };
}
