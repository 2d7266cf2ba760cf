/// <reference types="mocha" />
/**
 * Restricted Mode (run in its own code-server session with workspace trust
 * on, so the fresh workspace is untrusted): every command that would train a
 * model over the workspace's files or edit them explains itself and does
 * nothing — no process, no results, no file written.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { InfluenceLensApi } from '../../../src/host/api';
import type { CommandResult } from '../../../src/host/commands';
import { activateApi, fixture } from '../helpers';

suite('Restricted Mode (an untrusted workspace)', () => {
  let api: InfluenceLensApi;

  suiteSetup(async () => {
    api = await activateApi();
  });

  test('the workspace is untrusted, and the extension is active in it (untrustedWorkspaces: limited)', () => {
    assert.equal(vscode.workspace.isTrusted, false);
    assert.ok(vscode.extensions.getExtension('influence-lens.influence-lens')?.isActive);
  });

  test('analyze, re-run and the reliability check explain themselves and start nothing', async () => {
    const csv = fixture('animals.csv');
    const before = readFileSync(csv, 'utf8');
    const results = [
      await vscode.commands.executeCommand<CommandResult>('influenceLens.analyze', vscode.Uri.file(csv)),
      await vscode.commands.executeCommand<CommandResult>('influenceLens.rerun', csv),
      await vscode.commands.executeCommand<CommandResult>('influenceLens.checkReliability', csv),
    ];
    assert.deepEqual(
      results.map((r) => r.kind),
      ['untrusted', 'untrusted', 'untrusted'],
    );
    const warning = api
      .messages()
      .filter((m) => m.severity === 'warning')
      .at(-1);
    assert.match(
      warning?.text ?? '',
      /disabled in Restricted Mode: it trains a model in a separate process over this workspace's files and can edit them/,
    );
    assert.deepEqual(warning?.actions, ['Manage Workspace Trust']);
    assert.deepEqual(api.running(), []);
    assert.equal(api.current(), undefined);
    assert.ok(!existsSync(api.cacheDir) || readdirSync(api.cacheDir).length === 0, 'no results written');
    assert.equal(readFileSync(csv, 'utf8'), before);
  });
});
