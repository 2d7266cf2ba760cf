/**
 * The data-issue pass's neighbour searches, kept beside a saved fit. They
 * depend on the fit alone (its features, and the loaded inputs its data hash
 * covers) and are most of the pass's time (MNIST 10k: 10 of 12 s, the k-NN
 * of 6,900 samples in feature and pixel space), so a run that reuses the fit
 * — another top-k, "Explain", "Run reliability check" — takes them instead of
 * searching again. Everything built from them (duplicates, outliers, the
 * harmful-samples check, class health) is still computed on every run.
 */
import { readRegularFile } from '../regularFile';
import type { NeighbourSearch } from '../issues';
import { type KnnOptions, nearestNeighbours, type Neighbours, type Points } from '../issues/knn';
import { writeFileAtomic } from '../results/writeAtomic';
import { decodeFitFile, encodeFitFile, FitFileError } from './fitFile';
import type { Fitted } from './fit';

export const NEIGHBOUR_CACHE_VERSION = 1;

interface Entry {
  name: string;
  /** What the search was: a kept search answers only the same one. */
  signature: string;
  k: number;
  n: number;
}

function signature(queries: Points, refs: Points, k: number, options: KnnOptions): string {
  const ids = options.referenceIds;
  let idSum = 0;
  if (ids) for (const i of ids) idSum = (idSum * 31 + i) % 2147483647;
  return JSON.stringify({
    queries: [queries.n, queries.d],
    refs: [refs.n, refs.d],
    k,
    excludeSelf: options.excludeSelf ?? false,
    seed: options.seed ?? 0,
    referenceIds: ids ? [ids.length, idSum] : null,
    exactLimit: options.exactLimit ?? null,
  });
}

/** The kept searches of this fit (none when missing, of another fit or version, or damaged). */
export async function loadNeighbours(file: string, fitted: Fitted): Promise<Map<string, Neighbours & Entry>> {
  const kept = new Map<string, Neighbours & Entry>();
  let buf: Buffer;
  try {
    buf = await readRegularFile(file);
  } catch {
    return kept;
  }
  try {
    const { header, arrays } = decodeFitFile(buf);
    if (header.version !== NEIGHBOUR_CACHE_VERSION || header.fit !== fitted.id || !Array.isArray(header.entries))
      return kept;
    for (const e of header.entries as Entry[]) {
      const index = arrays.get(`${e.name}.index`);
      const distance = arrays.get(`${e.name}.distance`);
      const size = e.n * e.k;
      if (!(index instanceof Int32Array) || !(distance instanceof Float64Array)) continue;
      if (!Number.isSafeInteger(size) || index.length !== size || distance.length !== size) continue;
      kept.set(e.name, { ...e, index, distance });
    }
  } catch (error) {
    if (!(error instanceof FitFileError)) throw error;
  }
  return kept;
}

/**
 * A search that answers from `kept` when it holds the same search, else searches and adds the result to `kept`;
 * `searched` says whether anything new was found (then the file is worth writing again).
 */
export function keptSearch(kept: Map<string, Neighbours & Entry>): {
  search: NeighbourSearch;
  searched: () => boolean;
} {
  let searched = false;
  const search: NeighbourSearch = (name, queries, refs, k, options) => {
    const sig = signature(queries, refs, k, options);
    const hit = kept.get(name);
    if (hit && hit.signature === sig && hit.n === queries.n)
      return { k: hit.k, index: hit.index, distance: hit.distance };
    const found = nearestNeighbours(queries, refs, k, options);
    kept.set(name, { ...found, name, signature: sig, n: queries.n });
    searched = true;
    return found;
  };
  return { search, searched: () => searched };
}

export async function saveNeighbours(
  file: string,
  fitted: Fitted,
  kept: Map<string, Neighbours & Entry>,
): Promise<void> {
  const arrays = new Map<string, Float64Array | Int32Array>();
  const entries: Entry[] = [];
  for (const e of kept.values()) {
    entries.push({ name: e.name, signature: e.signature, k: e.k, n: e.n });
    arrays.set(`${e.name}.index`, e.index);
    arrays.set(`${e.name}.distance`, e.distance);
  }
  await writeFileAtomic(file, encodeFitFile({ version: NEIGHBOUR_CACHE_VERSION, fit: fitted.id, entries }, arrays));
}
