/** Label columns a loader must warn about rather than silently accept. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadDataset } from '../../../src/compute/data/index';
import { tempDir, write } from './helpers';

test('a class with a single training sample loads, with a warning naming the class and its line', async () => {
  const dir = tempDir();
  const d = await loadDataset(write(dir, 'data.csv', 'a,label\n1,x\n2,x\n3,x\n4,y\n5,x\n'), { testFraction: 0 });
  assert.deepEqual(d.classes, ['x', 'y']);
  assert.ok(
    d.warnings.some((w) =>
      /Class 'y' \(data\.csv:5\) has a single training sample; expected at least two per class/.test(w),
    ),
    d.warnings.join('\n'),
  );
});
