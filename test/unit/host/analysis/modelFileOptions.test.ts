/**
 * The user's ONNX model in the extension (issue 15 item 3): which model a
 * run uses (the dataset's own pick, else the influenceLens.modelFile setting,
 * else the built-in model), that the engine gets a model file or a built-in
 * model but never both, and that the explorer's .onnx entry is wired to a
 * registered command.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { checkJobOptions } from '../../../../src/protocol/compute';
import {
  cacheKeyOptions,
  DEFAULT_SETTINGS,
  jobOptionsFor,
  parseDatasetChoices,
} from '../../../../src/host/analysis/jobOptions';

const withSetting = { ...DEFAULT_SETTINGS, modelFile: '/ws/models/net.onnx' };

describe('the model file of a run', () => {
  test('the setting replaces the built-in model, and the options pass the protocol check', () => {
    const options = jobOptionsFor('/ws/d.csv', withSetting, {});
    assert.equal(options.modelFile, '/ws/models/net.onnx');
    assert.equal(options.model, undefined, 'the engine refuses --model with --model-file');
    assert.deepEqual(checkJobOptions(options, 'options'), options);
  });

  test("a dataset's own pick wins: a built-in model over the setting, another model file over it", () => {
    const builtIn = jobOptionsFor('/ws/d.csv', withSetting, { model: 'logreg' });
    assert.equal(builtIn.modelFile, undefined);
    assert.equal(builtIn.model, 'logreg');
    const other = jobOptionsFor('/ws/d.csv', withSetting, { modelFile: '/ws/other.onnx' });
    assert.equal(other.modelFile, '/ws/other.onnx');
  });

  test('without a setting or a pick, nothing changes', () => {
    const options = jobOptionsFor('/ws/d.csv', DEFAULT_SETTINGS, {});
    assert.equal(options.modelFile, undefined);
    assert.equal(options.model, DEFAULT_SETTINGS.model);
  });

  test('another model file is another cached result', () => {
    const a = cacheKeyOptions(jobOptionsFor('/ws/d.csv', withSetting, {}));
    const b = cacheKeyOptions(jobOptionsFor('/ws/d.csv', { ...withSetting, modelFile: '/ws/b.onnx' }, {}));
    assert.notDeepEqual(a, b);
  });

  test('a remembered pick reads back; a built-in model and a model file are never both', () => {
    assert.deepEqual(parseDatasetChoices({ modelFile: '/ws/net.onnx' }), { modelFile: '/ws/net.onnx' });
    assert.deepEqual(parseDatasetChoices({ model: 'mlp', modelFile: '/ws/net.onnx' }), { model: 'mlp' });
    assert.deepEqual(parseDatasetChoices({ modelFile: 7 }), {});
  });
});

describe('package.json', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../package.json'), 'utf8'));
  test("right-click on an .onnx file offers 'Use as the model for influence', a registered command", () => {
    // commands.ts imports 'vscode' (not loadable here): its command id and registration are read from the source.
    const source = fs.readFileSync(path.join(__dirname, '../../../../src/host/commands.ts'), 'utf8');
    const id = /useModelFile: '([^']+)'/.exec(source)?.[1];
    assert.ok(
      id && source.includes('registerCommand(\n      COMMAND.useModelFile'),
      'commands.ts declares and registers the command',
    );
    const COMMAND = { useModelFile: id };
    const entry = pkg.contributes.menus['explorer/context'].find(
      (m: { command: string }) => m.command === COMMAND.useModelFile,
    );
    assert.ok(entry, 'an explorer entry for the command');
    assert.match(entry.when, /onnx/);
    const command = pkg.contributes.commands.find((c: { command: string }) => c.command === COMMAND.useModelFile);
    assert.equal(command?.title, 'Use as the model for influence');
    assert.equal(pkg.contributes.configuration.properties['influenceLens.modelFile']?.type, 'string');
  });
});
