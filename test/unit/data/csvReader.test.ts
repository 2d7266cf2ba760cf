import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { countLineBreaks, DelimitedReader, sniffDelimiter } from '../../../src/compute/data/csvReader';
import { loadDataset } from '../../../src/compute/data/index';
import { InputError } from '../../../src/compute/errors';
import { rejectsInput, tempDir, write } from './helpers';

function records(text: string, delimiter = ','): { line: number; fields: string[] }[] {
  const reader = new DelimitedReader(text, delimiter, 'x.csv');
  const out: { line: number; fields: string[] }[] = [];
  while (reader.next()) out.push({ line: reader.startLine, fields: reader.fields.slice(0, reader.count) });
  return out;
}

describe('DelimitedReader', () => {
  test('start lines stay right with quoted newlines, CRLF and blank lines', () => {
    const text = 'a,b\r\n1,"x\r\ny"\r\n\r\n2,"p\nq\nr"\r\n3,"say ""hi"""\r\n"4",z';
    assert.deepEqual(records(text), [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', 'x\r\ny'] },
      { line: 5, fields: ['2', 'p\nq\nr'] },
      { line: 8, fields: ['3', 'say "hi"'] },
      { line: 9, fields: ['4', 'z'] },
    ]);
  });

  test('lone CR line ends, empty fields and trailing delimiters', () => {
    assert.deepEqual(records('a,b,c\r1,,\r,2,'), [
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', '', ''] },
      { line: 3, fields: ['', '2', ''] },
    ]);
  });

  test('a quote inside an unquoted field is literal; spaces after a closing quote are allowed', () => {
    assert.deepEqual(records('h,w\n5\'11",x\n"a" ,b\n'), [
      { line: 1, fields: ['h', 'w'] },
      { line: 2, fields: ['5\'11"', 'x'] },
      { line: 3, fields: ['a', 'b'] },
    ]);
  });

  test('an unclosed quote is reported at the line where it opened', () => {
    assert.throws(
      () => records('a,b\n1,2\n3,"never\n4,5\n6,7\n'),
      (e: unknown) => {
        assert.ok(e instanceof InputError);
        assert.equal(e.line, 3);
        assert.match(e.detail, /quote opened on line 3 is never closed; expected a closing '"'/);
        return true;
      },
    );
  });

  test('text after a closing quote is an error naming the line', () => {
    assert.throws(
      () => records('a,b\n1,2\n3,"x"y\n'),
      (e: unknown) =>
        e instanceof InputError && e.line === 3 && /after the closing quote of field 2; expected ','/.test(e.detail),
    );
  });

  test('sniffDelimiter picks the most frequent of , tab ; | in the header', () => {
    assert.equal(sniffDelimiter('a;b;c\n1,5;2;3\n'), ';');
    assert.equal(sniffDelimiter('a\tb\tc\n'), '\t');
    assert.equal(sniffDelimiter('"x,y";b;c\n'), ';');
    assert.equal(sniffDelimiter('a|b\n'), '|');
    assert.equal(sniffDelimiter('single\n1\n'), ',');
  });

  test('countLineBreaks is an upper bound on the record count', () => {
    assert.ok(countLineBreaks('a\r\nb\r\nc') >= 3);
    assert.ok(countLineBreaks('a\rb\rc') >= 3);
    assert.equal(countLineBreaks(''), 1);
  });
});

describe('CSV sources through loadDataset', () => {
  test('line/row of every sample with BOM, CRLF and quoted newlines', async () => {
    const dir = tempDir();
    const rowsText = [
      '\uFEFFnote,x,label',
      '"first\r\nnote",1,a',
      'plain,2,b',
      '',
      '"multi\r\nline\r\nnote",3,a',
      'end,4,b',
    ];
    const file = write(dir, 'd.csv', `${rowsText.join('\r\n')}\r\n`);
    const d = await loadDataset(file, { testFraction: 0 });
    const all = d.train.sources.map((s) => [s.line, s.row]);
    assert.deepEqual(all, [
      [2, 0],
      [4, 1],
      [6, 2],
      [9, 3],
    ]);
    assert.equal(d.train.sources[0].path, 'd.csv');
    assert.equal(d.root, dir);
    assert.equal(d.labelColumn, 'label');
    assert.match(d.train.preview[0], /^note=first note, x=1$/);
  });

  test('ragged row: names the line and both field counts', async () => {
    const dir = tempDir();
    const file = write(dir, 'r.csv', 'a,b,c,d,label\n1,2,3,4,x\n1,2,3,4,y\n1,2,3,4,x\n1,2,3,4,y\n1,2,3,4,x\n1,2,y\n');
    await rejectsInput(loadDataset(file), {
      file,
      line: 7,
      patterns: [/line 7 has 3 fields, the header has 5/, /expected 5 fields/],
    });
  });

  test('ragged row after a multi-line record names the record start', async () => {
    const dir = tempDir();
    const file = write(dir, 'r.csv', 'a,label\n"x\ny",p\n"z\nw",q,extra\n');
    await rejectsInput(loadDataset(file), { file, line: 4, patterns: [/line 4 has 3 fields, the header has 2/] });
  });

  test('unbalanced quote in a file: InputError at the opening line', async () => {
    const dir = tempDir();
    const file = write(dir, 'q.csv', 'a,label\n1,x\n2,y\n"3,x\n4,y\n');
    await rejectsInput(loadDataset(file), { file, line: 4, patterns: [/quote opened on line 4 is never closed/] });
  });

  test('the error names the file as the user gave it', async () => {
    const dir = tempDir();
    write(dir, 'e.csv', '');
    const relative = path.relative(process.cwd(), path.join(dir, 'e.csv'));
    await rejectsInput(loadDataset(relative), { file: relative, patterns: [/empty/] });
  });
});
