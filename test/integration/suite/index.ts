/**
 * The integration suite's entry (extensionTestsPath → out/test/index.js): VS
 * Code loads it in the extension host and calls run(). Mocha runs the bundled
 * *.test.js files beside it; the result rejects on any failure, which VS Code
 * turns into the exit code. Reporter lines also go to the file named by
 * INFLUENCE_LENS_TEST_OUTPUT when set (the code-server runner prints it: the
 * extension host's stdout is not the runner's).
 */
import { appendFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const out = process.env.INFLUENCE_LENS_TEST_OUTPUT;
  if (out) {
    const original = Mocha.reporters.Base.consoleLog;
    Mocha.reporters.Base.consoleLog = (...args: unknown[]) => {
      original(...args);
      appendFileSync(out, `${format(...args)}\n`);
    };
  }
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 90_000, reporter: 'spec' });
  const grep = process.env.INFLUENCE_LENS_TEST_GREP;
  if (grep) mocha.grep(grep);
  // Restricted Mode has its own session (runCodeServer.ts): only its file there, every other file elsewhere.
  const restricted = process.env.INFLUENCE_LENS_TEST_UNTRUSTED === '1';
  const files = readdirSync(__dirname).filter(
    (f) => f.endsWith('.test.js') && (f === 'untrusted.test.js') === restricted,
  );
  for (const file of files.sort()) mocha.addFile(path.join(__dirname, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} integration test(s) failed`)) : resolve()));
  });
}
