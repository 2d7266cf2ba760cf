/**
 * Fit once, score many times (pipeline/fit.ts, score.ts, fitStore.ts): a
 * saved fit is reused by a run that changes only how it is scored — its
 * results are those of a fresh run with the same options, and nothing is
 * trained — and refused (then fitted again) when the fit options, the data
 * or the file itself do not match.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { analyze, type AnalyzeRun } from '../../../src/compute/pipeline/analyze';
import { decodeFitFile, encodeFitFile, FitFileError } from '../../../src/compute/pipeline/fitFile';
import { FIT_FILE_VERSION } from '../../../src/compute/pipeline/fitStore';
import type { ResultsFile } from '../../../src/compute/results/schema';
import { initBackend } from '../../../src/compute/tf/backend';
import { writeBlobsCsv } from '../../helpers/cli';

let dir: string;
let file: string;

before(async () => {
  await initBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-fitcache-'));
  file = writeBlobsCsv(path.join(dir, 'blobs.csv'), {
    n: 120,
    classes: ['a', 'b', 'c'],
    seed: 3,
    separation: 1.5,
  }).file;
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

const base = { model: 'mlp' as const, hidden: [5], epochs: 3, folds: 2, seed: 4, workers: 1 };

/** The results without what differs between any two runs (when, how long). */
function comparable(r: ResultsFile): Omit<ResultsFile, 'timings' | 'createdAt'> {
  const { timings: _t, createdAt: _c, ...rest } = r;
  return rest;
}

async function run(options: Partial<AnalyzeRun>): Promise<{ results: ResultsFile; log: string[] }> {
  const log: string[] = [];
  const results = await analyze({ datasetPath: file, ...base, ...options, onFitCache: (line) => log.push(line) });
  return { results, log };
}

describe('a saved fit', () => {
  let fitPath: string;
  before(() => {
    fitPath = path.join(dir, 'fit.bin');
  });

  test(
    'is saved by the first run and reused by the next: same results, no training',
    { timeout: 300_000 },
    async () => {
      const fresh = await run({ method: 'exact' });
      const first = await run({ method: 'exact', fitPath });
      assert.ok(fs.existsSync(fitPath), 'the fit is saved');
      assert.ok('train' in first.results.timings.stages);
      assert.match(first.log.join('\n'), /no saved fit/);
      const second = await run({ method: 'exact', fitPath });
      assert.match(second.log.join('\n'), /reusing the saved fit/);
      assert.match(second.log.join('\n'), /reusing the exact scores kept for this fit/);
      assert.equal('train' in second.results.timings.stages, false, 'nothing was trained');
      assert.equal('fitHead' in second.results.timings.stages, false, 'the head was not fitted again');
      assert.deepEqual(comparable(first.results), comparable(fresh.results));
      assert.deepEqual(comparable(second.results), comparable(fresh.results));
    },
  );

  test(
    'serves other score options (top-k, method, explained samples, the reliability check) as a fresh run would',
    { timeout: 300_000 },
    async () => {
      for (const options of [
        { method: 'exact' as const, topK: 3 },
        { method: 'cg' as const, target: 'last-layer' as const, explain: 5 },
        { method: 'exact' as const, verify: 4, verifyTestPoints: 2 },
      ]) {
        const reused = await run({ ...options, fitPath });
        assert.match(reused.log.join('\n'), /reusing the saved fit/, JSON.stringify(options));
        assert.equal('train' in reused.results.timings.stages, false);
        const fresh = await run(options);
        assert.deepEqual(comparable(reused.results), comparable(fresh.results), JSON.stringify(options));
      }
    },
  );

  test(
    "keeps the data-issue pass's neighbour searches: the next run on the fit takes them, results unchanged",
    { timeout: 300_000 },
    async () => {
      const own = path.join(dir, 'fit-neighbours.bin');
      const fresh = await run({ method: 'exact' });
      const first = await run({ method: 'exact', fitPath: own });
      assert.match(first.log.join('\n'), /neighbour searches kept for later runs/);
      const second = await run({ method: 'exact', fitPath: own, topK: 4 });
      assert.match(second.log.join('\n'), /reusing the neighbour searches kept for this fit/);
      assert.doesNotMatch(second.log.join('\n'), /neighbour searches kept for later runs/, 'nothing searched again');
      assert.deepEqual(second.results.issues, fresh.results.issues);
      // A damaged file is searched again, with the same results.
      fs.writeFileSync(`${own}.neighbours`, 'damaged');
      const damaged = await run({ method: 'exact', fitPath: own });
      assert.match(damaged.log.join('\n'), /neighbour searches kept for later runs/);
      assert.deepEqual(comparable(damaged.results), comparable(fresh.results));
    },
  );

  test('kept exact scores that are damaged or too short are computed again', { timeout: 300_000 }, async () => {
    const fresh = await run({ method: 'exact', topK: 4 });
    fs.writeFileSync(`${fitPath}.scores`, 'damaged');
    const damaged = await run({ method: 'exact', topK: 4, fitPath });
    assert.match(damaged.log.join('\n'), /exact scores kept for later runs/);
    assert.deepEqual(comparable(damaged.results), comparable(fresh.results));
    // More proponents than were kept: scored again, with the longer list kept from now on.
    const many = await run({ method: 'exact', topK: 150, fitPath });
    assert.match(many.log.join('\n'), /exact scores kept for later runs/);
    assert.deepEqual(comparable(many.results), comparable((await run({ method: 'exact', topK: 150 })).results));
    const fewer = await run({ method: 'exact', topK: 4, fitPath });
    assert.match(fewer.log.join('\n'), /reusing the exact scores/);
    assert.deepEqual(comparable(fewer.results), comparable(fresh.results));
  });

  test(
    'an iterative estimator resumes from the solves kept for the fit: one more explained sample is one more solve',
    { timeout: 300_000 },
    async () => {
      for (const method of ['cg', 'lissa', 'gif'] as const) {
        const options = { method, explain: 3, ...(method === 'gif' ? {} : { target: 'full' as const }) };
        const first = await run({ ...options, fitPath });
        assert.match(first.log.join('\n'), /3 solve\(s\) kept/, method);
        const more = await run({ ...options, explain: 4, fitPath });
        assert.match(more.log.join('\n'), /resuming from 3 solve\(s\)/, method);
        assert.match(more.log.join('\n'), /4 solve\(s\) kept/, method);
        assert.deepEqual(
          comparable(more.results),
          comparable((await run({ ...options, explain: 4 })).results),
          `${method}: as a fresh run`,
        );
        const fewer = await run({ ...options, explain: 2, fitPath });
        assert.match(fewer.log.join('\n'), /resuming from 4 solve\(s\)/, method);
        assert.deepEqual(
          comparable(fewer.results),
          comparable((await run({ ...options, explain: 2 })).results),
          `${method}: a prefix`,
        );
      }
    },
  );

  test(
    'explains test samples by id after the first ones, resuming from the kept solves: as a fresh run',
    { timeout: 300_000 },
    async () => {
      const own = path.join(dir, 'fit-ids.bin');
      const options = { method: 'cg' as const, target: 'last-layer' as const, explain: 3 };
      await run({ ...options, fitPath: own });
      const one = await run({ ...options, explainIds: [10], fitPath: own });
      assert.match(one.log.join('\n'), /resuming from 3 solve\(s\)/);
      assert.match(one.log.join('\n'), /4 solve\(s\) kept/);
      assert.deepEqual(one.results.influence.explained, [0, 1, 2, 10]);
      assert.ok(one.results.test[10].proponents.length > 0, 'sample 10 has its proponents');
      assert.deepEqual(comparable(one.results), comparable((await run({ ...options, explainIds: [10] })).results));
      // One more id: one more solve; an id among the first ones is not solved twice.
      const two = await run({ ...options, explainIds: [10, 1, 12], fitPath: own });
      assert.match(two.log.join('\n'), /resuming from 4 solve\(s\)/);
      assert.deepEqual(two.results.influence.explained, [0, 1, 2, 10, 12]);
      assert.deepEqual(comparable(two.results), comparable((await run({ ...options, explainIds: [10, 12] })).results));
      // Other ids: only the kept solves of the same samples are taken.
      const other = await run({ ...options, explainIds: [12], fitPath: own });
      assert.match(other.log.join('\n'), /resuming from 3 of the 5 solve\(s\) kept/);
      assert.deepEqual(comparable(other.results), comparable((await run({ ...options, explainIds: [12] })).results));
      await assert.rejects(run({ ...options, explainIds: [100_000] }), /test sample 100000 .* is not in the test set/);
    },
  );

  test('is fitted again when a fit option changes', { timeout: 300_000 }, async () => {
    const other = await run({ method: 'exact', fitPath, seed: 5 });
    assert.match(other.log.join('\n'), /other fit options/);
    assert.ok('train' in other.results.timings.stages);
    // TracIn needs the training checkpoints, which the saved fit did not keep.
    const tracin = await run({ method: 'tracin', fitPath, seed: 5 });
    assert.match(tracin.log.join('\n'), /other fit options/);
    assert.equal(tracin.results.influence.method, 'tracin');
  });

  test(
    'is fitted again when the data changed, and after damage, without failing the run',
    { timeout: 300_000 },
    async () => {
      const own = path.join(dir, 'own.bin');
      await run({ method: 'exact', fitPath: own });
      const copy = path.join(dir, 'changed.csv');
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines[1] = lines[1].replace(/^[^,]+/, '9.999');
      fs.writeFileSync(copy, lines.join('\n'));
      const log: string[] = [];
      const changed = await analyze({
        datasetPath: copy,
        ...base,
        method: 'exact',
        fitPath: own,
        onFitCache: (l) => log.push(l),
      });
      assert.match(log.join('\n'), /other data/);
      assert.ok('train' in changed.timings.stages);

      const bytes = fs.readFileSync(own);
      for (const damaged of [bytes.subarray(0, bytes.length - 9), Buffer.from('not a fit at all'), Buffer.alloc(0)]) {
        fs.writeFileSync(own, damaged);
        const again: string[] = [];
        const r = await analyze({
          datasetPath: copy,
          ...base,
          method: 'exact',
          fitPath: own,
          onFitCache: (l) => again.push(l),
        });
        assert.match(again.join('\n'), /not usable/);
        assert.ok('train' in r.timings.stages);
        assert.equal(r.train.length, changed.train.length);
      }
    },
  );

  test(
    'saved by an older format (its factor in other coordinates: all features, or D·C square) is refused and refitted',
    { timeout: 300_000 },
    async () => {
      const own = path.join(dir, 'format-old.bin');
      const fresh = await run({ method: 'exact', fitPath: own });
      // The same file as the engine before the last format change wrote it: only the version differs, and a factor of
      // another size would be read as one of another meaning if the version were not checked.
      const older = FIT_FILE_VERSION - 1;
      const { header, arrays } = decodeFitFile(fs.readFileSync(own));
      fs.writeFileSync(own, encodeFitFile({ ...header, version: older }, arrays));
      const old = await run({ method: 'exact', fitPath: own });
      const refused = new RegExp(
        `saved by fit format ${older}, this engine reads ${FIT_FILE_VERSION} .*computed again`,
      );
      assert.match(old.log.join('\n'), refused);
      assert.ok('train' in old.results.timings.stages);
      assert.deepEqual(comparable(old.results), comparable(fresh.results));
    },
  );
});

describe('the fit file container', () => {
  test('round-trips typed arrays and its header', () => {
    const arrays = new Map<string, Float32Array | Float64Array | Int32Array>([
      ['a', Float32Array.from([1.5, -2, 3])],
      ['b', Float64Array.from([Math.PI, 1e-300])],
      ['c', Int32Array.from([7])],
    ]);
    const { header, arrays: back } = decodeFitFile(encodeFitFile({ version: 1, note: 'x' }, arrays));
    assert.equal(header.note, 'x');
    assert.deepEqual([...back.keys()], ['a', 'b', 'c']);
    for (const [k, v] of arrays) assert.deepEqual(back.get(k), v);
  });

  test('refuses a truncated, extended or foreign file with a reason', () => {
    const buf = encodeFitFile({ version: 1 }, new Map([['a', new Float64Array(10)]]));
    assert.throws(() => decodeFitFile(buf.subarray(0, buf.length - 8)), FitFileError);
    assert.throws(() => decodeFitFile(Buffer.concat([buf, Buffer.alloc(8)])), FitFileError);
    assert.throws(() => decodeFitFile(Buffer.from('{"version":1}')), FitFileError);
  });
});
