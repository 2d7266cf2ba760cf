/**
 * A seeded slice of the fuzz run (bench/fuzz.ts runs 10,000 cases): generated
 * CSV/JSONL through load → validation → featurize → train (one epoch of a
 * tiny model, in-process). Every case ends in success or an InputError.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../../../src/compute/tf/backend';
import { fuzzCase, runCase } from '../../../bench/fuzz';

test('300 generated datasets: analyzed or refused with an InputError, nothing else', async () => {
  await initBackend('cpu');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'influence-lens-fuzz-'));
  const seen = { ok: 0, 'input-error': 0 };
  try {
    await fc.assert(
      fc.asyncProperty(fuzzCase, async (c) => {
        seen[await runCase(c, dir)]++;
      }),
      { numRuns: 300, seed: 7 },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(seen.ok > 50 && seen['input-error'] > 50, `both outcomes exercised: ${JSON.stringify(seen)}`);
});
