/**
 * The results file is a checked contract (issue 14 item 3): a file the engine
 * writes passes the check whole (the checker drops unknown fields, so a field
 * missing from the contract would show as a difference), and a damaged or
 * foreign file is refused with "made by another version", naming the field.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { parseResults, readResults, ResultsFileError } from '../../../../src/host/analysis/resultsFile';
import { makeFifo } from '../../../helpers/fifo';
import { describeRun, ensureBuilt, makeTempDir, runCli, writeBlobsCsv } from '../../../helpers/cli';

const dir = makeTempDir('results-contract');
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let text: string;

before(async () => {
  await ensureBuilt();
  const data = writeBlobsCsv(path.join(dir, 'data.csv'), { n: 60, classes: ['a', 'b', 'c'], seed: 3 }).file;
  const out = path.join(dir, 'results.json');
  const run = await runCli(['analyze', data, '--out', out, '--epochs', '2', '--verify', '3', '--no-progress']);
  assert.equal(run.code, 0, describeRun(run));
  text = fs.readFileSync(out, 'utf8');
});

test('a file the engine writes passes the check whole: every field it writes is in the contract', () => {
  const raw = JSON.parse(text) as unknown;
  assert.deepEqual(parseResults(text, 'results.json'), raw);
});

test(
  'NaN written as null reads back as NaN; a missing field or a wrong type ' +
    'is "made by another version", naming the field',
  () => {
    const value = JSON.parse(text) as { train: { loss: unknown; label?: unknown }[]; model: { kind: unknown } };
    value.train[0].loss = null;
    assert.ok(Number.isNaN(parseResults(JSON.stringify(value), 'r.json').train[0].loss));
    delete value.train[1].label;
    assert.throws(
      () => parseResults(JSON.stringify(value), 'r.json'),
      (e: unknown) =>
        e instanceof ResultsFileError &&
        /r\.json was made by another version, or damaged: results\.train\[1\]\.label: expected a string/.test(
          e.message,
        ),
    );
    const other = JSON.parse(text) as { schemaVersion: number };
    other.schemaVersion = 2;
    assert.throws(
      () => parseResults(JSON.stringify(other), 'r.json'),
      /made by another version \(schema 2, this one reads 1\)/,
    );
    assert.throws(() => parseResults('{"train": [', 'r.json'), /r\.json is not valid JSON/);
  },
);

test(
  'a pipe opened as a results file: a ResultsFileError naming it, not a wait for a writer',
  { timeout: 20_000 },
  async (t) => {
    const pipe = makeFifo(t, path.join(dir, 'results-pipe.json'));
    await assert.rejects(
      readResults(pipe),
      (e: unknown) => e instanceof ResultsFileError && e.message.includes(pipe) && /not a regular file/.test(e.message),
    );
  },
);
