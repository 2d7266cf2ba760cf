/**
 * Fuzz run (issue 12): generated CSV / JSONL inputs — ragged rows, quotes,
 * control characters, huge and tiny numbers (±1e308, 1e400), empty and
 * duplicate labels, odd fold counts, wide rows — through the engine's whole
 * path in-process: load → validation (validateRun) → featurize → train (a
 * tiny model, one epoch, in this thread). Every case must end in success or
 * an InputError (what the CLI turns into exit 0 or 2): any other exception is
 * a failure, and so is a process whose RSS passes MEMORY_LIMIT_MB.
 *
 *   node --import tsx bench/fuzz.ts [--quick] [--count N] [--seed S]
 *
 * Writes bench/results/fuzz.json (with --quick: bench/results/quick/fuzz.json,
 * git-ignored, like the other sections' quick reports) and prints one line;
 * exits 1 on a failure.
 * --quick runs 1,000 cases (CI, well under 2 minutes); the default is 10,000.
 */
import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDataset } from '../src/compute/data';
import { InputError } from '../src/compute/errors';
import { defaultModelConfig } from '../src/compute/models/defaults';
import { trainNetwork } from '../src/compute/models/train';
import { validateOptions, validateRun } from '../src/compute/pipeline/validateRun';
import { initBackend } from '../src/compute/tf/backend';

const MEMORY_LIMIT_MB = 2048;

const cell = fc.oneof(
  fc.constantFrom(
    '1',
    '-2.5',
    '0',
    '1e308',
    '-1e308',
    '1e400',
    '1e-400',
    'NA',
    '',
    '?',
    'red',
    'blue',
    'x y z w',
    '"q,""r"""',
    '"two\nlines"',
    '\x1b[2J',
    'é',
    '😀',
    'Infinity',
    '0x1F',
  ),
  fc.double({ noNaN: true }).map(String),
  fc.string({ maxLength: 12 }),
);
const label = fc.constantFrom('a', 'b', 'c', '', 'a', 'b', '\x1b]0;t\x07', 'lbl\nx');

/** Mostly well-formed rows (so most cases reach training), sometimes ragged ones. */
const table = fc.integer({ min: 1, max: 6 }).chain((cols) =>
  fc.record({
    cols: fc.constant(cols),
    rows: fc.array(
      fc.tuple(
        fc.oneof(
          { weight: 9, arbitrary: fc.array(cell, { minLength: cols, maxLength: cols }) },
          { weight: 1, arbitrary: fc.array(cell, { maxLength: 7 }) },
        ),
        label,
      ),
      { minLength: 0, maxLength: 40 },
    ),
  }),
);

export const fuzzCase = fc.record({
  format: fc.constantFrom('csv', 'jsonl'),
  table,
  folds: fc.oneof({ weight: 4, arbitrary: fc.constant(2) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 50 }) }),
  maxSamples: fc.option(fc.integer({ min: 2, max: 50 }), { nil: undefined }),
  hidden: fc.constantFrom<number[]>([4], [], [8, 4]),
});
export type FuzzCase = typeof fuzzCase extends fc.Arbitrary<infer T> ? T : never;

function render(c: FuzzCase): string {
  const { cols, rows } = c.table;
  const names = Array.from({ length: cols }, (_, k) => `f${k}`);
  if (c.format === 'csv') {
    return [`${names.join(',')},label`, ...rows.map(([cells, l]) => [...cells.slice(0, cols + 1), l].join(','))].join(
      '\n',
    );
  }
  return rows
    .map(([cells, l]) => {
      const fields = cells
        .slice(0, cols)
        .map(
          (v, k) => `${JSON.stringify(names[k])}: ${/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v) ? v : JSON.stringify(v)}`,
        );
      return `{${[...fields, `"label": ${JSON.stringify(l)}`].join(', ')}}`;
    })
    .join('\n');
}

export type Outcome = 'ok' | 'input-error';

/** One case through load → validate → featurize → train; throws on anything but an InputError. */
export async function runCase(c: FuzzCase, dir: string, backend: 'cpu' | 'wasm' = 'cpu'): Promise<Outcome> {
  const file = path.join(dir, `case.${c.format}`);
  fs.writeFileSync(file, render(c));
  const options = {
    datasetPath: file,
    folds: c.folds,
    maxSamples: c.maxSamples,
    hidden: c.hidden,
    epochs: 1,
    model: 'mlp' as const,
  };
  try {
    validateOptions(options);
    const data = await loadDataset(file, { maxSamples: c.maxSamples });
    validateRun(options, data, { backend, workers: 1 });
    const config = { ...defaultModelConfig('mlp'), hidden: c.hidden, epochs: 1 };
    await trainNetwork(config, {
      x: data.train.x,
      y: data.train.y,
      n: data.train.y.length,
      dims: data.dims,
      numClasses: data.classes.length,
    });
    return 'ok';
  } catch (error) {
    if (error instanceof InputError) return 'input-error';
    throw error;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const at = (flag: string) => (argv.includes(flag) ? Number(argv[argv.indexOf(flag) + 1]) : undefined);
  const count = at('--count') ?? (quick ? 1000 : 10_000);
  const seed = at('--seed') ?? 12;
  await initBackend('cpu');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'influence-lens-fuzz-'));
  const outcomes = { ok: 0, 'input-error': 0 };
  let peakRssMB = 0;
  let failure: string | null = null;
  const started = Date.now();
  try {
    await fc.assert(
      fc.asyncProperty(fuzzCase, async (c) => {
        outcomes[await runCase(c, dir)]++;
        const rss = process.memoryUsage.rss() / 2 ** 20;
        peakRssMB = Math.max(peakRssMB, rss);
        if (rss > MEMORY_LIMIT_MB) throw new Error(`RSS ${rss.toFixed(0)} MB over the ${MEMORY_LIMIT_MB} MB bound`);
      }),
      { numRuns: count, seed },
    );
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const report = {
    cases: outcomes.ok + outcomes['input-error'],
    requested: count,
    seed,
    outcomes,
    peakRssMB: Math.round(peakRssMB),
    seconds: (Date.now() - started) / 1000,
    failure,
    finishedAt: new Date().toISOString(),
  };
  // A quick run (CI) never overwrites the committed report of the full run.
  const reportDir = quick ? path.join(__dirname, 'results', 'quick') : path.join(__dirname, 'results');
  fs.mkdirSync(reportDir, { recursive: true });
  fs.writeFileSync(path.join(reportDir, 'fuzz.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `fuzz: ${report.cases} cases (seed ${seed}): ${outcomes.ok} analyzed, ` +
      `${outcomes['input-error']} InputError, peak RSS ${report.peakRssMB} ` +
      `MB, ${report.seconds.toFixed(0)} ` +
      `s${failure ? `\nFAILED: ${failure}` : ''}\n`,
  );
  if (failure) process.exitCode = 1;
}

if (require.main === module) void main();
