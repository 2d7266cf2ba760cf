/**
 * Component tests for issues 12 (item 10) and 13 (items 8–10): what the
 * panel says when a dataset is beyond a wire limit, explanations that read
 * the influence signs right, numbers shown as what they are (the trust
 * badge's scope, suspicion as a rank), and the small breaks (undo state,
 * the explained sample after a reload).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { buildExplanation, buildResultsView, ResultsIndex } from '../../src/host/panel/resultsView';
import { makeFixture } from './fixtures';
import { eventually, launch, PanelUnderTest } from './harness';

let browser: Browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function cleanPage(p: PanelUnderTest): Promise<void> {
  assert.deepEqual(p.consoleErrors, [], 'no errors in the page console');
  assert.deepEqual(await p.cspViolations(), [], 'no Content-Security-Policy violations');
  assert.deepEqual(p.rejected, [], 'every message the page sent passes the protocol check');
}

const manyClasses = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);

for (const [n, nTrain] of [
  [1001, 1200],
  [5000, 600],
] as const) {
  test(
    `${n.toLocaleString('en-US')} classes: the panel shows the results and ` +
      `the suspects, and says the given × suggested table is left out`,
    async () => {
      // Rankings of 200 labels (over the wire's 100) as well: the rows must arrive too.
      const p = await PanelUnderTest.open(
        browser,
        makeFixture({ nTrain, nTest: 20, classes: manyClasses(n), rankedLabels: 200 }),
      );
      const f = p.frame();
      await f.getByText('Influence Lens — pets').waitFor();
      assert.match(
        await f.locator('[data-role=notes]').innerText(),
        new RegExp(`at most 200 classes and this dataset has ${n.toLocaleString('en-US')}`),
      );
      await f.getByRole('tab', { name: 'Suspected mislabels' }).click();
      await f.locator('[role=option][data-id]').first().waitFor();
      assert.match(
        await f.locator('[data-role=no-confusion]').innerText(),
        new RegExp(`no given × suggested table \\(${n.toLocaleString('en-US')} classes\\)`),
      );
      assert.equal(await f.locator('[data-role=filter-label] option').count(), n + 1, 'every class can be filtered by');
      assert.equal(await f.locator('[data-role=problem]').count(), 0);
      await cleanPage(p);
      await p.close();
    },
  );
}

test('a results message the page cannot show says so in the panel, not only in the console', async () => {
  const results = makeFixture({ nTrain: 50, nTest: 10 });
  const p = await PanelUnderTest.open(browser, results, { silent: true });
  const f = p.frame();
  // What the host used to send for 1,001 classes: a 1,001-row table, over the page's limit.
  const view = buildResultsView(results, '/data/pets', false);
  await p.send({ type: 'results', view: { ...view, confusion: Array.from({ length: 1001 }, () => [0]) } });
  const problem = f.locator('[data-role=problem]');
  await problem.waitFor();
  assert.match(
    await problem.innerText(),
    /The panel cannot show these results: .*confusion: expected at most 200 items/,
  );
  // The next good results replace the notice.
  await p.send({ type: 'results', view });
  await f.getByText('Influence Lens — pets').waitFor();
  assert.equal(await problem.count(), 0);
  await p.close();
});

test(
  'explaining a wrong prediction: proponents are said to support the ' +
    'given label, and the line names the opponents',
  async () => {
    const results = makeFixture({ nTrain: 60, nTest: 8, format: 'csv' });
    // Test 0 is a cat predicted dog; make its strongest opponents dogs, its proponents cats.
    const t = results.test[0];
    const cats = results.train.filter((r) => r.label === 'cat').slice(0, 5);
    const dogs = results.train.filter((r) => r.label === 'dog').slice(0, 5);
    t.proponents = cats.map((r, k) => ({ train: r.id, influence: 1 - k / 10 }));
    t.opponents = dogs.map((r, k) => ({ train: r.id, influence: -1 + k / 10 }));
    assert.equal([t.label, t.predicted].join('→'), 'cat→dog');
    const p = await PanelUnderTest.open(browser, results);
    const f = p.frame();
    await f.getByText('Influence Lens — pets').waitFor();
    await p.send({ type: 'explanation', view: buildExplanation(new ResultsIndex(results), 'test', 0, new Map())! });
    const why = f.locator('[data-role=why]');
    await why.waitFor();
    assert.equal(
      await why.innerText(),
      '5 of its 5 strongest opponents are labeled dog: they pull this cat toward dog.',
    );
    assert.equal(
      await f.locator('[data-role=proponents] h3').innerText(),
      'Proponents: training samples that support its label cat',
    );
    assert.equal(
      await f.locator('[data-role=opponents] h3').innerText(),
      'Opponents: training samples that pull it away from cat',
    );
    assert.match(
      await f.locator('[data-role=influence-meaning]').innerText(),
      /loss on its given label cat would rise if the training sample were removed.*The pull toward dog comes from the opponents/,
    );
    assert.doesNotMatch(await f.locator('il-influencers').innerText(), /helped this prediction/);
    await cleanPage(p);
    await p.close();
  },
);

test(
  'the trust badge says what was checked: the last layer of an MLP, how ' +
    'many removals and test samples, and claims no more',
  async () => {
    const p = await PanelUnderTest.open(
      browser,
      makeFixture({ nTrain: 100, nTest: 10, reliability: true, retrain: 'last-layer' }),
    );
    const f = p.frame();
    const badge = f.locator('[data-role=trust]');
    await badge.waitFor();
    assert.equal(
      await badge.innerText(),
      'trust: high for the last layer (r 0.93; last layer refit, 40 removals × 2 test samples)',
    );
    const sentence = await f.locator('[data-role=trust-sentence]').innerText();
    assert.match(sentence, /refitting only the last layer on frozen features \(the hidden layers kept their weights\)/);
    assert.match(sentence, /the loss of 2 test samples \(test\/cat\/00000\.png, test\/dog\/00001\.png\)/);
    assert.match(sentence, /how removing a sample would change the whole network was not measured/);
    assert.doesNotMatch(sentence, /can be trusted/);
    await cleanPage(p);
    await p.close();
  },
);

test(
  'suspicion shows as a rank ("top x%"), explained as a mean of rank ' +
    'percentiles, and each suspect row labels its columns',
  async () => {
    const p = await PanelUnderTest.open(browser, makeFixture({ nTrain: 400, nTest: 10 }));
    const f = p.frame();
    assert.match(
      await f.locator('[data-role=suspicion-meaning]').innerText(),
      /weighted mean of each sample's rank percentiles .* not a probability/s,
    );
    await f.getByRole('tab', { name: 'Suspected mislabels' }).click();
    const first = f.locator('[role=option][data-id]').first();
    await first.waitFor();
    assert.equal(
      await first.locator('[data-role=suspicion] .num').innerText(),
      'top 0.3%',
      'the most suspicious of 400',
    );
    assert.match(await first.locator('[data-role=suspicion]').innerText(), /^suspicion\b/);
    assert.match(
      (await first.locator('[data-role=suspicion]').getAttribute('title')) ?? '',
      /rank 1 of 400 by suspicion .* not a probability/s,
    );
    assert.match(
      await first.locator('[data-role=given-suggested]').innerText(),
      /^given \S+ → suggested \S+ p 0\.\d\d$/,
    );
    await cleanPage(p);
    await p.close();
  },
);

test(
  '"Undo last relabel" is disabled with a reason until the host says ' +
    'there is something to undo (it survives a reload)',
  async () => {
    const none = await PanelUnderTest.open(browser, makeFixture({ nTrain: 50, nTest: 5 }));
    let f = none.frame();
    await f.getByRole('tab', { name: 'Suspected mislabels' }).click();
    let undo = f.locator('[data-role=undo]');
    await undo.waitFor();
    await eventually('the undo button disabled', async () => (await undo.getAttribute('disabled')) !== null);
    assert.match((await undo.getAttribute('title')) ?? '', /Nothing to undo/);
    await none.close();

    const some = await PanelUnderTest.open(browser, makeFixture({ nTrain: 50, nTest: 5 }), {
      undo: "1 sample relabeled as 'dog' in pets",
    });
    f = some.frame();
    await f.getByRole('tab', { name: 'Suspected mislabels' }).click();
    undo = f.locator('[data-role=undo]');
    await eventually('the undo button enabled', async () => (await undo.getAttribute('disabled')) === null);
    assert.equal(await undo.getAttribute('title'), "Undo: 1 sample relabeled as 'dog' in pets");
    await undo.click();
    await eventually('an undo request', () => some.sentOf('undoRelabel').length === 1);
    await cleanPage(some);
    await some.close();
  },
);

test('a reload brings the Influencers tab back with the sample it explained, not empty', async () => {
  const results = makeFixture({ nTrain: 60, nTest: 8, format: 'csv' });
  const first = await PanelUnderTest.open(browser, results);
  let f = first.frame();
  await f.getByRole('tab', { name: 'Test samples' }).click();
  const row = f.locator('[role=option][data-id]').first();
  await row.waitFor();
  const id = Number(await row.getAttribute('data-id'));
  await row.locator('button.explain').click();
  await f.locator('[data-role=proponents]').waitFor();
  await eventually('the explained sample in the saved state', () => first.state?.explained?.id === id);
  const saved = first.state!;
  assert.deepEqual([saved.tab, saved.explained], ['influencers', { split: 'test', id }]);
  await first.close();

  // The window reloads: a new page with the saved state.
  const again = await PanelUnderTest.open(browser, results, { state: saved });
  f = again.frame();
  await eventually('the page to ask for the explanation again', () =>
    again.sentOf('explain').some((m) => m.split === 'test' && m.id === id),
  );
  await f.locator('[data-role=proponents]').waitFor();
  assert.match(await f.locator('#subject-h').innerText(), new RegExp(`Test sample test\\.csv:${id + 2}`));
  await cleanPage(again);
  await again.close();
});
