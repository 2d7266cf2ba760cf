/**
 * Turns the engine's progress callbacks into IPC messages: at most one every
 * `intervalMs` within a stage (training reports per epoch and per model, which
 * would flood the channel on a fast machine), every stage change at once, and a
 * log line with how long each stage took.
 */
import type { Progress } from '../pipeline/options';
import { formatTimeLeft } from '../pipeline/timeLeft';
import type { ComputeToHost } from '../../protocol/compute';

export class ProgressForwarder {
  private stage: string | undefined;
  private stageStart = 0;
  private lastSent = 0;
  private pending: Progress | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (message: ComputeToHost) => void,
    private readonly logLine: (line: string) => void,
    private readonly intervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  update(p: Progress): void {
    const t = this.now();
    if (p.stage !== this.stage) {
      this.endStage(t);
      this.stage = p.stage;
      this.stageStart = t;
      this.emit(p, t);
      return;
    }
    if (t - this.lastSent >= this.intervalMs) {
      this.emit(p, t);
      return;
    }
    // Keep the latest; send it when the interval is over so the last count is never lost.
    this.pending = p;
    this.timer ??= setTimeout(
      () => {
        this.timer = undefined;
        if (this.pending) this.emit(this.pending, this.now());
      },
      this.intervalMs - (t - this.lastSent),
    );
  }

  /** Logs the last stage's time and stops the pending timer. */
  close(): void {
    this.endStage(this.now());
    this.stage = undefined;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = undefined;
  }

  private emit(p: Progress, t: number): void {
    this.pending = undefined;
    this.lastSent = t;
    const message: ComputeToHost = { type: 'progress', stage: p.stage, done: p.done, total: p.total };
    // The wire has no field for it: the time left travels in the message the host shows.
    const left = p.secondsLeft !== undefined && p.done < p.total ? formatTimeLeft(p.secondsLeft) : undefined;
    const text = [p.message, left].filter(Boolean).join(' · ');
    if (text) message.message = text;
    this.send(message);
  }

  private endStage(t: number): void {
    if (this.stage !== undefined)
      this.logLine(`stage ${this.stage} took ${((t - this.stageStart) / 1000).toFixed(2)} s`);
  }
}
