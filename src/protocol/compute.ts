/**
 * The wire between the extension host and the compute subprocess
 * (child_process.fork, Node IPC). The host sends `start` once, then maybe
 * `cancel`; the subprocess answers with progress and log lines and ends with
 * exactly one of `result`, `cancelled` or `error`, then exits.
 * Both ends check every message with the checkers below.
 */
import { type Checked, nonNegInt, num, object, oneOf, optional, str, union } from './check';

import { OPTION_SHAPE } from './options';

export { METHODS, MODEL_KINDS } from './options';

/**
 * What the engine's AnalyzeOptions holds that can cross a wire (no signal, no
 * callbacks): where the data is, then every option of the table
 * (./options.ts), each checked by its own rule.
 */
export const checkJobOptions = object({
  datasetPath: str,
  testPath: optional(str),
  labelColumn: optional(str),
  ...OPTION_SHAPE,
});
export type JobOptions = Checked<typeof checkJobOptions>;

export const checkHostToCompute = union({
  /** Run one analysis and write the results file to `resultsPath` (atomically); reuse or save the fit at `fitPath`. */
  start: object({ options: checkJobOptions, resultsPath: str, fitPath: optional(str) }),
  /** Stop as soon as possible; answer `cancelled` and write nothing. */
  cancel: object({}),
});
export type HostToCompute = Checked<typeof checkHostToCompute>;

export const LOG_LEVELS = ['trace', 'info', 'warn', 'error'] as const;

export const checkComputeToHost = union({
  /**
   * The engine's progress. `stage` stays a free string so a new engine stage
   * does not make an older host reject the message.
   */
  progress: object({ stage: str, done: num, total: num, message: optional(str) }),
  log: object({ level: oneOf(LOG_LEVELS), message: str }),
  /**
   * "Still here": sent every few seconds while the process's event loop runs, so the host can tell a hang from a long
   * stage.
   */
  heartbeat: object({}),
  /** The results file is complete at `resultsPath`. */
  result: object({ resultsPath: str }),
  cancelled: object({}),
  /** `input`: the dataset is at fault (file/line say where); `internal`: a bug or resource failure. */
  error: object({
    kind: oneOf(['input', 'internal'] as const),
    message: str,
    file: optional(str),
    line: optional(nonNegInt),
  }),
});
export type ComputeToHost = Checked<typeof checkComputeToHost>;

/** Parses a message at the receiving end; throws ProtocolError naming the bad field. */
export function parseHostToCompute(raw: unknown): HostToCompute {
  return checkHostToCompute(raw, 'message');
}

export function parseComputeToHost(raw: unknown): ComputeToHost {
  return checkComputeToHost(raw, 'message');
}
