/// <reference types="mocha" />
/**
 * Image folders: analyze a folder of class folders, relabel an image (a move
 * into the other class folder, one WorkspaceEdit) and undo it with the
 * extension's "Undo last relabel".
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import * as vscode from 'vscode';
import type { ResultsFile } from '../../../src/compute/results/schema';
import type { InfluenceLensApi } from '../../../src/host/api';
import type { CommandResult } from '../../../src/host/commands';
import { activateApi, fixture, waitFor } from '../helpers';

/** 8×8 gray images: 'dark' ones around 40, 'light' ones around 210, with a little seeded noise. */
function writeImages(root: string): void {
  let seed = 3;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (const [label, level] of [
    ['dark', 40],
    ['light', 210],
  ] as const) {
    mkdirSync(path.join(root, label), { recursive: true });
    for (let i = 0; i < 12; i++) {
      const png = new PNG({ width: 8, height: 8 });
      for (let p = 0; p < 64; p++) {
        const v = Math.max(0, Math.min(255, Math.round(level + (rnd() - 0.5) * 60)));
        png.data.set([v, v, v, 255], p * 4);
      }
      writeFileSync(path.join(root, label, `${label}-${String(i).padStart(2, '0')}.png`), PNG.sync.write(png));
    }
  }
}

suite('Image folders', () => {
  let api: InfluenceLensApi;
  let root: string;
  let results: ResultsFile;

  suiteSetup(async () => {
    api = await activateApi();
    root = fixture('shades');
    writeImages(root);
  });

  test('analyzes a folder of class folders', async () => {
    const result = await vscode.commands.executeCommand<CommandResult>('influenceLens.analyze', vscode.Uri.file(root));
    assert.equal(result.kind, 'results', result.message);
    results = api.current()!.results;
    assert.equal(results.dataset.format, 'imagefolder');
    assert.deepEqual(results.dataset.classes, ['dark', 'light']);
    assert.equal(results.dataset.nTrain + results.dataset.nTest, 24);
    assert.ok(results.train.every((t) => t.source.path.startsWith(`${t.label}/`)));
  });

  test('relabeling an image moves it into the other class folder; "Undo last relabel" moves it back', async () => {
    const sample = results.train.find((t) => t.label === 'dark')!;
    const from = path.join(root, ...sample.source.path.split('/'));
    const to = path.join(root, 'light', path.basename(from));
    const outcome = await api.relabel('train', [sample.id], 'light', { confirm: false });
    assert.equal(outcome.applied, 1);
    assert.equal(existsSync(from), false);
    assert.equal(existsSync(to), true);
    await waitFor('the results to be marked stale', () => api.current()?.stale === true, 10_000);
    // A file move is not on any undo stack an extension can reach: the extension's own undo reverts it.
    const undone = await vscode.commands.executeCommand<CommandResult>('influenceLens.undoRelabel');
    assert.equal(undone.kind, 'done');
    await waitFor('the image to be back in its folder', () => existsSync(from) && !existsSync(to), 10_000);
    await waitFor('the results to be fresh again', () => api.current()?.stale === false, 10_000);
  });

  test(
    'after an image relabel its row shows the new path, the "relabeled" tag ' +
      'and its thumbnail, and opens; a re-show keeps it; undo brings it all ' +
      'back',
    async () => {
      const sample = results.train.find((t) => t.label === 'dark')!;
      const from = path.join(root, ...sample.source.path.split('/'));
      const to = path.join(root, 'light', path.basename(from));
      const moved = `light/${path.basename(from)}`;
      const rowOf = () =>
        api.rows({ list: 'suspects', sort: 'suspicion' }, 0, 100)!.rows.find((r) => r.id === sample.id)!;
      assert.equal(rowOf().where, sample.source.path);
      assert.ok(rowOf().thumbnail?.endsWith(`/${sample.source.path}`), rowOf().thumbnail);

      const outcome = await api.relabel('train', [sample.id], 'light', { confirm: false });
      assert.equal(outcome.applied, 1);
      assert.ok(existsSync(to));
      let row = rowOf();
      assert.equal(row.where, moved);
      assert.equal(row.review, 'relabeled');
      assert.ok(row.thumbnail?.endsWith(`/${moved}`), `thumbnail from the new path: ${row.thumbnail}`);

      // "open" goes to the file where it is now (it failed at the old path: "An error occurred while loading the
      // image").
      await api.postFromWebview({ type: 'openSample', split: 'train', id: sample.id });
      await waitFor(
        'the moved image to open',
        () =>
          (vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined)?.uri?.fsPath ===
          to,
        10_000,
      );
      assert.equal(
        api.messages().filter((m) => m.severity === 'error' && m.text.includes(path.basename(from))).length,
        0,
      );

      // Shown again from the cache (as after a window reload): the mapping comes back from the workspace state.
      const reopened = await vscode.commands.executeCommand<CommandResult>('influenceLens.openLastResults');
      assert.equal(reopened.kind, 'done');
      row = rowOf();
      assert.equal(row.where, moved);
      assert.equal(row.review, 'relabeled');

      const undone = await vscode.commands.executeCommand<CommandResult>('influenceLens.undoRelabel');
      assert.equal(undone.kind, 'done');
      await waitFor('the image to be back in its folder', () => existsSync(from) && !existsSync(to), 10_000);
      row = rowOf();
      assert.equal(row.where, sample.source.path);
      assert.equal(row.review, undefined);
      assert.ok(row.thumbnail?.endsWith(`/${sample.source.path}`), row.thumbnail);
      await waitFor('the results to be fresh again', () => api.current()?.stale === false, 10_000);
    },
  );

  test(
    'a bulk relabel that cannot finish changes nothing and names the file: ' + 'an occupied target, a vanished image',
    async () => {
      const dark = results.train.filter((t) => t.label === 'dark').slice(0, 3);
      assert.equal(dark.length, 3);
      const abs = (t: (typeof dark)[number]) => path.join(root, ...t.source.path.split('/'));
      // The second image's name is taken in light/.
      const blocker = path.join(root, 'light', path.basename(abs(dark[1])));
      writeFileSync(blocker, 'not an image');
      try {
        const outcome = await api.relabel(
          'train',
          dark.map((t) => t.id),
          'light',
          { confirm: false },
        );
        assert.equal(outcome.applied, 0);
        assert.equal(outcome.failure, `light/${path.basename(abs(dark[1]))} already exists`);
        for (const t of dark) assert.ok(existsSync(abs(t)), `${t.source.path} is where it was`);
        assert.equal(readFileSync(blocker, 'utf8'), 'not an image');
        assert.match(
          api
            .messages()
            .filter((m) => m.severity === 'error')
            .at(-1)!.text,
          /nothing relabeled: light\/.* already exists/,
        );
      } finally {
        rmSync(blocker);
      }
      // The third image was deleted after the analysis.
      const kept = readFileSync(abs(dark[2]));
      rmSync(abs(dark[2]));
      try {
        const outcome = await api.relabel(
          'train',
          dark.map((t) => t.id),
          'light',
          { confirm: false },
        );
        assert.equal(outcome.applied, 0);
        assert.equal(outcome.failure, `${dark[2].source.path} no longer exists`);
        assert.ok(existsSync(abs(dark[0])) && existsSync(abs(dark[1])));
        assert.equal(
          readdirSync(path.join(root, 'light')).filter((f) => dark.some((t) => path.basename(abs(t)) === f)).length,
          0,
        );
      } finally {
        writeFileSync(abs(dark[2]), kept);
      }
    },
  );
});
