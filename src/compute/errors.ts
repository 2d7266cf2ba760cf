/**
 * Errors the engine raises for bad user input. They carry where the problem
 * is (file, 1-based line) and what was expected, so every front end (CLI,
 * extension) can show a precise message; the CLI maps them to exit code 2.
 */
export class InputError extends Error {
  override readonly name = 'InputError';

  constructor(
    /** Absolute or dataset-relative path of the offending file. */
    readonly file: string,
    /** What is wrong and what was expected, in one sentence. */
    readonly detail: string,
    /** 1-based line in `file` where the problem starts, when it has one. */
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ''}: ${detail}`);
  }
}

/** Raised when the caller cancels a running analysis. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor() {
    super('analysis cancelled');
  }
}

/**
 * One thread's wasm heap could not take an allocation (at most 4 GB per thread: PLATFORM.md). Raised in whichever
 * thread ran out (tf/wasmMemoryGuard.ts); analyze() reports it as the input's problem, with what would fit.
 */
export class WasmMemoryError extends Error {
  override readonly name = 'WasmMemoryError';
  constructor(
    /** The allocation that failed, bytes. */
    readonly bytes: number,
    /** The thread's heap when it failed, bytes. */
    readonly heapBytes: number,
  ) {
    super(
      `the wasm backend could not allocate ${Math.ceil(bytes / 2 ** 20)} MB more in one thread ` +
        `(its heap holds ${Math.round(heapBytes / 2 ** 20)} MB; a thread can address at most 4 GB)`,
    );
  }
}
