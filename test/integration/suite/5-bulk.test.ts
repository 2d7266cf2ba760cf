/// <reference types="mocha" />
/**
 * Issue 13 items 5 and 6 in a real extension host: samples opened from the
 * panel go to one group beside it (never a third group); accepting the
 * suggestions of 10 rows is one edit, each row to its own suggestion, and
 * one "Undo last relabel" gives the file back byte for byte; a bulk with a
 * record deleted since the analysis changes nothing and names the record.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { DelimitedReader } from '../../../src/compute/data/csvReader';
import type { ResultsFile, TrainRecord } from '../../../src/compute/results/schema';
import type { InfluenceLensApi } from '../../../src/host/api';
import type { CommandResult } from '../../../src/host/commands';
import { activateApi, fixture, readBytes, waitFor } from '../helpers';

/** 240 rows of three well-separated classes, every tenth label flipped to the next class. */
function bulkCsv(): string {
  let seed = 3;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const classes = ['red', 'green', 'blue'];
  const rows = ['x,y,label'];
  for (let i = 0; i < 240; i++) {
    const c = i % 3;
    const label = i % 10 === 7 ? classes[(c + 1) % 3] : classes[c];
    rows.push(`${(c * 4 + rnd()).toFixed(3)},${((c % 2) * 4 + rnd()).toFixed(3)},${label}`);
  }
  return `${rows.join('\n')}\n`;
}

/** The label of every record by its start line. */
function labelsByLine(text: string): Map<number, string> {
  const reader = new DelimitedReader(text, ',', 'bulk.csv');
  const out = new Map<number, string>();
  while (reader.next()) out.set(reader.startLine, reader.fields[2]);
  return out;
}

suite('Bulk review', () => {
  let api: InfluenceLensApi;
  let csv: string;
  let results: ResultsFile;
  let ten: TrainRecord[];

  suiteSetup(async () => {
    api = await activateApi();
    csv = fixture('bulk.csv');
    writeFileSync(csv, bulkCsv());
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const result = await vscode.commands.executeCommand<CommandResult>('influenceLens.analyze', vscode.Uri.file(csv));
    assert.equal(result.kind, 'results', result.message);
    results = JSON.parse(readFileSync(result.resultsPath!, 'utf8')) as ResultsFile;
    ten = results.train.filter((t) => t.suggestedLabel !== t.label).slice(0, 10);
    assert.equal(ten.length, 10, 'at least 10 rows with another label suggested');
  });

  test('samples opened from the panel go to one group beside it, never a third', async () => {
    for (const t of results.train.slice(0, 4)) {
      await api.postFromWebview({ type: 'openSample', split: 'train', id: t.id });
      await waitFor(
        `line ${t.source.line} selected`,
        () => vscode.window.activeTextEditor?.selection.start.line === t.source.line! - 1,
      );
    }
    assert.equal(
      vscode.window.tabGroups.all.length,
      2,
      `groups: ${vscode.window.tabGroups.all.map((g) => g.tabs.map((x) => x.label).join('|')).join(' / ')}`,
    );
  });

  test(
    'accepting the suggestions of 10 rows: one edit, each row to its own ' +
      'suggestion; one undo gives the file back byte for byte',
    async () => {
      const original = readBytes(csv);
      const outcome = await api.acceptSuggestions(
        ten.map((t) => t.id),
        { confirm: false },
      );
      assert.equal(outcome.applied, 10, JSON.stringify(outcome.problems));
      assert.ok(outcome.undo, 'one undo for the whole bulk');
      assert.equal(outcome.undo.samples.length, 10);
      const before = labelsByLine(original.toString('utf8'));
      const after = labelsByLine(readBytes(csv).toString('utf8'));
      const changed = [...before].filter(([line, label]) => after.get(line) !== label).map(([line]) => line);
      assert.deepEqual(
        changed.sort((a, b) => a - b),
        ten.map((t) => t.source.line!).sort((a, b) => a - b),
        'exactly the 10 records changed',
      );
      for (const t of ten)
        assert.equal(after.get(t.source.line!), t.suggestedLabel, `line ${t.source.line}: its own suggestion`);
      const rows = api.rows({ list: 'suspects', sort: 'suspicion', review: 'relabeled' }, 0, 50)!;
      assert.equal(rows.total, 10, 'the 10 rows are tagged relabeled');

      await api.postFromWebview({ type: 'undoRelabel' });
      await waitFor('the file back as it was', () => readBytes(csv).equals(original), 10_000);
      assert.equal(
        api.rows({ list: 'suspects', sort: 'suspicion', review: 'relabeled' }, 0, 50)!.total,
        0,
        'the tags are gone',
      );
      await waitFor('the results fresh again', () => api.current()?.stale === false, 10_000);
    },
  );

  test('a bulk with one record deleted since the analysis changes nothing and names that record', async () => {
    const original = readBytes(csv);
    const text = original.toString('utf8');
    const lines = text.split('\n');
    const gone = ten[4];
    // A line inserted at the top (every record moves down) and one of the ten removed.
    const edited = [lines[0], '1.000,1.000,red', ...lines.slice(1).filter((_, i) => i + 2 !== gone.source.line)].join(
      '\n',
    );
    writeFileSync(csv, edited);
    try {
      await waitFor('the results to be marked stale', () => api.current()?.stale === true, 10_000);
      const outcome = await api.acceptSuggestions(
        ten.map((t) => t.id),
        { confirm: false },
      );
      assert.equal(outcome.applied, 0);
      assert.equal(outcome.undo, undefined);
      assert.deepEqual(
        outcome.refused?.map((r) => r.record.id),
        [gone.id],
      );
      assert.match(outcome.refused![0].reason, /no longer in the file as analyzed/);
      assert.equal(readBytes(csv).toString('utf8'), edited, 'not one byte changed');
      const shown = api.messages().at(-1);
      assert.match(
        shown?.text ?? '',
        new RegExp(`nothing relabeled: 1 of the 10 .*bulk\\.csv:${gone.source.line}: the record`, 's'),
      );
    } finally {
      writeFileSync(csv, original);
    }
  });

  test('two relabels sent at once land one after the other; an undo after a line added above is refused', async () => {
    const original = readBytes(csv);
    const [a, b] = ten;
    try {
      // Labels longer than the old ones: planned on the same text, the second edit would land off by the first's
      // change of length.
      const [first, second] = await Promise.all([
        api.relabel('train', [a.id], 'magenta', { confirm: false }),
        api.relabel('train', [b.id], 'turquoise', { confirm: false }),
      ]);
      assert.equal(first.applied, 1, JSON.stringify(first));
      assert.equal(second.applied, 1, JSON.stringify(second));
      const text = readBytes(csv).toString('utf8');
      const before = labelsByLine(original.toString('utf8'));
      const after = labelsByLine(text);
      const changed = [...before].filter(([line, label]) => after.get(line) !== label).map(([line]) => line);
      assert.deepEqual(
        changed.sort((x, y) => x - y),
        [a.source.line!, b.source.line!].sort((x, y) => x - y),
      );
      assert.equal(after.get(a.source.line!), 'magenta');
      assert.equal(after.get(b.source.line!), 'turquoise');
      assert.ok(
        text.split('\n').every((line) => line === '' || line.split(',').length === 3),
        'every row keeps its 3 fields',
      );

      // A line added at the top: the undo's offsets now point one record up, so it must refuse.
      const lines = text.split('\n');
      const shifted = [lines[0], '1.000,1.000,red', ...lines.slice(1)].join('\n');
      writeFileSync(csv, shifted);
      await api.postFromWebview({ type: 'undoRelabel' });
      await waitFor('the undo refused', () =>
        /not undone: .*changed since the relabel/.test(api.messages().at(-1)?.text ?? ''),
      );
      assert.equal(readBytes(csv).toString('utf8'), shifted, 'not one byte changed');
    } finally {
      writeFileSync(csv, original);
    }
  });
});
