/**
 * `npm run bench [-- --quick] [-- --only <section>]`: measures Influence Lens
 * and writes bench/results/REPORT.md (tables + SVG plots) and latest.json
 * (raw numbers). Sections:
 *   e2e        end to end on MNIST (the < 60 s acceptance target), 1k/5k/10k, logreg/mlp/cnn
 *   detection  mislabel ranking quality vs baselines (MNIST demo, Iris)
 *   kernels    wasm matMul peak vs the achieved GFLOP/s of the influence kernels
 *   scaling    wall time and peak memory against N (to 100,000) and P (to 5,000)
 *   issues     duplicates, leakage, outliers and harmful samples planted in the MNIST demo
 *   solvers    cg, lissa and gif on the digits MLP and cg on the MNIST logreg head, batched against one at a time
 *   targets    issue 18's speed targets: many classes, head P = 5000, the digits logreg against numpy/scikit-learn
 * Each section is wrapped: a failure is reported and the others still run.
 * Progress goes to stderr.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, SECTIONS, type SectionName, USAGE, UsageError } from './lib/args';
import { elapsedSeconds, log } from './lib/log';
import { describeMachine } from './lib/machine';
import { probeInProcess } from './lib/probeInProcess';
import { writePlots } from './report/plots';
import { renderReport } from './report/render';
import type { BenchResults, SectionOutcome } from './report/types';
import { type DetectionSection, OWN_CASES, runDetection } from './sections/detection';
import { runEndToEnd } from './sections/endToEnd';
import { runKernels } from './sections/kernels';
import { runOnnx } from './sections/onnx';
import { runIssuesBench } from './sections/issues';
import { runMemoryShapesOnly, runScaling, type ScalingSection } from './sections/scaling';
import { runSolvers } from './sections/solvers';
import { keepEarlierWorkloads, runTargets, type TargetsSection } from './sections/targets';

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) process.stderr.write(`bench: ${err.message}\n`);
    process.stderr.write(`${USAGE}\n`);
    return err.message ? 2 : 0;
  }
  if (args.renderOnly) {
    const file = path.join(args.outDir, 'latest.json');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults;
    saved.plots = writePlots(saved, args.outDir);
    writeAtomic(path.join(args.outDir, 'REPORT.md'), renderReport(saved));
    log(`re-rendered ${path.join(args.outDir, 'REPORT.md')} from ${file} (no measurement)`);
    return 0;
  }
  const startedAt = new Date().toISOString();
  const machine = describeMachine();
  log(
    `${args.quick ? 'QUICK mode' : 'full run'}${args.only ? `, only '${args.only}'` : ''}, ` +
      `${args.runs} run(s) per configuration; ` +
      `${machine.cpuModel}, ${machine.cores} cores, load average ${machine.loadAverageAtStart.join(' ')}`,
  );
  fs.mkdirSync(args.outDir, { recursive: true });
  const tempDir = fs.mkdtempSync(path.join(tempRoot(), 'influence-lens-bench-'));
  log(`temporary data in ${tempDir}${args.keepTemp ? ' (kept)' : ''}`);

  const results: BenchResults = {
    schema: 1,
    startedAt,
    finishedAt: startedAt,
    durationSeconds: 0,
    quick: args.quick,
    only: args.only,
    runs: args.runs,
    argv: process.argv.slice(2),
    machine,
    loadAverageAtEnd: machine.loadAverageAtStart,
    inProcess: null,
    sections: {},
    plots: [],
  };
  // The earlier run, read once before any section of this one is saved over it.
  const earlier = args.merge ? savedResults(args.outDir) : undefined;
  const earlierScaling = args.memoryShapes ? savedScaling(earlier) : undefined;
  if (earlier && args.only) mergeEarlier(results, earlier, args.only, args.outDir);
  const selected = (name: SectionName) => args.only === null || args.only === name;
  const save = () => writeOutputs(results, args.outDir);
  const inProcessError = () =>
    results.inProcess && !results.inProcess.works ? (results.inProcess.error ?? 'failed') : undefined;

  try {
    if (selected('e2e')) {
      log('checking whether analyze() runs in-process under tsx with worker threads …');
      results.inProcess = await probeInProcess(tempDir);
      log(
        results.inProcess.works
          ? 'in-process analyze works'
          : `in-process analyze fails: ${results.inProcess.error}; using the bundled CLI`,
      );
    }
    const plan: [SectionName, () => Promise<unknown>][] = [
      ['e2e', () => runEndToEnd({ quick: args.quick, runs: args.runs, tempDir, inProcessError: inProcessError() })],
      ['detection', () => runDetection({ quick: args.quick, tempDir, sets: args.sets })],
      ['kernels', () => runKernels({ quick: args.quick, runs: args.runs })],
      [
        'scaling',
        () =>
          args.memoryShapes
            ? runMemoryShapesOnly({ quick: args.quick, tempDir, only: args.sets }, earlierScaling)
            : runScaling({ quick: args.quick, tempDir }),
      ],
      ['onnx', () => runOnnx({ quick: args.quick, tempDir })],
      ['issues', () => runIssuesBench({ quick: args.quick, tempDir })],
      ['solvers', () => runSolvers({ quick: args.quick })],
      ['targets', () => runTargets({ quick: args.quick, runs: args.runs, tempDir, sets: args.sets })],
    ];
    for (const [name, run] of plan) {
      if (!selected(name)) continue;
      log(`=== section ${name} ===`);
      const outcome = await guarded(run);
      if (name === 'detection' && args.sets && earlier) keepEarlierDetectionCases(outcome, earlier, args.sets);
      if (name === 'targets' && args.sets && earlier) keepEarlierTargets(outcome, earlier);
      (results.sections as Record<string, SectionOutcome<unknown>>)[name] = outcome;
      if (name === 'kernels' && outcome.ok) {
        const k = outcome.data as { backend: string; backendWarning?: string };
        results.machine.backend = k.backend;
        if (k.backendWarning) results.machine.backendWarning = k.backendWarning;
      }
      log(`section ${name} ${outcome.ok ? 'done' : 'FAILED'} in ${outcome.seconds.toFixed(0)} s`);
      save();
    }
  } finally {
    save();
    if (!args.keepTemp) fs.rmSync(tempDir, { recursive: true, force: true });
  }
  log(`wrote ${path.join(args.outDir, 'REPORT.md')} and latest.json in ${(elapsedSeconds() / 60).toFixed(1)} min`);
  const failed = SECTIONS.filter((s) => results.sections[s] && !results.sections[s]!.ok);
  if (failed.length > 0) log(`FAILED sections: ${failed.join(', ')} (see REPORT.md)`);
  return failed.length > 0 ? 1 : 0;
}

/**
 * --sets with --merge re-measures part of the section and keeps the rest from the earlier detection section in outDir
 * (the report says when that run started): the MNIST and Iris cases when only public datasets ran, the public
 * datasets when only the MNIST and Iris cases ran (--sets mnist-iris).
 */
function keepEarlierDetectionCases(outcome: SectionOutcome<unknown>, saved: BenchResults, sets: string[]): void {
  if (!outcome.ok) return;
  const earlier = saved.sections.detection;
  if (!earlier?.ok) return;
  const data = outcome.data as DetectionSection;
  if (!sets.includes(OWN_CASES)) {
    data.cases = earlier.data.cases;
    data.casesFrom = earlier.data.casesFrom ?? saved.startedAt;
    log(`--merge: kept the MNIST and Iris detection cases of the run started ${data.casesFrom}`);
  }
  if (!data.public && earlier.data.public) {
    data.public = earlier.data.public;
    data.publicFrom = earlier.data.publicFrom ?? earlier.startedAt;
    log(`--merge: kept the public detection datasets of the run started ${data.publicFrom}`);
  }
}

/**
 * --sets with --merge on the targets: the workloads not run (and the numpy comparison, when the digits job did not
 * run) are kept from the earlier targets section in outDir, each with the start of the run that measured it.
 */
function keepEarlierTargets(outcome: SectionOutcome<unknown>, saved: BenchResults): void {
  if (!outcome.ok) return;
  const earlier = saved.sections.targets;
  if (!earlier?.ok) return;
  const kept = keepEarlierWorkloads(outcome.data as TargetsSection, earlier.data, saved.startedAt);
  log(`--merge: kept ${kept.join(', ') || 'no'} targets workload(s) of earlier runs`);
}

/** The results of the earlier run in outDir (its latest.json), when there is one. */
function savedResults(outDir: string): BenchResults | undefined {
  const file = path.join(outDir, 'latest.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as BenchResults) : undefined;
}

/** The scaling section of the earlier run, when it ran to the end. */
function savedScaling(saved: BenchResults | undefined): ScalingSection | undefined {
  const scaling = saved?.sections.scaling;
  return scaling?.ok ? scaling.data : undefined;
}

/** Takes over the sections of the earlier run other than `only`; the report then covers them all. */
function mergeEarlier(results: BenchResults, saved: BenchResults, only: SectionName, outDir: string): void {
  if (saved.quick !== results.quick)
    throw new Error(`--merge: ${path.join(outDir, 'latest.json')} is from a ${saved.quick ? 'quick' : 'full'} run`);
  for (const name of SECTIONS) {
    const s = saved.sections[name];
    if (name !== only && s) (results.sections as Record<string, unknown>)[name] = s;
  }
  if (saved.inProcess && only !== 'e2e') results.inProcess = saved.inProcess;
  results.mergedFrom = [...new Set([...(saved.mergedFrom ?? []), saved.startedAt])];
  results.only = null;
  log(`--merge: kept the other sections of the run started ${saved.startedAt}`);
}

async function guarded<T>(run: () => Promise<T>): Promise<SectionOutcome<T>> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const start = os.loadavg().map(round2);
  try {
    const data = await run();
    return {
      ok: true,
      seconds: (performance.now() - t0) / 1000,
      loadAverage: { start, end: os.loadavg().map(round2) },
      startedAt,
      data,
    };
  } catch (err) {
    log(`section failed: ${(err as Error).stack ?? err}`);
    return {
      ok: false,
      seconds: (performance.now() - t0) / 1000,
      loadAverage: { start, end: os.loadavg().map(round2) },
      startedAt,
      error: (err as Error).stack ?? String(err),
    };
  }
}

function writeOutputs(results: BenchResults, dir: string): void {
  results.finishedAt = new Date().toISOString();
  results.durationSeconds = elapsedSeconds();
  results.loadAverageAtEnd = os.loadavg().map(round2);
  try {
    results.plots = writePlots(results, dir);
  } catch (err) {
    log(`plots failed: ${(err as Error).message}`);
    results.plots = [];
  }
  // Plots of an earlier run that this report no longer shows would sit beside it, unlinked and out of date.
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.svg') && !f.startsWith('study-') && !results.plots.includes(f)) fs.rmSync(path.join(dir, f));
  }
  writeAtomic(path.join(dir, 'latest.json'), JSON.stringify(results, null, 1) + '\n');
  writeAtomic(path.join(dir, 'REPORT.md'), renderReport(results));
}

function writeAtomic(file: string, text: string): void {
  const partial = `${file}.partial-${process.pid}`;
  fs.writeFileSync(partial, text);
  fs.renameSync(partial, file);
}

/**
 * RAM-backed /dev/shm when it has room (the generated data and results are
 * ~100 MB), else the OS temp folder: writing and deleting 10,000 small PNGs
 * on a disk that other jobs keep busy took up to 25 s, which is no part of
 * what we measure. The analyses read the files from the page cache either way.
 */
function tempRoot(): string {
  try {
    const s = fs.statfsSync('/dev/shm');
    if (s.bavail * s.bsize > 1024 ** 3) {
      fs.accessSync('/dev/shm', fs.constants.W_OK);
      return '/dev/shm';
    }
  } catch {
    // not Linux, or not writable
  }
  return os.tmpdir();
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

main().then(
  (code) => {
    // tfjs and stray handles may keep the event loop alive; the work is done.
    process.exit(code);
  },
  (err) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
