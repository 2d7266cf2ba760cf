/// <reference types="mocha" />
/**
 * train.csv beside test.csv in a real extension host: right-clicking
 * train.csv tests on test.csv (said in the progress and the results), and
 * "Explain this prediction" on a line of test.csv explains it in that
 * analysis — never by analyzing test.csv as a dataset of its own.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { InfluenceLensApi } from '../../../src/host/api';
import type { RunningInfo } from '../../../src/host/analysis/analysisRunner';
import type { CommandResult } from '../../../src/host/commands';
import type { ExplainResult } from '../../../src/host/analysis/explain';
import { activateApi, fixture } from '../helpers';

/** Two separable classes; `flip` rows get the other label. */
function pairCsv(n: number, seed: number, flip: number[] = []): string {
  let s = seed;
  const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
  const lines = ['x1,x2,label'];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    const label = flip.includes(i) ? 1 - c : c;
    lines.push(`${(c * 4 + rnd()).toFixed(3)},${(c * 4 + rnd()).toFixed(3)},${label ? 'high' : 'low'}`);
  }
  return `${lines.join('\n')}\n`;
}

function writePair(name: string): { train: string; test: string } {
  const dir = fixture(name);
  mkdirSync(dir, { recursive: true });
  const train = path.join(dir, 'train.csv');
  const test = path.join(dir, 'test.csv');
  writeFileSync(train, pairCsv(28, 7, [3]));
  writeFileSync(test, pairCsv(7, 11));
  return { train, test };
}

async function explainLine(file: string, line: number): Promise<ExplainResult | CommandResult> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const editor = await vscode.window.showTextDocument(doc);
  editor.selection = new vscode.Selection(line - 1, 0, line - 1, 0);
  return (
    (await vscode.commands.executeCommand<ExplainResult | CommandResult>('influenceLens.explain')) ?? { kind: 'failed' }
  );
}

suite('A train.csv + test.csv pair', () => {
  let api: InfluenceLensApi;

  suiteSetup(async () => {
    api = await activateApi();
  });

  test('right-clicking train.csv tests on test.csv beside it, and the progress says so', async () => {
    const { train, test } = writePair('pair');
    const seen: RunningInfo[] = [];
    const sub = api.onDidChangeRunning((jobs) => seen.push(...jobs));
    try {
      const result = await vscode.commands.executeCommand<CommandResult>(
        'influenceLens.analyze',
        vscode.Uri.file(train),
      );
      assert.equal(result.kind, 'results', result.message);
    } finally {
      sub.dispose();
    }
    const results = api.current()!.results;
    assert.equal(results.dataset.testSource, 'test-file');
    assert.equal(results.dataset.testPath, 'test.csv');
    assert.equal(results.dataset.nTrain, 28, 'every row of train.csv is a training sample (none held out)');
    assert.equal(results.dataset.nTest, 7);
    assert.ok(results.test.every((t) => t.source.path === 'test.csv'));
    assert.ok(
      seen.some((j) => j.datasetPath === train && j.testSet?.startsWith('test.csv: ')),
      `progress names the test set: ${JSON.stringify(seen.map((j) => j.testSet))}`,
    );
    // Line 5 is row 3, flipped: a training sample now, so it can be flagged.
    assert.ok(results.train.some((t) => t.source.line === 5));
    assert.ok(test);
  });

  test(
    '"Explain this prediction" on a line of test.csv explains it in the ' + 'analysis of train.csv on screen',
    async () => {
      const train = fixture('pair/train.csv');
      const result = await explainLine(fixture('pair/test.csv'), 3);
      assert.equal(result.kind, 'explained', JSON.stringify(result));
      assert.equal((result as Extract<ExplainResult, { kind: 'explained' }>).split, 'test');
      assert.equal((result as Extract<ExplainResult, { kind: 'explained' }>).datasetPath, train);
      assert.equal(api.current()!.datasetPath, train, 'the panel still shows train.csv');
      assert.equal(api.current()!.results.dataset.nTest, 7);
    },
  );

  test(
    '…and with nothing analyzed yet, it analyzes train.csv (with test.csv ' +
      'as its test set), not test.csv on its own',
    async () => {
      const { train, test } = writePair('pair-fresh');
      const result = await explainLine(test, 4);
      assert.equal(result.kind, 'explained', JSON.stringify(result));
      const explained = result as Extract<ExplainResult, { kind: 'explained' }>;
      assert.equal(explained.split, 'test');
      assert.equal(explained.datasetPath, train);
      const shown = api.current()!;
      assert.equal(shown.datasetPath, train);
      assert.equal(shown.results.dataset.nTrain, 28);
      assert.equal(shown.results.dataset.nTest, 7);
    },
  );
});
