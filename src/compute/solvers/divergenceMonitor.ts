/**
 * Decides, step by step, whether a Neumann-series (LiSSA) recursion is
 * blowing up, from the norms of its updates uⱼ = ‖hⱼ − hⱼ₋₁‖.
 *
 * Deterministic HVPs: the update IS the residual of the current iterate,
 * rⱼ = b − (H+δI)·hⱼ₋₁/scale, and rⱼ = (I − (H+δI)/scale)·rⱼ₋₁. When the
 * series converges, that matrix has spectral norm < 1, so uⱼ never grows.
 * Any growth (beyond rounding) therefore means an eigenvalue of H+δI lies
 * outside (0, 2·scale): scale too small, or negative curvature.
 *
 * Stochastic (mini-batch) HVPs: uⱼ is noisy and levels off at a noise floor,
 * so we compare averages over windows of steps instead of single values.
 */

export type MonitorVerdict = 'ok' | 'diverging' | 'non-finite';

export class DivergenceMonitor {
  private best = Infinity;
  private windowSum = 0;
  private windowCount = 0;
  private bestWindow = Infinity;
  private last = Infinity;

  /**
   * @param stochastic compare window averages (noisy updates) instead of single updates
   * @param window steps per window in the stochastic mode
   * @param growth how many times the best (window-)update the current one may reach before we call it divergence:
   *   2 for exact updates (which are monotone when convergent), 4 for window averages of noisy ones
   */
  constructor(
    private readonly stochastic: boolean,
    private readonly window = 20,
    private readonly growth = stochastic ? 4 : 2,
  ) {}

  /**
   * @param update ‖hⱼ − hⱼ₋₁‖
   * @param iterateNorm ‖hⱼ‖, to ignore wiggles at the rounding floor (≈ 1e-12·‖h‖)
   */
  push(update: number, iterateNorm: number): MonitorVerdict {
    if (!Number.isFinite(update) || !Number.isFinite(iterateNorm)) return 'non-finite';
    this.last = update;
    const floor = 1e-12 * iterateNorm;
    if (!this.stochastic) {
      if (update > this.growth * this.best && update > floor) return 'diverging';
      this.best = Math.min(this.best, update);
      return 'ok';
    }
    this.windowSum += update;
    if (++this.windowCount < this.window) return 'ok';
    const mean = this.windowSum / this.windowCount;
    this.windowSum = 0;
    this.windowCount = 0;
    if (mean > this.growth * this.bestWindow && mean > floor) return 'diverging';
    this.bestWindow = Math.min(this.bestWindow, mean);
    return 'ok';
  }

  /**
   * At the end of a deterministic run that did not converge: did the update
   * grow since its minimum? (Slow divergence — an eigenvalue just outside
   * (0, 2·scale) — grows too gently to trip `push` within the depth.)
   */
  grewSinceBest(): boolean {
    return !this.stochastic && this.last > 1.01 * this.best;
  }
}
