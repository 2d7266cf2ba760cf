/**
 * Component tests for issue 13 item 6: select all (within the filter),
 * range selection by shift-click and by shift with the keys, and "accept
 * the suggestions" of a selection as one request, each row to its own
 * suggestion (the host turns it into one edit with one undo); a bulk the
 * host refuses lists the refused rows, and they can be deselected.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Frame } from 'playwright-core';
import { makeFixture } from './fixtures';
import { eventually, launch, PanelUnderTest } from './harness';

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function suspects(results: ReturnType<typeof makeFixture>): Promise<{ p: PanelUnderTest; f: Frame }> {
  const p = await PanelUnderTest.open(browser, results);
  const f = p.frame();
  await f.getByRole('tab', { name: 'Suspected mislabels' }).click();
  await f.locator('[role=option][data-id]').first().waitFor();
  return { p, f };
}

const selectedText = (f: Frame) => f.locator('[data-role=selected]').innerText();

async function cleanPage(p: PanelUnderTest): Promise<void> {
  assert.deepEqual(p.consoleErrors, [], 'no errors in the page console');
  assert.deepEqual(await p.cspViolations(), [], 'no Content-Security-Policy violations');
  assert.deepEqual(p.rejected, [], 'every message the page sent passes the protocol check');
}

test(
  'select all selects every row the filter shows — also the rows not ' +
    'loaded yet — and accept sends them all in one request',
  async () => {
    const results = makeFixture({ nTrain: 900, nTest: 20 });
    const { p, f } = await suspects(results);
    await f.locator('[data-role=filter-label]').selectOption('dog');
    await eventually(
      'the dog filter',
      async () => (await f.locator('[data-role=count]').innerText()) === '300 of 900 samples',
    );
    await f.locator('[data-role=select-all]').click();
    await eventually('300 selected', async () => (await selectedText(f)).startsWith('300 selected'));
    await f.locator('[data-role=accept]').click();
    await eventually('an acceptSuggestions message', () => p.sentOf('acceptSuggestions').length === 1);
    const ids = p.sentOf('acceptSuggestions')[0].ids;
    const dogs = results.train.filter((t) => t.label === 'dog').map((t) => t.id);
    assert.deepEqual(
      [...ids].sort((a, b) => a - b),
      [...dogs].sort((a, b) => a - b),
      'exactly the filtered rows, the 200 beyond the loaded pages included',
    );
    assert.equal(p.sentOf('relabel').length, 0, 'no one-label relabel');
    // "Relabel…" on the same selection reaches every selected row too, not only the loaded ones.
    await f.locator('[aria-label="Actions on the selection"] vscode-button', { hasText: 'Relabel…' }).click();
    await f.locator('il-relabel-picker button.choice[data-label=fox]').click();
    await eventually('a relabel message', () => p.sentOf('relabel').length === 1);
    assert.equal(p.sentOf('relabel')[0].ids.length, 300);
    await cleanPage(p);
    await p.close();
  },
);

test('Ctrl+A in the list selects all within the filter; Esc clears', async () => {
  const results = makeFixture({ nTrain: 120, nTest: 10 });
  const { p, f } = await suspects(results);
  await f.locator('[role=listbox]').focus();
  await f.locator('[role=listbox]').press('Control+a');
  await eventually('120 selected', async () => (await selectedText(f)).startsWith('120 selected'));
  await f.locator('[role=listbox]').press('Escape');
  await eventually('0 selected', async () => (await selectedText(f)).startsWith('0 selected'));
  await p.close();
});

test('shift-click selects the range from the last clicked row, in the list order', async () => {
  const results = makeFixture({ nTrain: 200, nTest: 10 });
  const { p, f } = await suspects(results);
  const rows = f.locator('[role=option][data-id]');
  await rows.nth(2).locator('input[type=checkbox]').click();
  await rows.nth(7).click({ modifiers: ['Shift'] });
  await eventually('rows 2..7 selected', async () => (await selectedText(f)).startsWith('6 selected'));
  const checked = await rows.evaluateAll((els) =>
    els
      .filter((r) => (r.querySelector('input[type=checkbox]') as HTMLInputElement).checked)
      .map((r) => Number(r.getAttribute('data-id'))),
  );
  assert.deepEqual(
    checked,
    results.train.slice(2, 8).map((t) => t.id),
  );
  // A shift-click on a checkbox extends from the same anchor.
  await rows
    .nth(10)
    .locator('input[type=checkbox]')
    .click({ modifiers: ['Shift'] });
  await eventually('rows 2..10 selected', async () => (await selectedText(f)).startsWith('9 selected'));
  await f.locator('[data-role=accept]').click();
  await eventually('an acceptSuggestions message', () => p.sentOf('acceptSuggestions').length === 1);
  assert.deepEqual(
    [...p.sentOf('acceptSuggestions')[0].ids].sort((a, b) => a - b),
    results.train
      .slice(2, 11)
      .map((t) => t.id)
      .sort((a, b) => a - b),
  );
  await cleanPage(p);
  await p.close();
});

test('shift+j / shift+↓ extend the selection from the focused row; a accepts the selection', async () => {
  const results = makeFixture({ nTrain: 200, nTest: 10 });
  const { p, f } = await suspects(results);
  const list = f.locator('[role=listbox]');
  await list.focus();
  await list.press('j');
  await list.press('Shift+J');
  await list.press('Shift+ArrowDown');
  await list.press('Shift+ArrowDown');
  await eventually('rows 1..4 selected', async () => (await selectedText(f)).startsWith('4 selected'));
  // Back up one: the range shrinks to rows 1..3 from the same anchor.
  await list.press('Shift+K');
  await eventually('the range shrinks with the focus', async () => (await selectedText(f)).startsWith('3 selected'));
  await list.press('a');
  await eventually('an acceptSuggestions message', () => p.sentOf('acceptSuggestions').length === 1);
  const ids = p.sentOf('acceptSuggestions')[0].ids;
  assert.deepEqual(
    [...ids].sort((a, b) => a - b),
    results.train
      .slice(1, 4)
      .map((t) => t.id)
      .sort((a, b) => a - b),
    'rows 1..3: from the anchor to the focus',
  );
  await p.close();
});

test(
  'a bulk the host refuses lists each refused row and why; "Deselect ' + 'these" takes them out of the selection',
  async () => {
    const results = makeFixture({ nTrain: 60, nTest: 10, format: 'csv' });
    const { p, f } = await suspects(results);
    await f.locator('[data-role=select-all]').click();
    await eventually('60 selected', async () => (await selectedText(f)).startsWith('60 selected'));
    const [a, b] = results.train;
    await p.send({
      type: 'refused',
      what:
        'Nothing relabeled: 2 of the 60 selected records cannot be relabeled ' +
        'safely, and a bulk changes all of them or none.',
      samples: [
        {
          id: a.id,
          where: `train.csv:${a.source.line}`,
          reason: 'the record the analysis saw at line 4 is no longer in the file as analyzed',
        },
        { id: b.id, where: `train.csv:${b.source.line}`, reason: 'now appears 2 times in the file' },
      ],
    });
    const banner = f.locator('[data-role=refused]');
    await banner.waitFor();
    const text = await banner.innerText();
    assert.match(text, /Nothing relabeled: 2 of the 60/);
    assert.match(
      text,
      new RegExp(`train\\.csv:${a.source.line}: the record the analysis saw at line 4 is no longer in the file`),
    );
    assert.match(text, /now appears 2 times/);
    await f.locator('[data-role=deselect-refused]').click();
    await eventually('58 selected', async () => (await selectedText(f)).startsWith('58 selected'));
    assert.equal(await banner.count(), 0);
    await cleanPage(p);
    await p.close();
  },
);
