/**
 * The wire between the review panel (webview) and the extension host
 * (postMessage). The page asks (rows of a list, open, relabel, review,
 * explain, re-run, export); the host checks, performs and answers with state.
 * Lists can hold 100,000 samples, so the page never gets them whole: it asks
 * for the window it shows (`queryRows`) and the host answers with `rows`.
 * Both ends validate what they receive with these checkers. Browser-safe: no
 * Node, no 'vscode'.
 */
import {
  arrayOf,
  bool,
  type Checked,
  intInRange,
  nonNegInt,
  nullable,
  num,
  object,
  oneOf,
  optional,
  str,
  union,
} from './check';

export const SPLITS = ['train', 'test'] as const;
export type Split = (typeof SPLITS)[number];
export const REVIEW_STATES = ['confirmed', 'notIssue', 'relabeled'] as const;
export type ReviewState = (typeof REVIEW_STATES)[number];

/*
 * The wire's limits, each declared once here: the page's checks below
 * enforce them, and the host builds its messages within them (truncating
 * with a note the panel shows), so a big dataset never produces a message
 * the page drops. A limit guards the page against a message it could not
 * draw or that would stall it, not against the user's data: where a number
 * was arbitrary it is generous.
 */

/** Most ids one request may carry (a bulk relabel of a long selection stays under it). */
export const MAX_IDS = 10_000;
/** Most rows one `queryRows` may ask for. */
export const MAX_PAGE = 500;
/** Most (predicted, actual) pairs the scatter plot gets; more are thinned evenly. */
export const MAX_PAIRS = 20_000;
/**
 * Most class names the page gets (filters, the relabel picker). ImageNet has
 * 1,000 and the largest label sets in use tens of thousands; the names are
 * short, so this costs little.
 */
export const MAX_CLASSES = 100_000;
/**
 * Most classes the given × suggested table is drawn for: it is C × C
 * buttons, and 200 classes are already 40,000 of them. Beyond it the page
 * gets no table and says why (filtering by label still works).
 */
export const MAX_CONFUSION_CLASSES = 200;
/** Most labels in a row's out-of-sample ranking (the engine keeps 5; the picker lists the other classes after them). */
export const MAX_RANKED_LABELS = 100;
/** Most bins of the suspicion histogram. */
export const MAX_HISTOGRAM_BINS = 1000;
/** Most proponents (and, apart, opponents) one explanation carries. */
export const MAX_INFLUENCERS = 1000;
/** Most test samples named as the reliability check's test points. */
export const MAX_CHECKED_TESTS = 1000;
/** Most fields (columns) the detail pane lists for one record; wider records are cut with a note. */
export const MAX_FIELDS = 2000;
/** Most characters of one record's text (or of one field) the detail pane gets; longer ones are cut with a note. */
export const MAX_RECORD_CHARS = 100_000;
/** Influencers the detail pane lists per side (the Influencers tab has the full lists). */
export const DETAIL_INFLUENCERS = 5;

const checkRankedLabel = object({ label: str, probability: num });

const checkSampleRow = object({
  id: nonNegInt,
  split: oneOf(SPLITS),
  /** Path relative to the dataset root, with the line for text formats ("train.csv:17"). */
  where: str,
  /** Stale results: where the record is now ("now at line 12", "no longer in the file"), when it moved. */
  relocated: optional(str),
  label: str,
  predicted: str,
  loss: num,
  suggestedLabel: optional(str),
  /** Out-of-sample probabilities of the suggested and the given label. */
  suggestedProbability: optional(num),
  givenProbability: optional(num),
  /** Out-of-sample label ranking for the relabel picker, most probable first. */
  rankedLabels: optional(arrayOf(checkRankedLabel, MAX_RANKED_LABELS)),
  /**
   * The engine's suspicion: a weighted mean of percentile ranks of its
   * signals, or an evidence signal's floor where that is higher
   * (mislabel/suspicion.ts), in [0, 1]. A rank score, not a probability; the
   * page shows the rank (`suspicionRank`) instead.
   */
  suspicion: optional(num),
  /** 1-based place of the sample when every training sample is ordered by suspicion (1 = most suspicious). */
  suspicionRank: optional(intInRange(1, Number.MAX_SAFE_INTEGER)),
  selfInfluence: optional(num),
  likelyLabelIssue: optional(bool),
  /** The record's values (tabular, text). */
  preview: optional(str),
  /** A webview URI of the image itself (image samples). */
  thumbnail: optional(str),
  review: optional(oneOf(REVIEW_STATES)),
});
export type SampleRow = Checked<typeof checkSampleRow>;

const checkInfluenceRow = object({ influence: num, sample: checkSampleRow });
export type InfluenceRow = Checked<typeof checkInfluenceRow>;

/** Kinds of data issue (issue 17) the lists filter by. */
export const ISSUE_KINDS = ['labelIssue', 'duplicate', 'leakage', 'labelConflict', 'outlier', 'harmful'] as const;
export type IssueKind = (typeof ISSUE_KINDS)[number];
/** Most duplicate sets the Issues tab gets (largest first), and members shown per set. */
export const MAX_DUPLICATE_SETS = 200;
export const MAX_SET_MEMBERS = 8;
/** Most harmful (and, apart, helpful) training samples the Issues tab lists. */
export const MAX_HARMFUL = 200;
/** Most rows of the per-class table and of the confused pairs. */
export const MAX_CLASS_ROWS = 1000;
export const MAX_CONFUSED_PAIRS = 20;

/** The data-issue overview (issue 17), built by src/host/panel/issuesView.ts from the results' issues section. */
const checkIssuesView = object({
  /** Samples (or sets) per kind, as the engine counted them. */
  counts: object({
    labelIssue: nonNegInt,
    duplicate: nonNegInt,
    duplicateSamples: nonNegInt,
    leakage: nonNegInt,
    labelConflict: nonNegInt,
    outlier: nonNegInt,
    testOutliers: nonNegInt,
    harmful: nonNegInt,
    underrepresented: nonNegInt,
  }),
  outlierCut: num,
  outlierDefinition: str,
  duplicateCut: num,
  search: str,
  duplicateSets: arrayOf(
    object({
      exact: bool,
      leakage: bool,
      labelConflict: bool,
      /** Members in total (the set may show fewer). */
      size: nonNegInt,
      members: arrayOf(checkSampleRow, MAX_SET_MEMBERS),
    }),
    MAX_DUPLICATE_SETS,
  ),
  harmfulDefinition: str,
  /** Most harmful first; influence = predicted change of the total test loss if removed (negative = harmful). */
  harmful: arrayOf(checkInfluenceRow, MAX_HARMFUL),
  helpful: arrayOf(checkInfluenceRow, MAX_HARMFUL),
  /** The remove-and-retrain check of these results (null: not run). */
  removal: nullable(
    object({
      removed: nonNegInt,
      predictedLossChange: num,
      actualLossChange: num,
      testLossBefore: num,
      predictedTestLossAfter: num,
      testLossAfter: num,
      accuracyBefore: nullable(num),
      accuracyAfter: nullable(num),
    }),
  ),
  /** k the check removes unless the user picks another: 1% of the training set. */
  defaultRemoval: nonNegInt,
  classes: arrayOf(
    object({
      label: str,
      train: nonNegInt,
      test: nonNegInt,
      trainShare: num,
      underrepresented: bool,
      issueShare: num,
      labelIssues: nonNegInt,
      outliers: nonNegInt,
      duplicates: nonNegInt,
    }),
    MAX_CLASS_ROWS,
  ),
  confusedPairs: arrayOf(object({ a: str, b: str, count: nonNegInt }), MAX_CONFUSED_PAIRS),
});
export type IssuesView = Checked<typeof checkIssuesView>;

export const checkResultsView = object({
  datasetName: str,
  datasetPath: str,
  format: oneOf(['csv', 'imagefolder', 'jsonl'] as const),
  classes: arrayOf(str, MAX_CLASSES),
  nTrain: nonNegInt,
  nTest: nonNegInt,
  /** Where the test split came from ("split column", "hold-out 20%", …). */
  testSource: str,
  model: str,
  /** The model has hidden layers (an MLP or CNN): a last-layer check does not cover them. */
  hiddenLayers: optional(bool),
  parameters: nonNegInt,
  method: str,
  backend: str,
  trainAccuracy: nullable(num),
  testAccuracy: nullable(num),
  estimatedIssues: nonNegInt,
  /** The count's likely range (absent for older results). */
  estimatedRange: optional(object({ low: nonNegInt, high: nonNegInt })),
  /** One sentence: how suspicion was made on this dataset (absent for older results). */
  suspicionExplanation: optional(str),
  /** One sentence: which model was used and why (absent unless the engine chose it). */
  modelReason: optional(str),
  reliability: nullable(
    object({
      pearson: num,
      spearman: num,
      points: nonNegInt,
      /** 'last-layer' (refit on frozen features) or 'full' (the whole network retrained). */
      retrain: str,
      /** Training samples removed, one retraining each. */
      removals: optional(nonNegInt),
      /** The test samples whose loss change was measured (where they are, "test.csv:17"). */
      tests: optional(arrayOf(str, MAX_CHECKED_TESTS)),
      /** How many test samples were measured (tests may list fewer). */
      testCount: optional(nonNegInt),
      warning: optional(str),
      pairs: arrayOf(object({ predicted: num, actual: num }), MAX_PAIRS),
    }),
  ),
  /**
   * Counts of training suspicion in equal bins over [0, 1], and the suspicion at the estimated cut (null: none
   * estimated).
   */
  suspicionHistogram: object({ counts: arrayOf(nonNegInt, MAX_HISTOGRAM_BINS), cut: nullable(num) }),
  /**
   * Training samples by given label (rows) and suggested label (columns), in
   * `classes` order; null when there are more than MAX_CONFUSION_CLASSES
   * classes (a note says so).
   */
  confusion: nullable(arrayOf(arrayOf(nonNegInt, MAX_CONFUSION_CLASSES), MAX_CONFUSION_CLASSES)),
  warnings: arrayOf(str),
  /** What the host left out or cut to fit the wire's limits, in words the panel shows. */
  notes: optional(arrayOf(str)),
  createdAt: str,
  stale: bool,
  /** Data issues beyond labels; absent for results without them. */
  issues: optional(checkIssuesView),
});
export type ResultsView = Checked<typeof checkResultsView>;

export const checkExplanationView = object({
  /**
   * The sample explained: a test sample (proponents support its given label,
   * opponents pull it away from it) or a training sample (the test samples it
   * moves most). Influence is the predicted rise of the test sample's loss on
   * its given label if the training sample were removed.
   */
  sample: checkSampleRow,
  proponents: arrayOf(checkInfluenceRow, MAX_INFLUENCERS),
  opponents: arrayOf(checkInfluenceRow, MAX_INFLUENCERS),
  /**
   * One line on why it matters ("4 of its 5 strongest opponents are labeled 7: they pull this 1 toward 7"); rules in
   * src/host/panel/whyLine.ts.
   */
  why: optional(str),
  note: optional(str),
});
export type ExplanationView = Checked<typeof checkExplanationView>;

/**
 * Everything about one sample, for the detail pane: the whole record as the
 * file holds it now (every column with its value, the full text), the
 * image, the out-of-sample probabilities, the signals behind the suspicion
 * and the sample's own strongest influencers.
 */
export const checkDetailView = object({
  sample: checkSampleRow,
  /** Each column (CSV) or field (JSONL) with its value, in the file's order; empty for images. */
  fields: arrayOf(object({ name: str, value: str }), MAX_FIELDS),
  /** The record's whole text as the file holds it now (text formats). */
  text: optional(str),
  /** Where the record was read, or why it could not be ("no longer in the file: the analysis's preview is shown"). */
  recordNote: optional(str),
  /** The image at full size (image samples): a webview URI. */
  image: optional(str),
  /** Out-of-sample probability per class, most probable first (training samples). */
  probabilities: arrayOf(object({ label: str, probability: num }), MAX_RANKED_LABELS),
  /** What the probabilities leave out ("the other 7 classes share 0.04"). */
  probabilityNote: optional(str),
  /**
   * The signals the suspicion averages: value, percentile rank among the training samples (1 = most suspicious),
   * weight.
   */
  signals: arrayOf(object({ name: str, value: num, percentile: num, weight: num, meaning: str })),
  /** How the signals give the suspicion (their weighted mean, or a floor that lifted it), one or two sentences. */
  suspicionNote: optional(str),
  /**
   * The strongest influencers (a test sample's proponents and opponents; the test samples a training sample moves
   * most).
   */
  proponents: arrayOf(checkInfluenceRow, DETAIL_INFLUENCERS),
  opponents: arrayOf(checkInfluenceRow, DETAIL_INFLUENCERS),
});
export type DetailView = Checked<typeof checkDetailView>;

export const LISTS = ['suspects', 'tests'] as const;
export type ListName = (typeof LISTS)[number];
export const SORT_KEYS = ['suspicion', 'selfInfluence', 'loss', 'misclassifiedFirst'] as const;
export const REVIEW_FILTERS = ['all', 'unreviewed', ...REVIEW_STATES] as const;

/** Which rows of a list, in which order. Absent filters keep everything. */
export const checkRowQuery = object({
  list: oneOf(LISTS),
  sort: oneOf(SORT_KEYS),
  /** The given label. */
  label: optional(str),
  /** The suggested label (suspects) or the predicted one (tests). */
  other: optional(str),
  review: optional(oneOf(REVIEW_FILTERS)),
  /** Only the samples counted among the estimated label errors. */
  likelyOnly: optional(bool),
  /** Only the samples flagged with this kind of data issue (issue 17). */
  issue: optional(oneOf(ISSUE_KINDS)),
});
export type RowQuery = Checked<typeof checkRowQuery>;

export const checkWebviewToHost = union({
  /** The page has loaded and listens: send the current state. */
  ready: object({}),
  /** Rows [offset, offset + count) of a list under a query; answered by `rows` with the same requestId. */
  queryRows: object({ requestId: nonNegInt, query: checkRowQuery, offset: nonNegInt, count: intInRange(1, MAX_PAGE) }),
  openSample: object({ split: oneOf(SPLITS), id: nonNegInt }),
  revealSample: object({ split: oneOf(SPLITS), id: nonNegInt }),
  /** Relabel training samples (the host confirms first, then applies one undoable edit). */
  relabel: object({ split: oneOf(SPLITS), ids: arrayOf(nonNegInt, MAX_IDS), label: str }),
  /**
   * Each training sample to its own suggested label, as one undoable edit
   * after one confirmation; all or nothing: a record that cannot be edited
   * safely stops the whole bulk (answered by `refused`).
   */
  acceptSuggestions: object({ ids: arrayOf(nonNegInt, MAX_IDS) }),
  /** The ids of rows [offset, offset + count) of a list under a query (select all, a range); answered by `ids`. */
  queryIds: object({ requestId: nonNegInt, query: checkRowQuery, offset: nonNegInt, count: intInRange(1, MAX_IDS) }),
  /** Everything about one sample, for the detail pane; answered by `detail`. */
  detail: object({ split: oneOf(SPLITS), id: nonNegInt }),
  /** Revert the last relabel (the host checks the files still hold what it wrote). */
  undoRelabel: object({}),
  /** Set (or, with null, clear) a review decision on training samples. */
  setReview: object({ ids: arrayOf(nonNegInt, MAX_IDS), state: nullable(oneOf(['confirmed', 'notIssue'] as const)) }),
  explain: object({ split: oneOf(SPLITS), id: nonNegInt }),
  rerun: object({}),
  /** Measure influence against actual retraining on this dataset. */
  checkReliability: object({}),
  exportReviews: object({ format: oneOf(['csv', 'json'] as const) }),
  /**
   * Refit without the `count` most harmful training samples and report the test loss, predicted and actual (a re-run).
   */
  removeHarmful: object({ count: intInRange(1, Number.MAX_SAFE_INTEGER) }),
  /** Open several samples side by side (a duplicate set). */
  openSamples: object({ samples: arrayOf(object({ split: oneOf(SPLITS), id: nonNegInt }), MAX_SET_MEMBERS) }),
});
export type WebviewToHost = Checked<typeof checkWebviewToHost>;

export const checkHostToWebview = union({
  results: object({ view: checkResultsView }),
  /** The answer to a `queryRows`. */
  rows: object({ requestId: nonNegInt, total: nonNegInt, offset: nonNegInt, rows: arrayOf(checkSampleRow, MAX_PAGE) }),
  /** The answer to a `queryIds`. */
  ids: object({ requestId: nonNegInt, total: nonNegInt, offset: nonNegInt, ids: arrayOf(nonNegInt, MAX_IDS) }),
  /** The answer to a `detail` request. */
  detail: object({ view: checkDetailView }),
  /** A bulk relabel changed nothing because these records cannot be edited safely (each with why). */
  refused: object({ what: str, samples: arrayOf(object({ id: nonNegInt, where: str, reason: str }), MAX_IDS) }),
  /** The dataset changed on disk since the analysis (or changed back). */
  stale: object({ stale: bool }),
  progress: object({
    running: bool,
    stage: optional(str),
    done: optional(num),
    total: optional(num),
    message: optional(str),
  }),
  explanation: object({ view: checkExplanationView }),
  /** Review states by training id after a change (absent id = no decision). */
  reviews: object({ states: arrayOf(object({ id: nonNegInt, state: oneOf(REVIEW_STATES) })) }),
  /** Whether "Undo last relabel" has something to undo, and what (it survives a window reload). */
  undo: object({ available: bool, what: optional(str) }),
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

export const TABS = ['overview', 'issues', 'suspects', 'tests', 'influencers'] as const;
export type Tab = (typeof TABS)[number];

/**
 * What the page keeps through getState/setState, so hiding the panel or
 * reloading the window brings it back as it was: the dataset (the host reads
 * it to restore the results) and where the user was.
 */
export const checkPanelState = object({
  datasetPath: str,
  tab: optional(oneOf(TABS)),
  suspectQuery: optional(checkRowQuery),
  testQuery: optional(checkRowQuery),
  /** Index of the focused row in each list. */
  suspectIndex: optional(nonNegInt),
  testIndex: optional(nonNegInt),
  /** The sample on the Influencers tab, asked for again after a reload. */
  explained: optional(object({ split: oneOf(SPLITS), id: nonNegInt })),
  /** The detail pane is open. */
  detail: optional(bool),
  /** The suspects show as a thumbnail grid (image datasets). */
  gallery: optional(bool),
});
export type PanelState = Checked<typeof checkPanelState>;
