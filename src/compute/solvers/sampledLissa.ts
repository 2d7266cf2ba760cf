/**
 * One run of stochastic LiSSA (Koh & Liang's Neumann series on mini-batch Hessian products) for every column at
 * once, with the mini-batch products' noise removed by a control variate so the recursion converges to
 * (H + δI)⁻¹b rather than to a noise floor (lissaBatch.ts re-plans the scale and δ and restarts when a run
 * diverges).
 *
 * The training rows are split into S fixed shards (a seeded random split); shard s holds the share w_s of the
 * rows and its products Hₛ·v (its rows' loss terms and their share of the regulariser) add up over the shards to
 * H·v. The recursion goes in rounds of 2S steps:
 * - the anchor step: every shard's product of h̃ = hⱼ₋₁, kept, and their sum, the full product; its update
 *   b − (H+δI)·h̃/scale is the exact residual of x = h̃/scale, so the stopping test (tolerance), the divergence
 *   test and the time-left pace all see exact residuals; then hⱼ = h̃ + that update (a deterministic LiSSA step);
 * - 2S − 1 mini-batch steps, every shard twice in seeded random orders, each with the estimate
 *   Â·h = H·h̃ + (Hₛ·h − Hₛ·h̃)/w_s + δh of (H + δI)·h (unbiased over the draw of s, and exact at h = h̃):
 *   hⱼ = b + hⱼ₋₁ − Â·hⱼ₋₁/scale.
 * A round costs three passes over the data (the anchor, and one shard's pass per step) instead of 2S: with S = 8,
 * about a third of the deterministic recursion's CPU time for the same steps (a shard's pass costs more than its
 * share: every product has a fixed cost per direction, influence/shardedNetwork.ts), at the same rate of decay
 * (digits MLP, depth 1,000: relative residual 6.8e-4 both; scores Pearson 1.00000 with a CG solve to 1e-8).
 * Every column draws the same shards in the same order, whatever else is in the batch, and the shards' products
 * come in a fixed order: same seed, same bytes.
 */
import { createRng, deriveSeed, permutation } from '../random';
import { type BatchControl, type ColumnReport, type HvpMany, pastDeadline, ProgressMeter } from './batchSolvers';
import { DivergenceMonitor } from './divergenceMonitor';
import { GeometricPace } from './geometricPace';

/** The rows split into shards whose products add up to the full H·v (influence/shardedNetwork.ts). */
export interface HvpShards {
  readonly count: number;
  /** The share of the training rows shard s holds (its product over the share estimates the full one). */
  share(s: number): number;
  /** Shard s's part of H·v (its rows' loss terms and its share of the regulariser; no damping), for every v. */
  hvpMany(s: number, vs: readonly Float64Array[]): Float64Array[];
}

export interface SampledRunInput {
  shards: HvpShards;
  /** (H + δI)·v over all rows: the true residual of a column the deadline stops between two anchors. */
  apply: HvpMany;
  bs: readonly Float64Array[];
  bNorms: readonly number[];
  scale: number;
  damping: number;
  tolerance: number;
  depth: number;
  seed: number;
  control: BatchControl;
}

export type LissaRun =
  | { kind: 'done'; xs: Float64Array[]; reports: ColumnReport[] }
  | { kind: 'diverged'; direction: Float64Array | undefined };

/**
 * How many times its best anchor residual a column's may reach before the run counts as diverging. Mini-batch
 * steps can lift the residual for a few rounds before the anchors pull it back (seen: 4× on the digits MLP); a
 * scale too small makes it grow geometrically, round after round, and still trips this within a few rounds.
 */
const ANCHOR_GROWTH = 10;

/**
 * Each shard is drawn this many times per round (in seeded random orders, one after the other). On the digits MLP
 * (8 shards, depth 1,000): 1 pass per round 19.9 CPU s for 10 solves, 2 passes 15.7 s at the same residual
 * (6.8e-4, as the deterministic recursion), 3 passes 14.5 s at 7.8e-4, 4 passes 2e-2: the mini-batch noise grows
 * with the distance from the anchor.
 */
const PASSES_PER_ROUND = 2;

export function sampledLissaRun(input: SampledRunInput): LissaRun {
  const { shards, bs, bNorms, scale, damping, tolerance, depth, control } = input;
  const size = bs[0]?.length ?? 0;
  const count = shards.count;
  const h = bs.map((b) => Float64Array.from(b));
  const xs = bs.map(() => new Float64Array(size));
  const reports: ColumnReport[] = bs.map((_, c) => ({
    iterations: 0,
    relativeResidual: 0,
    converged: bNorms[c] === 0,
    cutShort: false,
  }));
  const monitors = bs.map(() => new DivergenceMonitor(false, 1, ANCHOR_GROWTH));
  const pace = bs.map(() => new GeometricPace(tolerance, depth));
  const shares = bs.map(() => 0);
  const meter = new ProgressMeter(control, tolerance);
  const finish = (c: number, relative: number) => {
    for (let i = 0; i < size; i++) xs[c][i] = h[c][i] / scale;
    reports[c].relativeResidual = relative;
    reports[c].converged = relative <= tolerance;
  };
  let active = bs.map((_, c) => c).filter((c) => bNorms[c] > 0);
  for (let round = 0; active.length > 0; round++) {
    // The anchor: every shard's product of every active column (kept for the control variate), summed in order.
    const anchors = active.map((c) => h[c]);
    const pieces: Float64Array[][] = [];
    const full = anchors.map(() => new Float64Array(size));
    for (let s = 0; s < count; s++) {
      const part = shards.hvpMany(s, anchors);
      part.forEach((p, k) => {
        const f = full[k];
        for (let i = 0; i < size; i++) f[i] += p[i];
      });
      // Kept in float64: rounded to float32, the control variate would leave a noise floor at ≈ 1e-8 of the residual.
      pieces.push(part);
    }
    const stepping: number[] = [];
    for (const [k, c] of active.entries()) {
      const hc = h[c];
      const bc = bs[c];
      const update = new Float64Array(size);
      let u2 = 0;
      let h2 = 0;
      for (let i = 0; i < size; i++) {
        const d = bc[i] - (full[k][i] + damping * hc[i]) / scale;
        update[i] = d;
        u2 += d * d;
        h2 += hc[i] * hc[i];
      }
      const relative = Math.sqrt(u2) / bNorms[c];
      const verdict = monitors[c].push(Math.sqrt(u2), Math.sqrt(h2));
      if (verdict !== 'ok') return { kind: 'diverged', direction: verdict === 'non-finite' ? undefined : update };
      shares[c] = pace[c].share(reports[c].iterations, relative);
      if (relative <= tolerance || reports[c].iterations >= depth) {
        finish(c, relative);
        continue;
      }
      for (let i = 0; i < size; i++) hc[i] += update[i];
      reports[c].iterations++;
      stepping.push(k);
    }
    active = stepping.map((k) => active[k]);
    const cutShort = () => {
      meter.report(active.map((c) => ({ share: shares[c] })));
      return active.length > 0 && pastDeadline(control);
    };
    let stopped = cutShort();
    const rng = createRng(deriveSeed(input.seed, 'lissa round', round));
    const order = Array.from({ length: PASSES_PER_ROUND }, () => Array.from(permutation(count, rng))).flat();
    for (let j = 0; j + 1 < order.length && !stopped && active.length > 0; j++) {
      const s = order[j];
      const weight = 1 / shards.share(s);
      const products = shards.hvpMany(
        s,
        active.map((c) => h[c]),
      );
      active.forEach((c, q) => {
        const k = stepping[q];
        const hc = h[c];
        const bc = bs[c];
        const product = products[q];
        const anchorPiece = pieces[s][k];
        const anchorFull = full[k];
        for (let i = 0; i < size; i++) {
          const estimate = anchorFull[i] + weight * (product[i] - anchorPiece[i]) + damping * hc[i];
          hc[i] += bc[i] - estimate / scale;
        }
        reports[c].iterations++;
      });
      stopped = cutShort();
    }
    if (stopped) {
      // Cut short between anchors: the true residual of each x (one more product over all rows).
      for (const c of active) for (let i = 0; i < size; i++) xs[c][i] = h[c][i] / scale;
      const axs = input.apply(
        active.map((c) => xs[c]),
        active,
      );
      active.forEach((c, k) => {
        let r2 = 0;
        for (let i = 0; i < size; i++) r2 += (bs[c][i] - axs[k][i]) ** 2;
        reports[c].relativeResidual = Math.sqrt(r2) / bNorms[c];
        reports[c].cutShort = true;
      });
      break;
    }
  }
  return { kind: 'done', xs, reports };
}
