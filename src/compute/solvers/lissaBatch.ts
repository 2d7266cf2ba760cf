/**
 * LiSSA for (H + δI)·x_c = b_c over every column at once (the batched
 * solvers' shared control, progress and damping: batchSolvers.ts), with the
 * time left read off each column's own rate of decay.
 */
import { deriveSeed } from '../random';
import {
  type BatchControl,
  type BatchResult,
  type ColumnReport,
  damped,
  type HvpMany,
  pastDeadline,
  ProgressMeter,
  singleHvp,
} from './batchSolvers';
import { DEFAULT_MIN_CURVATURE_RATIO, extraDamping } from './dampingPlan';
import { DivergenceMonitor } from './divergenceMonitor';
import { estimateSpectrum } from './lanczosEigen';
import { GeometricPace } from './geometricPace';
import { type HvpShards, sampledLissaRun } from './sampledLissa';
import { norm } from './vectors';

export interface LissaBatchOptions {
  damping: number;
  tolerance: number;
  /** Recursion steps per column. */
  depth: number;
  /** A scale from an earlier solve on the same operator; default from a Lanczos estimate of λ_max. */
  scale?: number;
  seed?: number;
  maxRestarts?: number;
  /**
   * Mini-batch products (stochastic LiSSA, sampledLissa.ts): each step applies one shard of the rows, with a pass
   * over all rows every 2·`shards.count` steps. Without: every step applies the full product.
   */
  shards?: HvpShards;
}

export interface LissaBatchResult extends BatchResult {
  scale: number;
  damping: number;
}

/**
 * LiSSA for every column at once: hⱼ = b + hⱼ₋₁ − (H+δI)·hⱼ₋₁/scale, x = h/scale, each step with the full product
 * (bench/before/lissa.ts without mini-batches) or, given `shards`, with mini-batch products (sampledLissa.ts). One
 * scale and one δ for the batch; a column that diverges re-plans them from its update direction (as
 * bench/before/lissa.ts did) and the whole batch restarts.
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
  // Give up, stable: zero solutions with residual 1 (as bench/before/lissa.ts).
  const givenUp = (): LissaBatchResult => ({
    xs: bs.map(() => new Float64Array(size)),
    reports: bs.map(() => ({ iterations: 0, relativeResidual: 1, converged: false, cutShort: false })),
    scale,
    damping,
  });
  if (options.scale === undefined) replan(undefined);
  else if (!(options.scale > 0)) throw new Error(`LiSSA scale must be positive, got ${options.scale}`);

  for (;;) {
    const apply = damped(hvpMany, damping, { calls: 0 });
    if (options.shards) {
      const run = sampledLissaRun({
        shards: options.shards,
        apply,
        bs,
        bNorms,
        scale,
        damping,
        tolerance: options.tolerance,
        depth: options.depth,
        seed: deriveSeed(seed, 'lissa run', restarts),
        control,
      });
      if (run.kind === 'done') return { xs: run.xs, reports: run.reports, scale, damping };
      if (restarts >= (options.maxRestarts ?? 30)) return givenUp();
      restarts++;
      if (replan(run.direction) === 'none') scale *= 2;
      continue;
    }
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
      if (restarts >= (options.maxRestarts ?? 30)) return givenUp();
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
