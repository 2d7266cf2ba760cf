/**
 * The CLI face of the option table (src/protocol/options.ts): one flag
 * per option, its help from the option's doc and default, its value parsed
 * and then checked by the option's rule, so the CLI accepts exactly what the
 * engine and the extension's settings accept.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { quote } from '../compute/data/quote';
import { type EngineOptions, flagOf, renderOptionRefs } from '../compute/options/derive';
import { type CliValue, OPTION_NAMES, OPTIONS, type OptionName } from '../protocol/options';

/** The flag's text as the value its rule checks (a number, a list of numbers, a string). */
function parseText(text: string, parse: CliValue['parse']): unknown {
  const asNumber = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));
  switch (parse) {
    case 'int':
    case 'number':
      return asNumber(text);
    case 'list':
      return text.split(',').map(asNumber);
    default:
      return text;
  }
}

function parserFor(name: OptionName, flag: string): (text: string) => unknown {
  const spec = OPTIONS[name];
  return (text) => {
    const value = parseText(text, spec.cli.parse);
    try {
      return spec.rule(value, flag);
    } catch {
      throw new InvalidArgumentError(`${flag} must be ${spec.rule.expected}, got ${quote(text)}`);
    }
  };
}

function helpOf(name: OptionName): string {
  const spec: { doc: string; default: unknown; defaultIs?: string; cli: CliValue } = OPTIONS[name];
  const doc = spec.doc.charAt(0).toLowerCase() + spec.doc.slice(1);
  if (spec.cli.parse === 'flag') return doc;
  if (spec.defaultIs) return `${doc} (default: ${spec.defaultIs})`;
  return spec.default === undefined ? doc : `${doc} (default ${String(spec.default)})`;
}

/** Adds every option of the table to a command, each former spelling as a hidden flag of the same option. */
export function addEngineOptions(command: Command): Command {
  for (const name of OPTION_NAMES) {
    const spec = OPTIONS[name];
    const flag = flagOf(name);
    const option =
      spec.cli.arg === null
        ? new Option(flag, helpOf(name))
        : new Option(`${flag} ${spec.cli.arg}`, helpOf(name)).argParser(parserFor(name, flag));
    command.addOption(option);
    for (const former of formerFlags(name)) {
      command.addOption(
        new Option(`${former} ${spec.cli.arg ?? ''}`.trim(), `old spelling of ${flag}`)
          .hideHelp()
          .argParser(parserFor(name, former)),
      );
    }
  }
  return command;
}

function formerFlags(name: OptionName): readonly string[] {
  const spec: { formerFlags?: readonly string[] } = OPTIONS[name];
  return spec.formerFlags ?? [];
}

/** The engine options among commander's parsed flags. */
export function engineOptionsFrom(flags: Record<string, unknown>): EngineOptions {
  const out: Record<string, unknown> = {};
  for (const name of OPTION_NAMES) {
    // The current spelling wins over an old one given too.
    const value = [flagOf(name), ...formerFlags(name)]
      .map((flag) => flags[new Option(flag).attributeName()])
      .find((v) => v !== undefined);
    if (value !== undefined) out[name] = value;
  }
  // Every value passed its rule in the parser above.
  return out as EngineOptions;
}

/** An engine message in CLI terms: each option it names becomes its flag. */
export function inCliTerms(message: string): string {
  return renderOptionRefs(message, flagOf);
}
