/**
 * The extension's face of the option table (src/protocol/options.ts):
 * which options are `influenceLens.*` settings, their package.json schema
 * (`npm run settings-schema` writes it; test/unit/options/table.test.ts
 * checks it agrees), and how a setting value becomes a job option. Pure (no
 * vscode), so all of it is unit-tested; settings.ts only reads the values.
 */
import { OPTION_NAMES, OPTIONS, type OptionName, type SettingFace } from '../../protocol/options';

export const SETTINGS_PREFIX = 'influenceLens';

export interface SettingEntry {
  option: OptionName;
  /** The key after `influenceLens.`. */
  key: string;
  face: SettingFace;
  default: unknown;
}

export const SETTINGS: readonly SettingEntry[] = OPTION_NAMES.flatMap((option) => {
  const spec: { setting?: SettingFace; default: unknown } = OPTIONS[option];
  const face = spec.setting;
  if (!face) return [];
  const fallback = face.default !== undefined ? face.default : spec.default !== undefined ? spec.default : face.unset;
  return [{ option, key: face.key ?? option, face, default: fallback }];
});

export function settingOf(option: OptionName): SettingEntry | undefined {
  return SETTINGS.find((s) => s.option === option);
}

/** `the influenceLens.maxSamples setting`: how the extension names an option in a message. */
export function settingName(entry: SettingEntry): string {
  return `the ${SETTINGS_PREFIX}.${entry.key} setting`;
}

/** The JSON-schema type of a setting, from how the option's value is read and what unset means. */
function schemaType(entry: SettingEntry): string | string[] {
  const { parse } = OPTIONS[entry.option].cli;
  const base =
    parse === 'int' || entry.face.round
      ? 'integer'
      : parse === 'number'
        ? 'number'
        : parse === 'flag'
          ? 'boolean'
          : parse === 'list'
            ? 'array'
            : 'string';
  return entry.face.unset === null ? [base, 'null'] : base;
}

/** The named values of a one-of rule (the table's oneOf attaches them), else undefined. */
function enumValues(rule: object): string[] | undefined {
  const values: unknown = 'values' in rule ? rule.values : undefined;
  return Array.isArray(values) ? values.map(String) : undefined;
}

/** The `contributes.configuration.properties` of package.json, keyed by full setting name. */
export function settingsSchema(): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const entry of SETTINGS) {
    const spec = OPTIONS[entry.option];
    const values = enumValues(spec.rule);
    const property: Record<string, unknown> = { type: schemaType(entry), default: entry.default };
    if (values) property.enum = [...values, ...(entry.face.extraValues ?? [])];
    if (entry.face.enumDescriptions) property.markdownEnumDescriptions = [...entry.face.enumDescriptions];
    if (entry.face.minimum !== undefined) property.minimum = entry.face.minimum;
    if (entry.face.maximum !== undefined) property.maximum = entry.face.maximum;
    property.markdownDescription = `${entry.face.doc ?? spec.doc}.${entry.face.note ? ` ${entry.face.note}` : ''}`;
    out[`${SETTINGS_PREFIX}.${entry.key}`] = property;
    if (entry.face.formerKey) {
      out[`${SETTINGS_PREFIX}.${entry.face.formerKey}`] = {
        ...property,
        markdownDeprecationMessage:
          `Renamed to \`#${SETTINGS_PREFIX}.${entry.key}#\` (still read when that ` + `is not set).`,
      };
    }
  }
  return out;
}

/** The part of vscode.WorkspaceConfiguration that reading settings needs (a fake in the unit tests). */
export interface ConfigurationLike {
  get(key: string): unknown;
  inspect(key: string): Record<string, unknown> | undefined;
}

/** Whether the user (or workspace, folder, language scope) set `key` at all, as opposed to its default applying. */
function isSet(config: ConfigurationLike, key: string): boolean {
  const found = config.inspect(key);
  if (!found) return false;
  return Object.entries(found).some(
    ([scope, value]) => scope !== 'key' && !scope.startsWith('default') && value !== undefined,
  );
}

/**
 * Every setting's value, keyed without the prefix. A renamed setting
 * (formerKey) is read under its old key when only that one is set, so a user
 * who set the old name keeps their value.
 */
export function readSettingValues(config: ConfigurationLike): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of SETTINGS) {
    const former = entry.face.formerKey;
    out[entry.key] =
      former && !isSet(config, entry.key) && isSet(config, former) ? config.get(former) : config.get(entry.key);
  }
  return out;
}
