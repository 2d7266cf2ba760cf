/**
 * The option table (src/protocol/options.ts) is the one declaration of
 * every analysis option; these tests hold its faces to it. Before it, the
 * faces drifted: the gif fraction was `subsetFraction` in the engine and
 * `targetParameterFraction` in the settings, the CLI refused a fraction of 1
 * that the setting allowed, `--verify-tests` set `verifyTestPoints`, and the
 * engine's messages named CLI flags that VS Code users cannot type.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Command } from 'commander';
import { addEngineOptions, engineOptionsFrom, inCliTerms } from '../../../src/cli/flags';
import { DEFAULTS, flagOf, optionRef } from '../../../src/compute/options/derive';
import { OPTION_NAMES, OPTIONS } from '../../../src/protocol/options';
import { checkJobOptions } from '../../../src/protocol/compute';
import { inExtensionTerms } from '../../../src/host/analysis/jobOptions';
import {
  type ConfigurationLike,
  readSettingValues,
  SETTINGS,
  settingsSchema,
} from '../../../src/host/analysis/settingsTable';

const root = path.join(__dirname, '..', '..', '..');

describe('the table', () => {
  test('each documented default passes its own rule', () => {
    for (const name of OPTION_NAMES) {
      const value: unknown = OPTIONS[name].default;
      if (value !== undefined) assert.doesNotThrow(() => OPTIONS[name].rule(value, name), name);
    }
    assert.equal(DEFAULTS.folds, 5);
    assert.equal(DEFAULTS.subsetFraction, 0.1);
  });

  test('one name per concept: the flag is the kebab-case name, the setting the name unless a reason is given', () => {
    assert.equal(flagOf('maxMemoryMB'), '--max-memory-mb');
    assert.equal(flagOf('subsetFraction'), '--subset-fraction');
    assert.equal(flagOf('verifyTestPoints'), '--verify-test-points');
    for (const entry of SETTINGS) {
      if (entry.key !== entry.option) assert.ok(entry.face.why, `${entry.key} ≠ ${entry.option} needs a reason`);
    }
    assert.deepEqual(
      SETTINGS.filter((s) => s.key !== s.option).map((s) => s.key),
      ['reliabilitySamples'],
    );
  });
});

describe("package.json's contributes.configuration", () => {
  test(
    'agrees with the table: names, types, defaults, enums, bounds and ' +
      'descriptions (npm run settings-schema writes it)',
    () => {
      const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
        contributes: { configuration: { properties: Record<string, unknown> } };
      };
      assert.deepEqual(pkg.contributes.configuration.properties, settingsSchema());
    },
  );

  test('the renamed gif setting keeps its old key, deprecated, with the same default', () => {
    const schema = settingsSchema();
    assert.equal(schema['influenceLens.subsetFraction'].default, 0.1);
    assert.match(
      String(schema['influenceLens.targetParameterFraction'].markdownDeprecationMessage),
      /influenceLens\.subsetFraction/,
    );
  });
});

describe('reading settings', () => {
  const config = (set: Record<string, unknown>, defaults: Record<string, unknown> = {}): ConfigurationLike => ({
    get: (key) => (key in set ? set[key] : defaults[key]),
    inspect: (key) => ({ key, defaultValue: defaults[key], globalValue: set[key] }),
  });

  test('a value the user set under the old key targetParameterFraction is still read', () => {
    assert.equal(
      readSettingValues(config({ targetParameterFraction: 0.4 }, { subsetFraction: 0.1 })).subsetFraction,
      0.4,
    );
  });

  test('the new key wins when both are set, and the default applies when neither is', () => {
    assert.equal(
      readSettingValues(config({ targetParameterFraction: 0.4, subsetFraction: 0.2 }, { subsetFraction: 0.1 }))
        .subsetFraction,
      0.2,
    );
    assert.equal(readSettingValues(config({}, { subsetFraction: 0.1 })).subsetFraction, 0.1);
  });
});

describe('the CLI face', () => {
  const parse = (args: string[]) => {
    const command = addEngineOptions(new Command().exitOverride().configureOutput({ writeErr: () => {} }));
    command.parse(args, { from: 'user' });
    return engineOptionsFrom(command.opts());
  };

  test('every option has its flag in --help, and old spellings are hidden', () => {
    const help = addEngineOptions(new Command()).helpInformation();
    for (const name of OPTION_NAMES) assert.ok(help.includes(flagOf(name)), flagOf(name));
    assert.doesNotMatch(help, /--verify-tests|--max-exact-params\b/);
    assert.match(help, /--top-k <n>\s+proponents and opponents kept per test sample\s+\(default 10\)/);
  });

  test('a fraction of 1 is accepted, as the setting accepts it; 0 and 1.5 are refused', () => {
    assert.equal(parse(['--subset-fraction', '1']).subsetFraction, 1);
    assert.throws(
      () => parse(['--subset-fraction', '0']),
      /--subset-fraction must be a number above 0 and at most 1, got '0'/,
    );
    assert.throws(() => parse(['--subset-fraction', '1.5']), /--subset-fraction must be/);
  });

  test('--folds 1 is refused, saying why', () => {
    assert.throws(
      () => parse(['--folds', '1']),
      /--folds must be a whole number of at least 2 \(cross-fitting needs a fold to hold out/,
    );
  });

  test('the former spellings --verify-tests and --max-exact-params still set their options', () => {
    assert.deepEqual(parse(['--verify-tests', '4', '--max-exact-params', '100']), {
      verifyTestPoints: 4,
      maxExactParameters: 100,
    });
    assert.deepEqual(parse(['--verify-test-points', '5', '--max-exact-parameters', '200']), {
      verifyTestPoints: 5,
      maxExactParameters: 200,
    });
  });

  test('parsed options pass the wire check unchanged', () => {
    const options = {
      datasetPath: '/d.csv',
      ...parse(['--hidden', '64,8', '--converge', '--backend', 'cpu', '--max-memory-mb', '512.5', '--seed', '3']),
    };
    assert.deepEqual(checkJobOptions(options, 'options'), options);
    assert.deepEqual(options.hidden, [64, 8]);
  });
});

describe('engine messages name options, each face names its own control', () => {
  test('one message, three faces', () => {
    const engine =
      `too big; set ${optionRef('maxSamples')} 500 or raise ` +
      `${optionRef('maxMemoryMB')}; ${optionRef('hidden')} is CLI-only`;
    assert.equal(inCliTerms(engine), 'too big; set --max-samples 500 or raise --max-memory-mb; --hidden is CLI-only');
    const ext = inExtensionTerms(engine);
    assert.equal(
      ext.text,
      'too big; set the influenceLens.maxSamples setting 500 or raise the ' +
        'influenceLens.maxMemoryMB setting; the hidden option is CLI-only',
    );
    assert.equal(ext.memory, true);
    assert.equal(
      inCliTerms('the weird option stays'),
      'the weird option stays',
      'only options of the table are rewritten',
    );
  });

  test('no string in the engine spells a CLI flag', () => {
    // The demo's README documents the CLI command that made it.
    const allowed = new Set(['demo/demoReadme.ts']);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (
          file.endsWith('.ts') &&
          !allowed.has(
            path
              .relative(path.join(root, 'src', 'compute'), file)
              .split(path.sep)
              .join('/'),
          )
        ) {
          fs.readFileSync(file, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              const code = line.trim();
              if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) return;
              if (/--[a-z]{2,}/.test(code.replace(/\/\/.*$/, '')))
                offenders.push(`${path.relative(root, file)}:${i + 1}: ${code}`);
            });
        }
      }
    };
    walk(path.join(root, 'src', 'compute'));
    assert.deepEqual(offenders, []);
  });
});
