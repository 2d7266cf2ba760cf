/**
 * The output channel shows what the extension logs, and much of it quotes
 * the user's data: dataset paths, labels, warnings, the subprocess's own
 * output. A label holding ESC sequences or a newline must show as those
 * characters, not act (VS Code's log view renders ANSI escapes) or forge a
 * log line; a 5 MB label must not become a 5 MB line. This wraps a channel so
 * that every string it is given is escaped (line breaks kept) and cut.
 * No 'vscode' import: it is tested in plain Node with a fake channel.
 */
import { clip, escapeControlKeepLines } from '../compute/data/quote';

/** Longest logged message, in characters. */
export const LOG_MESSAGE_MAX = 10_000;

/** Methods whose string arguments are shown to the user. */
const WRITERS = new Set<PropertyKey>(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace']);

function safeArg(a: unknown): unknown {
  // Cut after escaping: the escapes make the text longer.
  return typeof a === 'string' ? clip(escapeControlKeepLines(clip(a, LOG_MESSAGE_MAX)), LOG_MESSAGE_MAX) : a;
}

export function safeLog<T extends object>(channel: T): T {
  return new Proxy(channel, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      if (!WRITERS.has(prop)) return value.bind(target);
      return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args.map(safeArg));
    },
  });
}
