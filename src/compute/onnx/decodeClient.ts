/**
 * The image-decoding thread of the embedding pass (decodeWorker.ts), as a
 * function from a batch of files to the model's input. An InputError in the
 * thread (an unreadable image) comes back as the same InputError.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ImageFile } from '../data/imageBytes';
import { InputError } from '../errors';
import type { ImageInput, PreprocessSpec } from './preprocess';

export interface DecodeRequest {
  id: number;
  files: ImageFile[];
  img: ImageInput;
  spec: PreprocessSpec;
}

export type DecodeResponse =
  | { id: number; x: Float32Array; error?: undefined }
  | {
      id: number;
      x?: undefined;
      error:
        | { input: true; file: string; detail: string; line?: number; message: string }
        | { input: false; message: string };
    };

/**
 * The bundled onnxDecodeWorker.js beside the running bundle, or the TypeScript source through tsx (tests, benchmarks).
 * (Also the loader's decoding thread for large image sets: data/parallelDecode.ts.)
 */
export function startDecodeWorker(): Worker {
  const bundled = path.join(__dirname, 'onnxDecodeWorker.js');
  if (existsSync(bundled)) return new Worker(bundled);
  const source = path.join(__dirname, 'decodeWorker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true });
}

export class DecodeThread {
  private readonly worker = startDecodeWorker();
  private readonly waiting = new Map<number, { resolve: (x: Float32Array) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(
    private readonly img: ImageInput,
    private readonly spec: PreprocessSpec,
  ) {
    this.worker.on('message', (r: DecodeResponse) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if (r.x) w.resolve(r.x);
      else if (r.error.input) w.reject(new InputError(r.error.file, r.error.detail, r.error.line));
      else w.reject(new Error(`image decoding thread: ${r.error.message}`));
    });
    this.worker.on('error', (e) => this.failAll(e));
    this.worker.on('exit', (code) => this.failAll(new Error(`image decoding thread exited (${code})`)));
  }

  decode(files: ImageFile[]): Promise<Float32Array> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const request: DecodeRequest = { id, files, img: this.img, spec: this.spec };
      this.worker.postMessage(request);
    });
  }

  async close(): Promise<void> {
    this.waiting.clear();
    await this.worker.terminate();
  }

  private failAll(error: Error): void {
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }
}
