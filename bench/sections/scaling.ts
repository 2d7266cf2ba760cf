/**
 * Section 4 — scaling: how wall time and peak memory grow with the number of
 * training samples N (784 features, the default MLP, exact last-layer
 * influence, a fixed 2,000-sample test split) and with the number of target
 * parameters P (the head of an MLP whose hidden width sets P = (h+1)·C, on
 * 5,000 samples of 64 features). Every size runs in a fresh CLI process, so
 * its peak RSS is its own. The growth exponent is the least-squares slope of
 * log(value) on log(size). The acceptance line: peak RSS < 2 GB at N = 100,000.
 */
import path from 'node:path';
import fs from 'node:fs';
import { writeSyntheticCsv } from '../data/syntheticCsv';
import { log } from '../lib/log';
import { runCliAnalyze } from '../lib/runCli';
import { MEMORY_SHAPE_IDS, type MemoryShapeRow, runMemoryShapes } from './memoryShapes';

export const MEMORY_LIMIT_MB = 2048;
const CLASSES = 10;

export interface ScalingPoint {
  /** N (training samples) or P (target parameters), the swept size. */
  size: number;
  nTrain: number;
  nTest: number;
  features: number;
  hidden: number;
  targetParameters: number | null;
  csvMB: number;
  ok: boolean;
  error?: string;
  wallSeconds?: number;
  maxRssMB?: number | null;
  maxExternalMB?: number | null;
  method?: string;
  stages?: Record<string, number>;
}

export interface ScalingSection {
  overN: ScalingPoint[];
  overP: ScalingPoint[];
  /** Least-squares slopes of log(time) and log(peak RSS) on log(size), over the points that ran. */
  exponents: { timeN: number; rssN: number; timeP: number; rssP: number };
  memory: { n: number; rssMB: number | null; pass: boolean | null };
  /** Peak memory on the input shapes that once broke the bound (memoryShapes.ts). */
  shapes?: MemoryShapeRow[];
  /** When the shapes were measured on their own (`--memory-shapes`), beside the sweeps of an earlier run. */
  shapesMeasuredAt?: string;
}

/**
 * `--memory-shapes`: only the memory-shapes rows, at the run's scale, beside the N and P sweeps of the earlier
 * run saved in the output folder (the sweeps take over an hour; the shapes are what a memory fix changes).
 * With `only` (`--sets long-jsonl,…`), only those shapes are measured and the earlier run's other rows are kept.
 */
export async function runMemoryShapesOnly(
  options: { quick: boolean; tempDir: string; only: readonly string[] | null },
  earlier: ScalingSection | undefined,
): Promise<ScalingSection> {
  if (!earlier) throw new Error('--memory-shapes: no earlier scaling section in latest.json to add the rows to');
  const unknown = (options.only ?? []).filter((id) => !(MEMORY_SHAPE_IDS as readonly string[]).includes(id));
  if (unknown.length) {
    throw new Error(
      `--memory-shapes --sets: unknown shape ${unknown.join(', ')}; expected ${MEMORY_SHAPE_IDS.join(', ')}`,
    );
  }
  const startedAt = new Date().toISOString();
  const fresh = await runMemoryShapes(options);
  if (!options.only) return { ...earlier, shapes: fresh, shapesMeasuredAt: startedAt };
  // Rows saved before shapes had ids are matched by their title, which a shape's size fixes.
  const replaced = (r: MemoryShapeRow) => fresh.some((n) => n.id === r.id || n.shape === r.shape);
  const kept = (earlier.shapes ?? []).map((r) =>
    replaced(r)
      ? fresh.find((n) => n.id === r.id || n.shape === r.shape)!
      : { ...r, measuredAt: r.measuredAt ?? earlier.shapesMeasuredAt },
  );
  const added = fresh.filter((n) => !kept.includes(n));
  return { ...earlier, shapes: [...kept, ...added], shapesMeasuredAt: undefined };
}

export function scalingPlan(quick: boolean): { n: number[]; p: number[] } {
  return quick
    ? { n: [1000, 2000], p: [100, 500] }
    : { n: [1000, 3000, 10000, 30000, 100000], p: [100, 300, 1000, 3000, 5000] };
}

export async function runScaling(options: { quick: boolean; tempDir: string }): Promise<ScalingSection> {
  const plan = scalingPlan(options.quick);
  const overN: ScalingPoint[] = [];
  for (const n of plan.n) {
    overN.push(await measure(options.tempDir, { size: n, nTrain: n, nTest: 2000, features: 784, hidden: 128 }));
  }
  const overP: ScalingPoint[] = [];
  for (const p of plan.p) {
    overP.push(
      await measure(options.tempDir, {
        size: p,
        nTrain: 5000,
        nTest: 1000,
        features: 64,
        hidden: Math.round(p / CLASSES) - 1,
      }),
    );
  }
  const largest = overN.find((x) => x.size === 100000);
  const shapes = await runMemoryShapes(options);
  return {
    shapes,
    overN,
    overP,
    exponents: {
      timeN: slope(overN, (x) => x.wallSeconds),
      rssN: slope(overN, (x) => x.maxRssMB ?? undefined),
      timeP: slope(overP, (x) => x.wallSeconds),
      rssP: slope(overP, (x) => x.maxRssMB ?? undefined),
    },
    memory: {
      n: 100000,
      rssMB: largest?.maxRssMB ?? null,
      pass: largest ? (largest.ok && largest.maxRssMB != null ? largest.maxRssMB < MEMORY_LIMIT_MB : false) : null,
    },
  };
}

async function measure(
  tempDir: string,
  s: { size: number; nTrain: number; nTest: number; features: number; hidden: number },
): Promise<ScalingPoint> {
  const file = path.join(tempDir, `scaling-${s.nTrain}x${s.features}-h${s.hidden}.csv`);
  const { bytes } = writeSyntheticCsv(file, {
    nTrain: s.nTrain,
    nTest: s.nTest,
    features: s.features,
    classes: CLASSES,
    seed: 0,
  });
  const point: ScalingPoint = { ...s, targetParameters: null, csvMB: bytes / 2 ** 20, ok: false };
  log(`scaling: N ${s.nTrain}, ${s.features} features, hidden ${s.hidden} (${point.csvMB.toFixed(0)} MB CSV) …`);
  const run = await runCliAnalyze({
    dataset: file,
    // Exact influence everywhere, so the P sweep measures one method; 5 folds as by default.
    args: ['--model', 'mlp', '--hidden', String(s.hidden), '--method', 'exact', '--max-exact-parameters', '6000'],
    outFile: path.join(tempDir, `scaling-${s.nTrain}-${s.hidden}.json`),
    timeoutSeconds: 1800,
  });
  fs.rmSync(file, { force: true });
  point.wallSeconds = run.wallSeconds;
  point.maxRssMB = run.maxRssMB;
  point.maxExternalMB = run.maxExternalMB ?? null;
  if (!run.results) {
    point.error = run.error ?? 'no results';
    log(`scaling: FAILED: ${point.error}`);
    return point;
  }
  point.ok = true;
  point.targetParameters = run.results.model.targetParameters;
  point.method = run.results.influence.method;
  point.stages = run.results.timings.stages;
  log(
    `scaling: ${run.wallSeconds.toFixed(1)} s, peak RSS ${run.maxRssMB?.toFixed(0)} MB, P = ${point.targetParameters}`,
  );
  return point;
}

/** Least-squares slope of log(y) on log(size); NaN with fewer than two points. */
export function slope(points: ScalingPoint[], y: (p: ScalingPoint) => number | undefined): number {
  const xy = points
    .filter((p) => p.ok)
    .map((p) => [Math.log(p.size), Math.log(y(p) ?? NaN)] as const)
    .filter(([, b]) => Number.isFinite(b));
  if (xy.length < 2) return NaN;
  const mx = xy.reduce((a, [x]) => a + x, 0) / xy.length;
  const my = xy.reduce((a, [, v]) => a + v, 0) / xy.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, v] of xy) {
    sxy += (x - mx) * (v - my);
    sxx += (x - mx) ** 2;
  }
  return sxy / sxx;
}
