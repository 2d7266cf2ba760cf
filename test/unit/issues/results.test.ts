/**
 * The data issues through the CLI (issue 17): the results file carries the
 * `issues` section and per-sample scores, checked by the results contract;
 * the summary lists the counts and the remove-and-retrain check (predicted
 * next to actual); `--json` carries the same section; `--skip-issues` leaves
 * it out.
 */
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, normal } from '../../../src/compute/random';
import { checkResultsFile } from '../../../src/protocol/results';
import { describeRun, ensureBuilt, makeTempDir, runCli } from '../../helpers/cli';

let dir: string;
let file: string;

before(async () => {
  await ensureBuilt();
  dir = makeTempDir('il-issues-');
  // 150 rows of three blobs; a split column puts rows 120+ in test. Row 5 is copied into the test
  // split with extra spaces (leakage), row 7 is copied within train with another label (a conflict).
  // Eight feature columns: in two, chance pairs closer than the near-duplicate cut are expected.
  const lines = ['x1,x2,x3,x4,x5,x6,x7,x8,label,split'];
  const rows: string[][] = [];
  const rng = createRng(4);
  for (let r = 0; r < 150; r++) {
    const c = r % 3;
    const row = [
      ...Array.from({ length: 8 }, (_, j) => (Math.cos(c + j) + normal(rng)).toFixed(3)),
      'abc'[c],
      r < 120 ? 'train' : 'test',
    ];
    rows.push(row);
    lines.push(row.join(','));
  }
  lines.push(` ${rows[5].slice(0, 8).join(' , ')} ,${rows[5][8]},test`);
  lines.push(`${rows[7].slice(0, 8).join(',')},${rows[7][8] === 'a' ? 'b' : 'a'},train`);
  file = path.join(dir, 'rows.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test(
  'summary and results file: counts, the planted leak and conflict, the removal check',
  { timeout: 180_000 },
  async () => {
    const out = path.join(dir, 'r.json');
    const run = await runCli(['analyze', file, '--model', 'logreg', '--no-progress', '--workers', '1', '--out', out]);
    assert.equal(run.code, 0, describeRun(run));
    const results = checkResultsFile(JSON.parse(fs.readFileSync(out, 'utf8')));
    const issues = results.issues;
    assert.ok(issues, 'an issues section');
    const lineOf = (split: 'train' | 'test', id: number) =>
      `${split}:${(split === 'train' ? results.train.find((r) => r.id === id)! : results.test[id]).source.line}`;
    const sets = issues.duplicates.sets
      .filter((s) => s.exact)
      .map((s) => ({
        lines: s.members.map((m) => lineOf(m.split, m.id)).sort(),
        leakage: s.leakage,
        labelConflict: s.labelConflict,
      }));
    assert.deepEqual(
      sets.sort((a, b) => a.lines[0].localeCompare(b.lines[0])),
      [
        { lines: ['test:152', 'train:7'], leakage: true, labelConflict: false },
        { lines: ['train:153', 'train:9'], leakage: false, labelConflict: true },
      ],
    );
    assert.equal(issues.counts.leakedTestSamples, 1);
    assert.ok(issues.counts.labelConflictSets >= 1);
    // Per-sample fields: the conflicting pair carries the conflict signal and its set index.
    const conflicted = results.train
      .filter((r) => (r.duplicateLabelConflict ?? 0) > 0)
      .map((r) => r.source.line)
      .sort((a, b) => a! - b!);
    assert.deepEqual(conflicted, [9, 153]);
    // …and it reaches the label ranking: both rows score at least the floor the conflict sets.
    const conflictSignal = results.labelIssues.suspicion?.signals.find((s) => s.name === 'duplicateLabelConflict');
    assert.ok(conflictSignal?.floor !== undefined, JSON.stringify(results.labelIssues.suspicion));
    for (const r of results.train.filter((t) => t.source.line === 9 || t.source.line === 153))
      assert.ok(r.suspicion >= conflictSignal.floor, `line ${r.source.line}: ${r.suspicion} < ${conflictSignal.floor}`);
    assert.ok(results.train.every((r) => Number.isFinite(r.testInfluence) && Number.isFinite(r.outlierScore)));
    const removal = issues.harmful.removal;
    assert.ok(removal);
    assert.equal(removal.removed.length, 1); // 1% of 121 training rows
    assert.deepEqual(removal.removed, [issues.harmful.harmful[0].train]);
    assert.ok(run.stdout.includes(`Data issues: ${issues.counts.duplicateSets} duplicate set(s)`), run.stdout);
    assert.ok(run.stdout.includes('1 of 31 test samples leaked from train'), run.stdout);
    assert.match(
      run.stdout,
      /Without the 1 most harmful: mean test loss [\d.]+ → [\d.]+ \(predicted [\d.]+; total change actual [-+][\d.]+, predicted [-+][\d.]+\)/,
    );
  },
);

test(
  '--json carries the issues section; --remove-harmful 3 removes three; --skip-issues leaves it out',
  { timeout: 180_000 },
  async () => {
    const json = await runCli([
      'analyze',
      file,
      '--model',
      'logreg',
      '--no-progress',
      '--workers',
      '1',
      '--json',
      '--remove-harmful',
      '3',
      '--out',
      path.join(dir, 'j.json'),
    ]);
    assert.equal(json.code, 0, describeRun(json));
    const printed = checkResultsFile(JSON.parse(json.stdout));
    assert.equal(printed.issues?.counts.leakedTestSamples, 1);
    assert.equal(printed.issues?.harmful.removal?.removed.length, 3);
    const off = await runCli([
      'analyze',
      file,
      '--model',
      'logreg',
      '--no-progress',
      '--workers',
      '1',
      '--skip-issues',
      '--out',
      path.join(dir, 'n.json'),
    ]);
    assert.equal(off.code, 0, describeRun(off));
    const results = checkResultsFile(JSON.parse(fs.readFileSync(path.join(dir, 'n.json'), 'utf8')));
    assert.equal(results.issues, undefined);
    assert.equal(results.train[0].outlierScore, undefined);
    assert.ok(!off.stdout.includes('Data issues:'));
  },
);

test('a bad --remove-harmful is refused before any work, exit 2', { timeout: 60_000 }, async () => {
  for (const bad of ['-1', 'abc', '1.5']) {
    const run = await runCli(['analyze', file, '--remove-harmful', bad, '--out', path.join(dir, 'bad.json')]);
    assert.equal(run.code, 2, describeRun(run));
    assert.ok(run.stderr.includes(`--remove-harmful must be a whole number ≥ 0, got '${bad}'`), run.stderr);
    assert.ok(!fs.existsSync(path.join(dir, 'bad.json')));
  }
});
