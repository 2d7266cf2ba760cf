/**
 * Reads a results file back (written by the engine, maybe by an older or
 * newer version, maybe damaged): checks the whole contract
 * (src/protocol/results.ts), so such a file opens as "made by another
 * version: re-run", never half-rendered.
 */
import { NotRegularFileError, readRegularFile } from '../../compute/regularFile';
import { checkResultsFile, type ResultsFile, SCHEMA_VERSION } from '../../protocol/results';

export class ResultsFileError extends Error {
  override readonly name = 'ResultsFileError';
}

export function parseResults(text: string, file: string): ResultsFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ResultsFileError(`${file} is not valid JSON (${(error as Error).message}); re-run the analysis`);
  }
  const version = (value as { schemaVersion?: unknown } | null)?.schemaVersion;
  try {
    return checkResultsFile(value, 'results');
  } catch (error) {
    const made =
      typeof version === 'number' && version !== SCHEMA_VERSION
        ? `made by another version (schema ${version}, this one reads ${SCHEMA_VERSION})`
        : 'made by another version, or damaged';
    throw new ResultsFileError(`${file} was ${made}: ${(error as Error).message}; re-run the analysis`);
  }
}

export async function readResults(file: string): Promise<ResultsFile> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file);
  } catch (error) {
    if (error instanceof NotRegularFileError)
      throw new ResultsFileError(`${file} ${error.reason}; expected a results file`);
    throw error;
  }
  return parseResults(bytes.toString('utf8'), file);
}
