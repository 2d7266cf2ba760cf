/**
 * Component tests for issue 13 item 4: the detail pane shows the whole
 * record of the focused row — every column with its value (the free-text
 * note in full, where the row cuts it), the out-of-sample probability of
 * each class, the signals behind the suspicion and the sample's own
 * influencers — and follows the focus; image datasets get a large preview
 * and a gallery of thumbnails for visual triage.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { makeFixture } from './fixtures';
import { eventually, launch, NOTE, PanelUnderTest } from './harness';

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test(
  'the detail pane shows every column of the focused record, the whole ' +
    'note, each class probability, the signals and its influencers; it ' +
    'follows j',
  async () => {
    const results = makeFixture({ nTrain: 80, nTest: 12, format: 'csv' });
    const p = await PanelUnderTest.open(browser, results, { viewport: { width: 1150, height: 800 } });
    const f = p.frame();
    await f.locator('vscode-tab-header[data-tab=suspects]').click();
    await f.locator('[role=option][data-id]').first().waitFor();
    if (!(await f.locator('[data-role=toggle-detail]').isChecked()))
      await f.locator('[data-role=toggle-detail]').check();
    const first = results.train[0];
    const fields = f.locator('[data-role=fields]');
    await eventually(
      'the first record in the pane',
      async () => (await fields.count()) === 1 && (await fields.innerText()).includes(`${NOTE} ${first.id}`),
    );
    const names = await fields.locator('dt').allInnerTexts();
    assert.deepEqual(names, ['x', 'y', 'note', 'label'], 'every column, in the file order');
    const values = await fields.locator('dd').allInnerTexts();
    assert.equal(values[2], `${NOTE} ${first.id}`, 'the note in full');
    assert.equal(values[3], first.label);
    // Each class with its out-of-sample probability, the given one marked.
    const probs = await f.locator('[data-role=probabilities] tr').allInnerTexts();
    assert.equal(probs.length, 3);
    assert.ok(probs.some((r) => r.includes(`${first.label} (given)`)));
    for (const r of first.rankedLabels!)
      assert.ok(
        probs.some((row) => row.includes(r.label) && row.includes(r.probability.toFixed(2))),
        `${r.label} ${r.probability.toFixed(2)}`,
      );
    // The three signals and their weights.
    const signals = await f.locator('[data-role=signals] tr').allInnerTexts();
    assert.equal(signals.length, 4);
    assert.match(signals[1], /out-of-sample margin.*0\.50/s);
    assert.match(signals[2], /training loss.*0\.25/s);
    assert.match(signals[3], /self-influence.*0\.25/s);
    // What they add up to: the fixture has no duplicate conflicts, so the weighted mean, with the sample's score.
    const note = await f.locator('[data-role=suspicion-note]').innerText();
    assert.match(note, new RegExp(`The suspicion \\(${first.suspicion.toFixed(2)}\\) is the weighted mean`));
    // Its influencers: the test samples it supports / pulls away, as links.
    const helped = results.test.filter(
      (t) => t.proponents.some((e) => e.train === first.id) || t.opponents.some((e) => e.train === first.id),
    );
    const linked = await f
      .locator('[data-role=detail-proponents] .where, [data-role=detail-opponents] .where')
      .allInnerTexts();
    assert.equal(linked.length > 0, helped.length > 0);

    // j moves the focus; the pane follows.
    await f.locator('[role=listbox]').focus();
    await f.locator('[role=listbox]').press('j');
    const second = results.train[1];
    await eventually('the second record in the pane', async () =>
      (await fields.innerText()).includes(`${NOTE} ${second.id}`),
    );
    assert.deepEqual(p.rejected, []);
    assert.deepEqual(p.consoleErrors, []);
    assert.deepEqual(await p.cspViolations(), []);
    await p.close();
  },
);

test('a test sample in the detail pane lists its strongest proponents and opponents', async () => {
  const results = makeFixture({ nTrain: 60, nTest: 12, format: 'csv' });
  const p = await PanelUnderTest.open(browser, results, { viewport: { width: 1150, height: 800 } });
  const f = p.frame();
  await f.locator('vscode-tab-header[data-tab=tests]').click();
  await f.locator('[role=option][data-id]').first().waitFor();
  if (!(await f.locator('[data-role=toggle-detail]').isChecked())) await f.locator('[data-role=toggle-detail]').check();
  await f.locator('[data-role=detail-proponents]').waitFor();
  const shown = await f.locator('[data-role=detail-proponents] .where').allInnerTexts();
  const first = await f.locator('[role=option][data-id]').first().getAttribute('data-id');
  const focused = results.test.find((x) => x.id === Number(first))!;
  const expected = focused.proponents
    .slice(0, 5)
    .map((e) => `train.csv:${results.train.find((r) => r.id === e.train)!.source.line}`);
  assert.deepEqual(shown, expected);
  await p.close();
});

test(
  'images: the pane shows the image large; the gallery lays thumbnails ' + 'out in a grid that the arrow keys walk',
  async () => {
    const results = makeFixture({ nTrain: 120, nTest: 10, format: 'imagefolder' });
    const p = await PanelUnderTest.open(browser, results, { viewport: { width: 1150, height: 800 } });
    const f = p.frame();
    await f.locator('vscode-tab-header[data-tab=suspects]').click();
    await f.locator('[role=option][data-id]').first().waitFor();
    if (!(await f.locator('[data-role=toggle-detail]').isChecked()))
      await f.locator('[data-role=toggle-detail]').check();
    const image = f.locator('[data-role=detail-image]');
    await image.waitFor();
    assert.equal(await image.getAttribute('src'), `https://panel.test/data/${results.train[0].source.path}`);
    assert.ok((await image.boundingBox())!.width >= 200, 'a large preview');

    await f.locator('[data-role=gallery]').check();
    await f.locator('.tile').first().waitFor();
    const tiles = f.locator('[role=option][data-id]');
    const boxes = await Promise.all([0, 1, 2].map(async (i) => (await tiles.nth(i).boundingBox())!));
    assert.equal(boxes[0].y, boxes[1].y, 'tiles share a line');
    assert.ok(boxes[1].x > boxes[0].x + boxes[0].width - 1, 'side by side');
    assert.equal(
      await tiles.first().locator('img.tile-image').getAttribute('src'),
      `https://panel.test/data/${results.train[0].source.path}`,
    );
    const columns = await tiles.evaluateAll((els) => {
      const y0 = els[0].getBoundingClientRect().y;
      return els.filter((e) => Math.abs(e.getBoundingClientRect().y - y0) < 1).length;
    });
    assert.ok(columns >= 3, `${columns} tiles per line`);
    await f.locator('[role=listbox]').focus();
    await f.locator('[role=listbox]').press('ArrowRight');
    await eventually(
      'the second tile focused',
      async () => (await f.locator('.tile.active').getAttribute('data-id')) === String(results.train[1].id),
    );
    await f.locator('[role=listbox]').press('ArrowDown');
    await eventually(
      'one line down',
      async () => (await f.locator('.tile.active').getAttribute('data-id')) === String(results.train[1 + columns].id),
    );
    // The pane follows the tile.
    await eventually(
      'the pane shows that image',
      async () =>
        (await image.getAttribute('src')) === `https://panel.test/data/${results.train[1 + columns].source.path}`,
    );
    // Space selects in the gallery too.
    await f.locator('[role=listbox]').press(' ');
    await eventually('1 selected', async () =>
      (await f.locator('[data-role=selected]').innerText()).startsWith('1 selected'),
    );
    assert.deepEqual(p.consoleErrors, []);
    assert.deepEqual(await p.cspViolations(), []);
    await p.close();
  },
);
