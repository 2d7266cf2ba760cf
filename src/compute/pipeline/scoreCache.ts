/**
 * The exact method's scores, kept beside a saved fit: self-influence and the
 * top SCORE_CACHE_K proponents/opponents of every test sample. They depend on
 * the fit alone, so a later run on the same fit with top-k ≤ the kept k (or a
 * reliability check, whose score rows come from the factor) takes them
 * instead of scoring 1,730 × 6,900 pairs again; a smaller top-k is a
 * truncation, the same lists a fresh run keeps (TopKTracker keeps the first
 * of equal values, so the first k of a longer list are the k it would keep).
 */
import { readRegularFile } from '../regularFile';
import type { IterativeResume } from '../influence/iterativeInfluence';
import { TopKTracker } from '../influence/topK';
import { writeFileAtomic } from '../results/writeAtomic';
import { decodeFitFile, encodeFitFile, FitFileError } from './fitFile';
import type { Fitted } from './fit';
import type { InfluenceStageResult } from './influenceStage';

export const SCORE_CACHE_VERSION = 1;
/** Proponents and opponents kept per test sample for later runs. */
export const SCORE_CACHE_K = 100;
/** ... unless that is more than this much memory (24 bytes per kept pair). */
const MAX_CACHE_BYTES = 64 * 2 ** 20;

/** The k to compute when the scores will be kept: at least the requested top-k. */
export function cachedK(topK: number, nTest: number): number {
  const affordable = Math.floor(MAX_CACHE_BYTES / Math.max(1, nTest * 24));
  return Math.max(topK, Math.min(SCORE_CACHE_K, affordable));
}

export interface ExactScores {
  selfInfluence: Float64Array;
  topK: TopKTracker;
}

/** The first `k` entries of each row, as a tracker of size k. */
export function truncate(tracker: TopKTracker, k: number): TopKTracker {
  if (tracker.k === k) return tracker;
  const out = new TopKTracker(tracker.rows, k);
  for (let r = 0; r < tracker.rows; r++) {
    const { proponents, opponents } = tracker.row(r);
    for (const e of proponents.slice(0, k)) out.offer(r, e.index, e.value);
    for (const e of opponents.slice(0, k)) out.offer(r, e.index, e.value);
  }
  return out;
}

function counts(tracker: TopKTracker, side: 'proponents' | 'opponents'): Int32Array {
  return Int32Array.from({ length: tracker.rows }, (_, r) => tracker.row(r)[side].length);
}

export async function saveExactScores(file: string, fitted: Fitted, scores: ExactScores): Promise<void> {
  const t = scores.topK;
  const arrays = new Map<string, Float32Array | Float64Array | Int32Array>([
    ['selfInfluence', scores.selfInfluence],
    ['topIndex', t.topIndex],
    ['topValue', t.topValue],
    ['topCount', counts(t, 'proponents')],
    ['bottomIndex', t.bottomIndex],
    ['bottomValue', t.bottomValue],
    ['bottomCount', counts(t, 'opponents')],
  ]);
  await writeFileAtomic(
    file,
    encodeFitFile({ version: SCORE_CACHE_VERSION, fit: fitted.id, rows: t.rows, k: t.k }, arrays),
  );
}

/** Kept scores for this fit with at least `topK` per row, else undefined (missing, other fit, fewer kept, damaged). */
/**
 * A kept-scores file of this version for this fit, decoded; undefined when missing, of another version or fit, or
 * damaged.
 */
async function readKept(file: string, fitted: Fitted): Promise<ReturnType<typeof decodeFitFile> | undefined> {
  let buf: Buffer;
  try {
    buf = await readRegularFile(file);
  } catch {
    return undefined;
  }
  try {
    const decoded = decodeFitFile(buf);
    return decoded.header.version === SCORE_CACHE_VERSION && decoded.header.fit === fitted.id ? decoded : undefined;
  } catch (error) {
    if (error instanceof FitFileError) return undefined;
    throw error;
  }
}

export async function loadExactScores(file: string, fitted: Fitted, topK: number): Promise<ExactScores | undefined> {
  const kept = await readKept(file, fitted);
  if (!kept) return undefined;
  try {
    const { header, arrays } = kept;
    const rows = fitted.test.n;
    const k = header.k as number;
    if (header.rows !== rows || !Number.isSafeInteger(k) || k < topK) return undefined;
    const get = <T>(name: string, type: new (...a: never[]) => T, length: number): T => {
      const a = arrays.get(name);
      if (!(a instanceof type) || (a as unknown as ArrayLike<number>).length !== length)
        throw new FitFileError(`${name} has the wrong size`);
      return a as T;
    };
    const selfInfluence = get('selfInfluence', Float64Array, fitted.train.n);
    const topCount = get('topCount', Int32Array, rows);
    const bottomCount = get('bottomCount', Int32Array, rows);
    const index = [get('topIndex', Int32Array, rows * k), get('bottomIndex', Int32Array, rows * k)];
    const value = [get('topValue', Float64Array, rows * k), get('bottomValue', Float64Array, rows * k)];
    // Rebuilt by offering the kept entries in order (only the first topK): the tracker a fresh run would hold.
    const tracker = new TopKTracker(rows, topK);
    for (let r = 0; r < rows; r++) {
      [topCount[r], bottomCount[r]].forEach((count, side) => {
        for (let j = 0; j < Math.min(count, topK); j++) {
          const i = index[side][r * k + j];
          if (i < 0 || i >= fitted.train.n) throw new FitFileError('a kept index is out of range');
          tracker.offer(r, i, value[side][r * k + j]);
        }
      });
    }
    return { selfInfluence, topK: tracker };
  } catch (error) {
    if (error instanceof FitFileError) return undefined;
    throw error;
  }
}

/**
 * Which iterative scores can be resumed: the same estimator over the same parameters (the seed and data are the fit's).
 */
export interface IterativeKey {
  method: string;
  target: string | null;
  subsetFraction: number | null;
}

/**
 * An iterative method's solves, kept beside a saved fit: the rows of the
 * explained test samples in order, and the solver state after each. A later
 * run with the same estimator resumes from them — "explain one more test
 * sample" costs one solve, not all of them again — and a run explaining fewer
 * takes a prefix; both are what a fresh run computes, because each solve
 * starts from the state the previous one left.
 */
export async function saveIterativeScores(
  file: string,
  fitted: Fitted,
  key: IterativeKey,
  kept: NonNullable<InfluenceStageResult['iterative']>,
): Promise<void> {
  const { resume, selfInfluence } = kept;
  const n = fitted.train.n;
  const rows = new Float64Array(resume.rows.length * n);
  resume.rows.forEach((r, e) => rows.set(r, e * n));
  const header = {
    version: SCORE_CACHE_VERSION,
    fit: fitted.id,
    key,
    count: resume.rows.length,
    nTrain: n,
    solves: resume.solves,
    subsetSizes: resume.subsetSizes,
    states: resume.states,
    selfInfluenceMethod: selfInfluence.method,
  };
  await writeFileAtomic(
    file,
    encodeFitFile(
      header,
      new Map<string, Float64Array>([
        ['rows', rows],
        ['selfInfluence', selfInfluence.values],
      ]),
    ),
  );
}

export async function loadIterativeScores(
  file: string,
  fitted: Fitted,
  key: IterativeKey,
): Promise<{ resume: IterativeResume; selfInfluence: { values: Float64Array; method: string } } | undefined> {
  const kept = await readKept(file, fitted);
  if (!kept) return undefined;
  try {
    const { header, arrays } = kept;
    const n = fitted.train.n;
    const count = header.count as number;
    if (JSON.stringify(header.key) !== JSON.stringify(key)) return undefined;
    if (header.nTrain !== n || !Number.isSafeInteger(count) || count < 1) return undefined;
    const rows = arrays.get('rows');
    const self = arrays.get('selfInfluence');
    const solves = header.solves as IterativeResume['solves'];
    const states = header.states as IterativeResume['states'];
    const subsetSizes = header.subsetSizes as number[];
    if (
      !(rows instanceof Float64Array) ||
      rows.length !== count * n ||
      !(self instanceof Float64Array) ||
      self.length !== n
    )
      return undefined;
    if (
      !Array.isArray(solves) ||
      solves.length !== count ||
      !Array.isArray(states) ||
      states.length !== count ||
      !Array.isArray(subsetSizes)
    )
      return undefined;
    if (typeof header.selfInfluenceMethod !== 'string') return undefined;
    return {
      resume: {
        rows: Array.from({ length: count }, (_, e) => rows.subarray(e * n, (e + 1) * n)),
        solves,
        states,
        subsetSizes,
      },
      selfInfluence: { values: self, method: header.selfInfluenceMethod },
    };
  } catch (error) {
    if (error instanceof FitFileError) return undefined;
    throw error;
  }
}
