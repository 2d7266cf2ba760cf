/**
 * Runs the integration suite (out/test/*.test.js, mocha) inside a real VS Code
 * extension host, offline: code-server 4.100.3 driven by headless Debian
 * chromium through playwright-core. The extension is loaded from this folder
 * (extensionDevelopmentPath) and the suite from out/test/index.js
 * (extensionTestsPath); VS Code calls window.codeAutomationExit with mocha's
 * exit code, which becomes ours. Install code-server first with
 * scripts/setup-code-server.sh (this script installs nothing).
 *
 *   node esbuild.mjs --tests && node --import tsx test/integration/runCodeServer.ts
 *   INFLUENCE_LENS_TEST_GREP=cancel …   runs only matching tests
 *   INFLUENCE_LENS_KEEP_TMP=1 …         keeps the temp folder (workspace, VS Code logs)
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, makeTemp, removeTemp, REPO, startCodeServer } from './codeServer';

const TIMEOUT_MS = 5 * 60_000;

/**
 * One code-server session running the suite: the trusted workspace runs every
 * suite file but untrusted.test.js; with `untrusted`, workspace trust stays on,
 * the fresh folder opens in Restricted Mode, and only untrusted.test.js runs.
 */
async function runSession(untrusted: boolean): Promise<number> {
  const started = Date.now();
  const testsEntry = path.join(REPO, 'out/test/index.js');
  if (!existsSync(testsEntry) || !existsSync(path.join(REPO, 'dist/extension.js'))) {
    throw new Error('build first: node esbuild.mjs --tests');
  }
  const tmp = makeTemp('influence-lens-it-');
  const workspace = path.join(tmp, 'workspace');
  cpSync(path.join(REPO, 'test/integration/fixtures'), workspace, { recursive: true });
  const mochaOutput = path.join(tmp, 'mocha.txt');
  const server = await startCodeServer({
    workspace,
    tmp,
    env: {
      INFLUENCE_LENS_TEST_OUTPUT: mochaOutput,
      INFLUENCE_LENS_TEST_GREP: process.env.INFLUENCE_LENS_TEST_GREP ?? '',
      INFLUENCE_LENS_TEST_UNTRUSTED: untrusted ? '1' : '',
    },
    workspaceTrust: untrusted,
  });
  console.log(
    `code-server ${server.url} up after ${((Date.now() - started) / 1000).toFixed(1)} s; workspace ${workspace}`,
  );
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    const remote = (p: string) => `vscode-remote://127.0.0.1:${server.port}${p}`;
    const payload = JSON.stringify([
      ['extensionDevelopmentPath', remote(REPO)],
      ['extensionTestsPath', remote(testsEntry)],
    ]);
    const exitCode = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (level: string, message: string) => {
      // The extension gallery lookup fails offline; harmless (PLATFORM.md).
      const harmless = /open-vsx\.org|vsda|ENOTFOUND|refused to show dialog in tests/.test(message);
      if (process.env.INFLUENCE_LENS_TEST_VERBOSE || (level === 'error' && !harmless))
        console.log(`[workbench ${level}] ${message}`);
    });
    if (process.env.INFLUENCE_LENS_TEST_VERBOSE)
      page.on('console', (m) => console.log(`[browser ${m.type()}] ${m.text()}`));
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}&payload=${encodeURIComponent(payload)}`);
    const timeout = new Promise<number>((resolve) =>
      setTimeout(() => {
        console.error(`the suite did not finish within ${TIMEOUT_MS / 1000} s`);
        resolve(1);
      }, TIMEOUT_MS).unref(),
    );
    const code = await Promise.race([exitCode, timeout]);
    console.log(
      existsSync(mochaOutput)
        ? readFileSync(mochaOutput, 'utf8')
        : '(mocha wrote no output: did the extension host start the suite?)',
    );
    console.log(
      `integration suite ` +
        `(${untrusted ? 'Restricted Mode' : 'trusted workspace'}) exit code ` +
        `${code} after ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    if (code !== 0)
      console.log(`code-server output (tail):\n${server.output.join('').split('\n').slice(-40).join('\n')}`);
    return code;
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    // INFLUENCE_LENS_KEEP_TMP=1 keeps the workspace and VS Code's logs (user-data/logs/…/Influence Lens.log) for a
    // look.
    if (process.env.INFLUENCE_LENS_KEEP_TMP) console.log(`kept ${tmp}`);
    else removeTemp(tmp);
  }
}

async function main(): Promise<number> {
  const trusted = await runSession(false);
  const restricted = await runSession(true);
  return trusted || restricted;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
