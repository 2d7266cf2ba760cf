import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { DelimitedReader } from '../../../../src/compute/data/csvReader';
import { fieldText, headerNames, lineStartOffset, recordAtLine } from '../../../../src/host/relabel/csvRecord';

/** Every record the engine reads, with its start line and fields. */
function engineRecords(text: string, delimiter = ','): { line: number; fields: string[] }[] {
  const reader = new DelimitedReader(text, delimiter, 'test.csv');
  const out: { line: number; fields: string[] }[] = [];
  while (reader.next()) out.push({ line: reader.startLine, fields: reader.fields.slice(0, reader.count) });
  return out;
}

test('line offsets count LF, CRLF and lone CR like the engine', () => {
  const text = 'a\nb\r\nc\rd';
  assert.equal(lineStartOffset(text, 1), 0);
  assert.equal(lineStartOffset(text, 2), 2);
  assert.equal(lineStartOffset(text, 3), 5);
  assert.equal(lineStartOffset(text, 4), 7);
  assert.equal(lineStartOffset(text, 5), -1);
});

test('a record with a quoted field spanning lines: fields, offsets and end line', () => {
  const text = 'x,note,label\n1,"two\nlines, and ""quotes""",cat\n2,plain,dog\n';
  const r = recordAtLine(text, 2, ',');
  assert.ok(r);
  assert.deepEqual(
    r.fields.map((f) => f.value),
    ['1', 'two\nlines, and "quotes"', 'cat'],
  );
  assert.equal(r.startLine, 2);
  assert.equal(r.endLine, 3);
  assert.equal(text.slice(r.fields[2].start, r.fields[2].end), 'cat');
  assert.equal(recordAtLine(text, 4, ',')?.fields[2].value, 'dog');
});

test('quoted label with spaces after the closing quote; CRLF; tabs', () => {
  const text = 'a\tlabel\r\n1\t"c a t"  \r\n';
  const r = recordAtLine(text, 2, '\t')!;
  assert.equal(r.fields[1].value, 'c a t');
  assert.equal(text.slice(r.fields[1].start, r.fields[1].end), '"c a t"');
  assert.equal(text.slice(r.start, r.end), '1\t"c a t"  ');
});

test('a quote in the middle of an unquoted field is literal (5\'11")', () => {
  const r = recordAtLine('h,label\n5\'11",tall\n', 2, ',')!;
  assert.deepEqual(
    r.fields.map((f) => f.value),
    ['5\'11"', 'tall'],
  );
});

test('a blank line or an unterminated quote is not a record', () => {
  assert.equal(recordAtLine('a,b\n\n1,2\n', 2, ','), null);
  assert.equal(recordAtLine('a,b\n1,"open\n', 2, ','), null);
  assert.equal(recordAtLine('a,b\n"x"y,2\n', 2, ','), null);
});

test('header names follow the engine: trimmed, unnamed columns numbered, blank lines skipped', () => {
  assert.deepEqual(headerNames('\n\n a , ,"c"\n1,2,3', ','), ['a', 'column2', 'c']);
});

test('field text: quoting kept or added as needed, padding of unquoted fields kept', () => {
  const text = 'a,label\n1,  cat \n2,"dog"\n';
  const padded = recordAtLine(text, 2, ',')!.fields[1];
  const quoted = recordAtLine(text, 3, ',')!.fields[1];
  assert.equal(fieldText('fox', padded, text, ','), '  fox ');
  assert.equal(fieldText('fox', quoted, text, ','), '"fox"');
  assert.equal(fieldText('a,b', padded, text, ','), '"a,b"');
  assert.equal(fieldText('say "hi"', padded, text, ','), '"say ""hi"""');
  assert.equal(fieldText(' lead', padded, text, ','), '" lead"');
  assert.equal(fieldText('two\nlines', padded, text, ','), '"two\nlines"');
});

/** Random CSV cells: plain, with delimiters, quotes, line breaks, padding. */
const cell = fc.oneof(
  fc.stringMatching(/^[a-z0-9]{0,6}$/),
  fc.constantFrom('a,b', 'say "hi"', 'two\nlines', 'crlf\r\nin', ' padded ', '', '5\'11"', 'ü√', '""'),
);
function render(value: string, quoteAlways: boolean): string {
  return quoteAlways || /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replace(/"/g, '""')}"` : value;
}

test('property: for every record the engine reads, the host finds the same fields at its start line', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.array(cell, { minLength: 3, maxLength: 3 }), fc.boolean()), { minLength: 1, maxLength: 12 }),
      fc.constantFrom('\n', '\r\n', '\r'),
      fc.boolean(),
      (rows, eol, blankLines) => {
        const lines = ['x,y,label', ...rows.map(([cells, q]) => cells.map((c) => render(c, q)).join(','))];
        const text = lines.join(blankLines ? `${eol}${eol}` : eol) + eol;
        for (const rec of engineRecords(text)) {
          const mine = recordAtLine(text, rec.line, ',');
          assert.ok(mine, `record at line ${rec.line}`);
          assert.deepEqual(
            mine.fields.map((f) => f.value),
            rec.fields,
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('property: replacing the label field changes exactly that field as the engine reads it', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.array(cell, { minLength: 3, maxLength: 3 }), fc.boolean()), { minLength: 1, maxLength: 10 }),
      fc.nat(),
      fc.constantFrom('fox', 'a,b', 'x "y"', 'new\nline', ' sp '),
      fc.integer({ min: 0, max: 2 }),
      (rows, pick, newLabel, column) => {
        const text =
          ['x,y,label', ...rows.map(([cells, q]) => cells.map((c) => render(c, q)).join(','))].join('\n') + '\n';
        const before = engineRecords(text);
        const target = 1 + (pick % (before.length - 1 || 1));
        if (target >= before.length) return;
        const field = recordAtLine(text, before[target].line, ',')!.fields[column];
        const edited = text.slice(0, field.start) + fieldText(newLabel, field, text, ',') + text.slice(field.end);
        const after = engineRecords(edited);
        assert.equal(after.length, before.length);
        after.forEach((rec, i) => {
          const expected = [...before[i].fields];
          // A padded unquoted field keeps its padding; the engine trims cells, so compare trimmed.
          if (i === target) expected[column] = newLabel;
          assert.deepEqual(
            rec.fields.map((f) => f.trim()),
            expected.map((f) => f.trim()),
          );
        });
      },
    ),
    { numRuns: 300 },
  );
});
