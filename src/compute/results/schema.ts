/**
 * The results file: the contract between engine, CLI, extension host and
 * webview (DESIGN.md §3). Declared once, as runtime checkers, in
 * src/protocol/results.ts; the engine's code imports the types from here.
 */
export {
  type FeatureSource,
  type InfluenceEntry,
  type InfluenceMethod,
  type IssuesSection,
  ISSUE_LIST,
  RANKED_LABELS,
  type Reliability,
  type ResultsFile,
  SCHEMA_VERSION,
  type StageTimings,
  type TestRecord,
  type TrainRecord,
} from '../../protocol/results';
