/**
 * The user's model's embeddings, kept beside a saved fit (`<fit>.embeddings`).
 *
 * The embedding pass is most of a run on the user's model (ResNet-18-sized on
 * two cores: ~5 images/s, bench section 5), and a later run on the same fit —
 * another top-k, "Explain", "Run reliability check" — needs the very same
 * vectors. Each kept vector is filed under a digest of what produced it: an
 * image file's bytes (decoding is a function of the bytes and the model's
 * preprocessing) or a table row's model input. The whole file is valid for
 * one model key alone (the model file's sha256, the preprocessing, the
 * embedding tensor), so another model, another preprocessing or an edited
 * image never takes a kept vector; an edited image is a new digest and is
 * embedded again, the others are not.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { readRegularFile } from '../regularFile';
import { writeFileAtomic } from '../results/writeAtomic';
import { decodeFitFile, encodeFitFile, FitFileError } from '../pipeline/fitFile';

export const EMBEDDING_CACHE_VERSION = 1;
/**
 * The most vector bytes kept: saving copies them twice (gathered, then encoded), beside the features the run holds,
 * and the memory estimate that bounds a run does not count that; larger sets embed again each run.
 */
export const MAX_KEPT_BYTES = 256 * 2 ** 20;

/** Digest words per sample: 128 bits of sha256, ample against collisions among a dataset's samples. */
const WORDS = 4;

/** A sample's digest as a string (map key): the first 128 bits of sha256 of its bytes, hex. */
export function sampleDigest(bytes: Uint8Array): string {
  return createHash('sha256')
    .update(bytes)
    .digest('hex')
    .slice(0, 8 * WORDS);
}

function digestWords(digests: readonly string[]): Int32Array {
  const out = new Int32Array(digests.length * WORDS);
  digests.forEach((d, i) => {
    for (let w = 0; w < WORDS; w++) out[i * WORDS + w] = parseInt(d.slice(8 * w, 8 * w + 8), 16) | 0;
  });
  return out;
}

function wordsDigest(words: Int32Array, i: number): string {
  let s = '';
  for (let w = 0; w < WORDS; w++) s += (words[i * WORDS + w] >>> 0).toString(16).padStart(8, '0');
  return s;
}

/**
 * The vectors a run may take (from the file it was opened from) and the ones it made (to save): `take` answers a
 * batch when every sample of it is kept, `put` records what the run embedded, in sample order per pass.
 */
export class EmbeddingCache {
  private readonly row = new Map<string, number>();
  private readonly passes: { digests: string[]; phi: Float32Array; dim: number }[] = [];
  /** Samples answered from the kept vectors, and samples embedded by the model, in this run. */
  taken = 0;
  embedded = 0;

  constructor(
    readonly modelKey: string,
    private readonly kept: { digests: Int32Array; phi: Float32Array; dim: number } | null = null,
  ) {
    if (kept) for (let i = 0; i < kept.digests.length / WORDS; i++) this.row.set(wordsDigest(kept.digests, i), i);
  }

  /** Width of the kept vectors (0 when none are kept). */
  get keptDim(): number {
    return this.kept?.dim ?? 0;
  }

  /** Whether every one of these samples is kept (then `take` answers them). */
  has(digests: readonly string[]): boolean {
    return this.kept !== null && digests.length > 0 && digests.every((d) => this.row.has(d));
  }

  /** The kept vectors of these samples, back to back, or null when any of them is not kept. */
  take(digests: readonly string[]): Float32Array | null {
    const kept = this.kept;
    if (!kept || !this.has(digests)) return null;
    const rows = digests.map((d) => this.row.get(d));
    const out = new Float32Array(digests.length * kept.dim);
    rows.forEach((r, k) => out.set(kept.phi.subarray(r! * kept.dim, (r! + 1) * kept.dim), k * kept.dim));
    this.taken += digests.length;
    return out;
  }

  /** The vectors one pass ended with (every sample of it, kept or embedded), to be saved. */
  put(digests: readonly string[], phi: Float32Array, dim: number): void {
    if (digests.length * dim !== phi.length) throw new RangeError('embedding cache: digests and vectors differ');
    this.passes.push({ digests: [...digests], phi, dim });
  }

  /** Whether saving would change the file: something was embedded, or a kept vector is no longer used. */
  get changed(): boolean {
    const used = this.passes.reduce((n, p) => n + p.digests.length, 0);
    return this.embedded > 0 || used !== this.row.size;
  }

  /** Bytes of the vectors the run ended with. */
  get vectorBytes(): number {
    return this.passes.reduce((n, p) => n + p.phi.byteLength, 0);
  }

  /** The file's bytes: the vectors of every pass, each sample once; null when there is nothing to keep. */
  encode(): Buffer | null {
    const dims = new Set(this.passes.map((p) => p.dim).filter((d) => d > 0));
    if (dims.size !== 1) return null;
    const [dim] = dims;
    const seen = new Set<string>();
    const digests: string[] = [];
    const parts: Float32Array[] = [];
    for (const p of this.passes)
      p.digests.forEach((d, i) => {
        if (seen.has(d)) return;
        seen.add(d);
        digests.push(d);
        parts.push(p.phi.subarray(i * dim, (i + 1) * dim));
      });
    const phi = new Float32Array(digests.length * dim);
    parts.forEach((v, i) => phi.set(v, i * dim));
    const arrays = new Map<string, Float32Array | Int32Array>([
      ['digests', digestWords(digests)],
      ['phi', phi],
    ]);
    return encodeFitFile({ version: EMBEDDING_CACHE_VERSION, modelKey: this.modelKey, dim, n: digests.length }, arrays);
  }
}

/** The kept vectors for this model (none when the file is missing, of another model or version, or damaged). */
export async function openEmbeddingCache(file: string | undefined, modelKey: string): Promise<EmbeddingCache> {
  if (!file) return new EmbeddingCache(modelKey);
  let buf: Buffer;
  try {
    buf = await readRegularFile(file);
  } catch {
    return new EmbeddingCache(modelKey);
  }
  try {
    const { header, arrays } = decodeFitFile(buf);
    const digests = arrays.get('digests');
    const phi = arrays.get('phi');
    const { n, dim } = header as { n: unknown; dim: unknown };
    if (
      header.version !== EMBEDDING_CACHE_VERSION ||
      header.modelKey !== modelKey ||
      !Number.isSafeInteger(n) ||
      !Number.isSafeInteger(dim) ||
      (dim as number) <= 0 ||
      !(digests instanceof Int32Array) ||
      !(phi instanceof Float32Array) ||
      digests.length !== (n as number) * WORDS ||
      phi.length !== (n as number) * (dim as number)
    )
      return new EmbeddingCache(modelKey);
    return new EmbeddingCache(modelKey, { digests, phi, dim: dim as number });
  } catch (error) {
    if (!(error instanceof FitFileError)) throw error;
    return new EmbeddingCache(modelKey);
  }
}

/**
 * Saves the run's vectors when they differ from the file's: 'saved', 'unchanged', or 'too large' (more than
 * MAX_KEPT_BYTES; a file kept from before is removed, it would only be read and never taken). A write failure is the
 * caller's to log, never to fail the run for.
 */
export async function saveEmbeddingCache(
  file: string,
  cache: EmbeddingCache,
  maxBytes = MAX_KEPT_BYTES,
): Promise<'saved' | 'unchanged' | 'too large'> {
  if (!cache.changed) return 'unchanged';
  if (cache.vectorBytes > maxBytes) {
    await fsp.rm(file, { force: true });
    return 'too large';
  }
  const bytes = cache.encode();
  if (!bytes) return 'unchanged';
  await writeFileAtomic(file, bytes);
  return 'saved';
}
