/**
 * How much memory an analysis will take, from the data's shape and the
 * options alone, before any training starts: so a run that cannot fit is
 * refused in a second with the option that makes it fit, instead of growing
 * for minutes and dying (`--hidden 30000,30000` reached 13.9 GB and ended in
 * the wasm backend's "memory access out of bounds").
 *
 * The terms follow where the memory goes (bytes):
 *  - the runtime: Node, tfjs and one wasm instance per thread;
 *  - the features, float32, shared by every thread (rows × dims × 4), and
 *    each training thread's gathered copy of its fold's rows;
 *  - each model being trained: its parameters, their gradients and Adam's
 *    two moments, plus a copy on the way back (parameters × 4 × 6); the main
 *    thread keeps every trained model's weights (1 + folds copies);
 *  - each fold model's head refit (parallel/runTrainTask.ts): its fold's
 *    last-layer features, a copy in the training thread — for logistic
 *    regression (trained beside the MLP by `--model auto`) the inputs
 *    themselves, as wide as the data;
 *  - the head: when the exact method factors it, its P′² arrays (P′ = D·(C − 1),
 *    the class-contrast coordinates) at the influence stage's peak (head/exactCost.ts's bytesPerEntry, which auto's
 *    choice reads too: the factor and the triangular solve's pieces),
 *    the test samples' gradients (three copies for the exact method: as they
 *    are, whitened, and whitened transposed for the score products, in
 *    influence/exactHeadInfluence.ts), the features of the last layer, and the
 *    head fit's copies of them and their transpose in the backend's heap
 *    (head/fastHeadObjective.ts), which never shrinks;
 *  - on the user's own features (embeddings, an ONNX model: fitFrozen.ts) no
 *    worker trains: the head is fitted first, then cross-fitted fold by fold
 *    on the analysis thread, each fold's rows gathered and given a bias
 *    column beside the heap the first fit grew; the Hessian formation's helper
 *    thread and the issue searches hold copies of them too (frozenHelperHeap);
 *  - iterative methods over the whole network: per-sample work of about
 *    rows × parameters × 4.
 * A factor for the garbage collector's headroom turns the sum into a peak.
 * The constants were fitted to peak RSS measured by the benchmark's scaling
 * section (bench/results/REPORT.md §4) and by hand (test/unit/pipeline/
 * memoryEstimate.test.ts lists the figures); the estimate is meant to be
 * within about ±30 % of the measured peak, which is what a refusal needs.
 *
 * Loading is not estimated here: the loaders hold their tables to a share of
 * the working budget (data/sampleBudget.ts), and the estimate sizes the
 * sample they keep at default options (validateRun.ts, sampleBudget).
 */
import { EXACT_COST, factoredParameters } from '../head/exactCost';
import type { ModelKind } from '../types';
import { formatCount } from '../formatCount';

export const MB = 2 ** 20;

/** Node + tfjs + the main thread's wasm instance (≈ 170 MB measured on a tiny run). */
const RUNTIME_BYTES = 170 * MB;
/** Each worker thread's own tfjs and wasm instance. */
const WORKER_BYTES = 25 * MB;
/** Weights, gradients, Adam's m and v, and the copies made when a trained model is sent back. */
const BYTES_PER_TRAINED_PARAMETER = 4 * 6;
/**
 * Copies of its fold's features a training thread holds: the gathered rows, and the tensor in its wasm heap (which
 * never shrinks); fitted, with GC_FACTOR, to the scaling section's peaks (1,814 MB at 102,000 × 784, 725 MB at
 * 32,000 × 784) and to 110,000 short texts of 513 features (1,170 MB): each estimated within 5 %.
 */
const FOLD_COPIES = 1.5;
/**
 * A logistic regression is fitted by its head on each training thread (models/fitLogreg.ts): Φ̃ and Φ̃ᵀ of the task's
 * rows in the backend's heap (head/biasedFeatures.ts; the heap never shrinks), and the Newton–CG products' buffers.
 * In copies of the whole training set's inputs (the largest task is the full model) per thread, fitted with GC_FACTOR
 * to four runs of the benchmark's memory shapes at main 880335f (2,507, 2,046, 1,798 and 1,743 MB, estimated within
 * −9 % to +2 %: test/unit/pipeline/memoryEstimate.test.ts). It was 5.5 while the fit also held two JS copies of the
 * rows (the used features gathered, and again with a bias column), before b7d75f1.
 */
const LOGREG_FIT_COPIES = 4;
/** Headroom of the garbage collector between what is live and what the process holds. */
const GC_FACTOR = 1.25;
/** The wasm backend addresses at most 4 GB per thread (PLATFORM.md). */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;

export interface RunShape {
  nTrain: number;
  nTest: number;
  /** Input features per sample. */
  dims: number;
  numClasses: number;
  kind: ModelKind;
  /** Hidden widths (the CNN's dense layer is hidden[0]). */
  hidden: number[];
  /** [height, width, channels] of image inputs (CNN). */
  imageShape?: [number, number, number];
  convChannels?: number[];
  folds: number;
  /** Worker threads training at the same time. */
  workers: number;
  /**
   * 'exact' factors the head's Hessian; 'iterative' (cg, lissa, gif over the whole network); 'other' (tracin,
   * last-layer cg).
   */
  influence: 'exact' | 'iterative' | 'other';
  /** Test samples explained by an iterative method (each keeps a gradient). */
  explain: number;
  /** `--model auto` on a table or text: logistic regression's fold models are trained beside `kind`'s. */
  logregBeside?: boolean;
  /** The user's own features: the head alone, fitted and cross-fitted on the analysis thread (fitFrozen.ts). */
  frozen?: boolean;
}

export interface MemoryEstimate {
  /** The expected peak, bytes. */
  totalBytes: number;
  /** Parameters of the whole model. */
  parameters: number;
  /** Parameters of the last layer (the head). */
  headParameters: number;
  /**
   * The largest wasm heap one thread needs, and for what: a training thread's model, a logistic regression's fit
   * (Φ̃ and Φ̃ᵀ of the training inputs: head/biasedFeatures.ts), or the analysis thread's head fit (the same of the
   * features). Each must stay within the 4 GB a thread can address (WASM_HEAP_BYTES).
   */
  threadHeap: { bytes: number; what: string };
  /** The named terms, bytes, for messages and the benchmark. */
  parts: { runtime: number; features: number; training: number; keptModels: number; head: number; influence: number };
}

/** Parameters of the network body and head for this shape. */
export function modelParameters(
  s: Pick<RunShape, 'kind' | 'dims' | 'numClasses' | 'hidden' | 'imageShape' | 'convChannels'>,
): {
  total: number;
  head: number;
  featureDim: number;
} {
  const c = s.numClasses;
  let total = 0;
  let featureDim = s.dims;
  if (s.kind === 'cnn' && s.imageShape) {
    const [h, w, ch] = s.imageShape;
    let inC = ch;
    let hh = h;
    let ww = w;
    for (const outC of s.convChannels ?? [8, 16]) {
      total += 9 * inC * outC + outC;
      inC = outC;
      hh = Math.max(1, Math.floor(hh / 2));
      ww = Math.max(1, Math.floor(ww / 2));
    }
    featureDim = hh * ww * inC;
  }
  const widths = s.kind === 'logreg' ? [] : s.kind === 'cnn' ? s.hidden.slice(0, 1) : s.hidden;
  for (const width of widths) {
    total += featureDim * width + width;
    featureDim = width;
  }
  const head = (featureDim + 1) * c;
  return { total: total + head, head, featureDim };
}

export function estimateRunMemory(s: RunShape): MemoryEstimate {
  const { total: parameters, head: headParameters, featureDim } = modelParameters(s);
  const rows = s.nTrain + s.nTest;
  const workers = Math.max(1, Math.min(s.workers, s.folds + 1));
  const features = rows * s.dims * 4;
  // A fold trains on (folds-1)/folds of the rows; the main model on all of them.
  const perModel = parameters * BYTES_PER_TRAINED_PARAMETER + FOLD_COPIES * s.nTrain * s.dims * 4;
  // A fold model's head refit holds its fold's features in the thread, beside what training grew: measured on
  // 168,355 short texts under --model auto (logistic regression's features are the 513 inputs), peak 2,353 MB
  // where the estimate without this term said 1,638.
  const refitDim = Math.max(featureDim, s.logregBeside ? s.dims : 0);
  const foldRows = (s.nTrain * (s.folds - 1)) / s.folds;
  const refit = foldRows * refitDim * 4;
  // A thread runs one task at a time, and its heap keeps what its largest task grew: under --model auto a thread may
  // train the MLP and then fit a logistic regression.
  const logregFit = fitsLogreg(s) ? LOGREG_FIT_COPIES * s.nTrain * (s.dims + 1) * 4 : 0;
  // The user's features: each fold head's Φ̃ and Φ̃ᵀ in the analysis thread's heap (pipeline/fitFrozen.ts).
  const training = s.frozen
    ? biasedFeatureBytes(foldRows, s.dims)
    : workers * (Math.max(perModel + refit, logregFit) + WORKER_BYTES);
  const keptModels = (s.folds + 1) * parameters * 4;
  // The head fit's features and their transpose in the backend's heap (measured on 20,000–61,511 vectors of 1,024:
  // without this term the estimate was 10–35 % under the peak, and more as the rows grew).
  const headFitHeap = biasedFeatureBytes(s.nTrain, featureDim);
  // Exact influence works in the class-contrast coordinates: P′ = D·(C − 1) for its factor and whitened gradients.
  const factored = factoredParameters({ parameters: headParameters, numClasses: s.numClasses });
  const exact = s.influence === 'exact';
  const testGradients = exact ? 3 * s.nTest * factored * 4 : s.nTest * headParameters * 4;
  const factor = exact ? factored * factored * EXACT_COST.bytesPerEntry : 0;
  const head = rows * featureDim * 8 + testGradients + factor;
  const influence = s.influence === 'iterative' ? s.nTrain * parameters * 4 + s.explain * parameters * 8 : 0;
  // Training and the head/influence stages do not overlap; the features and the kept models outlive both. On the
  // user's features the fold heads and the head are fitted on the analysis thread, whose heap keeps what both grew.
  const live = s.frozen
    ? features +
      keptModels +
      headFitHeap +
      frozenHelperHeap(s.nTrain, featureDim, rows * s.dims * 4) +
      Math.max(training, head + influence)
    : features + keptModels + Math.max(training, head + headFitHeap + influence);
  return {
    totalBytes: RUNTIME_BYTES + GC_FACTOR * live,
    parameters,
    headParameters,
    threadHeap: largestThreadHeap(s, parameters, perModel, featureDim),
    parts: { runtime: RUNTIME_BYTES, features, training, keptModels, head, influence },
  };
}

/** Whether the run fits a logistic regression on the inputs (alone, or beside the MLP under --model auto). */
function fitsLogreg(s: RunShape): boolean {
  return s.kind === 'logreg' || s.logregBeside === true;
}

/** Φ̃ and Φ̃ᵀ of n rows of `width` features in a thread's wasm heap (head/biasedFeatures.ts), bytes. */
function biasedFeatureBytes(n: number, width: number): number {
  return 2 * n * (width + 1) * 4;
}

/** The largest of the wasm heaps one thread needs (MemoryEstimate.threadHeap). */
function largestThreadHeap(
  s: RunShape,
  parameters: number,
  perModel: number,
  featureDim: number,
): { bytes: number; what: string } {
  const heaps = [
    { bytes: s.frozen ? 0 : perModel, what: `training one model of ${formatCount(parameters)} parameters` },
    {
      bytes: fitsLogreg(s) ? biasedFeatureBytes(s.nTrain, s.dims) : 0,
      what: `fitting a logistic regression on ${formatCount(s.nTrain)} × ${formatCount(s.dims)} inputs`,
    },
    {
      bytes: biasedFeatureBytes(s.nTrain, featureDim),
      what: `fitting the last layer on ${formatCount(s.nTrain)} × ${formatCount(featureDim)} features`,
    },
  ];
  return heaps.reduce((a, b) => (b.bytes > a.bytes ? b : a));
}

/**
 * What the frozen path's second thread and the issue searches add (bytes), beyond the analysis thread's own buffers:
 * the Hessian formation's helper thread (parallel/matrixHelper.ts, head/hessianClassRows.ts) keeps every row range's
 * Φ̃ᵀ and Φ̃ in its own wasm heap (2 · nTrain · (D + 1) · 4), which never shrinks and stays with the pooled helper;
 * the exact neighbour searches (issues/splitSearch.ts) then hold about two more float32 copies of the features, one
 * in each thread's backend heap. Measured on 1,024-wide embeddings of 3 classes (20,000 and 40,000 rows, main
 * 9cfc7a4): 1,193 and 2,076 MB peak, where the estimate without this term said 802 and 1,369 MB; the process RSS
 * outside the analysis thread's buffers was 753 MB after the hessian stage and 1,020 MB in the issues stage at 40k.
 */
function frozenHelperHeap(nTrain: number, featureDim: number, featureBytes: number): number {
  const formation = 2 * nTrain * (featureDim + 1) * 4;
  return WORKER_BYTES + formation + 2 * featureBytes;
}

/**
 * The default working budget: at default options (neither maxSamples nor maxMemoryMB set) a run is kept within it,
 * by a stratified sample when the data would not fit (data/sampleBudget.ts), and a run that cannot fit it even
 * then is refused. The bound: any input of up to 300 MB in under 2 GB.
 */
export const WORKING_BUDGET_BYTES = 2 * 2 ** 30;
/**
 * The share of the budget an automatic sample is sized to: the estimate is meant to be within ±25 % of the peak,
 * so a sample estimated at 80 % of the budget stays within it when the estimate is low.
 */
export const SAMPLE_TARGET_SHARE = 0.8;

/** The default limit: 75 % of the memory the system has available now. */
export function defaultMemoryLimitBytes(availableBytes: number): number {
  return Math.floor(0.75 * availableBytes);
}

/**
 * The largest value of `knob` in [lo, hi] whose estimate fits `limit`, by
 * bisection (the estimate grows with each knob); lo - 1 when none does.
 */
export function largestFitting(lo: number, hi: number, fits: (v: number) => boolean): number {
  if (!fits(lo)) return lo - 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi + 1) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function formatMB(bytes: number): string {
  return bytes >= 10 * 2 ** 30
    ? `${(bytes / 2 ** 30).toFixed(0)} GB`
    : bytes >= 2 ** 30
      ? `${(bytes / 2 ** 30).toFixed(1)} GB`
      : `${Math.round(bytes / MB)} MB`;
}
