/**
 * The read and decode pass of a large image set on two threads: this one and an image-decoding thread (the embedding
 * pass's, onnx/decodeWorker.ts, which serves this request too). Reading 10k small files and PNG inflation and
 * resizing are pure JavaScript and system calls on one thread, and nothing else runs meanwhile.
 *
 * The images go in chunks, each claimed from a counter in shared memory (Atomics.add), so the faster thread (the
 * machine may be loaded unevenly) reads and decodes more. Each thread reads the files it decodes, and writes each
 * image's header size into shared memory as it reads it: the pass decodes at a size chosen before (imageSet.ts), and
 * the sizes say afterwards whether that was the set's size. Every image gives the floats the one-thread pass gives
 * (decodeChunk.ts), and an unreadable image fails the load with the error the one-thread pass gives: the first failing
 * image in list order (chunks are claimed in order and each thread finishes the chunk it holds, so every chunk before
 * a failing one is decoded).
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { InputError } from '../errors';
import { startDecodeWorker } from '../onnx/decodeClient';
import { type ChunkSpec, decodeChunk, type DecodedChunk, widenToRgb } from './decodeChunk';
import { type ImageFile, readImageBytesSync } from './imageBytes';
import { readImageHeader } from './imageDecode';
import { allocateRuns, writeImages } from './imageRuns';
import { claimNext, sharedClaims, stopClaims } from '../parallel/claims';

/** Below this many images the decode pass stays on one thread: the helper's start (~50 ms) would not pay. */
export const PARALLEL_DECODE_MIN = 2048;
/** Images per claimed chunk: small enough that the threads finish close together, large enough to claim rarely. */
const CHUNK = 256;

/** The request the decoding thread serves (onnx/decodeWorker.ts hands it to servePixelDecode). */
export interface PixelDecodeRequest {
  type: 'pixels';
  files: ImageFile[];
  size: [number, number];
  grayscale?: boolean;
  /** [next chunk to claim, images decoded by the helper] in shared memory. */
  claims: Int32Array;
  /** Shared memory for [height, width] of each image as its header says (0, 0 where there is no readable header). */
  sizes: Int32Array;
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
  for (let c = claimNext(claims); c < chunkCount(n); c = claimNext(claims)) {
    try {
      chunks.push({ index: c, chunk: decodeChunk(c * CHUNK, Math.min(n, (c + 1) * CHUNK), counting) });
    } catch (error) {
      stopClaims(claims);
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

/**
 * The bytes of image i, read from its file, its header's size written into `sizes` (decodeImage then refuses what
 * has no readable header, with the one-thread pass's error).
 */
function readRecordingSize(files: ImageFile[], sizes: Int32Array): (i: number) => Uint8Array {
  return (i) => {
    const bytes = readImageBytesSync(files[i]);
    const header = readImageHeader(bytes);
    if (header) {
      sizes[2 * i] = header.height;
      sizes[2 * i + 1] = header.width;
    }
    return bytes;
  };
}

/** The decoding thread's side: the chunks it claims, sent back when no chunk is left (or one failed). */
export function servePixelDecode(request: PixelDecodeRequest, reply: (r: PixelDecodeReply, t: ArrayBuffer[]) => void) {
  const { files, claims } = request;
  const spec: ChunkSpec = {
    size: request.size,
    grayscale: request.grayscale,
    bytes: readRecordingSize(files, request.sizes),
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
   * Reads and decodes the whole list at `size` (decodeChunk) on both threads, into runs of counts[k] images
   * (imageRuns.ts; they add up to the list). `sizes`: each image's [height, width] as its header says, in list order.
   * `onProgress(done, n)` as this thread decodes (done counts both threads' images). `helperImages`: how many the
   * decoding thread took.
   */
  async decode(
    files: ImageFile[],
    size: [number, number],
    grayscale: boolean | undefined,
    counts: number[],
    onProgress?: (done: number, total: number) => void,
  ): Promise<DecodedRuns & { sizes: Int32Array; helperImages: number }> {
    const n = files.length;
    const sizes = new Int32Array(new SharedArrayBuffer(Math.max(1, 2 * n) * Int32Array.BYTES_PER_ELEMENT));
    // [0] the next chunk, [1] the images the helper has decoded (progress).
    const claims = sharedClaims(0, 2);
    const replied = new Promise<PixelDecodeReply>((resolve, reject) => {
      this.worker.once('message', resolve);
      this.worker.once('error', reject);
      this.worker.once('exit', (code) => reject(new Error(`the image decoding thread exited (${code})`)));
    });
    const request: PixelDecodeRequest = { type: 'pixels', files, size, grayscale, claims, sizes };
    this.worker.postMessage(request);
    let mine = 0;
    const own = decodeClaimed(n, claims, {
      size,
      grayscale,
      bytes: readRecordingSize(files, sizes),
      file: (i) => files[i].file,
      onImage: () => onProgress?.(++mine + Atomics.load(claims, 1), n),
    });
    const theirs = await replied;
    const failures = [own.failure, theirs.failure].filter((f): f is Failure => f !== undefined);
    if (failures.length > 0) raise(failures.reduce((a, b) => (b.index < a.index ? b : a)));
    onProgress?.(n, n);
    const helperImages = theirs.chunks.reduce((sum, c) => sum + c.chunk.contentHash.length, 0);
    const runs = joinChunks(n, size[0] * size[1], grayscale, [...own.chunks, ...theirs.chunks], counts);
    return { ...runs, sizes: sizes.subarray(0, 2 * n), helperImages };
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
