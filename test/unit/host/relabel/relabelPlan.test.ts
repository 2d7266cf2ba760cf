import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { DelimitedReader } from '../../../../src/compute/data/csvReader';
import {
  classSegment,
  invertPlan,
  planRelabel as planWithInfo,
  type PlannedEdit,
  type RelabelTarget,
} from '../../../../src/host/relabel/relabelPlan';
import { resolveInside } from '../../../../src/host/paths';
import { digestAtLine } from '../../../../src/host/relabel/recordLocator';

const root = mkdtempSync(path.join(os.tmpdir(), 'il-relabel-'));
after(() => rmSync(root, { recursive: true, force: true }));

/**
 * planRelabel as the extension calls it, for results the engine made from
 * the text as it is now: every target carries the fingerprint of the record
 * at its line, paths resolve inside `root`, and the lines are trusted.
 */
function planRelabel(
  info: { root: string; format: 'csv' | 'jsonl' | 'imagefolder'; labelColumn: string },
  targets: RelabelTarget[],
  label: string,
  readText: (abs: string) => string,
) {
  const withDigests = targets.map((t) => {
    if (info.format === 'imagefolder' || t.source.line === undefined) return t;
    const abs = path.resolve(info.root, ...t.source.path.split('/'));
    let digest: string | undefined;
    try {
      digest = digestAtLine(readText(abs), info.format, abs, t.source.line);
    } catch {
      digest = undefined;
    }
    return { ...t, source: { ...t.source, digest: digest ?? 'no-record-there' } };
  });
  return planWithInfo(
    { ...info, resolve: (rel) => resolveInside(info.root, rel), linesTrusted: () => true },
    withDigests,
    label,
    readText,
  );
}

function apply(text: string, edits: PlannedEdit[]): string {
  let out = text;
  for (const e of [...edits].sort(
    (a, b) => (b.kind === 'replace' ? b.start : 0) - (a.kind === 'replace' ? a.start : 0),
  )) {
    if (e.kind === 'replace') out = out.slice(0, e.start) + e.newText + out.slice(e.end);
  }
  return out;
}

function labels(text: string, column: number, delimiter = ','): Map<number, string> {
  const reader = new DelimitedReader(text, delimiter, 'x');
  reader.next();
  const out = new Map<number, string>();
  while (reader.next()) out.set(reader.startLine, reader.fields[column]);
  return out;
}

const csv = [
  'id,"the label",note',
  '1,cat,"multi',
  'line, note"',
  '2,"dog",x',
  '3,  cat  ,"a ""quoted"" note"',
  '',
].join('\r\n');
const csvFile = path.join(root, 'data.csv');
const read = () => csv;

test('CSV: replaces exactly the label field of each record, keeping quoting and CRLF', () => {
  const plan = planRelabel(
    { root, format: 'csv', labelColumn: 'the label' },
    [
      { source: { path: 'data.csv', line: 2, row: 0 }, label: 'cat' },
      { source: { path: 'data.csv', line: 4, row: 1 }, label: 'dog' },
      { source: { path: 'data.csv', line: 5, row: 2 }, label: 'cat' },
    ],
    'fox, red',
    read,
  );
  assert.deepEqual(plan.problems, []);
  assert.equal(plan.edits.length, 3);
  assert.ok(plan.edits.every((e) => e.kind === 'replace' && e.file === csvFile));
  const edited = apply(csv, plan.edits);
  assert.deepEqual([...labels(edited, 1).values()], ['fox, red', 'fox, red', 'fox, red']);
  assert.equal(
    edited,
    csv.replace(',cat,"multi', ',"fox, red","multi').replace('"dog"', '"fox, red"').replace('  cat  ', '"fox, red"'),
  );
});

test('CSV: a record whose label changed since the analysis is refused, the others go ahead', () => {
  const plan = planRelabel(
    { root, format: 'csv', labelColumn: 'the label' },
    [
      { source: { path: 'data.csv', line: 2 }, label: 'dog' },
      { source: { path: 'data.csv', line: 4 }, label: 'dog' },
      { source: { path: 'data.csv', line: 3 }, label: 'cat' },
    ],
    'fox',
    read,
  );
  assert.equal(plan.edits.length, 1);
  assert.match(plan.problems[0].reason, /line 2 now has the label 'cat', not 'dog'/);
  // Line 3 continues a quoted field: read as a record start it is garbage, and is refused.
  assert.match(plan.problems[1].reason, /line 3/);
});

test('CSV: same label is a no-op, duplicates are planned once, a missing column is reported', () => {
  const same = planRelabel(
    { root, format: 'csv', labelColumn: 'the label' },
    [{ source: { path: 'data.csv', line: 2 }, label: 'cat' }],
    'cat',
    read,
  );
  assert.equal(same.unchanged, 1);
  assert.equal(same.edits.length, 0);
  const dup = planRelabel(
    { root, format: 'csv', labelColumn: 'the label' },
    [
      { source: { path: 'data.csv', line: 4 }, label: 'dog' },
      { source: { path: 'data.csv', line: 4 }, label: 'dog' },
    ],
    'fox',
    read,
  );
  assert.equal(dup.edits.length, 1);
  const missing = planRelabel(
    { root, format: 'csv', labelColumn: 'species' },
    [{ source: { path: 'data.csv', line: 2 }, label: 'cat' }],
    'fox',
    read,
  );
  assert.match(missing.problems[0].reason, /no column 'species'/);
});

test("TSV and semicolon files use the engine's delimiter rules", () => {
  const tsv = 'a\tlabel\n1,5\tcat\n';
  const plan = planRelabel(
    { root, format: 'csv', labelColumn: 'label' },
    [{ source: { path: 'x.tsv', line: 2 }, label: 'cat' }],
    'dog',
    () => tsv,
  );
  assert.equal(apply(tsv, plan.edits), 'a\tlabel\n1,5\tdog\n');
  const semi = 'a;label\n1,5;cat\n';
  const plan2 = planRelabel(
    { root, format: 'csv', labelColumn: 'label' },
    [{ source: { path: 'x.csv', line: 2 }, label: 'cat' }],
    'dog',
    () => semi,
  );
  assert.equal(apply(semi, plan2.edits), 'a;label\n1,5;dog\n');
});

test('paths outside the dataset root are refused', () => {
  const plan = planRelabel(
    { root, format: 'csv', labelColumn: 'the label' },
    [
      { source: { path: '../escape.csv', line: 2 }, label: 'cat' },
      { source: { path: '/etc/passwd', line: 2 }, label: 'cat' },
    ],
    'fox',
    read,
  );
  assert.equal(plan.edits.length, 0);
  assert.match(plan.problems[0].reason, /outside the dataset folder/);
  assert.match(plan.problems[1].reason, /is an absolute path/);
});

test('a symbolic link that leads out of the root is refused', () => {
  const outside = mkdtempSync(path.join(os.tmpdir(), 'il-outside-'));
  try {
    writeFileSync(path.join(outside, 'data.csv'), csv);
    symlinkSync(outside, path.join(root, 'link'));
    const plan = planRelabel(
      { root, format: 'csv', labelColumn: 'the label' },
      [{ source: { path: 'link/data.csv', line: 2 }, label: 'cat' }],
      'fox',
      read,
    );
    assert.match(plan.problems[0]?.reason ?? '', /through a link/);
  } finally {
    rmSync(outside, { recursive: true, force: true });
  }
});

test('JSONL: replaces the label value only, keeping its type and the rest of the line', () => {
  const text = '{"x": 1.50, "label": "cat", "meta": {"label": "nested"}}\r\n\n{"label":3,"x":[1,2]}\n';
  const plan = planRelabel(
    { root, format: 'jsonl', labelColumn: 'label' },
    [
      { source: { path: 'd.jsonl', line: 1 }, label: 'cat' },
      { source: { path: 'd.jsonl', line: 3 }, label: '3' },
    ],
    '4',
    () => text,
  );
  assert.deepEqual(plan.problems, []);
  assert.equal(
    apply(text, plan.edits),
    '{"x": 1.50, "label": "4", "meta": {"label": "nested"}}\r\n\n{"label":4,"x":[1,2]}\n',
  );
});

test('image folders: moves the file into the new class folder, below a split folder too', () => {
  const plan = planRelabel(
    { root, format: 'imagefolder', labelColumn: '' },
    [
      { source: { path: 'cat/001.png' }, label: 'cat' },
      { source: { path: 'train/train/002.png' }, label: 'train' },
      { source: { path: 'test/cat/sub/003.jpg' }, label: 'cat' },
    ],
    'dog',
    () => '',
  );
  assert.deepEqual(plan.problems, []);
  assert.deepEqual(
    plan.edits.map((e) => (e.kind === 'move' ? [path.relative(root, e.from), path.relative(root, e.to)] : [])),
    [
      [path.join('cat', '001.png'), path.join('dog', '001.png')],
      [path.join('train', 'train', '002.png'), path.join('train', 'dog', '002.png')],
      [path.join('test', 'cat', 'sub', '003.jpg'), path.join('test', 'dog', 'sub', '003.jpg')],
    ],
  );
  const bad = planRelabel(
    { root, format: 'imagefolder', labelColumn: '' },
    [{ source: { path: 'cat/1.png' }, label: 'cat' }],
    '../x',
    () => '',
  );
  assert.match(bad.problems[0].reason, /cannot name a class folder/);
});

test('class segment: the folder the engine reads the class from, never a deeper one of the same name', () => {
  assert.equal(classSegment(['cat', 'a.png'], 'cat'), 0);
  assert.equal(classSegment(['train', 'cat', 'a.png'], 'cat'), 1);
  assert.equal(classSegment(['train', 'a.png'], 'train'), 0);
  assert.equal(classSegment(['train', 'train', 'a.png'], 'train'), 1);
  assert.equal(classSegment(['dog', 'a.png'], 'cat'), -1);
  assert.equal(classSegment(['cat.png'], 'cat.png'), -1);
  // A subfolder of another class that happens to be named like the label is not a class folder.
  assert.equal(classSegment(['dog', 'cat', 'a.png'], 'cat'), -1);
  // In a separate test folder the classes are its own folders: a "train" folder there is a class.
  assert.equal(classSegment(['train', 'train', 'a.png'], 'train', false), 0);
});

test('image folders with a separate test folder: each image moves within the folder that holds it', () => {
  // The dataset folder is named like one class and the test folder like another (both hold cat/ and dog/): the
  // results' paths start with those names, which must not be taken for class folders.
  const base = path.join(root, 'split-apart');
  const info = {
    root: base,
    format: 'imagefolder' as const,
    labelColumn: '',
    folders: [path.join(base, 'cat'), path.join(base, 'dog')],
    resolve: (rel: string) => resolveInside(base, rel),
    linesTrusted: () => true,
  };
  const plan = planWithInfo(
    info,
    [
      { source: { path: 'cat/cat/1.png' }, label: 'cat' },
      { source: { path: 'dog/cat/2.png' }, label: 'cat' },
    ],
    'dog',
    () => '',
  );
  assert.deepEqual(plan.problems, []);
  assert.deepEqual(
    plan.edits.map((e) => (e.kind === 'move' ? path.relative(base, e.to) : '')),
    [path.join('cat', 'dog', '1.png'), path.join('dog', 'dog', '2.png')],
  );
  const wrongClass = planWithInfo(info, [{ source: { path: 'cat/dog/3.png' }, label: 'cat' }], 'bird', () => '');
  assert.match(wrongClass.problems[0].reason, /its class folder is not named 'cat'/);
});

test('a new class folder name the analysis would skip, misread or Windows could not create is refused', () => {
  const cases: [string, RegExp][] = [
    ['.dog', /hidden, and the analysis skips it/],
    ['..', /hidden/],
    ['train', /read a train\/ folder as the training split/],
    ['Training', /training split/],
    ['CON', /Windows cannot create/],
    ['lpt1.txt', /Windows cannot create/],
    ['dog.', /Windows cannot create/],
    ['a/b', /cannot hold/],
    ['x:y', /cannot hold/],
  ];
  for (const [label, reason] of cases) {
    const plan = planRelabel(
      { root, format: 'imagefolder', labelColumn: '' },
      [{ source: { path: 'cat/1.png' }, label: 'cat' }],
      label,
      () => '',
    );
    assert.equal(plan.edits.length, 0, label);
    assert.match(plan.problems[0].reason, reason, label);
  }
  // Below a split folder "train" is an ordinary class name; "console" is no device name.
  const fine = (file: string, label: string) =>
    planRelabel(
      { root, format: 'imagefolder', labelColumn: '' },
      [{ source: { path: file }, label: 'cat' }],
      label,
      () => '',
    );
  assert.deepEqual(fine('train/cat/1.png', 'train').problems, []);
  assert.deepEqual(fine('cat/2.png', 'console').problems, []);
});

test('an empty new label is refused', () => {
  const plan = planRelabel(
    { root, format: 'csv', labelColumn: 'the label' },
    [{ source: { path: 'data.csv', line: 2 }, label: 'cat' }],
    '  ',
    read,
  );
  assert.equal(plan.edits.length, 0);
  assert.match(plan.problems[0].reason, /empty/);
});

test('the inverse plan restores the text exactly, with several edits in one file', () => {
  const plan = planRelabel(
    { root, format: 'csv', labelColumn: 'the label' },
    [
      { source: { path: 'data.csv', line: 5 }, label: 'cat' },
      { source: { path: 'data.csv', line: 2 }, label: 'cat' },
      { source: { path: 'data.csv', line: 4 }, label: 'dog' },
    ],
    'a much longer, quoted label',
    read,
  );
  const edited = apply(csv, plan.edits);
  const inverse = invertPlan(plan.edits);
  for (const e of inverse) if (e.kind === 'replace') assert.equal(edited.slice(e.start, e.end), e.oldText);
  assert.equal(apply(edited, inverse), csv);
  assert.deepEqual(invertPlan([{ kind: 'move', from: '/r/cat/1.png', to: '/r/dog/1.png' }]), [
    { kind: 'move', from: '/r/dog/1.png', to: '/r/cat/1.png' },
  ]);
});
