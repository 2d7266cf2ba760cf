/** Parsing and validating command-line values into engine options. */
import { InvalidArgumentError } from 'commander';
import { clip, escapeControl, quote } from '../compute/data/quote';
import type { MethodChoice } from '../compute/pipeline/options';
import type { ModelKind } from '../compute/types';

export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive whole number, got ${quote(value)}`);
    return n;
  };
}

export function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a whole number ≥ 0, got ${quote(value)}`);
    return n;
  };
}

export function nonNegativeNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a number ≥ 0, got ${quote(value)}`);
    return n;
  };
}

export function fraction(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || n >= 1) throw new InvalidArgumentError(`${name} must be between 0 and 1, got ${quote(value)}`);
    return n;
  };
}

export function widths(value: string): number[] {
  const parts = value.split(',').map((s) => Number(s.trim()));
  if (parts.length === 0 || parts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InvalidArgumentError(`--hidden takes comma-separated layer widths like 128 or 256,64, got ${quote(value)}`);
  }
  return parts;
}

export function oneOf<T extends string>(name: string, allowed: readonly T[]) {
  return (value: string): T => {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}, got ${quote(value)}`);
    }
    return value as T;
  };
}

export const MODEL_KINDS: readonly ModelKind[] = ['logreg', 'mlp', 'cnn'];

export const METHODS: readonly MethodChoice[] = ['auto', 'exact', 'cg', 'lissa', 'tracin', 'gif'];

/**
 * Commander's own error lines quote the raw argument (`argument '…' is
 * invalid`): each line is cut and its control characters escaped before it
 * reaches the terminal. Help text goes to stdout and is not touched.
 */
export function terminalSafe(text: string, maxLine = 300): string {
  const end = text.endsWith('\n') ? '\n' : '';
  const body = end ? text.slice(0, -1) : text;
  return body.split('\n').map((line) => escapeControl(clip(line, maxLine))).join('\n') + end;
}

/** --folds: a whole number of at least 2 (one fold would leave no held-out sample for out-of-sample probabilities). */
export function foldCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2) {
    throw new InvalidArgumentError(`--folds must be a whole number of at least 2 (cross-fitting needs a fold to hold out), got ${quote(value)}`);
  }
  return n;
}

/** --max-memory-mb: a positive number of MB. */
export function memoryMB(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`--max-memory-mb must be a positive number of MB, got ${quote(value)}`);
  return n;
}
