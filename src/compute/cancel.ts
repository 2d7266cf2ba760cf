import { CancelledError } from './errors';

/** Throws CancelledError when the signal has fired; called between units of work. */
export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}
