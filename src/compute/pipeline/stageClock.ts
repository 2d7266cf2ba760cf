/** Seconds per pipeline stage, for the results file's timings (its own module: fit, score and assemble all lap it). */
export class StageClock {
  readonly stages: Record<string, number> = {};
  private last = performance.now();
  readonly start = this.last;
  lap(name: string): void {
    const now = performance.now();
    this.stages[name] = (this.stages[name] ?? 0) + (now - this.last) / 1000;
    this.last = now;
  }
  total(): number {
    return (performance.now() - this.start) / 1000;
  }
}
