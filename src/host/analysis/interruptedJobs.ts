/**
 * Analyses that were running when the window went away (a reload, a crash,
 * VS Code closing): each run is noted in the workspace state when it starts
 * and struck off when it ends, however it ends. Whatever is still noted at
 * the next activation was interrupted, and is offered again.
 */
export interface StateStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

const KEY = 'influenceLens.runningAnalyses';

export class InterruptedJobs {
  constructor(private readonly state: StateStore) {}

  private list(): string[] {
    const value = this.state.get<unknown>(KEY);
    return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
  }

  started(datasetPath: string): Thenable<void> {
    return this.state.update(KEY, [...new Set([...this.list(), datasetPath])]);
  }

  ended(datasetPath: string): Thenable<void> {
    return this.state.update(
      KEY,
      this.list().filter((p) => p !== datasetPath),
    );
  }

  /** The datasets whose analysis was cut off, forgotten once read (each is offered once). */
  async takeInterrupted(): Promise<string[]> {
    const cut = this.list();
    if (cut.length) await this.state.update(KEY, []);
    return cut;
  }
}
