/** REPORT.md's data-issues section (issue 17) from the raw numbers of bench/sections/issues.ts. */
import { num, pct, table } from '../lib/markdown';
import type { IssuesBench } from '../sections/issues';

export function issuesSection(s: IssuesBench): string[] {
  const out = ['## 5. Data issues beyond labels', ''];
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
  out.push(
    'cleanlab Datalab was not run for comparison: it is not installed on ' +
      'this machine (no Python package), and the benchmark does not download ' +
      'it.',
    '',
  );
  return out;
}
