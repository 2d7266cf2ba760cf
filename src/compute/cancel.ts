/**
 * Cancellation inside the engine. The engine takes an AbortSignal and checks
 * it between blocks of work with throwIfAborted. A signal is only set by
 * code that runs on the event loop (a SIGINT handler, an IPC 'cancel'), which
 * cannot run while this thread is inside a long synchronous loop; so the
 * analysis runs in a worker thread (process/analyzeInWorker.ts) and the main
 * thread raises a flag in shared memory that throwIfAborted reads at once.
 */
import { CancelledError } from './errors';

interface SharedLink {
  flag: Int32Array;
  controller: AbortController;
}

const links = new WeakMap<AbortSignal, SharedLink>();

/** A cancel flag in shared memory: raise() in one thread, seen by throwIfAborted in another. */
export function createSharedCancelFlag(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

export function raiseSharedCancelFlag(flag: Int32Array): void {
  Atomics.store(flag, 0, 1);
}

/**
 * A signal that fires when the shared flag is raised: at once when this
 * thread next calls throwIfAborted (even deep in a synchronous loop), and
 * `controller.abort()` still works for code that awaits (the training pool).
 */
export function signalFromSharedFlag(flag: Int32Array, controller = new AbortController()): AbortSignal {
  links.set(controller.signal, { flag, controller });
  return controller.signal;
}

/** True when the signal has fired or its shared flag was raised (then the signal fires too). */
export function isAborted(signal?: AbortSignal): boolean {
  if (!signal) return false;
  if (signal.aborted) return true;
  const link = links.get(signal);
  if (link && Atomics.load(link.flag, 0) !== 0) {
    link.controller.abort();
    return true;
  }
  return false;
}

/** Throws CancelledError when the signal has fired; called between blocks of work (each well under 100 ms). */
export function throwIfAborted(signal?: AbortSignal): void {
  if (isAborted(signal)) throw new CancelledError();
}

/**
 * `fn` with a cancellation check before every call: wraps the Hessian-vector
 * product every iterative solver (CG, LiSSA, GIF, Lanczos) calls once per
 * iteration, so none of them needs its own.
 */
export function checkedBeforeEachCall<A extends unknown[], R>(
  fn: (...args: A) => R,
  signal?: AbortSignal,
): (...args: A) => R {
  if (!signal) return fn;
  return (...args: A) => {
    throwIfAborted(signal);
    return fn(...args);
  };
}
