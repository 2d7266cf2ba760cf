/// <reference types="mocha" />
/**
 * The compute subprocess under stress in a real extension host: cancel a
 * running analysis (the process is gone within ~2 s and nothing is written),
 * kill it mid-run (a clear error with Retry, nothing written), change the
 * dataset while it runs (the results are stale), and set the memory limit
 * too low for it (refused before training, naming the setting; the previous
 * good results stay). A real out-of-memory crash is host/analysis/computeClient.test.ts.
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { InfluenceLensApi } from '../../../src/host/api';
import { ResultsCache } from '../../../src/host/analysis/cache';
import type { CommandResult } from '../../../src/host/commands';
import { activateApi, bigCsv, fixture, processAlive, runningAt, note, waitFor } from '../helpers';

suite('The compute subprocess', () => {
  let api: InfluenceLensApi;
  let big: string;
  let cache: ResultsCache;

  const writtenFiles = () => {
    const dir = cache.datasetDir(big);
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.startsWith('results-') || f.endsWith('.tmp')) : [];
  };

  suiteSetup(async () => {
    api = await activateApi();
    big = fixture('big.csv');
    writeFileSync(big, bigCsv());
    cache = new ResultsCache(api.cacheDir);
  });

  test('cancel stops the analysis: process gone within 2 s, no results written', async () => {
    const pending = vscode.commands.executeCommand<CommandResult>('influenceLens.analyze', vscode.Uri.file(big));
    const job = await runningAt(api, big, 'train');
    const cancelledAt = Date.now();
    const cancel = await vscode.commands.executeCommand<CommandResult>('influenceLens.cancel');
    assert.equal(cancel.kind, 'done');
    await waitFor('the process to exit', () => !processAlive(job.pid!), 2000, 10);
    const stoppedMs = Date.now() - cancelledAt;
    const result = await pending;
    assert.equal(result.kind, 'cancelled');
    note(`process ${job.pid} gone ${stoppedMs} ms after the cancel`);
    assert.deepEqual(writtenFiles(), []);
    assert.deepEqual(api.running(), []);
  });

  test('a killed subprocess is reported as a clear error, and nothing is written', async () => {
    const pending = vscode.commands.executeCommand<CommandResult>('influenceLens.analyze', vscode.Uri.file(big));
    const job = await runningAt(api, big, 'train');
    process.kill(job.pid!, 'SIGKILL');
    const result = await pending;
    assert.equal(result.kind, 'failed');
    assert.match(
      result.message!,
      /The analysis process stopped unexpectedly: it was killed \(SIGKILL\) without a result/,
    );
    const shown = api
      .messages()
      .filter((m) => m.severity === 'error')
      .at(-1);
    assert.equal(shown?.text, result.message, 'the user saw exactly this error');
    assert.deepEqual(shown?.actions, ['Retry', 'Show log']);
    assert.deepEqual(writtenFiles(), []);
    // The dataset is free again: a new request is not blocked by the dead run.
    assert.deepEqual(api.running(), []);
  });

  test('the dataset changes during an analysis: its results are marked stale, never shown as fresh', async () => {
    const pending = vscode.commands.executeCommand<CommandResult>('influenceLens.rerun', big);
    await runningAt(api, big, 'train');
    appendFileSync(big, `${Array.from({ length: 30 }, () => '0.5').join(',')},c1\n`);
    const result = await pending;
    assert.equal(result.kind, 'results', result.message);
    assert.equal(api.current()?.datasetPath, big);
    assert.equal(api.current()?.stale, true);
  });

  test(
    'a memory setting too low for the run (48 MB): refused before training, ' +
      'naming the setting, with "Memory setting", and the previous good ' +
      'results stay',
    async () => {
      const before = await cache.latest(big);
      assert.ok(before && existsSync(before.resultsPath), 'the previous test left good results');
      const settings = vscode.workspace.getConfiguration('influenceLens');
      await settings.update('maxMemoryMB', 48, vscode.ConfigurationTarget.Global);
      try {
        const result = await vscode.commands.executeCommand<CommandResult>('influenceLens.rerun', big);
        assert.equal(result.kind, 'failed');
        // The setting is the subprocess heap and the engine's memory limit: the engine's estimate refuses the run
        // before it starts (before, the process grew until the heap ran out and crashed).
        assert.match(
          result.message!,
          /would not fit in memory: .* more than the limit of 48 MB \(the influenceLens\.maxMemoryMB setting\)/,
        );
        assert.doesNotMatch(result.message!, /--max-memory-mb/);
        const shown = api
          .messages()
          .filter((m) => m.severity === 'error')
          .at(-1);
        assert.equal(shown?.text, result.message);
        assert.deepEqual(shown?.actions, ['Memory setting', 'Show log']);
      } finally {
        await settings.update('maxMemoryMB', undefined, vscode.ConfigurationTarget.Global);
      }
      const after = await cache.latest(big);
      assert.equal(after?.resultsPath, before.resultsPath);
      assert.ok(existsSync(before.resultsPath));
      assert.deepEqual(
        writtenFiles(),
        [path.basename(before.resultsPath)],
        'no partial or temporary file beside the good results',
      );
    },
  );
});
