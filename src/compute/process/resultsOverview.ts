/**
 * What the analysis thread's callers read of the results besides writing the file: the CLI's summary and the compute
 * subprocess's log lines. Everything but the per-sample records, and the first training records (the summary's table
 * of top suspects). Sent beside the file's bytes, it spares the main thread decoding and parsing the whole file after
 * the analysis (on the 10k MNIST MLP's 8.7 MB: ~0.2 s of UTF-8 decoding and JSON.parse, and ~0.1 s of collecting
 * their garbage, between the analysis's end and the process's).
 */
import type { ResultsFile, TrainRecord } from '../results/schema';

/** Training records kept: the summary's table shows at most this many. */
export const OVERVIEW_TRAIN_RECORDS = 10;

export interface ResultsOverview extends Omit<ResultsFile, 'train' | 'test'> {
  /** The first training records of the results (they are ranked by suspicion, most suspect first). */
  topTrain: TrainRecord[];
}

export function resultsOverview(results: ResultsFile, records = OVERVIEW_TRAIN_RECORDS): ResultsOverview {
  const { train, test: _test, ...rest } = results;
  return { ...rest, topTrain: train.slice(0, records) };
}
