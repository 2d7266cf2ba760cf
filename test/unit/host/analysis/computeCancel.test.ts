/**
 * The extension's cancel reaches the real compute subprocess in a stage that
 * is one long synchronous loop (a float64 Cholesky factorization, CG solves):
 * it answers 'cancelled' itself, well within the host's grace period, rather
 * than being killed, and writes no results file (issue 12, item 7). Before,
 * the 'cancel' message waited behind the loop and the host had to kill it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ComputeRun } from '../../../../src/host/analysis/computeClient';
import { createRng, normal } from '../../../../src/compute/random';
import { ensureBuilt, makeTempDir, REPO } from '../../../helpers/cli';

const ENTRY = path.join(REPO, 'dist', 'computeProcess.js');
const dir = makeTempDir('compute-cancel');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let csv: string;
before(async () => {
  await ensureBuilt();
  // 4000 × 100, 20 classes: a 2020-parameter last layer, seconds to factor and to solve.
  const rng = createRng(17);
  const lines = [['label', ...Array.from({ length: 100 }, (_, j) => `f${j}`)].join(',')];
  for (let i = 0; i < 4000; i++) {
    const c = i % 20;
    lines.push(
      [
        `k${c}`,
        ...Array.from({ length: 100 }, (_, j) => (((c * 7 + j) % 20 === 0 ? 1 : 0) + normal(rng)).toFixed(2)),
      ].join(','),
    );
  }
  csv = path.join(dir, 'wide.csv');
  fs.writeFileSync(csv, lines.join('\n') + '\n');
});

for (const { stage, method } of [
  { stage: 'hessian', method: 'exact' },
  { stage: 'influence', method: 'cg' },
] as const) {
  test(
    `cancel during ${stage} (${method}): the process answers 'cancelled' ` + `itself within 2 s, nothing written`,
    async () => {
      const out = path.join(dir, `${stage}.json`);
      let cancelledAt = 0;
      const run: ComputeRun = new ComputeRun({
        entry: ENTRY,
        options: {
          datasetPath: csv,
          model: 'logreg',
          folds: 2,
          epochs: 1,
          method,
          ...(method === 'cg' ? { maxExactParameters: 100 } : {}),
        },
        resultsPath: out,
        // A generous grace period: the point is that the process does not need it.
        killAfterMs: 5000,
        onProgress: (p) => {
          if (p.stage === stage && !cancelledAt) {
            cancelledAt = Date.now();
            run.cancel();
          }
        },
      });
      const outcome = await run.done;
      const took = Date.now() - cancelledAt;
      assert.ok(cancelledAt > 0, `the ${stage} stage was reached`);
      assert.deepEqual(outcome, { kind: 'cancelled', killed: false });
      assert.ok(took < 2000, `settled ${took} ms after the cancel`);
      assert.equal(fs.existsSync(out), false, 'no results file');
    },
  );
}
