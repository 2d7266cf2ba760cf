/**
 * Progress on stderr: one bar per stage with counts and time left, so stdout
 * stays clean for the summary or --json. Silent when stderr is not a
 * terminal except for one line per stage (logs stay readable in CI).
 */
import { SingleBar } from 'cli-progress';
import { clip, escapeControl } from '../compute/data/quote';
import type { Progress } from '../compute/pipeline/options';

/** A stage's message on the terminal: one line, no control characters (they could move the cursor or retitle the window). */
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
  influence: 'Influence',
  verify: 'Reliability check',
  ranking: 'Ranking label issues',
};

export class StageProgress {
  private bar: SingleBar | undefined;
  private stage: Progress['stage'] | undefined;
  private readonly interactive: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.interactive = Boolean(stream.isTTY);
  }

  update(p: Progress): void {
    if (p.stage !== this.stage) {
      this.stop();
      this.stage = p.stage;
      if (this.interactive) {
        this.bar = new SingleBar(
          {
            stream: this.stream,
            format: `${STAGE_LABELS[p.stage].padEnd(24)} {bar} {value}/{total} | {eta_formatted} left {message}`,
            hideCursor: true,
            clearOnComplete: false,
            etaBuffer: 20,
          },
        );
        this.bar.start(Math.max(p.total, 1), p.done, { message: safeMessage(p.message) });
      } else {
        this.stream.write(`${STAGE_LABELS[p.stage]}${p.message ? ` (${safeMessage(p.message)})` : ''}\n`);
      }
      return;
    }
    this.bar?.setTotal(Math.max(p.total, 1));
    this.bar?.update(p.done, { message: safeMessage(p.message) });
  }

  stop(): void {
    if (this.bar) {
      this.bar.update(this.bar.getTotal());
      this.bar.stop();
    }
    this.bar = undefined;
  }
}
