/**
 * Progress on stderr: one bar per stage with counts and time left, so stdout
 * stays clean for the summary or --json. When stderr is not a terminal: one
 * line per stage, and in a long stage a line with the count and time left
 * every `intervalMs` (logs stay readable in CI, and a 10-minute influence
 * stage is not silent).
 */
import { SingleBar } from 'cli-progress';
import { clip, escapeControl } from '../compute/data/quote';
import type { Progress } from '../compute/pipeline/options';
import { formatTimeLeft } from '../compute/pipeline/timeLeft';

/**
 * A stage's message on the terminal: one line, no control characters (they could move the cursor or retitle the
 * window).
 */
function safeMessage(m: string | undefined): string {
  return m ? escapeControl(clip(m, 120)) : '';
}

const STAGE_LABELS: Record<Progress['stage'], string> = {
  load: 'Loading data',
  train: 'Training models',
  converge: 'Converging (L-BFGS)',
  features: 'Computing features',
  fit: 'Fitting the last layer',
  hessian: 'Hessian (float64)',
  neighbours: 'Nearest neighbours',
  influence: 'Influence',
  ranking: 'Ranking label issues',
  verify: 'Reliability check',
  issues: 'Finding data issues',
};

export class StageProgress {
  private bar: SingleBar | undefined;
  private stage: Progress['stage'] | undefined;
  private readonly interactive: boolean;
  private lastLine = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.interactive = Boolean(stream.isTTY);
  }

  update(p: Progress): void {
    const left = p.secondsLeft !== undefined && p.done < p.total ? formatTimeLeft(p.secondsLeft) : '';
    if (p.stage !== this.stage) {
      this.stop();
      this.stage = p.stage;
      this.lastLine = this.now();
      if (this.interactive) {
        this.bar = new SingleBar({
          stream: this.stream,
          // The engine's estimate, not the bar's: it knows when a stage's first count comes late.
          format: `${STAGE_LABELS[p.stage].padEnd(24)} {bar} {value}/{total} | {left} {message}`,
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 20,
        });
        this.bar.start(Math.max(p.total, 1), p.done, { message: safeMessage(p.message), left });
      } else {
        this.stream.write(`${STAGE_LABELS[p.stage]}${p.message ? ` (${safeMessage(p.message)})` : ''}\n`);
      }
      return;
    }
    this.bar?.setTotal(Math.max(p.total, 1));
    this.bar?.update(p.done, { message: safeMessage(p.message), left });
    if (!this.interactive && left && this.now() - this.lastLine >= this.intervalMs) {
      this.lastLine = this.now();
      this.stream.write(`  ${STAGE_LABELS[p.stage]} ${p.done}/${p.total}, ${left}\n`);
    }
  }

  stop(): void {
    if (this.bar) {
      this.bar.update(this.bar.getTotal());
      this.bar.stop();
    }
    this.bar = undefined;
  }
}
