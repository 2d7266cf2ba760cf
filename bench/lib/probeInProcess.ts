/**
 * Can analyze() run in this process (under tsx) with its worker threads?
 * The brief preferred in-process runs; this checks instead of assuming, on a
 * tiny dataset, and the report states the outcome. The benchmark itself
 * always measures through the bundled CLI (lib/runCli.ts), as a user runs it.
 */
import path from 'node:path';
import { loadIrisCsv } from '../../src/demo/iris';
import { analyze } from '../../src/compute/pipeline/analyze';

export interface InProcessProbe {
  works: boolean;
  workers?: number;
  seconds: number;
  error?: string;
}

export async function probeInProcess(tempDir: string): Promise<InProcessProbe> {
  const file = path.join(tempDir, 'probe-iris.csv');
  loadIrisCsv(file);
  const t0 = performance.now();
  try {
    const r = await analyze({
      datasetPath: file,
      model: 'logreg',
      folds: 2,
      topK: 1,
      workers: 2,
      signal: AbortSignal.timeout(120_000),
    });
    return { works: true, workers: r.engine.workers, seconds: (performance.now() - t0) / 1000 };
  } catch (err) {
    const e = err as Error & { code?: string };
    return {
      works: false,
      seconds: (performance.now() - t0) / 1000,
      error: `${e.code ? `${e.code}: ` : ''}${e.message.split('\n')[0]}`,
    };
  }
}
