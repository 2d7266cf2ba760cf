/**
 * Results cached per dataset in the extension's workspace storage:
 *   <dir>/<hash of dataset path>/index.json         which settings ran, on which content
 *   <dir>/<hash of dataset path>/results-<key>.json  the engine's results file, one per settings key
 *   <dir>/<hash of dataset path>/fit-<fit key>.bin    the engine's saved fit (pipeline/fitStore.ts), the latest only,
 *                                                     and beside it what is kept for it (.scores, .neighbours)
 * A lookup with the current content fingerprint says fresh (open it at once)
 * or stale (show it marked, offer a re-run). Plain Node: the storage folder is
 * passed in, so this is unit-tested without VS Code.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../../compute/results/writeAtomic';
import { readRegularFile } from '../../compute/regularFile';
import { type Checked, nullable, object, optional, str } from '../../protocol/check';
import { checkJobOptions } from '../../protocol/compute';

const checkEntry = object({
  settingsKey: str,
  fingerprint: str,
  resultsFile: str,
  createdAt: str,
  options: checkJobOptions,
});
export type CacheEntry = Checked<typeof checkEntry>;

function checkIndex(
  v: unknown,
  p: string,
): { datasetPath: string; last: string | null; entries: Record<string, CacheEntry> } {
  const head = object({ datasetPath: str, last: nullable(str), entries: optional(object({})) })(v, p);
  const raw = (v as { entries?: Record<string, unknown> }).entries ?? {};
  const entries: Record<string, CacheEntry> = {};
  for (const [key, value] of Object.entries(raw)) entries[key] = checkEntry(value, `${p}.entries.${key}`);
  return { datasetPath: head.datasetPath, last: head.last, entries };
}
type DatasetIndex = ReturnType<typeof checkIndex>;

export interface CacheHit {
  status: 'fresh' | 'stale';
  entry: CacheEntry;
  resultsPath: string;
}

export class ResultsCache {
  constructor(readonly dir: string) {}

  /** The folder of one dataset's results (a hash: dataset paths can be long or hold any character). */
  datasetDir(datasetPath: string): string {
    return path.join(this.dir, createHash('sha256').update(path.resolve(datasetPath)).digest('hex').slice(0, 20));
  }

  /** Where the subprocess writes the results of these settings. */
  resultsPath(datasetPath: string, key: string): string {
    return path.join(this.datasetDir(datasetPath), `results-${key}.json`);
  }

  /**
   * Where the engine saves (and looks for) the fit of these fit options. The
   * engine itself checks the file against the data and options on load.
   */
  fitPath(datasetPath: string, fitKey: string): string {
    return path.join(this.datasetDir(datasetPath), `fit-${fitKey}.bin`);
  }

  /** Removes saved fits other than `keep` (each can be tens of MB): one fit per dataset stays on disk. */
  async pruneFits(datasetPath: string, keep: string): Promise<number> {
    let names: string[];
    try {
      names = await fsp.readdir(this.datasetDir(datasetPath));
    } catch {
      return 0;
    }
    // The fit and what is kept beside it: `<fit>.scores` (exact), `<fit>.scores.cg` (an iterative method's solves,
    // pipeline/scoreCache.ts), `<fit>.neighbours` (pipeline/neighbourCache.ts), `<fit>.embeddings`
    // (onnx/embeddingCache.ts).
    const kept = path.basename(keep);
    const old = names.filter(
      (n) => /^fit-[0-9a-f]+\.bin(\.[a-z.]+)?$/.test(n) && n !== kept && !n.startsWith(`${kept}.`),
    );
    await Promise.all(old.map((n) => fsp.rm(path.join(this.datasetDir(datasetPath), n), { force: true })));
    return old.length;
  }

  async prepare(datasetPath: string): Promise<void> {
    await fsp.mkdir(this.datasetDir(datasetPath), { recursive: true });
  }

  private async readIndex(datasetPath: string): Promise<DatasetIndex> {
    const file = path.join(this.datasetDir(datasetPath), 'index.json');
    try {
      return checkIndex(JSON.parse((await readRegularFile(file)).toString('utf8')), 'index');
    } catch {
      // Missing or unreadable (an older format, a disk error): start over, the results can be recomputed.
      return { datasetPath: path.resolve(datasetPath), last: null, entries: {} };
    }
  }

  private async exists(file: string): Promise<boolean> {
    return fsp.access(file).then(
      () => true,
      () => false,
    );
  }

  /** Records a finished analysis (its results file must already be in place). */
  async record(datasetPath: string, entry: CacheEntry): Promise<void> {
    const index = await this.readIndex(datasetPath);
    index.entries[entry.settingsKey] = entry;
    index.last = entry.settingsKey;
    await this.prepare(datasetPath);
    await writeFileAtomic(path.join(this.datasetDir(datasetPath), 'index.json'), JSON.stringify(index, null, 1));
  }

  /** The cached result for these settings, fresh or stale by the fingerprint; undefined when none. */
  async lookup(datasetPath: string, key: string, fingerprint: string): Promise<CacheHit | undefined> {
    const entry = (await this.readIndex(datasetPath)).entries[key];
    if (!entry) return undefined;
    const resultsPath = path.join(this.datasetDir(datasetPath), entry.resultsFile);
    if (!(await this.exists(resultsPath))) return undefined;
    return { status: entry.fingerprint === fingerprint ? 'fresh' : 'stale', entry, resultsPath };
  }

  /** The most recent result of a dataset, whatever its settings (for "open last results" and panel restore). */
  async latest(datasetPath: string): Promise<{ entry: CacheEntry; resultsPath: string } | undefined> {
    const index = await this.readIndex(datasetPath);
    const entry = index.last ? index.entries[index.last] : undefined;
    if (!entry) return undefined;
    const resultsPath = path.join(this.datasetDir(datasetPath), entry.resultsFile);
    return (await this.exists(resultsPath)) ? { entry, resultsPath } : undefined;
  }

  /** Every dataset with a cached result (to find the analysis a sample belongs to). */
  async knownDatasets(): Promise<string[]> {
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch {
      return [];
    }
    const out: string[] = [];
    for (const name of names) {
      try {
        const index = checkIndex(
          JSON.parse((await readRegularFile(path.join(this.dir, name, 'index.json'))).toString('utf8')),
          'index',
        );
        if (index.last) out.push(index.datasetPath);
      } catch {
        // not a dataset folder
      }
    }
    return out;
  }

  /** Removes temp files a killed writer left behind (the atomic write's `.name.pid.time.tmp`). */
  async removeLeftovers(datasetPath: string): Promise<number> {
    let names: string[];
    try {
      names = await fsp.readdir(this.datasetDir(datasetPath));
    } catch {
      return 0;
    }
    const temps = names.filter((n) => n.startsWith('.') && n.endsWith('.tmp'));
    await Promise.all(temps.map((n) => fsp.rm(path.join(this.datasetDir(datasetPath), n), { force: true })));
    return temps.length;
  }
}
