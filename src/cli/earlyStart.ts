/**
 * Imported first by cli.ts, so that it runs before the CLI's other modules load: `influence-lens analyze …` starts
 * its analysis thread now, and the thread's start (a new thread, then the engine bundle) overlaps the loading of the
 * CLI and the checks of its arguments. Only in the CLI's own process (a test importing cli.ts starts nothing), and
 * not for --help.
 */
import { startAnalysisThreadEarly } from '../compute/process/analyzeInWorker';

/**
 * The CLI's own process runs the file this code is in as its main module: dist/cli.js, into which esbuild bundles this
 * module. (`require.main === module` was never true there: esbuild wraps a module that names `module` and hands it a
 * module object of its own, so the thread started only once the analysis asked for it, ~0.1 s later.) Under tsx the
 * file is this source file, which nothing runs as its main module.
 */
const isCliProcess = require.main !== undefined && require.main.filename === __filename;

const args = process.argv.slice(2);
if (isCliProcess && args[0] === 'analyze' && !args.includes('--help') && !args.includes('-h')) {
  startAnalysisThreadEarly();
}
