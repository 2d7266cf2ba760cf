/**
 * Options the run would silently ignore are refused before any work, naming both sides (validateOptions): the user
 * asked for something the results would look as if they had done.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InputError } from '../../../src/compute/errors';
import { validateOptions } from '../../../src/compute/pipeline/validateRun';

const refused = (options: Parameters<typeof validateOptions>[0], pattern: RegExp) =>
  assert.throws(
    () => validateOptions(options),
    (e: unknown) => e instanceof InputError && pattern.test(e.message),
  );

test('an option that would be ignored by the others is refused, naming both', () => {
  const datasetPath = 'd.csv';
  refused({ datasetPath, skipIssues: true, removeHarmful: 5 }, /removeHarmful option .* the skipIssues option skips/);
  refused({ datasetPath, method: 'gif', target: 'last-layer' }, /target option .*gif works over the whole network/);
  refused({ datasetPath, method: 'exact', target: 'full' }, /exact works over the last layer whatever it says/);
  refused({ datasetPath, method: 'tracin', target: 'full' }, /tracin works over the last layer/);
  refused({ datasetPath, model: 'logreg', hidden: [64] }, /hidden option sets the hidden layers of mlp and cnn/);
  for (const fine of [
    { datasetPath, method: 'cg' as const, target: 'full' as const },
    { datasetPath, target: 'last-layer' as const },
    { datasetPath, model: 'mlp' as const, hidden: [64] },
    { datasetPath, removeHarmful: 5 },
  ])
    validateOptions(fine);
});

test('a seed beyond the 32-bit generator is refused (it would repeat a smaller seed run for run)', () => {
  refused(
    { datasetPath: 'd.csv', seed: 2 ** 32 },
    /seed option is 4294967296; expected a whole number from 0 to 4294967295/,
  );
  validateOptions({ datasetPath: 'd.csv', seed: 2 ** 32 - 1 });
});
