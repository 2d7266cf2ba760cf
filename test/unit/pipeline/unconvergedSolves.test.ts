/**
 * Solves that stop at their iteration limit short of their tolerance are said in the results' warnings (the CLI's
 * notes, the panel's), with the worst residual: a network without weight decay on separable data gives CG a system
 * it cannot solve, and its rankings were listed as if exact. A solve that converges says nothing.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { analyze } from '../../../src/compute/pipeline/analyze';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-unconverged-'));
const file = path.join(dir, 'separable.csv');
before(async () => {
  await initBackend();
  const rng = createRng(3);
  const rows = ['f0,f1,label'];
  for (let i = 0; i < 80; i++) {
    const side = i % 2 ? 1 : -1;
    rows.push(`${5 * side + normal(rng)},${normal(rng)},${side > 0 ? 'p' : 'q'}`);
  }
  fs.writeFileSync(file, `${rows.join('\n')}\n`);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const ITERATION_LIMIT =
  /The cg solves of \d+ explained test sample\(s\) stopped at their iteration limit short of their tolerance: relative residual up to [\d.e+-]+/;

test('CG on a separable set without weight decay warns that its solves stopped short, with the residual', async () => {
  const r = await analyze({
    datasetPath: file,
    model: 'mlp',
    weightDecay: 0,
    method: 'cg',
    target: 'full',
    explain: 4,
    folds: 2,
    workers: 1,
    skipIssues: true,
  });
  const details = r.influence.details as { allConverged: boolean; maxRelativeResidual: number };
  assert.equal(details.allConverged, false);
  const warning = r.dataset.warnings.find((w) => ITERATION_LIMIT.test(w));
  assert.ok(warning, r.dataset.warnings.join('\n'));
  assert.ok(warning.includes(`up to ${details.maxRelativeResidual.toPrecision(2)} `), warning);
});

test('CG that converges (the last layer of a logistic regression, with weight decay) warns of nothing', async () => {
  const r = await analyze({
    datasetPath: file,
    model: 'logreg',
    method: 'cg',
    explain: 4,
    folds: 2,
    workers: 1,
    skipIssues: true,
  });
  assert.equal((r.influence.details as { allConverged: boolean }).allConverged, true);
  assert.ok(!r.dataset.warnings.some((w) => /iteration limit/.test(w)), r.dataset.warnings.join('\n'));
});
