/**
 * What the extension looks at before an analysis (datasetProbe.ts): the columns of a table's header and the label
 * the engine would take, read from the file's start only; a pipe in the dataset's place is refused at once.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { NotRegularFileError } from '../../../../src/compute/regularFile';
import { probeDataset } from '../../../../src/host/analysis/datasetProbe';
import { makeFifo } from '../../../helpers/fifo';

const dir = mkdtempSync(path.join(os.tmpdir(), 'il-probe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

test('a CSV’s header after a BOM, a TSV, a JSONL file’s first object, and a folder', async () => {
  assert.deepEqual(await probeDataset(write('a.csv', '\ufeffx1,Class,x2\n1,a,2\n')), {
    kind: 'csv',
    columns: ['x1', 'Class', 'x2'],
    labelGuess: 'Class',
    ambiguous: false,
  });
  assert.deepEqual(await probeDataset(write('b.tsv', 'u\tv\n1\t2\n')), {
    kind: 'csv',
    columns: ['u', 'v'],
    labelGuess: 'v',
    ambiguous: true,
  });
  assert.deepEqual(await probeDataset(write('c.jsonl', '\n{"text": "hi", "label": "a"}\n')), {
    kind: 'jsonl',
    columns: ['text', 'label'],
    labelGuess: 'label',
    ambiguous: false,
  });
  mkdirSync(path.join(dir, 'images'));
  assert.equal((await probeDataset(path.join(dir, 'images'))).kind, 'folder');
});

test('a pipe named like a CSV: refused, not waited on', { timeout: 20_000 }, async (t) => {
  const pipe = makeFifo(t, path.join(dir, 'pipe.csv'));
  // The message is what the user is shown: it names the file.
  await assert.rejects(
    probeDataset(pipe),
    (e: unknown) =>
      e instanceof NotRegularFileError && e.message === `${pipe} is not a regular file (a pipe, a device or a folder)`,
  );
});
