/** How far a LiSSA column has come, from its residual's own rate of decay (lissaBatch.ts, sampledLissa.ts). */

/** Iterations between the two residuals a LiSSA column's rate of decay is measured from (at least). */
const PACE_WINDOW = 25;

/**
 * A LiSSA column's share of its way: its residual falls geometrically, at the rate 1 − λ/scale of the slowest
 * eigen-direction still present, so the iterations left are ln(tolerance/residual)/ln(rate) with the rate measured
 * over the last 25–50 iterations (capped by the depth). A residual's log-scale share alone would say "half done"
 * after the fast directions' first few dozen steps and then crawl, so the time left would grow for minutes.
 */
export class GeometricPace {
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
