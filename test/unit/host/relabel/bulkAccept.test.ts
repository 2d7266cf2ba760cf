/**
 * A bulk "accept the suggestion" (issue 13 item 6) plans each record to its
 * own label with every check a single relabel has: found again by its
 * fingerprint after the file moved, refused (with the record named) when it
 * is gone or ambiguous; the edits of a whole bulk invert to the original
 * bytes. And the detail pane's record and signals (item 4): every field of
 * the record as the file holds it, and percentiles whose weighted mean is
 * the engine's own suspicion.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { DelimitedReader } from '../../../../src/compute/data/csvReader';
import { suspicionScores } from '../../../../src/compute/mislabel/suspicion';
import type { ResultsFile, TrainRecord } from '../../../../src/compute/results/schema';
import { applyReplacements, verifyTextEdits } from '../../../../src/host/relabel/editVerification';
import {
  type DatasetInfo,
  invertPlan,
  planRelabelEach,
  type RelabelTarget,
} from '../../../../src/host/relabel/relabelPlan';
import { ResultsIndex } from '../../../../src/host/panel/resultsView';
import { buildDetail, readRecord } from '../../../../src/host/panel/sampleDetail';
import { MAX_FIELDS, MAX_RECORD_CHARS, parseHostToWebview } from '../../../../src/protocol/webview';

const root = '/data';
const info = (linesTrusted: boolean): DatasetInfo => ({
  root,
  format: 'csv',
  labelColumn: 'label',
  resolve: (rel) => path.join(root, rel),
  linesTrusted: () => linesTrusted,
});

function analyzeCsv(text: string): (RelabelTarget & { suggestion: string })[] {
  const reader = new DelimitedReader(text, ',', 'd.csv');
  reader.next();
  const out: (RelabelTarget & { suggestion: string })[] = [];
  while (reader.next())
    out.push({
      suggestion: reader.fields[3],
      label: reader.fields[2].trim(),
      source: { path: 'd.csv', line: reader.startLine, digest: reader.digest() },
    });
  return out;
}

describe('bulk accept: each record to its own suggestion', () => {
  const before =
    'id,text,label,suggested\n1,"a quoted\nnote",cat,dog\n2,second,dog,fox\n3,third,fox,cat\n4,fourth,cat,fox\n';
  const targets = analyzeCsv(before);
  const changes = targets.map((t) => ({ target: t, label: t.suggestion }));

  test(
    'on the file as analyzed: one edit per record, each with its own label, ' +
      'proven by the check after the edit, and inverted to the same bytes',
    () => {
      const plan = planRelabelEach(info(true), changes, () => before);
      assert.deepEqual(plan.problems, []);
      assert.equal(plan.edits.length, 4);
      const after = applyReplacements(
        before,
        plan.edits as Extract<(typeof plan.edits)[number], { kind: 'replace' }>[],
      );
      assert.equal(
        after,
        'id,text,label,suggested\n1,"a quoted\nnote",dog,dog\n2,second,fox,fox\n3,third,cat,cat\n4,fourth,fox,fox\n',
      );
      assert.equal(
        verifyTextEdits(plan.edits, new Map([[path.join(root, 'd.csv'), before]]), () => after, 'csv'),
        undefined,
      );
      const undo = invertPlan(plan.edits) as Extract<(typeof plan.edits)[number], { kind: 'replace' }>[];
      assert.equal(applyReplacements(after, undo), before, 'one undo puts every byte back');
    },
  );

  test(
    'after lines were inserted above: every record found at its new line; a ' +
      'deleted one is refused by name while the others plan',
    () => {
      const moved = before
        .replace('id,text,label,suggested\n', 'id,text,label,suggested\n0,new,cat,cat\n9,new,dog,dog\n')
        .replace('3,third,fox,cat\n', '');
      const plan = planRelabelEach(info(false), changes, () => moved);
      assert.equal(plan.edits.length, 3);
      assert.deepEqual(
        plan.edits.map((e) => (e.kind === 'replace' ? e.line : -1)),
        [4, 6, 7],
      );
      assert.equal(plan.problems.length, 1);
      assert.equal(plan.problems[0].source, `d.csv:${targets[2].source.line}`);
      assert.match(plan.problems[0].reason, /no longer in the file as analyzed/);
    },
  );

  test('a suggestion that cannot be written (a line break) refuses that record only, naming it', () => {
    const plan = planRelabelEach(
      info(true),
      [
        { target: targets[0], label: 'dog' },
        { target: targets[1], label: 'f\nox' },
      ],
      () => before,
    );
    assert.equal(plan.edits.length, 1);
    assert.deepEqual(
      plan.problems.map((p) => p.source),
      [`d.csv:${targets[1].source.line}`],
    );
  });
});

describe('the detail pane', () => {
  test('a CSV record: every column with its value, a quoted multi-line field whole', () => {
    const text = 'id,text,label\n1,"a quoted, long\nnote",cat\n2,second,dog\n';
    const r = readRecord(text, 'csv', 'd.csv', 2)!;
    assert.deepEqual(r.fields, [
      { name: 'id', value: '1' },
      { name: 'text', value: 'a quoted, long\nnote' },
      { name: 'label', value: 'cat' },
    ]);
    assert.equal(r.text, '1,"a quoted, long\nnote",cat');
    assert.equal(readRecord(text, 'csv', 'd.csv', 9), undefined, 'no record there');
  });

  test(
    `a record wider than ${MAX_FIELDS} columns, or a text longer than ` +
      `${MAX_RECORD_CHARS.toLocaleString('en-US')} characters, is cut with a ` +
      `note, so its message passes the page's check`,
    () => {
      const n = MAX_FIELDS + 500;
      const header = Array.from({ length: n }, (_, i) => `c${i}`).join(',');
      const row = Array.from({ length: n }, (_, i) => (i === 1 ? 'z'.repeat(MAX_RECORD_CHARS + 10) : String(i))).join(
        ',',
      );
      const r = readRecord(`${header}\n${row}\n`, 'csv', 'w.csv', 2)!;
      assert.equal(r.fields.length, MAX_FIELDS);
      assert.match(r.note!, new RegExp(`Showing the first 2,000 of ${n.toLocaleString('en-US')} columns`));
      assert.match(r.fields[1].value, /… \(10 more characters\)$/);
      const sample = { id: 0, split: 'train', where: 'w.csv:2', label: 'a', predicted: 'a', loss: 0 };
      assert.doesNotThrow(() =>
        parseHostToWebview({
          type: 'detail',
          view: {
            sample,
            fields: r.fields,
            text: r.text,
            probabilities: [],
            signals: [],
            proponents: [],
            opponents: [],
          },
        }),
      );
    },
  );

  test('a JSONL record: every field, strings as themselves and the rest as JSON', () => {
    const text = '{"text":"the whole text, however long","label":"finance","meta":{"k":1},"n":2}\n';
    const r = readRecord(text, 'jsonl', 'd.jsonl', 1)!;
    assert.deepEqual(r.fields, [
      { name: 'text', value: 'the whole text, however long' },
      { name: 'label', value: 'finance' },
      { name: 'meta', value: '{"k":1}' },
      { name: 'n', value: '2' },
    ]);
  });

  test('weighted signal percentiles give back each suspicion, or the pane names the floor that lifted it', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const n = 40;
    const C = 4;
    // Out-of-sample probabilities with ties on purpose (rounded), labels 0; training signals at random.
    const oosProbs = new Float64Array(n * C);
    for (let i = 0; i < n; i++) {
      const raw = Array.from({ length: C }, () => Math.round(rnd() * 4) + 1);
      const sum = raw.reduce((a, b) => a + b, 0);
      raw.forEach((v, j) => (oosProbs[i * C + j] = v / sum));
    }
    const y = new Int32Array(n);
    const loss = Array.from({ length: n }, () => rnd() * 3);
    const self = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 - oosProbs[i * C] : rnd()));
    // A few samples whose duplicates carry another label: an evidence signal with a floor.
    const conflict = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : i % 11 === 0 ? 0.5 : 0));
    const suspicion = suspicionScores({
      oosProbs,
      y,
      numClasses: C,
      checked: [
        { name: 'trainLoss', values: loss, higherIsSuspicious: true },
        { name: 'selfInfluence', values: self, higherIsSuspicious: true },
        { name: 'duplicateLabelConflict', values: conflict, higherIsSuspicious: true, evidence: true },
      ],
    });
    const given = (i: number) => oosProbs[i * C];
    const margin = (i: number) => given(i) - Math.max(...[1, 2, 3].map((j) => oosProbs[i * C + j]));
    const train: TrainRecord[] = Array.from({ length: n }, (_, i) => ({
      id: i,
      source: { path: `c/${i}.png` },
      label: 'a',
      predicted: 'a',
      suggestedLabel: 'b',
      suggestedProbability: 0.6,
      givenLabelProbability: given(i),
      rankedLabels: [
        { label: 'b', probability: 0.6 },
        { label: 'a', probability: 0.3 },
      ],
      outOfSampleMargin: margin(i),
      loss: loss[i],
      selfInfluence: self[i],
      suspicion: suspicion.scores[i],
      likelyLabelIssue: false,
      duplicateLabelConflict: conflict[i],
    }));
    const results = {
      dataset: { classes: ['a', 'b', 'c', 'd'], format: 'imagefolder' },
      train,
      test: [],
      influence: { topK: 5, explained: null, method: 'exact' },
      labelIssues: { suspicion: { explanation: suspicion.explanation, signals: suspicion.signals } },
    } as unknown as ResultsFile;
    const index = new ResultsIndex(results);
    const floor = suspicion.signals.find((s) => s.floor !== undefined)!.floor!;
    let lifted = 0;
    for (const t of train) {
      const d = buildDetail(index, 'train', t.id, new Map(), {}, undefined, undefined)!;
      const mean = d.signals.reduce((a, g) => a + g.weight * g.percentile, 0);
      if (/raised above/.test(d.suspicionNote!)) {
        // Lifted by the floor: the score is the conflict share times the floor, above the weighted mean.
        lifted++;
        assert.ok(Math.abs(t.suspicion - conflict[t.id] * floor) < 1e-12, `sample ${t.id}`);
        assert.ok(mean < t.suspicion, `sample ${t.id}: mean ${mean}`);
        assert.match(d.suspicionNote!, /duplicate with another label/);
      } else {
        assert.ok(Math.abs(mean - t.suspicion) < 1e-12, `sample ${t.id}: ${mean} vs ${t.suspicion}`);
        assert.match(d.suspicionNote!, new RegExp(`weighted mean of the percentiles above \\(${mean.toFixed(2)}\\)`));
      }
      assert.deepEqual(
        d.probabilities.map((p) => p.label),
        ['b', 'a'],
      );
      assert.match(d.probabilityNote!, /the other 2 classes share 0\.10/);
    }
    assert.ok(lifted > 0 && lifted < n, `${lifted} of ${n} lifted: both cases must be exercised`);
  });
});
