/**
 * The engine's one check of its options, by the table's rules: a bad value is an InputError naming the option, not a
 * flag.
 */
import { InputError } from '../errors';
import { optionRef } from './derive';
import { OPTION_NAMES, OPTIONS } from '../../protocol/options';
import type { EngineOptions } from './derive';

/** A value as a message shows it (strings quoted, lists joined). */
export function showValue(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** Throws for the first option whose value its rule refuses. */
export function checkEngineOptions(options: EngineOptions & { datasetPath: string }): void {
  for (const name of OPTION_NAMES) {
    const value = options[name];
    if (value === undefined) continue;
    const spec = OPTIONS[name];
    try {
      spec.rule(value, name);
    } catch {
      throw new InputError(
        options.datasetPath,
        `${optionRef(name)} is ${showValue(value)}; expected ${spec.rule.expected}`,
      );
    }
  }
}
