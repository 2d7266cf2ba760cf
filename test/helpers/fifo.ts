import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import type { TestContext } from 'node:test';

/**
 * A FIFO at `file` with no writer: an ordinary open for reading waits for one for good. After the test it is opened
 * for reading and writing once (which never blocks on Linux), so that a read a regression left waiting ends and the
 * test process can exit.
 */
export function makeFifo(t: TestContext, file: string): string {
  execFileSync('mkfifo', [file]);
  t.after(() => {
    try {
      closeSync(openSync(file, constants.O_RDWR));
    } catch {
      // Removed already (the test's folder went first): no read can be waiting on it.
    }
  });
  return file;
}
