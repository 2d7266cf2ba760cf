/**
 * Parsing the CLI's own values (the engine options are parsed by their rules: ./flags.ts), and terminal-safe output.
 */
import { InvalidArgumentError } from 'commander';
import { clip, escapeControl, quote } from '../compute/data/quote';

export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1)
      throw new InvalidArgumentError(`${name} must be a positive whole number, got ${quote(value)}`);
    return n;
  };
}

export function oneOf<T extends string>(name: string, allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}, got ${quote(value)}`);
    }
    return value as T;
  };
}

/**
 * Commander's own error lines quote the raw argument (`argument '…' is
 * invalid`): each line is cut and its control characters escaped before it
 * reaches the terminal. Help text goes to stdout and is not touched.
 */
export function terminalSafe(text: string, maxLine = 300): string {
  const end = text.endsWith('\n') ? '\n' : '';
  const body = end ? text.slice(0, -1) : text;
  return (
    body
      .split('\n')
      .map((line) => escapeControl(clip(line, maxLine)))
      .join('\n') + end
  );
}
