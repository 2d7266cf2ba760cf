/**
 * The influence stage's progress and cancellation (issue 12, items 7 and 16):
 * every method reports from 0 at the start of the stage to its total,
 * never backwards, so the bar and the time left mean something; and a cancel
 * raised mid-stage (from another thread: a flag in shared memory that no event
 * loop turn is needed to see) stops it at the next block.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSharedCancelFlag, raiseSharedCancelFlag, signalFromSharedFlag } from '../../../src/compute/cancel';
import { CancelledError } from '../../../src/compute/errors';
import { fitHead } from '../../../src/compute/head/fitHead';
import { polishHeadNewton } from '../../../src/compute/head/polishHead';
import { type HeadData, headProbabilities } from '../../../src/compute/head/softmaxHead';
import { choleskyInPlace, invertLowerTriangular } from '../../../src/compute/linalg/cholesky';
import { defaultModelConfig } from '../../../src/compute/models/defaults';
import { computeFeatures, trainNetwork } from '../../../src/compute/models/train';
import type { TrainedNetwork, TrainingData } from '../../../src/compute/models/types';
import { type InfluenceStageInput, runInfluenceStage } from '../../../src/compute/pipeline/influenceStage';
import type { MethodChoice, Progress } from '../../../src/compute/pipeline/options';
import { createRng, normal } from '../../../src/compute/random';
import { initBackend } from '../../../src/compute/tf/backend';

let base: Omit<InfluenceStageInput, 'choice' | 'report' | 'signal'>;

before(async () => {
  await initBackend('wasm');
  const rng = createRng(91);
  const n = 60;
  const dims = 3;
  const trainData: TrainingData = {
    x: Float32Array.from({ length: n * dims }, () => normal(rng)),
    y: Int32Array.from({ length: n }, (_, i) => i % 3),
    n,
    dims,
    numClasses: 3,
  };
  const testData: TrainingData = { ...trainData, x: trainData.x.slice(0, 6 * dims), y: trainData.y.slice(0, 6), n: 6 };
  const trained = await trainNetwork(
    { ...defaultModelConfig('mlp'), hidden: [4], weightDecay: 0.05, epochs: 3, batchSize: 10 },
    trainData,
    { checkpoints: true },
  );
  const shape = { featureDim: trained.featureDim, numClasses: 3 };
  const l2 = n * 0.05;
  const train: HeadData = { phi: computeFeatures(trained, trainData.x, n), y: trainData.y, n };
  const test: HeadData = { phi: computeFeatures(trained, testData.x, 6), y: testData.y, n: 6 };
  const fit = fitHead(train, shape, l2, { init: trained.head, meanGradTolerance: 1e-9 });
  const polished = polishHeadNewton(train, shape, l2, fit.head);
  const net: TrainedNetwork = { ...trained, head: polished.head };
  base = {
    net,
    train,
    test,
    trainData,
    testData,
    shape,
    l2,
    trainProbs: polished.probs,
    testProbs: headProbabilities(test, shape, polished.head),
    factor: polished.factor,
    headDamping: polished.damping,
    maxExactParameters: 4000,
    topK: 3,
    explainCount: 4,
    subsetFraction: 0.5,
    seed: 1,
  };
});

function assertMonotoneToTotal(reports: Progress[], label: string): void {
  assert.ok(reports.length >= 2, `${label}: at least a start and an end (${reports.length} reports)`);
  assert.ok(
    reports.every((r) => r.stage === 'influence'),
    label,
  );
  const total = reports[0].total;
  assert.ok(total > 0, label);
  assert.ok(
    reports.every((r) => r.total === total),
    `${label}: one total for the stage`,
  );
  assert.equal(reports[0].done, 0, `${label}: reported at the start of the stage`);
  for (let k = 1; k < reports.length; k++)
    assert.ok(reports[k].done >= reports[k - 1].done, `${label}: never backwards`);
  assert.equal(reports.at(-1)!.done, total, `${label}: reaches its total`);
}

describe('influence stage progress goes from 0 to its total, never backwards', () => {
  for (const choice of ['exact', 'cg', 'lissa', 'gif', 'tracin'] as MethodChoice[]) {
    test(choice, () => {
      const reports: Progress[] = [];
      runInfluenceStage({ ...base, choice, report: (p) => reports.push(p) });
      assertMonotoneToTotal(reports, choice);
    });
  }

  test('cg on a head too large to factor (low-rank self-influence first)', () => {
    const reports: Progress[] = [];
    runInfluenceStage({
      ...base,
      choice: 'cg',
      factor: undefined,
      maxExactParameters: 1,
      requestedTarget: 'last-layer',
      report: (p) => reports.push(p),
    });
    assertMonotoneToTotal(reports, 'cg, low rank');
  });
});

describe('a cancel raised in shared memory mid-stage stops it at the next block', () => {
  for (const choice of ['cg', 'lissa', 'gif'] as MethodChoice[]) {
    test(choice, () => {
      const flag = createSharedCancelFlag();
      const signal = signalFromSharedFlag(flag);
      const reports: Progress[] = [];
      assert.throws(
        () =>
          runInfluenceStage({
            ...base,
            choice,
            signal,
            report: (p) => {
              reports.push(p);
              // As the main thread would, while this one never returns to its event loop.
              if (p.done === 1) raiseSharedCancelFlag(flag);
            },
          }),
        CancelledError,
      );
      assert.equal(reports.at(-1)!.done, 1, 'no solve after the cancel');
      assert.equal(signal.aborted, true, 'the signal fires too, for code that awaits');
    });
  }

  test('the factorization and the triangular inverse check between rows', () => {
    const flag = createSharedCancelFlag();
    const signal = signalFromSharedFlag(flag);
    const n = 40;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) a[i * n + i] = 2;
    assert.equal(choleskyInPlace(Float64Array.from(a), n, signal), true);
    raiseSharedCancelFlag(flag);
    assert.throws(() => choleskyInPlace(Float64Array.from(a), n, signal), CancelledError);
    assert.throws(() => invertLowerTriangular(a, n, signal), CancelledError);
  });
});

describe('the batched solves (issue 18 item 3)', () => {
  for (const choice of ['cg', 'lissa', 'gif'] as MethodChoice[]) {
    test(`${choice}: a time left while the one batch runs, before any solve has ended`, () => {
      const reports: Progress[] = [];
      runInfluenceStage({ ...base, choice, explainCount: 1, report: (p) => reports.push(p) });
      const during = reports.filter((p) => p.done === 0 && p.secondsLeft !== undefined);
      assert.ok(during.length > 0, `${choice}: ${JSON.stringify(reports)}`);
      assert.ok(during.every((p) => p.secondsLeft! >= 0 && Number.isFinite(p.secondsLeft)));
    });

    test(`${choice}: a budget that has run out stops every solve after one step, says its residual and warns`, () => {
      const result = runInfluenceStage({ ...base, choice, solverSeconds: 1e-9, report: () => {} });
      assert.equal(result.solves?.length, base.explainCount, 'the first batch always runs');
      for (const s of result.solves!) {
        assert.equal(s.cutShort, true);
        assert.equal(s.converged, false);
        assert.equal(s.iterations, 1);
        assert.ok(s.relativeResidual > 0 && Number.isFinite(s.relativeResidual));
      }
      assert.equal(result.details.cutShort, base.explainCount);
      assert.equal(result.warnings?.length, 1);
      assert.match(result.warnings![0], /cut short by the 1e-9 s time budget \(the solverSeconds option\)/);
      assert.match(
        result.warnings![0],
        choice === 'gif' ? /least-squares optimality up to/ : /relative residual up to/,
      );
      assert.equal(result.iterative?.resume.rows.length, 0, 'a cut-short solve is not kept for a later run');
      const unlimited = runInfluenceStage({ ...base, choice, report: () => {} });
      assert.ok(unlimited.solves!.every((s) => !s.cutShort && s.iterations > 1));
      // Without a budget nothing is cut short; a solve that ended at its iteration limit (LiSSA's fixed depth here)
      // short of its tolerance is said, with its residual.
      const stopped = unlimited.solves!.filter((s) => !s.converged);
      assert.equal(unlimited.warnings?.length, stopped.length > 0 ? 1 : 0);
      if (stopped.length > 0) {
        const worst = Math.max(...stopped.map((s) => s.normalResidual ?? s.relativeResidual)).toPrecision(2);
        assert.match(
          unlimited.warnings![0],
          new RegExp(`^The ${choice} solves of ${stopped.length} .*iteration limit`),
        );
        assert.ok(unlimited.warnings![0].includes(`up to ${worst} `), unlimited.warnings![0]);
      }
    });
  }
});
