/**
 * The iterative solvers for MANY right-hand sides at once (issue 18 item 3):
 * CG, LiSSA and GIF's least squares, each right-hand side with its own
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
import { deriveSeed } from '../random';
import { DEFAULT_MIN_CURVATURE_RATIO, extraDamping } from './dampingPlan';
import { DivergenceMonitor } from './divergenceMonitor';
import { estimateSpectrum } from './lanczosEigen';
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
class ProgressMeter {
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

const pastDeadline = (control: BatchControl) => control.deadline !== undefined && performance.now() > control.deadline;

/** (H + δI)·v for each v, from a batched product. */
function damped(hvpMany: HvpMany, damping: number, counter: { calls: number }): HvpMany {
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

/** Iterations between the two residuals a LiSSA column's rate of decay is measured from (at least). */
const PACE_WINDOW = 25;

/**
 * A LiSSA column's share of its way: its residual falls geometrically, at the rate 1 − λ/scale of the slowest
 * eigen-direction still present, so the iterations left are ln(tolerance/residual)/ln(rate) with the rate measured
 * over the last 25–50 iterations (capped by the depth). A residual's log-scale share alone would say "half done"
 * after the fast directions' first few dozen steps and then crawl, so the time left would grow for minutes.
 */
class GeometricPace {
  private anchor = { iteration: 0, relative: 1 };
  private previous: { iteration: number; relative: number } | undefined;
  constructor(
    private readonly tolerance: number,
    private readonly depth: number,
  ) {}

  share(iteration: number, relative: number): number {
    if (iteration - this.anchor.iteration >= PACE_WINDOW) {
      this.previous = this.anchor;
      this.anchor = { iteration, relative };
    }
    let total = this.depth;
    const from = this.previous;
    // Not from iteration 0: the first steps remove the well-curved directions far faster than the rest go.
    if (from && from.iteration > 0 && relative > 0 && relative < from.relative) {
      const rate = Math.log(relative / from.relative) / (iteration - from.iteration);
      const left = Math.log(this.tolerance / relative) / rate;
      total = Math.min(this.depth, iteration + Math.max(0, left));
    }
    return Math.min(1, iteration / Math.max(1, total));
  }
}

export interface LissaBatchOptions {
  damping: number;
  tolerance: number;
  /** Recursion steps per column. */
  depth: number;
  /** A scale from an earlier solve on the same operator; default from a Lanczos estimate of λ_max. */
  scale?: number;
  seed?: number;
  maxRestarts?: number;
}

export interface LissaBatchResult extends BatchResult {
  scale: number;
  damping: number;
}

/**
 * Deterministic LiSSA (bench/before/lissa.ts without mini-batches) for every column at
 * once: hⱼ = b + hⱼ₋₁ − (H+δI)·hⱼ₋₁/scale, x = h/scale. One scale and one δ
 * for the batch; a column that diverges re-plans them from its update
 * direction (as bench/before/lissa.ts did) and the whole batch restarts.
 */
export function lissaBatch(
  hvpMany: HvpMany,
  bs: readonly Float64Array[],
  options: LissaBatchOptions,
  control: BatchControl = {},
): LissaBatchResult {
  const size = bs[0]?.length ?? 0;
  const seed = options.seed ?? 0;
  const margin = 0.6; // exact HVPs: just above the λ_max/2 the series needs (bench/before/lissa.ts)
  const single = singleHvp(hvpMany);
  let damping = options.damping;
  let scale = options.scale ?? 0;
  let restarts = 0;
  const bNorms = bs.map(norm);

  const replan = (start: Float64Array | undefined): 'changed' | 'none' => {
    const spectrum = estimateSpectrum(single, size, {
      damping,
      steps: Math.max(1, Math.min(size, 20)),
      seed: deriveSeed(seed, 'lanczos', restarts),
      start,
    });
    if (spectrum.min <= 0) {
      const shift = extraDamping(spectrum, DEFAULT_MIN_CURVATURE_RATIO);
      damping += shift;
      scale = Math.max(scale, margin * (spectrum.upper + shift));
      return 'changed';
    }
    if (margin * spectrum.upper > scale) {
      scale = margin * spectrum.upper;
      return 'changed';
    }
    return 'none';
  };
  if (options.scale === undefined) replan(undefined);
  else if (!(options.scale > 0)) throw new Error(`LiSSA scale must be positive, got ${options.scale}`);

  for (;;) {
    const apply = damped(hvpMany, damping, { calls: 0 });
    const meter = new ProgressMeter(control, options.tolerance);
    const h = bs.map((b) => Float64Array.from(b));
    const monitors = bs.map(() => new DivergenceMonitor(false));
    const reports: ColumnReport[] = bs.map(() => ({
      iterations: 0,
      relativeResidual: 0,
      converged: false,
      cutShort: false,
    }));
    const updateNorm = bs.map(() => Infinity);
    const pace = bs.map(() => new GeometricPace(options.tolerance, options.depth));
    let active = bs.map((_, c) => c).filter((c) => bNorms[c] > 0);
    let diverged: { direction: Float64Array | undefined } | undefined;
    while (active.length > 0 && !diverged) {
      const ahs = apply(
        active.map((c) => h[c]),
        active,
      );
      const next: number[] = [];
      for (const [k, c] of active.entries()) {
        const update = new Float64Array(size);
        let u2 = 0;
        let h2 = 0;
        const hc = h[c];
        const bc = bs[c];
        const ah = ahs[k];
        for (let i = 0; i < size; i++) {
          const d = bc[i] - ah[i] / scale;
          update[i] = d;
          hc[i] += d;
          u2 += d * d;
          h2 += hc[i] * hc[i];
        }
        reports[c].iterations++;
        updateNorm[c] = Math.sqrt(u2);
        const verdict = monitors[c].push(Math.sqrt(u2), Math.sqrt(h2));
        if (verdict !== 'ok') {
          diverged = { direction: verdict === 'non-finite' ? undefined : update };
          break;
        }
        const done = Math.sqrt(u2) <= options.tolerance * bNorms[c];
        if (!done && reports[c].iterations >= options.depth && monitors[c].grewSinceBest()) {
          diverged = { direction: update };
          break;
        }
        if (!done && reports[c].iterations < options.depth) next.push(c);
      }
      active = next;
      meter.report(active.map((c) => ({ share: pace[c].share(reports[c].iterations, updateNorm[c] / bNorms[c]) })));
      if (active.length > 0 && !diverged && pastDeadline(control)) {
        for (const c of active) reports[c].cutShort = true;
        break;
      }
    }
    if (diverged) {
      if (restarts >= (options.maxRestarts ?? 30)) {
        // Give up, stable: zero solutions with residual 1 (as bench/before/lissa.ts).
        return {
          xs: bs.map(() => new Float64Array(size)),
          reports: bs.map(() => ({ iterations: 0, relativeResidual: 1, converged: false, cutShort: false })),
          scale,
          damping,
        };
      }
      restarts++;
      if (replan(diverged.direction) === 'none') scale *= 2;
      continue;
    }
    const xs = h.map((v) => {
      const x = Float64Array.from(v);
      for (let i = 0; i < size; i++) x[i] /= scale;
      return x;
    });
    // The true residual of every x (one more product), whatever the recursion said.
    const live = bs.map((_, c) => c).filter((c) => bNorms[c] > 0);
    const axs = apply(
      live.map((c) => xs[c]),
      live,
    );
    live.forEach((c, k) => {
      let s = 0;
      for (let i = 0; i < size; i++) {
        const d = bs[c][i] - axs[k][i];
        s += d * d;
      }
      reports[c].relativeResidual = Math.sqrt(s) / bNorms[c];
      reports[c].converged = reports[c].relativeResidual <= options.tolerance;
    });
    for (const c of bs.keys()) if (bNorms[c] === 0) reports[c].converged = true;
    return { xs, reports, scale, damping };
  }
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
