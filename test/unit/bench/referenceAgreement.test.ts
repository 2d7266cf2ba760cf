/**
 * The digits comparison's check that the engine and the numpy reference did the same job
 * (bench/sections/referenceAgreement.ts): each share is of the engine's answer the reference also gives, and the
 * worst run decides.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { referenceAgreement, worstAgreement } from '../../../bench/sections/referenceAgreement';

function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(value));
  return file;
}

const record = (id: number, likelyLabelIssue: boolean, outlier: boolean) => ({ id, likelyLabelIssue, outlier });

test('each share counts the engine answers the reference also gives', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agreement-'));
  try {
    const engine = writeJson(dir, 'engine.json', {
      test: [{ proponents: [{ train: 0 }, { train: 1 }] }, { proponents: [{ train: 2 }, { train: 3 }] }],
      train: [record(0, true, false), record(1, true, true), record(2, false, true), record(3, false, false)],
      issues: { duplicates: { sets: [{}] }, harmful: { removal: { removed: [3, 1] } } },
    });
    const reference = writeJson(dir, 'reference.json', {
      proponents: [
        [1, 0],
        [2, 0],
      ],
      train: [record(0, true, false), record(1, false, false), record(2, false, true), record(3, true, false)],
      issues: { duplicates: { sets: [] }, removal: { removed: [1, 2] } },
    });
    assert.deepEqual(referenceAgreement(engine, reference), {
      proponents: 3 / 4,
      harmful: 1 / 2,
      labelIssues: 1 / 2,
      outliers: 1 / 2,
      duplicateSets: [1, 0],
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an engine answer with nothing in it is fully found; no harmful check counts as none removed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agreement-'));
  try {
    const engine = writeJson(dir, 'engine.json', {
      test: [],
      train: [record(0, false, false)],
      issues: { duplicates: { sets: [] }, harmful: { removal: null } },
    });
    const reference = writeJson(dir, 'reference.json', {
      proponents: [],
      train: [record(0, true, true)],
      issues: { duplicates: { sets: [] }, removal: { removed: [0] } },
    });
    const a = referenceAgreement(engine, reference);
    assert.deepEqual([a.proponents, a.harmful, a.labelIssues, a.outliers], [1, 1, 1, 1]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the worst run decides each share', () => {
  const run = (v: number) => ({
    proponents: v,
    harmful: v / 2,
    labelIssues: v,
    outliers: 1,
    duplicateSets: [2, 2] as [number, number],
  });
  assert.equal(worstAgreement([]), null);
  assert.deepEqual(worstAgreement([run(0.9), run(0.6)]), {
    proponents: 0.6,
    harmful: 0.3,
    labelIssues: 0.6,
    outliers: 1,
    duplicateSets: [2, 2],
  });
});
