/// <reference types="mocha" />
/**
 * "Explain this prediction" while the results panel sits behind the CSV's
 * editor in the same group: the explanation must be seen, so the panel
 * comes to the front (beside the editor, which stays in view). Before, the
 * message went to a hidden page and nothing visible happened.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ResultsFile } from '../../../src/compute/results/schema';
import type { CommandResult } from '../../../src/host/commands';
import { activateApi, fixture, waitFor } from '../helpers';

function panelTab(): vscode.Tab | undefined {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('influenceLens.results'));
}

suite('The results panel', () => {
  test('"Explain this prediction" brings the panel to the front when it sits behind the editor', async () => {
    await activateApi();
    const csv = fixture('animals.csv');
    const result = await vscode.commands.executeCommand<CommandResult>('influenceLens.analyze', vscode.Uri.file(csv));
    assert.equal(result.kind, 'results', result.message);
    const results = JSON.parse(readFileSync(result.resultsPath!, 'utf8')) as ResultsFile;
    const tab = await waitFor('the results panel tab', panelTab);

    // The CSV opens in the panel's own group, on top of it.
    const doc = await vscode.workspace.openTextDocument(csv);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: tab.group.viewColumn, preview: false });
    await waitFor(
      'the panel behind the editor',
      () => panelTab()?.isActive === false && panelTab()!.group.viewColumn === editor.viewColumn,
    );

    const sample = results.test[0];
    const pos = new vscode.Position(sample.source.line! - 1, 0);
    editor.selection = new vscode.Selection(pos, pos);
    const explained = await vscode.commands.executeCommand<{ kind: string; id: number }>('influenceLens.explain');
    assert.equal(explained.kind, 'explained');
    assert.equal(explained.id, sample.id);

    await waitFor('the panel in front', () => panelTab()?.isActive === true, 10_000);
    assert.ok(
      vscode.window.visibleTextEditors.some((e) => e.document.uri.fsPath === csv),
      'the CSV stays in view beside the panel',
    );
  });
});
