/**
 * Component tests of the review panel in headless Chromium: each view is
 * rendered from a fixture results file through the shipped bundle and the
 * extension's own host-side code, then clicked and typed at; assertions are
 * on the DOM and on the messages the page sent to the host.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Frame } from 'playwright-core';
import { HOSTILE_LABEL, HOSTILE_VALUES, makeFixture } from './fixtures';
import { eventually, launch, PanelUnderTest } from './harness';

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A panel on a fixture, switched to a tab whose list has rows. */
async function openTab(results: ReturnType<typeof makeFixture>, tab: string): Promise<{ p: PanelUnderTest; f: Frame }> {
  const p = await PanelUnderTest.open(browser, results);
  const f = p.frame();
  await f.getByRole('tab', { name: tab }).click();
  await f.locator('[role=option][data-id]').first().waitFor();
  return { p, f };
}

/** The ids of the rows in the DOM, in order. */
function shownIds(f: Frame): Promise<number[]> {
  return f.locator('[role=option][data-id]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-id'))));
}

async function cleanPage(p: PanelUnderTest): Promise<void> {
  assert.deepEqual(p.consoleErrors, [], 'no errors in the page console');
  assert.deepEqual(await p.cspViolations(), [], 'no Content-Security-Policy violations');
  assert.deepEqual(p.rejected, [], 'every message the page sent passes the protocol check');
}

test(
  'overview: summary, estimated errors, trust badge with its sentence, ' +
    'the histogram, and the scatter plot one click away',
  async () => {
    const results = makeFixture({ nTrain: 400, nTest: 40, reliability: true });
    const p = await PanelUnderTest.open(browser, results);
    const f = p.frame();
    await f.getByText('Influence Lens — pets').waitFor();
    assert.equal(await f.locator('[data-role=estimated]').innerText(), '20');
    assert.match(
      await f.locator('[data-role=trust]').innerText(),
      /trust: high \(r 0\.93; whole network retrained, 40 removals × 2 test samples\)/,
    );
    assert.match(await f.locator('[data-role=trust-sentence]').innerText(), /Pearson 0\.93 \(Spearman 0\.90\)/);
    // The histogram is drawn: its canvas has painted pixels, and the bins it was given sum to every training sample.
    const painted = await f.locator('il-histogram canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });
    assert.ok(painted > 1000, `histogram painted ${painted} pixels`);
    const counts = await f.locator('il-histogram').evaluate((h) => (h as unknown as { counts: number[] }).counts);
    assert.equal(
      counts.reduce((a, b) => a + b, 0),
      400,
    );
    await f.locator('[data-role=trust]').click();
    await f.locator('dialog il-scatter canvas').waitFor();
    assert.equal(
      await f.locator('il-scatter').evaluate((s) => (s as unknown as { pairs: unknown[] }).pairs.length),
      40,
    );
    await f.getByRole('button', { name: 'Close' }).click();
    await f.locator('dialog[open]').waitFor({ state: 'detached' });
    await cleanPage(p);
    await p.close();
  },
);

test('overview without a reliability check says so and offers to run it', async () => {
  const p = await PanelUnderTest.open(browser, makeFixture({ nTrain: 50, nTest: 10 }));
  const f = p.frame();
  assert.match(await f.locator('[data-role=trust]').innerText(), /not checked/);
  await f.getByRole('button', { name: 'Run the reliability check' }).click();
  await eventually('a checkReliability message', () => p.sentOf('checkReliability').length === 1);
  await p.close();
});

test('suspects: most suspicious first, thumbnails from the dataset, given → suggested, and the count', async () => {
  const results = makeFixture({ nTrain: 300, nTest: 20 });
  const { p, f } = await openTab(results, 'Suspected mislabels');
  const ids = await f
    .locator('[role=option][data-id]')
    .evaluateAll((rows) => rows.slice(0, 5).map((r) => Number(r.getAttribute('data-id'))));
  assert.deepEqual(
    ids,
    results.train.slice(0, 5).map((t) => t.id),
  );
  const first = f.locator('[role=option][data-id]').first();
  assert.equal(
    await first.locator('img.thumb').getAttribute('src'),
    `https://panel.test/data/${results.train[0].source.path}`,
  );
  assert.match(
    await first.innerText(),
    new RegExp(`given ${results.train[0].label} → suggested ${results.train[0].suggestedLabel}`),
  );
  assert.equal(await f.locator('[data-role=count]').innerText(), '300 of 300 samples');
  await cleanPage(p);
  await p.close();
});

test('suspects: filters and sort go to the host as a query, and the list shows what it answers', async () => {
  const results = makeFixture({ nTrain: 300, nTest: 20 });
  const { p, f } = await openTab(results, 'Suspected mislabels');
  await f.locator('[data-role=filter-label]').selectOption('dog');
  await f.locator('[data-role=sort]').selectOption('loss');
  await eventually(
    'the dog rows sorted by loss',
    async () => (await f.locator('[data-role=count]').innerText()) === '100 of 300 samples',
  );
  const last = p.sentOf('queryRows').at(-1)!;
  assert.deepEqual(last.query, { list: 'suspects', sort: 'loss', label: 'dog' });
  const shown = await shownIds(f);
  const expected = results.train
    .filter((t) => t.label === 'dog')
    .sort((a, b) => b.loss - a.loss)
    .map((t) => t.id);
  assert.deepEqual(shown, expected.slice(0, shown.length));
  await f.locator('[data-role=filter-likely]').check();
  await eventually(
    'only the estimated errors',
    async () =>
      /^\d+ of 300 samples$/.test(await f.locator('[data-role=count]').innerText()) &&
      p.sentOf('queryRows').at(-1)!.query.likelyOnly === true,
  );
  await p.close();
});

test('a cell of the given × suggested view filters the list to that pair', async () => {
  const results = makeFixture({ nTrain: 300, nTest: 20 });
  const p = await PanelUnderTest.open(browser, results);
  const f = p.frame();
  await f.getByRole('tab', { name: 'Suspected mislabels' }).click();
  await f.getByRole('button', { name: 'show given × suggested' }).click();
  const pair = results.train.filter((t) => t.label === 'cat' && t.suggestedLabel === 'dog');
  assert.ok(pair.length > 0);
  await f.getByRole('button', { name: `${pair.length} samples labeled cat, suggested dog` }).click();
  await eventually(
    'the pair filter',
    async () => (await f.locator('[data-role=count]').innerText()) === `${pair.length} of 300 samples`,
  );
  const shown = await shownIds(f);
  assert.deepEqual(
    shown,
    pair.map((t) => t.id),
  );
  await p.close();
});

test('keyboard review: j/k move, x dismisses, c confirms, r opens the ranked picker, o opens the file', async () => {
  const results = makeFixture({ nTrain: 200, nTest: 20 });
  const { p, f } = await openTab(results, 'Suspected mislabels');
  await f.locator('[role=listbox]').focus();
  await p.page.keyboard.press('j');
  await p.page.keyboard.press('j');
  await p.page.keyboard.press('k');
  assert.equal(await f.locator('[role=listbox]').getAttribute('aria-activedescendant'), 'suspects-row-1');
  const second = results.train[1];
  // The controls inside a row are for the mouse: Tab leaves the list instead of walking through every row's buttons.
  await p.page.keyboard.press('Tab');
  const focusInList = await f.locator('[role=listbox]').evaluate((el) => {
    const root = el.getRootNode();
    return root instanceof ShadowRoot && el.contains(root.activeElement);
  });
  assert.equal(focusInList, false);
  await f.locator('[role=listbox]').focus();
  await p.page.keyboard.press('x');
  await eventually('a dismissal', () => p.sentOf('setReview').length === 1);
  assert.deepEqual(p.sentOf('setReview')[0], { type: 'setReview', ids: [second.id], state: 'notIssue' });
  // The host answers with the new review states; the row shows it.
  await f.locator(`[data-id="${second.id}"] [data-role=review]`, { hasText: 'not an issue' }).waitFor();
  await p.page.keyboard.press('c');
  await eventually('a confirmation', () => p.sentOf('setReview').length === 2);
  assert.equal(p.sentOf('setReview')[1].state, 'confirmed');
  await p.page.keyboard.press('o');
  await eventually('an open request', () => p.sentOf('openSample').length === 1);
  assert.deepEqual(p.sentOf('openSample')[0], { type: 'openSample', split: 'train', id: second.id });
  // r: the picker lists the out-of-sample ranking first (without the current label), Enter picks the focused one.
  await p.page.keyboard.press('r');
  const choices = f.locator('il-relabel-picker button.choice');
  await choices.first().waitFor();
  const offered = await choices.evaluateAll((b) => b.map((x) => x.getAttribute('data-label')));
  const ranked = second.rankedLabels!.map((r) => r.label).filter((l) => l !== second.label);
  assert.deepEqual(offered.slice(0, ranked.length), ranked);
  assert.ok(!offered.includes(second.label), 'the current label is not offered');
  await p.page.keyboard.press('ArrowDown');
  await p.page.keyboard.press('Enter');
  await eventually('a relabel', () => p.sentOf('relabel').length === 1);
  assert.deepEqual(p.sentOf('relabel')[0], { type: 'relabel', split: 'train', ids: [second.id], label: offered[1] });
  await cleanPage(p);
  await p.close();
});

test('bulk: select rows with space and checkboxes, then act on all of them at once', async () => {
  const results = makeFixture({ nTrain: 200, nTest: 20 });
  const { p, f } = await openTab(results, 'Suspected mislabels');
  await f.locator('[role=listbox]').focus();
  await p.page.keyboard.press(' ');
  await f.getByRole('checkbox', { name: `Select ${results.train[2].source.path}` }).check();
  assert.equal(await f.locator('[data-role=selected]').innerText(), '2 selected');
  await f.locator('vscode-button', { hasText: 'Confirmed' }).click();
  await eventually('a bulk review', () => p.sentOf('setReview').length === 1);
  assert.deepEqual(p.sentOf('setReview')[0].ids.sort(), [results.train[0].id, results.train[2].id].sort());
  await f.locator('vscode-button', { hasText: 'Relabel…' }).click();
  await f.locator('il-relabel-picker button.choice[data-label=fox]').click();
  await eventually('a bulk relabel', () => p.sentOf('relabel').length === 1);
  assert.deepEqual(
    { ...p.sentOf('relabel')[0], ids: p.sentOf('relabel')[0].ids.sort() },
    {
      type: 'relabel',
      split: 'train',
      ids: [results.train[0].id, results.train[2].id].sort(),
      label: 'fox',
    },
  );
  await p.page.keyboard.press('Escape');
  await p.close();
});

test(
  '100,000 suspects: the list keeps a few dozen rows in the DOM, asks ' +
    'only for the pages in view, and End reaches the last',
  async () => {
    const results = makeFixture({ nTrain: 100_000, nTest: 10 });
    const { p, f } = await openTab(results, 'Suspected mislabels');
    assert.equal(await f.locator('[data-role=count]').innerText(), '100000 of 100000 samples');
    const rendered = await f.locator('[role=option]').count();
    assert.ok(rendered < 80, `${rendered} rows in the DOM`);
    await f.locator('[role=listbox]').focus();
    await p.page.keyboard.press('End');
    const lastId = results.train.at(-1)!.id;
    await f.locator(`[role=option][data-id="${lastId}"]`).waitFor();
    assert.equal(await f.locator('[role=listbox]').getAttribute('aria-activedescendant'), 'suspects-row-99999');
    // A screen reader hears where it is in the whole list, not in the few rows that exist.
    const last = f.locator(`[role=option][data-id="${lastId}"]`);
    assert.equal(await last.getAttribute('aria-posinset'), '100000');
    assert.equal(await last.getAttribute('aria-setsize'), '100000');
    assert.match(
      (await last.getAttribute('aria-label'))!,
      new RegExp(`^${results.train.at(-1)!.source.path}, labeled \\w+`),
    );
    const asked = p.sentOf('queryRows').filter((m) => m.query.list === 'suspects');
    assert.ok(asked.length <= 6, `${asked.length} page requests`);
    assert.ok(asked.every((m) => m.count <= 100));
    assert.ok((await f.locator('[role=option]').count()) < 80);
    await cleanPage(p);
    await p.close();
  },
);

test(
  'influencers of a test sample: proponents and opponents side by side, ' +
    'the reason in one line, links that open files',
  async () => {
    const results = makeFixture({ nTrain: 200, nTest: 20 });
    const p = await PanelUnderTest.open(browser, results);
    const f = p.frame();
    await f.getByRole('tab', { name: 'Test samples' }).click();
    // Wrong predictions come first.
    const firstRow = f.locator('[role=option][data-id]').first();
    await firstRow.waitFor();
    const testId = Number(await firstRow.getAttribute('data-id'));
    const t = results.test[testId];
    assert.notEqual(t.label, t.predicted);
    await firstRow.getByRole('button', { name: /^Influencers of/ }).click();
    await f.locator('[data-role=why]').waitFor();
    assert.match(
      await f.locator('[data-role=why]').innerText(),
      new RegExp(
        `opponents (is|are) labeled ${t.predicted}: (it pulls|they pull) this ${t.label} toward ${t.predicted}`,
      ),
    );
    const proponents = f.locator('[data-role=proponents] li');
    assert.equal(await proponents.count(), t.proponents.length);
    assert.equal(await f.locator('[data-role=opponents] li').count(), t.opponents.length);
    const firstProponent = results.train.find((x) => x.id === t.proponents[0].train)!;
    assert.match(await proponents.first().innerText(), new RegExp(firstProponent.source.path));
    const [left, right] = await Promise.all([
      f.locator('[data-role=proponents]').boundingBox(),
      f.locator('[data-role=opponents]').boundingBox(),
    ]);
    assert.ok(left && right && right.x > left.x + 100 && Math.abs(right.y - left.y) < 5, 'side by side');
    await proponents.first().getByRole('button', { name: firstProponent.source.path }).click();
    await eventually('an open request', () => p.sentOf('openSample').length === 1);
    assert.deepEqual(p.sentOf('openSample')[0], { type: 'openSample', split: 'train', id: firstProponent.id });
    await cleanPage(p);
    await p.close();
  },
);

test(
  'dataset content shows as text, never as markup: labels, values and ' + 'warnings holding HTML and scripts',
  async () => {
    const results = makeFixture({ nTrain: 60, nTest: 10, hostile: true, format: 'csv' });
    const p = await PanelUnderTest.open(browser, results);
    const f = p.frame();
    await f.getByText(`class ${HOSTILE_LABEL} has one sample`).waitFor();
    await f.getByRole('tab', { name: 'Suspected mislabels' }).click();
    await f.getByText(HOSTILE_VALUES).first().waitFor();
    await f.getByRole('button', { name: 'show given × suggested' }).click();
    await f.getByRole('columnheader', { name: HOSTILE_LABEL }).waitFor();
    // A string: tsx would wrap the inner function in a helper the page lacks.
    const injected = await p.page.evaluate(`(() => {
    const found = [];
    const walk = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if ((el.tagName === 'IMG' && el.getAttribute('src') === 'x') || (el.tagName === 'SCRIPT' && !el.hasAttribute('nonce')) || el.tagName === 'B') found.push(el.outerHTML);
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    return { found, pwned: window.__pwned ?? null };
  })()`);
    assert.deepEqual(injected, { found: [], pwned: null });
    await cleanPage(p);
    await p.close();
  },
);

test(
  'stale results show a re-run banner; progress shows while an analysis ' + 'runs; a malformed host message is ignored',
  async () => {
    const p = await PanelUnderTest.open(browser, makeFixture({ nTrain: 50, nTest: 10 }));
    const f = p.frame();
    await f.getByText('Influence Lens — pets').waitFor();
    await p.send({ type: 'stale', stale: true });
    await f.locator('[data-role=stale]').waitFor();
    await f.locator('[data-role=stale] vscode-button').click();
    await eventually('a re-run request', () => p.sentOf('rerun').length === 1);
    await p.send({ type: 'progress', running: true, stage: 'train', done: 3, total: 8 });
    assert.match(await f.locator('[data-role=progress]').innerText(), /Analysis running: train 3\/8/);
    await p.send({ type: 'progress', running: false });
    await f.locator('[data-role=progress]').waitFor({ state: 'detached' });
    await p.send({ type: 'results', view: { datasetName: 42 } });
    await p.send({ type: 'nonsense' });
    await f.getByText('Influence Lens — pets').waitFor();
    await p.close();
  },
);

test(
  'where the user was survives a reload: the tab, the filter and the ' + 'focused row come back from the saved state',
  async () => {
    const results = makeFixture({ nTrain: 300, nTest: 20 });
    const p = await PanelUnderTest.open(browser, results);
    const f = p.frame();
    await f.getByRole('tab', { name: 'Suspected mislabels' }).click();
    await f.locator('[data-role=filter-label]').selectOption('fox');
    await eventually(
      'the fox rows',
      async () => (await f.locator('[data-role=count]').innerText()) === '100 of 300 samples',
    );
    await f.locator('[role=listbox]').focus();
    await p.page.keyboard.press('j');
    await eventually('the saved state', () => p.state?.suspectIndex === 1);
    assert.equal(p.state?.tab, 'suspects');
    assert.equal(p.state?.suspectQuery?.label, 'fox');
    await p.close();

    const again = await PanelUnderTest.open(browser, results, { state: p.state });
    const g = again.frame();
    await eventually(
      'the restored list',
      async () =>
        (await g.locator('[data-role=count]').count()) === 1 &&
        (await g.locator('[data-role=count]').innerText()) === '100 of 300 samples',
    );
    assert.equal(await g.locator('[data-role=filter-label]').inputValue(), 'fox');
    assert.equal(await g.locator('[role=listbox]').getAttribute('aria-activedescendant'), 'suspects-row-1');
    await again.close();
  },
);
