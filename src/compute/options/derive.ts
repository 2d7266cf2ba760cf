/**
 * What the option table (src/protocol/options.ts) gives the rest of the engine: the option
 * type, the defaults, the flag spelling and how a message names an option.
 */
import type { Checked } from '../../protocol/check';
import { OPTION_NAMES, OPTIONS, type OptionName, type OptionStage } from '../../protocol/options';

/** Every option the table declares, each optional (absent = its default). */
export type EngineOptions = { -readonly [K in OptionName]?: Checked<(typeof OPTIONS)[K]['rule']> };

type Defaulted = { [K in OptionName]: (typeof OPTIONS)[K]['default'] extends undefined ? never : K }[OptionName];

/** The documented defaults (options whose default is computed are absent: their doc says how). */
export const DEFAULTS = Object.fromEntries(
  OPTION_NAMES.filter((name) => OPTIONS[name].default !== undefined).map((name) => [name, OPTIONS[name].default]),
) as { readonly [K in Defaulted]: Exclude<Checked<(typeof OPTIONS)[K]['rule']>, undefined> };

/** The CLI flag of an option: its engine name in kebab case (`maxMemoryMB` → `--max-memory-mb`). */
export function flagOf(name: OptionName): string {
  return `--${name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
}

/** The options whose change invalidates a stage (fit, score, verify) or nothing (run). */
export function optionsOfStage(stage: OptionStage): OptionName[] {
  return OPTION_NAMES.filter((name) => OPTIONS[name].stage === stage);
}

/**
 * How an engine message names an option: "the maxSamples option". The CLI
 * turns it into the flag, the extension into the setting (renderOptionRefs),
 * so the engine never spells either; read raw (bench, logs) it still names
 * the option.
 */
export function optionRef(name: OptionName): string {
  return `the ${name} option`;
}

const REF = /\bthe ([A-Za-z]+) option\b/g;

/** Rewrites every optionRef in `message` with `face(name)`; other text is untouched. */
export function renderOptionRefs(message: string, face: (name: OptionName) => string): string {
  return message.replace(REF, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(OPTIONS, name) ? face(name as OptionName) : whole,
  );
}

/** The option names a message refers to (the extension offers to open their settings). */
export function referencedOptions(message: string): OptionName[] {
  return [...message.matchAll(REF)]
    .map((m) => m[1])
    .filter((n): n is OptionName => Object.prototype.hasOwnProperty.call(OPTIONS, n));
}
