/**
 * `npm run bench -- --only targets --sets <ids> [--merge]` (bench/sections/targets.ts): only the named workloads run,
 * an unknown id is refused naming the known ones, and a merge keeps the earlier run's other workloads in the plan's
 * order, each saying which run measured it. And the digits comparison's paired ratios.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../../bench/lib/args';
import { summarize } from '../../../bench/lib/stats';
import {
  keepEarlierWorkloads,
  pairedRatios,
  selectedWorkloads,
  type TargetResult,
  type TargetRun,
  type TargetsSection,
  targetsPlan,
} from '../../../bench/sections/targets';

test('--sets picks the named workloads in the plan order; an unknown id names the known ones', () => {
  const plan = targetsPlan(false);
  assert.deepEqual(
    selectedWorkloads(plan, ['digits-logreg', 'classes-26']).map((w) => w.id),
    ['classes-26', 'digits-logreg'],
  );
  assert.equal(selectedWorkloads(plan, null), plan);
  assert.throws(
    () => selectedWorkloads(plan, ['digits']),
    (e: unknown) => e instanceof UsageError && /unknown targets workload digits; expected head-p5000,/.test(e.message),
  );
});

function section(ids: string[], withNumpy: boolean): TargetsSection {
  const plan = targetsPlan(false);
  const workloads = ids.map((id): TargetResult => {
    const w = plan.find((p) => p.id === id)!;
    const none = summarize([]);
    return { ...w, runs: [], wall: none, cpu: none, otherLoad: none, stages: {}, pass: null };
  });
  const none = summarize([]);
  return {
    quick: false,
    runs: 3,
    workloads,
    ...(withNumpy && {
      numpy: { runs: [], wall: none, cpu: none, ratio: 0.9, cpuRatio: 1, pass: true, agreement: null },
    }),
    repeatLimitSeconds: 60,
  };
}

test('a merge keeps the earlier workloads not run, in plan order, and the numpy comparison only when needed', () => {
  const earlier = section(['head-p5000', 'classes-26', 'digits-logreg'], true);
  earlier.workloads[0].from = '2026-12-01T00:00:00Z';
  const now = section(['classes-26'], false);
  const kept = keepEarlierWorkloads(now, earlier, '2026-12-04T00:00:00Z');
  assert.deepEqual(kept, ['head-p5000', 'digits-logreg']);
  assert.deepEqual(
    now.workloads.map((w) => [w.id, w.from]),
    [
      ['head-p5000', '2026-12-01T00:00:00Z'],
      ['classes-26', undefined],
      ['digits-logreg', '2026-12-04T00:00:00Z'],
    ],
  );
  assert.equal(now.numpy?.from, '2026-12-04T00:00:00Z');

  const digitsAgain = section(['digits-logreg'], true);
  keepEarlierWorkloads(digitsAgain, earlier, '2026-12-04T00:00:00Z');
  assert.equal(digitsAgain.numpy?.from, undefined, 'the comparison just measured is kept, not the earlier one');
});

test('paired ratios: each engine run over the reference run of the same repetition, failed runs left out', () => {
  const run = (wallSeconds: number, ok = true): TargetRun => ({
    ok,
    wallSeconds,
    cpuSeconds: null,
    otherLoadCores: null,
    loadAverage: 0,
  });
  const engine = [run(1.2), run(1.5), run(9, false), run(1.1)];
  const reference = [run(1.0), run(1.5), run(1.0), run(2.2)];
  const paired = pairedRatios(engine, reference);
  assert.equal(paired.runs, 3);
  assert.equal(paired.median, 1);
  assert.equal(paired.min, 0.5);
  assert.equal(paired.max, 1.2);
});
