/**
 * The wire between the results webview and the extension host (postMessage).
 * The webview asks (open, relabel, review, explain, re-run, export); the host
 * checks, performs and answers with state. Both ends validate what they
 * receive with these checkers. Browser-safe: no Node, no 'vscode'.
 */
import { arrayOf, bool, type Checked, nonNegInt, nullable, num, object, oneOf, optional, str, union } from './check';

export const SPLITS = ['train', 'test'] as const;
export type Split = (typeof SPLITS)[number];
export const REVIEW_STATES = ['confirmed', 'notIssue', 'relabeled'] as const;

/** Most ids one request may carry (a bulk relabel of a whole page stays well under it). */
const MAX_IDS = 10_000;

const checkSampleRow = object({
  id: nonNegInt,
  split: oneOf(SPLITS),
  /** Path relative to the dataset root, with the line for text formats ("train.csv:17"). */
  where: str,
  label: str,
  predicted: str,
  loss: num,
  suggestedLabel: optional(str),
  suspicion: optional(num),
  likelyLabelIssue: optional(bool),
  preview: optional(str),
  review: optional(oneOf(REVIEW_STATES)),
});
export type SampleRow = Checked<typeof checkSampleRow>;

const checkInfluenceRow = object({ influence: num, sample: checkSampleRow });
export type InfluenceRow = Checked<typeof checkInfluenceRow>;

export const checkResultsView = object({
  datasetName: str,
  datasetPath: str,
  format: oneOf(['csv', 'imagefolder', 'jsonl'] as const),
  classes: arrayOf(str),
  nTrain: nonNegInt,
  nTest: nonNegInt,
  model: str,
  method: str,
  backend: str,
  trainAccuracy: nullable(num),
  testAccuracy: nullable(num),
  estimatedIssues: nonNegInt,
  reliability: nullable(object({ pearson: num, spearman: num, points: nonNegInt })),
  createdAt: str,
  stale: bool,
  /** Training samples by suspicion, most suspicious first (the first page of them). */
  suspects: arrayOf(checkSampleRow),
  /** Test samples, misclassified and high-loss first (the first page of them). */
  tests: arrayOf(checkSampleRow),
});
export type ResultsView = Checked<typeof checkResultsView>;

export const checkExplanationView = object({
  /** The sample explained: a test sample (proponents/opponents of its prediction) or a training sample (the test predictions it moves most). */
  sample: checkSampleRow,
  proponents: arrayOf(checkInfluenceRow),
  opponents: arrayOf(checkInfluenceRow),
  note: optional(str),
});
export type ExplanationView = Checked<typeof checkExplanationView>;

export const checkWebviewToHost = union({
  /** The page has loaded and listens: send the current state. */
  ready: object({}),
  openSample: object({ split: oneOf(SPLITS), id: nonNegInt }),
  revealSample: object({ split: oneOf(SPLITS), id: nonNegInt }),
  /** Relabel training samples (the host confirms first, then applies one undoable edit). */
  relabel: object({ split: oneOf(SPLITS), ids: arrayOf(nonNegInt, MAX_IDS), label: str }),
  /** Set (or, with null, clear) a review decision on training samples. */
  /** Revert the last relabel (the host checks the files still hold what it wrote). */
  undoRelabel: object({}),
  setReview: object({ ids: arrayOf(nonNegInt, MAX_IDS), state: nullable(oneOf(['confirmed', 'notIssue'] as const)) }),
  explain: object({ split: oneOf(SPLITS), id: nonNegInt }),
  rerun: object({}),
  exportReviews: object({ format: oneOf(['csv', 'json'] as const) }),
});
export type WebviewToHost = Checked<typeof checkWebviewToHost>;

export const checkHostToWebview = union({
  results: object({ view: checkResultsView }),
  /** The dataset changed on disk since the analysis (or changed back). */
  stale: object({ stale: bool }),
  progress: object({ running: bool, stage: optional(str), done: optional(num), total: optional(num), message: optional(str) }),
  explanation: object({ view: checkExplanationView }),
  /** Review states by training id after a change (absent id = no decision). */
  reviews: object({ states: arrayOf(object({ id: nonNegInt, state: oneOf(REVIEW_STATES) })) }),
  /** No results to show (the cache was cleared, or the analysis failed). */
  empty: object({ message: str }),
});
export type HostToWebview = Checked<typeof checkHostToWebview>;

export function parseWebviewToHost(raw: unknown): WebviewToHost {
  return checkWebviewToHost(raw, 'message');
}

export function parseHostToWebview(raw: unknown): HostToWebview {
  return checkHostToWebview(raw, 'message');
}

/** What the webview keeps in its state for a restore after a window reload. */
export const checkPanelState = object({ datasetPath: str });
export type PanelState = Checked<typeof checkPanelState>;
