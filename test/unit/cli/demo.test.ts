/**
 * `influence-lens demo` end to end: real MNIST digits with 10% of the training
 * labels flipped. Product acceptance criterion: suspicion reaches AUROC ≥ 0.97
 * against the flipped set and beats ranking by training loss alone and by
 * self-influence alone, measured in the same run.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FlipDetection } from '../../../src/demo/scoreFlips';
import type { DemoManifest } from '../../../src/demo/buildDemo';
import type { ResultsFile } from '../../../src/compute/results/schema';
import { type CliRun, describeRun, ensureBuilt, leftoverTempFiles, makeTempDir, runCli } from '../../helpers/cli';

const root = makeTempDir('demo');
after(() => fs.rmSync(root, { recursive: true, force: true }));

interface DemoOutput {
  results: string;
  flipDetection: FlipDetection;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;
const countFiles = (dir: string) =>
  (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).length;

before(async () => {
  await ensureBuilt();
});

describe('demo (3000 digits, the defaults)', () => {
  const out = path.join(root, 'demo');
  let run: CliRun;
  let printed: DemoOutput;

  before(async () => {
    run = await runCli(['demo', '--out', out, '--json', '--no-progress'], { timeoutMs: 300_000 });
    assert.equal(run.code, 0, describeRun(run));
    printed = JSON.parse(run.stdout) as DemoOutput;
  });

  test('suspicion finds the flipped labels: AUROC ≥ 0.97, above training loss and self-influence alone', (t) => {
    const { suspicion, baselines, flipped } = printed.flipDetection;
    t.diagnostic(
      `AUROC suspicion ${suspicion.auroc.toFixed(4)}, trainLoss ${baselines.trainLoss.auroc.toFixed(4)}, ` +
        (`selfInfluence ${baselines.selfInfluence.auroc.toFixed(4)}, ` +
          `outOfSampleMargin ${baselines.outOfSampleMargin.auroc.toFixed(4)}; `) +
        (`recall@10% suspicion ${suspicion.recallAt10.toFixed(3)}; suggestion ` +
          `accuracy ${printed.flipDetection.suggestionAccuracy.toFixed(3)}`),
    );
    assert.equal(flipped, 240, '10% of 2400 training labels');
    assert.ok(suspicion.auroc >= 0.97, `suspicion AUROC ${suspicion.auroc}`);
    assert.ok(suspicion.auroc > baselines.trainLoss.auroc, `beats training loss (${baselines.trainLoss.auroc})`);
    assert.ok(
      suspicion.auroc > baselines.selfInfluence.auroc,
      `beats self-influence (${baselines.selfInfluence.auroc})`,
    );
    for (const q of [suspicion, ...Object.values(baselines)]) {
      assert.ok(q.auroc >= 0 && q.auroc <= 1 && q.recallAt10 >= 0 && q.recallAt10 <= 1);
    }
  });

  test('the results file lies in the demo folder, matches the manifest, and its top suspects are mostly flips', () => {
    assert.equal(printed.results, path.join(out, 'results.json'));
    const results = readJson<ResultsFile>(printed.results);
    const manifest = readJson<DemoManifest>(path.join(out, 'flipped.json'));
    assert.equal(results.dataset.format, 'imagefolder');
    assert.equal(results.dataset.nTrain, manifest.nTrain);
    assert.equal(results.dataset.nTest, manifest.nTest);
    assert.equal(results.dataset.testSource, 'test-folder');
    assert.deepEqual([...results.dataset.classes].sort(), manifest.classes);
    const flippedPaths = new Set(manifest.flipped.map((f) => f.imagePath));
    const top = results.train.slice(0, manifest.flipped.length);
    const hits = top.filter((r) => flippedPaths.has(r.source.path)).length;
    assert.ok(hits >= 0.7 * manifest.flipped.length, `${hits} of the top ${top.length} suspects are flipped`);
    for (const r of results.train)
      assert.ok(fs.existsSync(path.join(results.dataset.root, r.source.path)), r.source.path);
    assert.ok(
      results.model.testAccuracy !== null && results.model.testAccuracy >= 0.85,
      `test accuracy ${results.model.testAccuracy}`,
    );
  });

  test('a second demo into the same folder replaces it (here: a smaller CSV demo)', async () => {
    const again = await runCli([
      'demo',
      '--out',
      out,
      '--samples',
      '400',
      '--format',
      'csv',
      '--json',
      '--no-progress',
      '--epochs',
      '4',
    ]);
    assert.equal(again.code, 0, describeRun(again));
    const second = JSON.parse(again.stdout) as DemoOutput;
    const manifest = readJson<DemoManifest>(path.join(out, 'flipped.json'));
    assert.equal(manifest.nTrain + manifest.nTest, 400);
    assert.equal(second.flipDetection.flipped, manifest.flipped.length);
    const results = readJson<ResultsFile>(second.results);
    assert.equal(results.dataset.format, 'csv');
    assert.equal(results.dataset.nTrain + results.dataset.nTest, 400);
    assert.equal(countFiles(path.join(out, 'images')), 400, 'the old 3000 images are gone');
    assert.deepEqual(leftoverTempFiles(out), []);
    assert.deepEqual(fs.readdirSync(root).sort(), ['demo'], 'no stray sibling folder from the swap');
  });
});

test('demo refuses a folder holding a foreign file: exit 2, the file untouched', async () => {
  const out = path.join(root, 'mine');
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'notes.txt'), 'my notes\n');
  const run = await runCli(['demo', '--out', out, '--json', '--no-progress']);
  assert.equal(run.code, 2, describeRun(run));
  assert.ok(run.stderr.includes(out), 'names the folder');
  assert.ok(run.stderr.includes('notes.txt'), 'names the foreign file');
  assert.equal(run.stdout, '');
  assert.deepEqual(fs.readdirSync(out), ['notes.txt']);
  assert.equal(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8'), 'my notes\n');
});
