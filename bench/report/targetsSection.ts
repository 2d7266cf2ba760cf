/** REPORT.md's section 8: issue 18's speed targets, each against its median wall time, CPU and load beside it. */
import { num, spread, table } from '../lib/markdown';
import { summarize } from '../lib/stats';
import type { ReferenceAgreement } from '../sections/referenceAgreement';
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
    `The same job in both (bench/reference/digitsLogreg.py, ${n.python}): read and standardize the CSV, fit ` +
      'multinomial logistic regression with the same L2 (bias decayed too), 5 stratified cross-fitting folds, the ' +
      'exact Hessian and its Cholesky factor, the influence of every training sample on every test sample with the ' +
      "top-10 of each, every training sample's self-influence; the label issues (confident joint, margin-weighted " +
      'count with its bootstrap range, the suspicion ranking with its agreement-weighted signals, the test labels); ' +
      'exact 10-nearest neighbours, duplicate sets, outlier scores, harmful and helpful samples with the refit ' +
      'without the 1% most harmful, class health; and a results file with a record per sample. ' +
      `${digits.runs.length} runs of each, interleaved (the reference first on odd repetitions); wall from spawn to ` +
      'exit, interpreter start and imports included in both.',
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
      `Engine stages (median s): ${stageText(digits)}. Reference stages (median s): ` +
      REFERENCE_STAGES.map(([key, name]) => `${name} ${pyStages(key)}`).join(', ') +
      `; its total inside the interpreter ${pyStages('total')}, of which the influence job alone (up to the ` +
      `top-k lists, what the reference did before the rest was added) ${pyStages('core')}. ` +
      influenceOnlyText(digits, n) +
      agreementText(n.agreement ?? null),
    '',
  ];
}

/** The reference's stages (digitsLogreg.py), in its order. */
const REFERENCE_STAGES: [string, string][] = [
  ['load', 'load'],
  ['fit', 'fit'],
  ['folds', 'folds'],
  ['hessian', 'Hessian and factor'],
  ['influence', 'influence and top-k'],
  ['labelIssues', 'label issues'],
  ['neighbours', 'neighbours, duplicates and outliers'],
  ['harmful', 'harmful samples and their refit'],
  ['records', 'records'],
];

/**
 * The engine's whole job against the reference's influence part alone (each reference run's wall less the time it
 * spent after the top-k lists): what the ratio would be against the program as it was before it did the whole job,
 * so that the comparison's change of scope stays in view.
 */
function influenceOnlyText(digits: TargetResult, n: NonNullable<TargetsSection['numpy']>): string {
  const partial = n.runs.map((r) => {
    const after = (r.stages?.total ?? NaN) - (r.stages?.core ?? NaN);
    return { ...r, ok: r.ok && Number.isFinite(after), wallSeconds: r.wallSeconds - after };
  });
  const paired = pairedRatios(digits.runs, partial);
  if (paired.runs === 0) return '';
  return (
    'Against the reference\u2019s influence part alone (each run\u2019s wall less its stages after the top-k ' +
    `lists), the engine doing the whole job would be at ${spread(paired, 2)} (paired). `
  );
}

function agreementText(a: ReferenceAgreement | null): string {
  if (!a) return 'No pair ran to compare their answers.';
  const share = (v: number) => `${num(100 * v, 1)}%`;
  return (
    'Of the engine\u2019s answers, the reference also gives (lowest over the runs): ' +
    `${share(a.proponents)} of the top-10 proponents, ${share(a.harmful)} of the harmful samples removed by the ` +
    `check, ${share(a.labelIssues)} of the likely label errors and ${share(a.outliers)} of the training outliers ` +
    '(these two also depend on the cross-fitting folds, which the two draw with different generators); duplicate ' +
    `sets ${a.duplicateSets[0]} and ${a.duplicateSets[1]}.`
  );
}
