/**
 * The same integration suite through @vscode/test-electron, the way extension
 * authors usually run it: downloads a desktop VS Code (so not on our offline
 * build machines; there, use runCodeServer.ts) and runs out/test/index.js in
 * its extension host.
 *
 *   node esbuild.mjs --tests && node --import tsx test/integration/runElectron.ts
 *   VSCODE_VERSION=1.100.3 …   pins the VS Code version (default: stable)
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { makeTemp, removeTemp, REPO } from './codeServer';

async function main(): Promise<number> {
  const testsEntry = path.join(REPO, 'out/test/index.js');
  if (!existsSync(testsEntry)) throw new Error('build first: node esbuild.mjs --tests');
  const tmp = makeTemp('influence-lens-it-');
  const workspace = path.join(tmp, 'workspace');
  cpSync(path.join(REPO, 'test/integration/fixtures'), workspace, { recursive: true });
  const output = path.join(tmp, 'mocha.txt');
  try {
    const code = await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: REPO,
      extensionTestsPath: testsEntry,
      extensionTestsEnv: {
        INFLUENCE_LENS_TEST_OUTPUT: output,
        INFLUENCE_LENS_TEST_GREP: process.env.INFLUENCE_LENS_TEST_GREP ?? '',
      },
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--user-data-dir',
        path.join(tmp, 'user-data'),
      ],
    });
    return code;
  } catch (error) {
    // runTests rejects when the suite fails (mocha's failures) or VS Code cannot start.
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    if (existsSync(output)) console.log(readFileSync(output, 'utf8'));
    removeTemp(tmp);
  }
}

main().then((code) => process.exit(code));
