/** The results a panel shows, with what the host keeps beside them, and where each of their samples is now. */
import type { ResultsFile } from '../../compute/results/schema';
import type { SourceRef } from '../../compute/types';
import type { DatasetBoundary } from '../datasetBoundary';
import type { SampleLocation } from './openSample';
import { currentPlace, type Relocations } from '../relabel/relocations';
import type { ResultsIndex } from './resultsView';
import type { RowQueries } from './rowQuery';
import { currentSource, type SampleMoves } from '../relabel/sampleMoves';

export interface Shown {
  datasetPath: string;
  resultsPath: string;
  results: ResultsFile;
  index: ResultsIndex;
  /** The panel's lists, resolved per query (rebuilt when reviews change). */
  queries: RowQueries;
  fingerprint: string;
  stale: boolean;
  testPath?: string;
  /** What these results may name: from the dataset the user chose, never from the results file. */
  boundary: DatasetBoundary;
  /** Stale results: where each text record is now (empty while fresh). */
  relocations: Relocations;
  /** Samples whose files moved since the analysis (image relabels): analysed path → current path. */
  moves: SampleMoves;
}

/** Where a sample of the shown results is now: its checked file (after any move), and its record's current line. */
export function sampleLocation(shown: Shown, source: SourceRef): SampleLocation {
  const now = currentSource(shown.moves, source);
  return {
    file: shown.boundary.resolve(now.path),
    format: shown.results.dataset.format,
    ...currentPlace(shown.relocations, source),
  };
}
