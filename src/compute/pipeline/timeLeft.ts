/**
 * Time left in a stage, from its own pace: elapsed · (total − done) / done.
 * The influence stage of a large job runs for many minutes (one solve per
 * explained test sample), and a bar that only counts is not enough to decide
 * whether to wait. The pace is measured from the last report of 0 done: a
 * stage that says "0 of 50" again after a preparation phase (self-influence
 * before the solves) is timed from there, so the preparation does not make
 * every later estimate too long.
 */
import type { Progress } from './options';

/** No estimate before a stage has run this long or counted anything: it would be noise. */
const MIN_ELAPSED_MS = 1000;

export class StageTimeLeft {
  private stage: Progress['stage'] | undefined;
  private started = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** The progress with `secondsLeft` added when there is an estimate. */
  annotate(p: Progress): Progress {
    const t = this.now();
    if (p.stage !== this.stage || p.done === 0) {
      this.stage = p.stage;
      this.started = t;
    }
    const elapsed = t - this.started;
    if (p.total > 0 && p.done >= p.total) return { ...p, secondsLeft: 0 };
    // The stage's own estimate (the batched solves: their count moves only when a batch ends) wins.
    if (p.secondsLeft !== undefined) return p;
    if (!(p.done > 0) || !(p.total > p.done) || elapsed < MIN_ELAPSED_MS) return p;
    return { ...p, secondsLeft: ((elapsed / p.done) * (p.total - p.done)) / 1000 };
  }
}

/** "about 40 s left", "about 3 min left", "about 1 h 20 min left". */
export function formatTimeLeft(seconds: number): string {
  if (seconds < 1) return 'less than a second left';
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds / 5) * 5)} s left`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min left`;
  return `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}
