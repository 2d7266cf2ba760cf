/**
 * Pre-work validation (issue 12, items 8 and 9): refusals come before any
 * training, as InputErrors naming the option and the value that fits.
 * Before: --folds 1000 on 2 training samples trained 1001 models and then
 * died with "fold 2 returned no held-out probabilities" (exit 1, a stack
 * trace); --folds 1 was silently raised to 2; --hidden 30000,30000 grew to
 * 14 GB and died in the wasm backend.
 */
import { inCliTerms } from '../../../src/cli/flags';
import { inExtensionTerms } from '../../../src/host/analysis/jobOptions';
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../../../src/compute/errors';
import { resolveMaxExactParameters } from '../../../src/compute/pipeline/exactLimit';
import { fitSettings } from '../../../src/compute/pipeline/fit';
import { validateOptions, validateRun } from '../../../src/compute/pipeline/validateRun';
import type { LoadedDataset } from '../../../src/compute/types';
import { describeRun, ensureBuilt, makeTempDir, runCli } from '../../helpers/cli';

function dataset(nTrain: number, nTest: number, dims: number, classes = 2): LoadedDataset {
  const split = (n: number) => ({ x: new Float32Array(0), y: Int32Array.from({ length: n }, (_, i) => i % classes) });
  return {
    root: '/d',
    format: 'csv',
    classes: Array.from({ length: classes }, (_, k) => `c${k}`),
    dims,
    train: split(nTrain),
    test: split(nTest),
  } as unknown as LoadedDataset;
}

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    return error.message;
  }
  assert.fail('expected a refusal');
}

const ctx = { backend: 'wasm' as const, workers: 2, availableBytes: 16 * 2 ** 30 };

describe('validateRun', () => {
  test('fewer than 2 folds is refused before loading', () => {
    // The engine names the option, not a flag (VS Code users see it); each face names its own (inCliTerms,
    // inExtensionTerms).
    const message = refusal(() => validateOptions({ datasetPath: 'd.csv', folds: 1 }));
    assert.match(message, /the folds option is 1; expected a whole number of at least 2/);
    assert.match(inCliTerms(message), /--folds is 1; expected a whole number of at least 2/);
    assert.match(
      inExtensionTerms(message).text,
      /the influenceLens\.folds setting is 1; expected a whole number of at least 2/,
    );
  });

  test('more folds than training samples is refused with the limit', () => {
    const message = refusal(() => validateRun({ datasetPath: 'd.csv', folds: 1000 }, dataset(2, 1, 4), ctx));
    assert.match(message, /1000 cross-fitting folds .* 2 training samples.*expected at most 2 folds/);
    assert.doesNotThrow(() => validateRun({ datasetPath: 'd.csv', folds: 2 }, dataset(2, 1, 4), ctx));
  });

  test('a model past the wasm heap names --hidden with widths that fit', () => {
    const message = refusal(() =>
      validateRun({ datasetPath: 'd.csv', hidden: [30000, 30000] }, dataset(240, 60, 2), ctx),
    );
    assert.match(message, /4 GB the wasm backend can address/);
    assert.doesNotMatch(message, /--/);
    const widths = /--hidden (\d+),(\d+) or narrower/.exec(inCliTerms(message));
    assert.ok(widths, message);
    assert.doesNotThrow(() =>
      validateRun({ datasetPath: 'd.csv', hidden: [Number(widths[1]), Number(widths[2])] }, dataset(240, 60, 2), ctx),
    );
  });

  test("a logistic regression whose inputs, and their transpose, pass one thread's heap names --max-samples", () => {
    // 120,000 × 5,000 inputs: Φ̃ and Φ̃ᵀ are 2 × 2.2 GB in the thread that fits it, under a limit that holds the rest.
    const options = { datasetPath: 'd.csv', model: 'logreg' as const, maxMemoryMB: 200_000, method: 'cg' as const };
    const message = refusal(() => validateRun(options, dataset(120_000, 30_000, 5000, 3), ctx));
    assert.match(message, /fitting a logistic regression on 120,000 × 5,000 inputs needs about 4\.5 GB in one thread/);
    assert.match(message, /more than the 4 GB the wasm backend can address/);
    const samples = /--max-samples ([\d,]+)/.exec(inCliTerms(message));
    assert.ok(samples, message);
    const fitting = Number(samples[1].replace(/,/g, ''));
    const kept = (n: number) => Math.round((fitting * n) / 150_000);
    assert.doesNotThrow(() => validateRun(options, dataset(kept(120_000), kept(30_000), 5000, 3), ctx));
  });

  test('over --max-memory-mb: names --max-samples with a count that fits, and the limit', () => {
    const options = { datasetPath: 'd.csv', maxMemoryMB: 600 };
    const message = refusal(() => validateRun(options, dataset(100_000, 20_000, 784, 10), ctx));
    assert.doesNotMatch(message, /--/);
    assert.match(inCliTerms(message), /more than the limit of 600 MB \(--max-memory-mb\)/);
    assert.match(
      inExtensionTerms(message).text,
      /more than the limit of 600 MB \(the influenceLens\.maxMemoryMB setting\)/,
    );
    const k = /--max-samples (\d+)/.exec(inCliTerms(message));
    assert.ok(k, message);
    const kept = Number(k[1]);
    assert.doesNotThrow(() =>
      validateRun(options, dataset(Math.round(kept * 0.8), Math.round(kept * 0.2), 784, 10), ctx),
    );
  });

  test("--method exact factors any head the memory holds, past auto's own limit; over the memory it names cg", () => {
    // 1,500 features × 10 classes: P = 15,010, factored as P′ = 13,509 (2.2 GB at 13 bytes an entry). auto stops at a
    // smaller head (its time budget and half of the memory); asked for by name, exact was left without a factor and
    // ended in an internal error after training.
    const wideHead = dataset(800, 200, 1500, 10);
    const shape = { nTrain: 800, nTest: 200, numClasses: 10 };
    const exact = { datasetPath: 'd', model: 'logreg' as const, method: 'exact' as const, maxMemoryMB: 4096 };
    const auto = resolveMaxExactParameters({ ...exact, method: 'auto' }, shape, [15010]);
    assert.ok(auto < 15010, `auto ${auto}`);
    assert.equal(resolveMaxExactParameters(exact, shape, [15010]), 15010);
    // A head auto factors anyway keeps auto's limit: the fit's settings (the key of its saved file) stay the same.
    assert.equal(resolveMaxExactParameters(exact, shape, [650]), auto);
    assert.doesNotThrow(() => validateRun(exact, wideHead, ctx));
    // The fit (what factors the head) takes the same limit from its own model configuration.
    assert.equal(fitSettings(exact, wideHead).maxExactParameters, 15010);
    assert.equal(fitSettings({ ...exact, method: 'auto' }, wideHead).maxExactParameters, auto);
    // At the 2 GB working budget its factor does not fit: refused, naming cg among the ways out.
    const message = inCliTerms(refusal(() => validateRun({ ...exact, maxMemoryMB: undefined }, wideHead, ctx)));
    // The matrix it holds is P′ = 13,509 wide (class-contrast coordinates), not P.
    assert.match(message, /would not fit in memory.*--method cg \(exact holds the last layer's 13,509² Hessian/);
  });

  test('--method exact with --max-exact-parameters below the head is refused before training', () => {
    const options = { datasetPath: 'd', model: 'logreg' as const, method: 'exact' as const, maxExactParameters: 100 };
    const message = inCliTerms(refusal(() => validateRun(options, dataset(800, 200, 64, 10), ctx)));
    assert.match(message, /the last layer has 650 parameters, more than --max-exact-parameters 100; expected/);
    assert.match(message, /--max-exact-parameters 650 or more, or --method cg/);
    assert.doesNotThrow(() => validateRun({ ...options, maxExactParameters: 650 }, dataset(800, 200, 64, 10), ctx));
  });

  test('the default limit is 75% of the free memory', () => {
    // Within the 2 GB working budget (which a larger load would have sampled down to), not within 0.75 of 1 GB.
    const shape = dataset(30_000, 6_000, 784, 10);
    assert.doesNotThrow(() => validateRun({ datasetPath: 'd.csv' }, shape, { ...ctx, availableBytes: 8 * 2 ** 30 }));
    assert.match(
      refusal(() => validateRun({ datasetPath: 'd.csv' }, shape, { ...ctx, availableBytes: 1 * 2 ** 30 })),
      /75% of the free memory/,
    );
  });
});

describe('through the CLI: exit 2 before training', () => {
  const dir = makeTempDir('validate');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const csv = path.join(dir, 'four.csv');
  fs.writeFileSync(csv, 'x,label\n1,a\n2,a\n3,b\n4,b\n');
  const small = path.join(dir, 'small.csv');
  fs.writeFileSync(
    small,
    ['x,y,label', ...Array.from({ length: 60 }, (_, i) => `${i % 7},${(i * 3) % 11},${'ab'[i % 2]}`)].join('\n'),
  );
  const run = async (args: string[]) => {
    await ensureBuilt();
    return runCli([
      'analyze',
      ...args,
      '--out',
      path.join(dir, 'r.json'),
      '--no-progress',
      '--workers',
      '1',
      '--epochs',
      '1',
    ]);
  };

  test('--folds 1000 with --max-samples 3', async () => {
    const r = await run([csv, '--folds', '1000', '--max-samples', '3']);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /^error: .*expected at most \d+ folds/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('--folds 1', async () => {
    const r = await run([csv, '--folds', '1']);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /--folds must be a whole number of at least 2/);
  });

  test('--method exact with --max-exact-parameters 5 (it trained, then failed with an internal error)', async () => {
    const r = await run([small, '--method', 'exact', '--max-exact-parameters', '5']);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /^error: .*--method exact factors the last layer's Hessian.*or --method cg/);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
    assert.equal(fs.existsSync(path.join(dir, 'r.json')), false);
  });

  test('--hidden 30000,30000', async () => {
    const r = await run([small, '--hidden', '30000,30000']);
    assert.equal(r.code, 2, describeRun(r));
    assert.match(r.stderr, /^error: .*would not fit in memory.*--hidden \d+,\d+ or narrower/);
    assert.equal(fs.existsSync(path.join(dir, 'r.json')), false);
  });
});
