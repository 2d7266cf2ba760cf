/**
 * Imported first by cli.ts, so that it runs before the CLI's other modules load: `influence-lens analyze …` starts
 * its analysis thread now, and the thread's start (a new thread, then the engine bundle) overlaps the loading of the
 * CLI and the checks of its arguments. Only in the CLI's own process (a test importing cli.ts starts nothing), and
 * not for --help.
 */
import { startAnalysisThreadEarly } from '../compute/process/analyzeInWorker';

const args = process.argv.slice(2);
if (require.main === module && args[0] === 'analyze' && !args.includes('--help') && !args.includes('-h')) {
  startAnalysisThreadEarly();
}
