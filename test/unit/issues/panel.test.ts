/**
 * The Issues tab's data from real results (issue 17): the view the host
 * builds passes the page's protocol check; the duplicate sets arrive with
 * their members as rows (leakage first); the lists filter by kind (the
 * leaked test sample, the harmful samples most harmful first); and the
 * page's "remove and retrain" request is a valid message.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../../src/compute/pipeline/analyze';
import type { ResultsFile } from '../../../src/compute/results/schema';
import { initBackend } from '../../../src/compute/tf/backend';
import { buildIssuesView } from '../../../src/host/panel/issuesView';
import { buildResultsView, ResultsIndex } from '../../../src/host/panel/resultsView';
import { RowQueries } from '../../../src/host/panel/rowQuery';
import { parseHostToWebview, parseWebviewToHost } from '../../../src/protocol/webview';
import { createRng, normal } from '../../../src/compute/random';

let dir: string;
let results: ResultsFile;

before(async () => {
  await initBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-issues-panel-'));
  const rng = createRng(8);
  const rows: string[][] = [];
  const lines = ['a,b,c,d,e,f,label,split'];
  for (let r = 0; r < 120; r++) {
    const row = [
      ...Array.from({ length: 6 }, (_, j) => (Math.sin((r % 2) + j) + normal(rng)).toFixed(3)),
      r % 2 ? 'p' : 'q',
      r < 100 ? 'train' : 'test',
    ];
    rows.push(row);
    lines.push(row.join(','));
  }
  lines.push(`${rows[4].slice(0, 6).join(',')},${rows[4][6]},test`);
  const file = path.join(dir, 'd.csv');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  results = await analyze({ datasetPath: file, model: 'logreg', workers: 1, seed: 1 });
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the issues view passes the page check and lists the leaked pair as rows, leakage first', () => {
  const index = new ResultsIndex(results);
  const view = { ...buildResultsView(results, '/data/d.csv', false), ...buildIssuesView(index, new Map()) };
  const message = parseHostToWebview({ type: 'results', view });
  assert.equal(message.type, 'results');
  const issues = message.type === 'results' ? message.view.issues : undefined;
  assert.ok(issues);
  assert.equal(issues.counts.leakage, 1);
  const first = issues.duplicateSets[0];
  assert.equal(first.leakage, true);
  assert.deepEqual(first.members.map((m) => `${m.split}:${m.where}`).sort(), ['test:d.csv:122', 'train:d.csv:6']);
  assert.equal(issues.defaultRemoval, 1);
  assert.ok(
    issues.harmful.length > 0 &&
      issues.harmful.every((r, k) => r.influence < 0 && (k === 0 || issues.harmful[k - 1].influence <= r.influence)),
  );
});

test('the lists filter by kind: the leaked test sample; the harmful samples most harmful first', () => {
  const queries = new RowQueries(new ResultsIndex(results), new Map());
  const leaked = queries.page({ list: 'tests', sort: 'misclassifiedFirst', issue: 'leakage' }, 0, 50);
  assert.deepEqual(
    leaked.rows.map((r) => r.where),
    ['d.csv:122'],
  );
  const harmful = queries.ids({ list: 'suspects', sort: 'suspicion', issue: 'harmful' });
  assert.equal(harmful.length, results.issues!.counts.harmful);
  assert.deepEqual(
    harmful.slice(0, 5),
    results.issues!.harmful.harmful.slice(0, 5).map((e) => e.train),
  );
  const all = queries.ids({ list: 'suspects', sort: 'suspicion' });
  assert.equal(all.length, results.train.length);
});

test('the page asks for the remove-and-retrain check and for opening a set side by side with valid messages', () => {
  assert.deepEqual(parseWebviewToHost({ type: 'removeHarmful', count: 3 }), { type: 'removeHarmful', count: 3 });
  assert.throws(() => parseWebviewToHost({ type: 'removeHarmful', count: 0 }));
  const samples = [
    { split: 'train', id: 4 },
    { split: 'test', id: 20 },
  ];
  assert.deepEqual(parseWebviewToHost({ type: 'openSamples', samples }), { type: 'openSamples', samples });
});
