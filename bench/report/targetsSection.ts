/** REPORT.md's section 8: issue 18's speed targets, each against its median wall time, CPU and load beside it. */
import { num, spread, table } from '../lib/markdown';
import { summarize } from '../lib/stats';
import { pairedRatios, type TargetResult, type TargetsSection } from '../sections/targets';

const verdict = (pass: boolean | null) => (pass === null ? '—' : pass ? 'PASS' : '**FAIL**');

/** The stages that took at least 5% of the median engine time, largest first. */
function stageText(w: TargetResult): string {
  const entries = Object.entries(w.stages).filter(([, s]) => s.runs > 0);
  const total = entries.reduce((a, [, s]) => a + s.median, 0);
  return entries
    .filter(([, s]) => s.median >= 0.05 * total)
    .sort((a, b) => b[1].median - a[1].median)
    .map(([name, s]) => `${name} ${num(s.median, 1)}`)
    .join(', ');
}

export function targetsSection(s: TargetsSection): string[] {
  const out = [
    '## 8. Speed targets (issue 18)',
    '',
    `Each workload is a cold run of the bundled CLI, ${s.quick ? 'once at a reduced size (quick mode: no verdicts)' : `median of ${s.runs}`}, ` +
      'the repetitions round-robin over the workloads. Wall seconds are what a user waits and other processes ' +
      "inflate them on this shared machine: CPU seconds (all the process's threads) and the cores other processes " +
      'kept busy during the runs stand beside them, and verdicts on a loaded machine are verdicts under load. ' +
      `A workload whose first run took over ${s.repeatLimitSeconds} s is not repeated.`,
    '',
    table(
      [
        'workload',
        'target s',
        'wall s',
        'CPU s',
        'others\u2019 cores',
        'load avg',
        'stages (median s)',
        'method, P',
        'verdict',
      ],
      s.workloads
        .filter((w) => w.targetSeconds !== null)
        .map((w) => {
          const first = w.runs.find((r) => r.ok);
          return [
            w.title + (w.note ? ` (${w.note})` : '') + (w.from ? ` (measured in the run of ${w.from})` : ''),
            num(w.targetSeconds, 0),
            spread(w.wall),
            spread(w.cpu),
            spread(w.otherLoad, 2),
            w.runs.map((r) => num(r.loadAverage, 1)).join(', '),
            stageText(w),
            first ? `${first.model} ${first.method}, ${first.targetParameters}` : '—',
            verdict(w.pass),
          ];
        }),
      ['l', 'r', 'r', 'r', 'r', 'r', 'l', 'l', 'l'],
    ),
    '',
    'Data: ' + s.workloads.map((w) => `${w.title}: ${w.data}`).join('; ') + '.',
    '',
    ...numpyPart(s),
  ];
  return out;
}

function numpyPart(s: TargetsSection): string[] {
  const n = s.numpy;
  const digits = s.workloads.find((w) => w.id === 'digits-logreg');
  if (!n || n.skipped || !digits)
    return ['### Digits logreg against numpy/scikit-learn', '', n?.skipped ?? 'not run', ''];
  const pyStages = (key: string) => {
    return num(summarize(n.runs.filter((r) => r.ok).map((r) => r.stages?.[key] ?? NaN)).median, 2);
  };
  return [
    '### Digits logreg against numpy/scikit-learn (target: ≤ 1.0× its time)',
    '',
    `The same job in both (bench/reference/digitsLogreg.py, ${n.python}): standardize, fit multinomial logistic ` +
      'regression with the same L2 (bias decayed too), 5 cross-fitting folds, the exact Hessian and its Cholesky ' +
      'factor, the influence of every training sample on every test sample with the top-10 of each, every ' +
      "training sample's self-influence. The engine also finds duplicates, outliers and harmful samples and ranks " +
      `label issues, which the reference does not. ${digits.runs.length} runs of each, interleaved (the reference ` +
      'first on odd repetitions); wall from spawn to exit, interpreter start and imports included in both.',
    '',
    table(
      ['', 'wall s', 'CPU s', 'others\u2019 cores'],
      [
        [
          'influence-lens analyze --model logreg',
          spread(digits.wall, 2),
          spread(digits.cpu, 2),
          spread(digits.otherLoad, 2),
        ],
        [
          'numpy/scikit-learn reference',
          spread(n.wall, 2),
          spread(n.cpu, 2),
          spread(summarize(n.runs.filter((r) => r.ok).map((r) => r.otherLoadCores ?? NaN)), 2),
        ],
      ],
    ),
    '',
    (n.from ? `Measured in the run of ${n.from}. ` : '') +
      `Ratio of medians, engine / reference: wall **${num(n.ratio, 2)}×**, CPU ${num(n.cpuRatio, 2)}× — ` +
      `${s.quick ? 'quick mode, one run' : verdict(n.pass)}. ` +
      `Paired, each engine run over the reference run beside it: ${spread(pairedRatios(digits.runs, n.runs), 2)}. ` +
      `Engine stages (median s): ${stageText(digits)}. Reference stages (median s): load ${pyStages('load')}, ` +
      `fit ${pyStages('fit')}, folds ${pyStages('folds')}, Hessian and factor ${pyStages('hessian')}, influence and ` +
      `top-k ${pyStages('influence')}; its total inside the interpreter ${pyStages('total')}. ` +
      `Top-10 proponents the two share (lowest over the runs): ${n.top10Agreement === null ? '—' : `${num(100 * n.top10Agreement, 1)}%`}.`,
    '',
  ];
}
