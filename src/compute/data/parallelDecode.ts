/**
 * The decode pass of a large image set on two threads: this one and an image-decoding thread (the embedding pass's,
 * onnx/decodeWorker.ts, which serves this request too). PNG inflation and resizing are pure JavaScript on one
 * thread (10k MNIST digits: about 0.6 s of the 1.2 s load while the other core idled), and nothing else runs meanwhile.
 *
 * The images go in chunks, each claimed from a counter in shared memory (Atomics.add), so the faster thread (the
 * machine may be loaded unevenly) decodes more; the file bytes the header pass read are passed in shared memory,
 * not read again. Every image gives the floats the one-thread pass gives (decodeChunk.ts), and an unreadable image
 * fails the load with the error the one-thread pass gives: the first failing image in list order (chunks are
 * claimed in order and each thread finishes the chunk it holds, so every chunk before a failing one is decoded).
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { InputError } from '../errors';
import { startDecodeWorker } from '../onnx/decodeClient';
import { type ChunkSpec, decodeChunk, type DecodedChunk, widenToRgb } from './decodeChunk';
import { type ImageFile, readImageBytesSync } from './imageBytes';
import { allocateRuns, writeImages } from './imageRuns';

/** Below this many images the decode pass stays on one thread: the helper's start (~50 ms) would not pay. */
export const PARALLEL_DECODE_MIN = 2048;
/** Images per claimed chunk: small enough that the threads finish close together, large enough to claim rarely. */
const CHUNK = 256;
/** A claim index past every chunk: the other thread takes no more. */
const NO_MORE = 2 ** 30;

/** The request the decoding thread serves (onnx/decodeWorker.ts hands it to servePixelDecode). */
export interface PixelDecodeRequest {
  type: 'pixels';
  files: ImageFile[];
  /** The bytes of the files read already, end to end in shared memory; image i's are at [start[i], start[i + 1]). */
  bytes: Uint8Array;
  start: Float64Array;
  /** 1 where the bytes were read; the thread reads the others itself. */
  read: Uint8Array;
  size: [number, number];
  grayscale?: boolean;
  /** [next chunk to claim, images decoded by the helper] in shared memory. */
  claims: Int32Array;
}

/** Where an image failed: its index in the list, and the error to raise. */
type Failure =
  | { index: number; input: true; file: string; detail: string; line?: number; message: string }
  | { index: number; input: false; message: string };

export interface PixelDecodeReply {
  type: 'pixels';
  chunks: { index: number; chunk: DecodedChunk }[];
  failure?: Failure;
}

/** A decoded set as runs of images (imageRuns.ts), with every image's channels and fingerprint. */
export interface DecodedRuns {
  runs: Float32Array[];
  channels: 1 | 3;
  contentHash: Float64Array;
}

/** Whether this machine has a core for the helper (it is pointless on one). */
function spareCore(): boolean {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cores >= 2;
}

function chunkCount(n: number): number {
  return Math.ceil(n / CHUNK);
}

/**
 * Decodes the chunks this thread claims; stops at the first failure (returned, with every chunk decoded before it).
 * `onImage` after each image decoded here.
 */
function decodeClaimed(
  n: number,
  claims: Int32Array,
  spec: ChunkSpec,
): { chunks: { index: number; chunk: DecodedChunk }[]; failure?: Failure } {
  const chunks: { index: number; chunk: DecodedChunk }[] = [];
  let at = -1;
  const counting: ChunkSpec = { ...spec, bytes: (i) => ((at = i), spec.bytes(i)) };
  for (let c = Atomics.add(claims, 0, 1); c < chunkCount(n); c = Atomics.add(claims, 0, 1)) {
    try {
      chunks.push({ index: c, chunk: decodeChunk(c * CHUNK, Math.min(n, (c + 1) * CHUNK), counting) });
    } catch (error) {
      Atomics.store(claims, 0, NO_MORE);
      const e = error instanceof Error ? error : new Error(String(error));
      const failure: Failure =
        e instanceof InputError
          ? { index: at, input: true, file: e.file, detail: e.detail, line: e.line, message: e.message }
          : { index: at, input: false, message: e.stack ?? e.message };
      return { chunks, failure };
    }
  }
  return { chunks };
}

/** The decoding thread's side: the chunks it claims, sent back when no chunk is left (or one failed). */
export function servePixelDecode(request: PixelDecodeRequest, reply: (r: PixelDecodeReply, t: ArrayBuffer[]) => void) {
  const { files, bytes, start, read, claims } = request;
  const spec: ChunkSpec = {
    size: request.size,
    grayscale: request.grayscale,
    bytes: (i) => (read[i] ? bytes.subarray(start[i], start[i + 1]) : readImageBytesSync(files[i])),
    file: (i) => files[i].file,
    onImage: () => Atomics.add(claims, 1, 1),
  };
  const { chunks, failure } = decodeClaimed(files.length, claims, spec);
  reply(
    { type: 'pixels', chunks, ...(failure && { failure }) },
    chunks.map((c) => c.chunk.x.buffer as ArrayBuffer),
  );
}

/** The error a failure stands for. */
function raise(failure: Failure): never {
  if (failure.input) throw new InputError(failure.file, failure.detail, failure.line);
  throw new Error(`image decoding thread: ${failure.message}`);
}

/**
 * The chunks of both threads written into the runs of `counts` images (imageRuns.ts), in list order (the 1-channel
 * ones widened when another has colour).
 */
function joinChunks(
  n: number,
  plane: number,
  grayscale: boolean | undefined,
  parts: { index: number; chunk: DecodedChunk }[],
  counts: number[],
): DecodedRuns {
  const channels: 1 | 3 = grayscale === false || parts.some((p) => p.chunk.channels === 3) ? 3 : 1;
  const runs = allocateRuns(counts, plane * channels);
  const contentHash = new Float64Array(n);
  for (const { index, chunk } of parts) {
    const images = chunk.contentHash.length;
    const values = chunk.channels === channels ? chunk.x : widenToRgb(chunk.x, images, plane, images);
    writeImages(runs, counts, plane * channels, index * CHUNK, values);
    contentHash.set(chunk.contentHash, index * CHUNK);
  }
  return { runs, channels, contentHash };
}

/**
 * A decoding thread started ahead of the decode pass (it boots while the header pass reads the files), or none when
 * the set is small or the machine has one core.
 */
export class DecodeHelper {
  private constructor(private readonly worker: Worker) {}

  /** `min`: the fewest images worth the thread (tests lower it). */
  static start(images: number, min = PARALLEL_DECODE_MIN): DecodeHelper | undefined {
    if (images < min || !spareCore()) return undefined;
    return new DecodeHelper(startDecodeWorker());
  }

  /**
   * decodeChunk over the whole list, on both threads, into runs of counts[k] images (imageRuns.ts; they add up to the
   * list). `kept[i]`: the bytes of file i when the header pass kept them. `onProgress(done, n)` as this thread decodes
   * (done counts both threads' images). `helperImages`: how many the decoding thread took.
   */
  async decode(
    files: ImageFile[],
    kept: (Uint8Array | undefined)[],
    size: [number, number],
    grayscale: boolean | undefined,
    counts: number[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<DecodedRuns & { helperImages: number }> {
    const n = files.length;
    const start = new Float64Array(n + 1);
    const read = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      read[i] = kept[i] ? 1 : 0;
      start[i + 1] = start[i] + (kept[i]?.length ?? 0);
    }
    const bytes = new Uint8Array(new SharedArrayBuffer(Math.max(1, start[n])));
    kept.forEach((b, i) => b && bytes.set(b, start[i]));
    const claims = new Int32Array(new SharedArrayBuffer(8));
    const replied = new Promise<PixelDecodeReply>((resolve, reject) => {
      this.worker.once('message', resolve);
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`the image decoding thread exited (${code})`)));
    });
    const request: PixelDecodeRequest = { type: 'pixels', files, bytes, start, read, size, grayscale, claims };
    this.worker.postMessage(request);
    let mine = 0;
    const own = decodeClaimed(n, claims, {
      size,
      grayscale,
      bytes: (i) => kept[i] ?? readImageBytesSync(files[i]),
      file: (i) => files[i].file,
      onImage: () => onProgress?.(++mine + Atomics.load(claims, 1), n),
    });
    const theirs = await replied;
    const failures = [own.failure, theirs.failure].filter((f): f is Failure => f !== undefined);
    if (failures.length > 0) raise(failures.reduce((a, b) => (b.index < a.index ? b : a)));
    onProgress?.(n, n);
    const helperImages = theirs.chunks.reduce((sum, c) => sum + c.chunk.contentHash.length, 0);
    return { ...joinChunks(n, size[0] * size[1], grayscale, [...own.chunks, ...theirs.chunks], counts), helperImages };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
