#!/usr/bin/env node
/**
 * influence-lens: the command-line face of the engine.
 *   influence-lens analyze <dataset> [options]   — results file + summary
 *   influence-lens demo [--out dir]              — builds the MNIST example and analyzes it
 * Exit codes: 0 success, 1 internal error, 2 bad input or arguments, 130 cancelled.
 */
// First: it starts the analysis thread of `analyze` before the modules below load (earlyStart.ts).
import './cli/earlyStart';
import { Command, CommanderError } from 'commander';
import path from 'node:path';
import { CancelledError, InputError } from './compute/errors';
import { ENGINE_VERSION } from './compute/version';
import { escapeControl, escapeControlKeepLines } from './compute/data/quote';
import { oneOf, positiveInt, terminalSafe } from './cli/options';
import { addEngineOptions, inCliTerms } from './cli/flags';
import { type AnalyzeFlags, analyzeOptionsFrom, chooseTestPath, runAnalysis } from './cli/runAnalysis';
import { formatSummary } from './cli/summary';
import type { DemoFlags } from './cli/demo';

export const EXIT = { ok: 0, internal: 1, badInput: 2, cancelled: 130 } as const;

/** The engine's options (declared once in src/protocol/options.ts), then the CLI's own output flags. */
function addModelOptions(command: Command): Command {
  return addEngineOptions(command)
    .option('--json', 'print the results JSON on stdout instead of the summary')
    .option('--no-progress', 'no progress bar on stderr');
}

export function buildProgram(signal: AbortSignal): Command {
  const program = new Command();
  program
    .name('influence-lens')
    .description('Find mislabeled and influential training samples with influence functions.')
    .version(ENGINE_VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(terminalSafe(s)) });

  addModelOptions(
    program
      .command('analyze')
      .description('train a model on a dataset and compute influence and label issues')
      .argument('<dataset>', 'a CSV/TSV/JSONL file or an image folder')
      .option(
        '--test <path>',
        'a separate test file (default: a test/valid file beside the dataset ' +
          'with the same columns, see --no-test-partner)',
      )
      .option(
        '--no-test-partner',
        'do not look for a test file beside the dataset (use a split column or a 20% hold-out)',
      )
      .option('--label-column <name>', 'the label column (default: label/class/target/y, else the last)')
      .option('--out <file>', 'where to write the results', 'influence-lens-results.json')
      .option(
        '--fit-cache <file>',
        'save the trained model and head fit here; a later run with the same ' +
          'fit options on unchanged data reuses it instead of retraining',
      ),
  ).action(async (dataset: string, flags: AnalyzeFlags) => {
    const out = path.resolve(flags.out);
    const options = analyzeOptionsFrom(dataset, flags, signal);
    options.testPath = await chooseTestPath(options.datasetPath, flags, (line) =>
      process.stderr.write(`${escapeControl(line)}\n`),
    );
    const answer = await runAnalysis(options, out, flags.progress);
    // --json prints the bytes just written: no second JSON.stringify of a results object, no second encoding.
    if (flags.json) process.stdout.write(answer.json);
    process.stdout.write(flags.json ? '\n' : `${formatSummary(answer.overview, out)}\n`);
  });

  addModelOptions(
    program
      .command('demo')
      .description('build an example from real MNIST digits (10% of training labels flipped) and analyze it')
      .option('--out <dir>', 'where to write the example and its results', 'influence-lens-demo')
      .option('--samples <n>', 'digits in the example (default 3000)', positiveInt('--samples'))
      .option(
        '--format <format>',
        'analyze the images or the CSV copy',
        oneOf('--format', ['images', 'csv'] as const),
        'images',
      ),
  ).action(async (flags: DemoFlags) => {
    // Loaded only for the demo: its PNG encoder (pngjs, zlib streams) would otherwise load in every analyze's start.
    const { runDemo } = await import('./cli/demo.js');
    await runDemo(flags, signal);
  });
  return program;
}

/** After the first Ctrl-C, how long the engine may take to stop before the CLI exits anyway. */
export const CANCEL_DEADLINE_MS = 1500;

/**
 * Ctrl-C: the first aborts the analysis (it runs on a worker thread, so this
 * handler runs at once whatever the stage) and, should anything fail to stop,
 * exits 130 after CANCEL_DEADLINE_MS; a second exits 130 at once. Either way
 * no results file is written: the write checks the signal before its rename.
 */
export function ctrlCHandler(
  controller: AbortController,
  exit: (code: number) => void = (code) => process.exit(code),
  deadlineMs = CANCEL_DEADLINE_MS,
): { handler: () => void; dispose: () => void } {
  let deadline: ReturnType<typeof setTimeout> | undefined;
  const exitNow = () => {
    process.stderr.write('cancelled; no results were written\n');
    exit(EXIT.cancelled);
  };
  return {
    handler: () => {
      if (controller.signal.aborted) return exitNow();
      controller.abort();
      deadline = setTimeout(exitNow, deadlineMs);
      deadline.unref?.();
    },
    dispose: () => clearTimeout(deadline),
  };
}

export async function main(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const ctrlC = ctrlCHandler(controller);
  process.on('SIGINT', ctrlC.handler);
  try {
    await buildProgram(controller.signal).parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    }
    if (error instanceof InputError) {
      process.stderr.write(`error: ${escapeControl(inCliTerms(error.message))}\n`);
      return EXIT.badInput;
    }
    if (error instanceof CancelledError || controller.signal.aborted) {
      process.stderr.write('cancelled; no results were written\n');
      return EXIT.cancelled;
    }
    process.stderr.write(
      `internal error: ` +
        `${escapeControlKeepLines(error instanceof Error ? (error.stack ?? error.message) : String(error))}\n`,
    );
    return EXIT.internal;
  } finally {
    // The handler stays: a Ctrl-C while the process winds down still exits 130, not by the signal.
    ctrlC.dispose();
  }
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
