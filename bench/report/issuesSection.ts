/** REPORT.md's data-issues section (issue 17) from the raw numbers of bench/sections/issues.ts. */
import { num, pct, table } from '../lib/markdown';
import type { IssuesBench } from '../sections/issues';

export function issuesSection(s: IssuesBench): string[] {
  const out = ['## 6. Data issues beyond labels', ''];
  out.push(
    `MNIST demo, ${s.samples.toLocaleString('en-US')} digits (${s.nTrain} ` +
      `train / ${s.nTest} test), 10% of training labels flipped; planted: ` +
      (`${s.leaked.planted} training images copied into the test folder ` +
        `(${s.leaked.exactPlanted} byte copies, ${s.leaked.nearPlanted} with ` +
        `one pixel changed by 40 levels; `) +
      (`${s.conflicts.planted} under another digit) and ${s.outliers.planted} ` +
        `training images replaced by uniform noise. One \`analyze --model mlp\`, `) +
      `${num(s.wallSeconds, 1)} s in all, of which the issue pass took ${num(s.issuesSeconds, 1)} s (${s.search}).`,
    '',
  );
  out.push(
    table(
      ['planted problem', 'planted', 'found', 'recall', 'flagged in all', 'precision', 'cut'],
      [
        [
          'train image leaked into test',
          s.leaked.planted,
          s.leaked.foundExact + s.leaked.foundNear,
          pct(s.leaked.recall),
          s.leaked.flagged,
          pct(s.leaked.precision),
          'same fingerprint, or ≤ 0.2× median NN distance',
        ],
        [
          '… byte copies',
          s.leaked.exactPlanted,
          s.leaked.foundExact,
          pct(s.leaked.exactPlanted ? s.leaked.foundExact / s.leaked.exactPlanted : 1),
          '',
          '',
          '',
        ],
        [
          '… one pixel changed',
          s.leaked.nearPlanted,
          s.leaked.foundNear,
          pct(s.leaked.nearPlanted ? s.leaked.foundNear / s.leaked.nearPlanted : 1),
          '',
          '',
          '',
        ],
        [
          'leaked copy with another label (set flagged as conflicting)',
          s.conflicts.planted,
          s.conflicts.found,
          pct(s.conflicts.planted ? s.conflicts.found / s.conflicts.planted : 1),
          '',
          '',
          '',
        ],
        [
          `noise image (outlier; score AUROC ${num(s.outliers.auroc, 3)})`,
          s.outliers.planted,
          s.outliers.found,
          pct(s.outliers.recall),
          s.outliers.flagged,
          pct(s.outliers.precision),
          `score ≥ ${s.outliers.cut}`,
        ],
      ],
      ['l', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
    '',
  );
  const r = s.removal;
  if (r) {
    out.push(
      `Removing the ${r.removed.length} most harmful training samples (1%, by ` +
        `whole-test-set influence) and refitting the last layer:`,
      '',
      table(
        ['', 'before', 'predicted after', 'actual after'],
        [
          ['mean test loss', num(r.testLossBefore, 4), num(r.predictedTestLossAfter, 4), num(r.testLossAfter, 4)],
          ['total test loss change', '', num(r.predictedLossChange, 3), num(r.actualLossChange, 3)],
          ['test accuracy', pct(r.accuracyBefore), '–', pct(r.accuracyAfter)],
        ],
        ['l', 'r', 'r', 'r'],
      ),
      '',
    );
  }
  out.push(...targets(s));
  out.push(...datalabComparison(s));
  return out;
}

/** Issue 17's targets, each met or missed, said plainly. */
function targets(s: IssuesBench): string[] {
  const r = s.removal;
  const lowered = r ? r.testLossAfter < r.testLossBefore : null;
  const verdict = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? 'met' : '**missed**');
  return [
    'Targets (issue 17):',
    '',
    `- leaked duplicates recall ≥ 0.95 at the stated cut: ${pct(s.leaked.recall)} — ${verdict(s.leaked.recall >= 0.95)} ` +
      `(precision ${pct(s.leaked.precision)});`,
    `- planted outliers recall ≥ 0.9 at the stated cut: ${pct(s.outliers.recall)} — ` +
      `${verdict(s.outliers.recall >= 0.9)} (precision ${pct(s.outliers.precision)});`,
    `- removing the top 1% harmful samples and retraining lowers the test loss: ` +
      (r
        ? `mean test loss ${num(r.testLossBefore, 4)} → ${num(r.testLossAfter, 4)} actual ` +
          `(${num(r.predictedTestLossAfter, 4)} predicted) — ${verdict(lowered)}.`
        : 'not measured.'),
    '',
  ];
}

function datalabComparison(s: IssuesBench): string[] {
  const d = s.datalab;
  if (!d || d.length === 0) {
    return ['cleanlab Datalab was not compared in this run (the run predates the comparison).', ''];
  }
  const rows: (string | number)[][] = [
    [
      'ours (one `analyze`)',
      pct(s.leaked.recall),
      pct(s.leaked.precision),
      `${s.leaked.foundExact}/${s.leaked.exactPlanted}, ${s.leaked.foundNear}/${s.leaked.nearPlanted}`,
      pct(s.outliers.recall),
      pct(s.outliers.precision),
      num(s.outliers.auroc, 3),
      '',
    ],
    ...d.map((c) => [
      `Datalab defaults on ${c.features} (${c.dims}-d, ${c.metric})`,
      pct(c.leaked.recall),
      pct(c.leaked.precision),
      `${c.leaked.foundExact}/${s.leaked.exactPlanted}, ${c.leaked.foundNear}/${s.leaked.nearPlanted}`,
      pct(c.outliers.recall),
      pct(c.outliers.precision),
      num(c.outliers.auroc, 3),
      `${num(c.seconds, 1)} s`,
    ]),
  ];
  return [
    "Beside cleanlab Datalab's default checks on the same files. cleanlab is a Python package that cannot be " +
      "installed on this machine, so its checks are rewritten from cleanlab's source in bench/lib/datalab.ts " +
      "(checked against hand-computed cases and the outputs in cleanlab's docstrings, " +
      '`test/unit/bench/datalab.test.ts`): one Datalab over every image of the folder (train and test together), ' +
      `k = ${d[0].k} nearest neighbours by cosine distance (more than 3 columns); **outlier** when the mean k-NN ` +
      'distance exceeds Q3 + 1.7·IQR (threshold 0.37037); **near-duplicate** of a neighbour closer than 0.13 × the ' +
      'median nearest-neighbour distance. A leak counts as found when the copy and its source are near-duplicates ' +
      'of each other (ours: when they share a leakage set); "flagged" leaks are test images with a training ' +
      "near-duplicate. Features: the analyzed MLP's penultimate layer (read from the run's saved fit — the feature " +
      'space our pass searches) and the raw pixels (our pass also looks at the pixels).',
    '',
    table(
      [
        'detector',
        'leak recall',
        'leak precision',
        'found: byte copies, one pixel changed',
        'outlier recall',
        'outlier precision',
        'outlier AUROC',
        'time',
      ],
      rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
    'Why Datalab misses the noise images: its outlier score is the mean distance to the 10 nearest neighbours, ' +
      'and uniform-noise images are close to *each other*, so with 1% of the data planted they form a cluster ' +
      'of their own whose k-NN distances look typical (the figures below). Our score adds the distance to the ' +
      'nearest class mean, which a cluster of outliers cannot hide from, and the input space ' +
      '(src/compute/issues/outliers.ts).',
    '',
    ...d.map(
      (c) =>
        `- Datalab on ${c.features}: near-duplicate radius ${c.leaked.radius.toExponential(2)}, ` +
        `${c.leaked.flagged} test images flagged as leaks; outlier cut at mean k-NN distance ` +
        `${num(c.outliers.cut, 4)}, ${c.outliers.flagged} training images flagged` +
        (c.outliers.noiseNeighbourShare !== undefined
          ? `; the noise images' median mean k-NN distance ${num(c.outliers.noiseMedianDistance, 4)} against ` +
            `${num(c.outliers.trainMedianDistance, 4)} for all training images, ` +
            `${pct(c.outliers.noiseNeighbourShare)} of their neighbours other noise images`
          : '') +
        '.',
    ),
    '',
  ];
}
