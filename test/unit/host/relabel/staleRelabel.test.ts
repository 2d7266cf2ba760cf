/**
 * A relabel on results the file has moved away from (issue 12 item 4, issue
 * 13 item 1): each record is found again by the fingerprint of its text, so
 * the edit lands on the record the analysis saw, or is refused; never on the
 * record that now happens to sit at the old line. A property test edits
 * random CSV/JSONL files between analysis and relabel (insert, delete,
 * reorder records) and checks that a relabel changes exactly the intended
 * record or refuses, and changes no other byte.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DelimitedReader } from '../../../../src/compute/data/csvReader';
import { recordDigest } from '../../../../src/compute/data/recordDigest';
import { applyReplacements, verifyTextEdits } from '../../../../src/host/relabel/editVerification';
import {
  labelProblem,
  planRelabel,
  type DatasetInfo,
  type RelabelTarget,
} from '../../../../src/host/relabel/relabelPlan';

const root = '/data';
const file = path.join(root, 'd.csv');
const jsonlFile = path.join(root, 'd.jsonl');

function info(format: 'csv' | 'jsonl', linesTrusted: boolean): DatasetInfo {
  return {
    root,
    format,
    labelColumn: 'label',
    resolve: (rel) => path.join(root, rel),
    linesTrusted: () => linesTrusted,
  };
}

/** What the engine records for each CSV data record: its start line and fingerprint. */
function analyzeCsv(text: string, rel = 'd.csv'): (RelabelTarget & { id: string })[] {
  const reader = new DelimitedReader(text, ',', rel);
  reader.next();
  const out: (RelabelTarget & { id: string })[] = [];
  while (reader.next())
    out.push({
      id: reader.fields[0],
      label: reader.fields[2].trim(),
      source: { path: rel, line: reader.startLine, digest: reader.digest() },
    });
  return out;
}

describe('relabel after the file changed', () => {
  const before = 'id,text,label\n1,"a first, long\nrecord",cat\n2,second,cat\n3,third,dog\n';
  const targets = analyzeCsv(before);

  test(
    'a line inserted above: the record is found at its new line; the record ' +
      'now at the old line (same label) is untouched',
    () => {
      const after = before.replace('id,text,label\n', 'id,text,label\n0,inserted,cat\n');
      // "2,second,cat", analyzed at line 4, now at line 5; line 4 now holds "1,…" (label cat)
      const target = targets[1];
      const plan = planRelabel(info('csv', false), [target], 'fox', () => after);
      assert.deepEqual(plan.problems, []);
      const edit = plan.edits[0];
      assert.ok(edit.kind === 'replace');
      assert.equal(edit.line, 5);
      assert.equal(edit.recordText, '2,second,cat');
      assert.equal(applyReplacements(after, [edit]), after.replace('2,second,cat', '2,second,fox'));
    },
  );

  test('a deleted record is refused as gone; a duplicated one as ambiguous', () => {
    const deleted = before.replace('2,second,cat\n', '');
    const gone = planRelabel(info('csv', false), [targets[1]], 'fox', () => deleted);
    assert.equal(gone.edits.length, 0);
    assert.match(
      gone.problems[0].reason,
      /the record the analysis saw at line 4 is no longer in the file as analyzed \(changed or removed\); re-run the analysis/,
    );
    const doubled = before.replace('2,second,cat\n', '2,second,cat\n2,second,cat\n');
    const twice = planRelabel(info('csv', false), [targets[1]], 'fox', () => doubled);
    assert.equal(twice.edits.length, 0);
    assert.match(twice.problems[0].reason, /now appears 2 times in the file/);
    // With the file known unchanged (fresh results, no unsaved edits), the record at its own line is that record.
    const sameFile = before + '2,second,cat\n';
    const trusted = planRelabel(info('csv', true), analyzeCsv(sameFile).slice(1, 2), 'fox', () => sameFile);
    assert.equal(trusted.edits.length, 1);
  });

  test('results without fingerprints (an older version) are refused, not guessed', () => {
    const plan = planRelabel(
      info('csv', true),
      [{ label: 'cat', source: { path: 'd.csv', line: 4 } }],
      'fox',
      () => before,
    );
    assert.match(plan.problems[0].reason, /no record fingerprints .* re-run the analysis/);
  });

  test('labels with a line break or another control character are refused; a delimiter or quote is quoted', () => {
    for (const bad of ['a\nb', 'a\r\nb', 'x\u2028y', 'tab\there', 'esc\u001b[2J']) {
      assert.ok(labelProblem(bad), JSON.stringify(bad));
      const plan = planRelabel(info('csv', true), [targets[2]], bad, () => before);
      assert.equal(plan.edits.length, 0, JSON.stringify(bad));
    }
    const plan = planRelabel(info('csv', true), [targets[2]], 'a, "b"', () => before);
    assert.ok(plan.edits[0].kind === 'replace');
    const edited = applyReplacements(before, plan.edits as { start: number; end: number; newText: string }[]);
    assert.equal(analyzeCsv(edited)[2].label, 'a, "b"');
    assert.equal(analyzeCsv(edited).length, 3);
  });

  test('JSONL: a record found again after lines were inserted above it', () => {
    const lines = ['{"text":"alpha","label":"weather"}', '{"text":"beta","label":"weather"}'];
    const target: RelabelTarget = {
      label: 'weather',
      source: { path: 'd.jsonl', line: 2, digest: recordDigest(lines[1]) },
    };
    const after = ['{"text":"new","label":"weather"}', ...lines].join('\n') + '\n';
    const plan = planRelabel(info('jsonl', false), [target], 'finance', () => after);
    assert.deepEqual(plan.problems, []);
    assert.equal(plan.edits[0].kind === 'replace' && plan.edits[0].line, 3);
    assert.equal(
      applyReplacements(after, plan.edits as { start: number; end: number; newText: string }[]),
      after.replace('"beta","label":"weather"', '"beta","label":"finance"'),
    );
  });

  test('the check after an edit: a file that does not read back as planned, or lost a record, is a problem', () => {
    const plan = planRelabel(info('csv', true), [targets[2]], 'fox', () => before);
    const edited = applyReplacements(before, plan.edits as { start: number; end: number; newText: string }[]);
    const check = (now: string) => verifyTextEdits(plan.edits, new Map([[file, before]]), () => now, 'csv');
    assert.equal(check(edited), undefined);
    assert.match(check(edited + 'extra,x,y\n')?.reason ?? '', /does not read back as planned/);
    const forged = { ...plan.edits[0], newText: 'fox\n9' } as (typeof plan.edits)[number];
    const twoRecords = applyReplacements(before, [forged as { start: number; end: number; newText: string }]);
    assert.match(
      verifyTextEdits([forged], new Map([[file, before]]), () => twoRecords, 'csv')?.reason ?? '',
      /changed the number of records \(4 → 5\)/,
    );
  });
});

/** Records with an identity the test tracks through the edits (ids repeat when a record is duplicated). */
interface Rec {
  identity: number;
  id: string;
  text: string;
  label: string;
}

const csvLine = (r: Rec) =>
  `${r.id},${r.text.includes('\n') || r.text.includes(',') ? `"${r.text}"` : r.text},${r.label}`;
const jsonLine = (r: Rec) => JSON.stringify({ id: r.id, text: r.text, label: r.label });

function serialize(format: 'csv' | 'jsonl', recs: Rec[]): string {
  return format === 'csv' ? `id,text,label\n${recs.map(csvLine).join('\n')}\n` : `${recs.map(jsonLine).join('\n')}\n`;
}

const recArb = fc.record({
  id: fc.integer({ min: 0, max: 6 }).map(String),
  text: fc.constantFrom('plain', 'with, comma', 'two\nlines', 'x'),
  label: fc.constantFrom('cat', 'dog', 'fox'),
});

type Edit =
  | { kind: 'insert'; at: number; rec: { id: string; text: string; label: string } }
  | { kind: 'delete'; at: number }
  | { kind: 'swap'; a: number; b: number };
const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), rec: recArb }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
);

describe('property: a relabel after random edits changes exactly the intended record, or refuses', () => {
  for (const format of ['csv', 'jsonl'] as const) {
    test(format, () => {
      fc.assert(
        fc.property(
          fc.array(recArb, { minLength: 1, maxLength: 8 }),
          fc.array(editArb, { maxLength: 4 }),
          fc.nat(),
          (base, edits, pick) => {
            let next = 0;
            const original: Rec[] = base.map((r) => ({ ...r, identity: next++ }));
            const text0 = serialize(format, original);
            // The analysis: each record's start line and fingerprint, in file order.
            const lineOf: number[] = [];
            let line = format === 'csv' ? 2 : 1;
            for (const r of original) {
              lineOf.push(line);
              line += (format === 'csv' ? csvLine(r) : jsonLine(r)).split('\n').length;
            }
            const k = pick % original.length;
            const targetRec = original[k];
            const recordText = format === 'csv' ? csvLine(targetRec) : jsonLine(targetRec);
            const target: RelabelTarget = {
              label: targetRec.label,
              source: {
                path: format === 'csv' ? 'd.csv' : 'd.jsonl',
                line: lineOf[k],
                digest: recordDigest(recordText),
              },
            };
            // The user edits the file.
            const recs = [...original];
            for (const e of edits) {
              if (e.kind === 'insert') recs.splice(e.at % (recs.length + 1), 0, { ...e.rec, identity: next++ });
              else if (e.kind === 'delete' && recs.length > 0) recs.splice(e.at % recs.length, 1);
              else if (e.kind === 'swap' && recs.length > 0) {
                const [a, b] = [e.a % recs.length, e.b % recs.length];
                [recs[a], recs[b]] = [recs[b], recs[a]];
              }
            }
            const text1 = serialize(format, recs);
            const plan = planRelabel(info(format, text1 === text0 ? true : false), [target], 'owl', () => text1);
            const sameContent = recs.filter((r) => (format === 'csv' ? csvLine(r) : jsonLine(r)) === recordText);
            const present = recs.some((r) => r.identity === targetRec.identity);
            if (plan.edits.length === 0) {
              // Refusing is right only when the record is gone or cannot be told apart from an identical one.
              assert.ok(
                !present || sameContent.length > 1 || targetRec.label === 'owl',
                `refused although the record is there once: ${plan.problems[0]?.reason}`,
              );
              return;
            }
            assert.ok(present, 'an edit was planned for a record that is gone');
            const edited = applyReplacements(text1, plan.edits as { start: number; end: number; newText: string }[]);
            const expected = serialize(
              format,
              recs.map((r) => (r.identity === targetRec.identity ? { ...r, label: 'owl' } : r)),
            );
            // Identical twins give the same file whichever of them is edited only if they sit side by side; demand
            // exactness otherwise.
            if (sameContent.length === 1 || text1 === text0) assert.equal(edited, expected);
            assert.equal(
              verifyTextEdits(
                plan.edits,
                new Map([[format === 'csv' ? file : jsonlFile, text1]]),
                () => edited,
                format,
              ),
              undefined,
            );
          },
        ),
        { seed: 20261202, numRuns: 600 },
      );
    });
  }
});
