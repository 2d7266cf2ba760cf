/**
 * The report's load verdict is per section: sections merged from separate runs ran at different times, and one
 * quiet end-to-end run must not make a section measured at load 7 read as quiet (it did before).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sectionLoads } from '../../../bench/report/render';
import type { BenchResults } from '../../../bench/report/types';

function outcome(start: number, end: number, data: unknown = {}) {
  return { ok: true as const, seconds: 60, loadAverage: { start: [start, 1, 1], end: [end, 1, 1] }, data };
}

function e2e(others: number[]) {
  return { configs: [{ runs: others.map((x) => ({ otherLoadCores: x })) }] };
}

function results(sections: Record<string, unknown>): BenchResults {
  return { machine: { cores: 2 }, sections } as unknown as BenchResults;
}

test('a section at load 7 is loaded even when the end-to-end runs were quiet', () => {
  const loads = sectionLoads(results({ e2e: outcome(2.2, 1.4, e2e([0, 0.01, 0])), solvers: outcome(6.6, 7.7) }));
  assert.deepEqual(
    loads.map((l) => [l.name, l.loaded]),
    [
      ['e2e', false],
      ['solvers', true],
    ],
  );
  assert.match(loads[0].detail, /others kept 0\.00 of 2 cores/);
});

test('the end-to-end verdict reads the other processes’ measured CPU, not the load average', () => {
  // Load average 1.5 (below the cut), but other processes took half a core during the runs.
  const [row] = sectionLoads(results({ e2e: outcome(1.5, 1.5, e2e([0.5, 0.6, 0.4])) }));
  assert.equal(row.loaded, true);
});

test('a section whose load average rose past the cut by its end counts as loaded; sections keep report order', () => {
  const loads = sectionLoads(results({ targets: outcome(0.9, 3.4), kernels: outcome(2.0, 1.7) }));
  assert.deepEqual(
    loads.map((l) => [l.name, l.loaded]),
    [
      ['kernels', false],
      ['targets', true],
    ],
  );
});
