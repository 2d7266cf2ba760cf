/**
 * Turns the engine's per-stage `{stage, done, total}` into one overall
 * percentage for the progress notification (VS Code wants increments that
 * add up to 100). Stages are weighted by their typical share of the time
 * (training dominates) and follow the order a run reaches them (the
 * engine's STAGES, the one list of it). The percentage never goes
 * backwards, and a stage the host does not know is shown by name without
 * moving the bar.
 */
import { STAGES, type Stage } from '../../compute/pipeline/options';

const WEIGHTS: Record<Stage, number> = {
  load: 5,
  train: 55,
  converge: 5,
  features: 3,
  fit: 5,
  hessian: 5,
  neighbours: 2,
  influence: 15,
  ranking: 2,
  verify: 5,
  issues: 2,
};
const TOTAL = STAGES.reduce((a, stage) => a + WEIGHTS[stage], 0);

/** Readable names for the notification. */
const LABELS: Record<string, string> = {
  load: 'Loading data',
  train: 'Training',
  converge: 'Converging',
  features: 'Computing features',
  fit: 'Fitting the last layer',
  hessian: 'Factoring the Hessian',
  neighbours: 'Finding nearest neighbours',
  influence: 'Computing influence',
  ranking: 'Ranking label issues',
  verify: 'Checking reliability',
  issues: 'Finding data issues',
} satisfies Record<Stage, string>;

export function overallPercent(stage: string, done: number, total: number): number | undefined {
  let before = 0;
  for (const name of STAGES) {
    if (name === stage) {
      const within = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
      return (100 * (before + WEIGHTS[name] * within)) / TOTAL;
    }
    before += WEIGHTS[name];
  }
  return undefined;
}

export function stageMessage(stage: string, done: number, total: number, message?: string): string {
  const name = LABELS[stage] ?? stage;
  const count = total > 1 ? ` ${Math.round(done)}/${Math.round(total)}` : '';
  return `${name}${count}${message ? ` — ${message}` : ''}`;
}

/** Tracks the reported percentage and yields the increment for each update. */
export class ProgressTracker {
  private reported = 0;

  increment(stage: string, done: number, total: number): number {
    const p = overallPercent(stage, done, total);
    if (p === undefined || p <= this.reported) return 0;
    const inc = p - this.reported;
    this.reported = p;
    return inc;
  }
}
