import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadIrisCsv } from '../../../src/demo/iris';

test('loadIrisCsv writes 150 flowers of 3 species with the expected header', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'il-iris-'));
  try {
    const file = path.join(dir, 'nested', 'iris.csv');
    const summary = loadIrisCsv(file);
    assert.deepEqual(summary, { rows: 150, classes: ['setosa', 'versicolor', 'virginica'] });

    const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'sepal_length,sepal_width,petal_length,petal_width,species');
    assert.equal(lines.length, 151);
    assert.equal(lines[1], '5.1,3.5,1.4,0.2,setosa'); // the first flower of Fisher's table
    const perSpecies = new Map<string, number>();
    for (const line of lines.slice(1)) {
      const cells = line.split(',');
      assert.equal(cells.length, 5);
      assert.ok(
        cells.slice(0, 4).every((c) => Number.isFinite(Number(c)) && Number(c) > 0),
        line,
      );
      perSpecies.set(cells[4], (perSpecies.get(cells[4]) ?? 0) + 1);
    }
    assert.deepEqual(
      [...perSpecies.entries()],
      [
        ['setosa', 50],
        ['versicolor', 50],
        ['virginica', 50],
      ],
    );
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['iris.csv'], 'no temporary file left behind');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
