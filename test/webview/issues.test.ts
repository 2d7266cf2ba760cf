/**
 * The Issues tab in headless Chromium (issue 17): counts per kind that open
 * the filtered list, duplicate sets side by side with "Open both", the
 * harmful samples with the remove-and-retrain check (before, predicted and
 * actual), and results without a report saying so.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { makeFixture } from './fixtures';
import { eventually, launch, PanelUnderTest } from './harness';

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function clean(p: PanelUnderTest): Promise<void> {
  assert.deepEqual(p.consoleErrors, [], 'no errors in the page console');
  assert.deepEqual(await p.cspViolations(), [], 'no Content-Security-Policy violations');
  assert.deepEqual(p.rejected, [], 'every message the page sent passes the protocol check');
}

test('issues: counts per kind, duplicate sets side by side with open both, the removal check as a button', async () => {
  const results = makeFixture({ nTrain: 60, nTest: 10, issues: true });
  const p = await PanelUnderTest.open(browser, results);
  const f = p.frame();
  await f.getByRole('tab', { name: 'Issues' }).click();
  await f.locator('[data-kind=leakage]').waitFor();
  assert.match(await f.locator('[data-kind=leakage]').innerText(), /^1\s*test samples leaked from train/);
  // Two sets, the leaked pair first; thumbnails of both members; "Open both" asks for both samples.
  const sets = f.locator('il-duplicate-set');
  assert.equal(await sets.count(), 2);
  assert.match(await sets.nth(0).locator('[data-role=set-kind]').innerText(), /exact copies · train\/test leakage/);
  assert.equal(await sets.nth(0).locator('img.thumb').count(), 2);
  assert.match(await sets.nth(1).locator('[data-role=set-kind]').innerText(), /near-duplicates · different labels/);
  await sets.nth(0).locator('[data-role=open-both]').click();
  await eventually('an openSamples message', () => p.sentOf('openSamples').length === 1);
  assert.deepEqual(p.sentOf('openSamples')[0].samples, [
    { split: 'train', id: 3 },
    { split: 'test', id: 0 },
  ]);
  // The check: before / predicted / actual, and the button sends k (default 1% of 60 = 1; the user types 4).
  assert.match(await f.locator('[data-role=removal]').innerText(), /mean test loss\s+0\.5000\s+0\.4900\s+0\.4920/);
  await f.locator('[data-role=remove-count]').fill('4');
  await f.locator('[data-role=remove-count]').dispatchEvent('change');
  await f.locator('[data-role=remove-harmful]').click();
  await eventually('a removeHarmful message', () => p.sentOf('removeHarmful').length === 1);
  assert.equal(p.sentOf('removeHarmful')[0].count, 4);
  await clean(p);
  await p.close();
});

test('issues: a count opens its list filtered by that kind; the kind filter stays in the list', async () => {
  const results = makeFixture({ nTrain: 60, nTest: 10, issues: true });
  const p = await PanelUnderTest.open(browser, results);
  const f = p.frame();
  await f.getByRole('tab', { name: 'Issues' }).click();
  await f.locator('[data-kind=labelConflict]').click();
  await eventually(
    'the two conflicting samples',
    async () =>
      (await f
        .locator('[data-role=count]')
        .innerText()
        .catch(() => '')) === '2 of 60 samples',
  );
  assert.deepEqual(p.sentOf('queryRows').at(-1)!.query, {
    list: 'suspects',
    sort: 'suspicion',
    issue: 'labelConflict',
  });
  assert.equal(await f.locator('[data-role=filter-issue]').inputValue(), 'labelConflict');
  await clean(p);
  await p.close();
});

test('results without a data-issue report: the Issues tab says so and the lists offer no kind filter', async () => {
  const p = await PanelUnderTest.open(browser, makeFixture({ nTrain: 30, nTest: 5 }));
  const f = p.frame();
  await f.getByRole('tab', { name: 'Issues' }).click();
  await f.locator('[data-role=no-issues]').waitFor();
  await f.getByRole('tab', { name: 'Suspected mislabels' }).click();
  await f.locator('[role=option][data-id]').first().waitFor();
  assert.equal(await f.locator('[data-role=filter-issue]').count(), 0);
  await clean(p);
  await p.close();
});
