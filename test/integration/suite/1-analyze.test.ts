/// <reference types="mocha" />
/**
 * The main path in a real extension host: run "Find influential training
 * samples" on a small CSV, check the results against the file, open a
 * sample at its record, explain a prediction, relabel and undo.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { DelimitedReader } from '../../../src/compute/data/csvReader';
import type { ResultsFile } from '../../../src/compute/results/schema';
import type { InfluenceLensApi } from '../../../src/host/api';
import type { CommandResult } from '../../../src/host/commands';
import { activateApi, fixture, readBytes, note, waitFor } from '../helpers';

/** Lines of the three labels flipped on purpose in animals.csv (rows 5, 40, 77), and their true class. */
const FLIPPED = [
  { line: 8, given: 'dog', truth: 'fox' },
  { line: 50, given: 'fox', truth: 'dog' },
  { line: 94, given: 'cat', truth: 'fox' },
];
/** A training record whose quoted note spans two lines (5 and 6). */
const TWO_LINE_RECORD = 5;

suite('Find influential training samples', () => {
  let api: InfluenceLensApi;
  let csv: string;
  let results: ResultsFile;

  suiteSetup(async () => {
    api = await activateApi();
    csv = fixture('animals.csv');
  });

  test('runs on a CSV and writes results that match the file', async () => {
    const started = Date.now();
    const result = await vscode.commands.executeCommand<CommandResult>('influenceLens.analyze', vscode.Uri.file(csv));
    assert.equal(result.kind, 'results', result.message);
    assert.equal(result.fromCache, false);
    results = JSON.parse(readFileSync(result.resultsPath!, 'utf8')) as ResultsFile;
    note(`analysis took ${Date.now() - started} ms (backend ${results.engine.backend})`);

    assert.equal(results.dataset.format, 'csv');
    assert.equal(results.dataset.labelColumn, 'label');
    assert.deepEqual(results.dataset.classes, ['cat', 'dog', 'fox']);
    assert.equal(results.dataset.nTrain, 72);
    assert.equal(results.dataset.nTest, 18);

    // Every record's line is where the engine's own reader finds a record with that label.
    const reader = new DelimitedReader(readFileSync(csv, 'utf8'), ',', csv);
    const labelAt = new Map<number, string>();
    while (reader.next()) labelAt.set(reader.startLine, reader.fields[4]);
    for (const r of [...results.train, ...results.test])
      assert.equal(labelAt.get(r.source.line!), r.label, `record at line ${r.source.line}`);

    // The flipped labels are the top suspects, with their true class suggested.
    const top = results.train.slice(0, 5);
    for (const f of FLIPPED) {
      const hit = top.find((t) => t.source.line === f.line);
      assert.ok(
        hit,
        `line ${f.line} (label flipped) among the top 5 suspects: ${top.map((t) => t.source.line).join(', ')}`,
      );
      assert.equal(hit.label, f.given);
      assert.equal(hit.suggestedLabel, f.truth);
    }
    assert.equal(api.current()?.datasetPath, csv, 'the results panel shows this dataset');
  });

  test('a second run with the same data and settings opens the cached results at once', async () => {
    const started = Date.now();
    const result = await vscode.commands.executeCommand<CommandResult>('influenceLens.analyze', vscode.Uri.file(csv));
    assert.equal(result.kind, 'results');
    assert.equal(result.fromCache, true);
    assert.ok(Date.now() - started < 3000, `cached open took ${Date.now() - started} ms`);
  });

  test('opening a sample selects its whole record beside the panel', async () => {
    const sample = results.train.find((t) => t.source.line === TWO_LINE_RECORD);
    assert.ok(sample, 'the two-line record is a training sample');
    await api.postFromWebview({ type: 'openSample', split: 'train', id: sample.id });
    const editor = await waitFor('the CSV editor', () => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.fsPath === csv ? e : undefined;
    });
    assert.equal(editor.selection.start.line, TWO_LINE_RECORD - 1, 'selection starts on the record line');
    assert.equal(editor.selection.start.character, 0);
    assert.equal(editor.selection.end.line, TWO_LINE_RECORD, 'and covers the quoted field continued on the next line');
    assert.match(editor.document.getText(editor.selection), /^0\.43,0\.11,"two\nlines",train,cat$/);
  });

  test('an invalid webview message is refused', async () => {
    await assert.rejects(
      api.postFromWebview({ type: 'openSample', split: 'train', id: -1 }),
      /message\.id: expected a non-negative integer/,
    );
    await assert.rejects(api.postFromWebview({ type: 'deleteEverything' }), /message\.type: expected one of/);
  });

  test('"Explain this prediction" on a test line finds that test sample', async () => {
    const testSample = results.test[0];
    const doc = await vscode.workspace.openTextDocument(csv);
    const editor = await vscode.window.showTextDocument(doc);
    const pos = new vscode.Position(testSample.source.line! - 1, 3);
    editor.selection = new vscode.Selection(pos, pos);
    const result = await vscode.commands.executeCommand<{ kind: string; split: string; id: number }>(
      'influenceLens.explain',
    );
    assert.deepEqual(
      { kind: result.kind, split: result.split, id: result.id },
      { kind: 'explained', split: 'test', id: testSample.id },
    );
  });

  test('relabel is one edit, and undo restores the file byte for byte', async () => {
    const original = readBytes(csv);
    const ids = FLIPPED.slice(0, 2).map((f) => results.train.find((t) => t.source.line === f.line)!.id);
    const outcome = await api.relabel('train', ids, 'cat', { confirm: false });
    assert.equal(outcome.applied, 2);
    assert.deepEqual(outcome.problems, []);

    const edited = readBytes(csv).toString('utf8');
    const lines = edited.split('\n');
    assert.match(lines[FLIPPED[0].line - 1], /,train,cat$/);
    assert.match(lines[FLIPPED[1].line - 1], /,train,cat$/);
    // Only those two label fields changed.
    const before = original.toString('utf8').split('\n');
    const changed = before.map((l, i) => (l === lines[i] ? -1 : i + 1)).filter((i) => i > 0);
    assert.deepEqual(changed, [FLIPPED[0].line, FLIPPED[1].line]);
    await waitFor('the results to be marked stale', () => api.current()?.stale === true, 10_000);

    // One undo reverts both records (one WorkspaceEdit), then save writes the original bytes.
    const doc = await vscode.workspace.openTextDocument(csv);
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('undo');
    assert.ok(doc.isDirty);
    await doc.save();
    assert.ok(readBytes(csv).equals(original), 'file content is byte-identical after undo');
    await waitFor('the results to be fresh again', () => api.current()?.stale === false, 10_000);
  });

  test('review decisions persist and export as JSON and CSV, matched by source', async () => {
    const third = results.train.find((t) => t.source.line === FLIPPED[2].line)!;
    await api.postFromWebview({ type: 'setReview', ids: [third.id], state: 'confirmed' });
    const json = fixture('reviews.json');
    await vscode.commands.executeCommand('influenceLens.exportReviews', 'json', vscode.Uri.file(json));
    const exported = JSON.parse(readFileSync(json, 'utf8')) as {
      decisions: { source: { line: number }; state: string; newLabel?: string }[];
    };
    assert.deepEqual(
      exported.decisions.map((d) => [d.source.line, d.state, d.newLabel]),
      [
        [FLIPPED[0].line, 'relabeled', 'cat'],
        [FLIPPED[1].line, 'relabeled', 'cat'],
        [FLIPPED[2].line, 'confirmed', undefined],
      ],
    );
    const csvOut = fixture('reviews.csv');
    await vscode.commands.executeCommand('influenceLens.exportReviews', 'csv', vscode.Uri.file(csvOut));
    const rows = readFileSync(csvOut, 'utf8').trim().split('\n');
    assert.equal(rows[0], 'path,line,row,label,decision,newLabel,decidedAt');
    assert.match(rows[3], new RegExp(`^animals\\.csv,${FLIPPED[2].line},77,cat,confirmed,,`));
  });

  test(
    'stale results after a line is inserted above a suspect: open goes to ' +
      'the record, relabel changes it and nothing else',
    async () => {
      const original = readBytes(csv);
      const target = results.train.find((t) => t.source.line === FLIPPED[0].line)!;
      const text = original.toString('utf8');
      const firstBreak = text.indexOf('\n') + 1;
      // A copy of the record just above the suspect (same label) sits at the suspect's old line after the insert.
      writeFileSync(csv, text.slice(0, firstBreak) + '0.1,0.2,inserted,train,dog\n' + text.slice(firstBreak));
      try {
        await waitFor('the results to be marked stale', () => api.current()?.stale === true, 10_000);
        await api.postFromWebview({ type: 'openSample', split: 'train', id: target.id });
        const editor = await waitFor('the CSV editor at the moved record', () => {
          const e = vscode.window.activeTextEditor;
          return e?.document.uri.fsPath === csv && e.selection.start.line === FLIPPED[0].line ? e : undefined;
        });
        assert.match(editor.document.lineAt(FLIPPED[0].line).text, /,train,dog$/);
        const before = readBytes(csv).toString('utf8').split('\n');
        const outcome = await api.relabel('train', [target.id], 'fox', { confirm: false });
        assert.equal(outcome.applied, 1, JSON.stringify(outcome.problems));
        const after = readBytes(csv).toString('utf8').split('\n');
        const changed = before.map((l, i) => (l === after[i] ? -1 : i + 1)).filter((i) => i > 0);
        assert.deepEqual(changed, [FLIPPED[0].line + 1], 'only the suspect, at its new line');
        assert.equal(after[FLIPPED[0].line + 1 - 1], before[FLIPPED[0].line + 1 - 1].replace(/,dog$/, ',fox'));
        // A record deleted since the analysis is refused by name, nothing changes.
        const other = results.train.find((t) => t.source.line === FLIPPED[1].line)!;
        const withoutOther = after.filter((_, i) => i !== FLIPPED[1].line).join('\n');
        writeFileSync(csv, withoutOther);
        const refused = await api.relabel('train', [other.id], 'dog', { confirm: false });
        assert.equal(refused.applied, 0);
        assert.match(refused.problems[0].reason, /no longer in the file as analyzed/);
        assert.equal(readBytes(csv).toString('utf8'), withoutOther);
      } finally {
        writeFileSync(csv, original);
      }
    },
  );

  test('a cached results file claiming another root ("/") is refused, not shown', async () => {
    const current = api.current()!;
    const crafted = JSON.parse(readFileSync(current.resultsPath, 'utf8')) as ResultsFile;
    const saved = readFileSync(current.resultsPath);
    crafted.dataset.root = '/';
    crafted.train[0].source.path = 'etc/passwd';
    writeFileSync(current.resultsPath, JSON.stringify(crafted));
    try {
      const result = await vscode.commands.executeCommand<CommandResult>('influenceLens.openLastResults');
      assert.equal(result.kind, 'failed');
      assert.match(result.message ?? '', /were made for \/, not for .*animals\.csv; re-run the analysis/);
      assert.notEqual(api.current()?.results.dataset.root, '/');
    } finally {
      writeFileSync(current.resultsPath, saved);
    }
  });
});
