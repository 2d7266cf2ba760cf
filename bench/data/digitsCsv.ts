/**
 * scikit-learn's bundled digits (1,797 8×8 images, python3-sklearn) as the CSV a user would hand the tool:
 * `split,px0,…,px63,label`, every fifth row a test row. The split column fixes the split, so the numpy reference
 * program (bench/targets/numpyReference.py) and the engine analyze the same train and test samples.
 */
import fs from 'node:fs';
import { PUBLIC_SETS } from './publicSets';

export const DIGITS = PUBLIC_SETS.find((s) => s.id === 'digits')!;

export function writeDigitsCsv(file: string): { nTrain: number; nTest: number } {
  const table = DIGITS.load();
  const lines = [['split', ...table.header, 'label'].join(',')];
  let nTest = 0;
  table.rows.forEach((row, i) => {
    const test = i % 5 === 4;
    if (test) nTest++;
    lines.push([test ? 'test' : 'train', ...row.cells, row.label.replace(/\s+/g, '_')].join(','));
  });
  fs.writeFileSync(file, lines.join('\n') + '\n');
  return { nTrain: table.rows.length - nTest, nTest };
}
