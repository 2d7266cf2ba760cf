/**
 * The packaged extension, as a user gets it: installs influence-lens.vsix
 * into a fresh code-server, opens the fixture workspace in headless chromium,
 * right-clicks animals.csv → "Find influential training samples", waits for
 * the results page to list the suspects, clicks one, and checks that the CSV
 * opens in an editor. Build the .vsix first (npm run package).
 *
 *   node --import tsx test/integration/vsixSmoke.ts [path/to/influence-lens.vsix]
 */
import { cpSync, existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, codeServerCli, makeTemp, removeTemp, REPO, startCodeServer } from './codeServer';

async function rightClickMenu(page: Page, rowName: string, item: string): Promise<void> {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: rowName }).first();
  await row.waitFor({ timeout: 60_000 });
  const entry = page.locator('.context-view .action-label', { hasText: item }).first();
  // The extension's menu entry appears once it is registered: retry the right-click until it is there.
  for (let attempt = 0; ; attempt++) {
    await row.click({ button: 'right' });
    const shown = await entry.waitFor({ timeout: 2000 }).then(
      () => true,
      () => false,
    );
    if (shown) break;
    if (attempt > 20) throw new Error(`no '${item}' in the context menu of ${rowName}`);
    // Close the menu and wait for its click-catching overlay to go before the next right-click.
    await page.keyboard.press('Escape');
    await page.locator('.context-view-block').waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
    await page.waitForTimeout(500);
  }
  await page.waitForTimeout(700); // an immediate click on a fresh menu is ignored (PLATFORM.md)
  await entry.click();
}

async function main(): Promise<number> {
  const started = Date.now();
  const vsix = path.resolve(process.argv[2] ?? path.join(REPO, 'influence-lens.vsix'));
  if (!existsSync(vsix)) throw new Error(`${vsix} not found; run npm run package first`);
  const tmp = makeTemp('influence-lens-vsix-');
  const workspace = path.join(tmp, 'workspace');
  cpSync(path.join(REPO, 'test/integration/fixtures'), workspace, { recursive: true });
  const extensionsDir = path.join(tmp, 'extensions');
  const install = await codeServerCli(['--extensions-dir', extensionsDir, '--user-data-dir', path.join(tmp, 'user-data'), '--install-extension', vsix], tmp);
  console.log(install.output.trim());
  if (install.code !== 0) throw new Error(`--install-extension failed with ${install.code}`);

  const server = await startCodeServer({ workspace, tmp, extensionsDir });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await rightClickMenu(page, 'animals.csv', 'Find influential training samples');
    const frame = page.frameLocator('iframe.webview').frameLocator('#active-frame');
    await frame.getByText('Suspected mislabels').waitFor({ timeout: 90_000 });
    const rows = await frame.locator('tbody tr').count();
    const first = frame.locator('.where a').first();
    const firstText = await first.innerText();
    console.log(`results page shows ${rows} rows; first suspect ${firstText}`);
    const shot = process.env.INFLUENCE_LENS_SCREENSHOT;
    if (shot) await page.screenshot({ path: shot });
    // A test prediction's "Explain" shows its proponents and opponents.
    await frame.getByRole('button', { name: 'Explain' }).last().click();
    await frame.getByText('Proponents (training samples that helped this prediction)').waitFor({ timeout: 10_000 });
    const proponents = await frame.locator('section[data-role=explanation] tbody').first().locator('tr').count();
    console.log(`explaining a test prediction lists ${proponents} proponents`);
    await first.click();
    await page.locator('.tabs-container .tab', { hasText: 'animals.csv' }).first().waitFor({ timeout: 30_000 });
    const line = Number(firstText.split(':')[1]);
    // The status bar shows the cursor line of the opened record.
    await page.locator('.statusbar-item', { hasText: new RegExp(`Ln ${line},`) }).first().waitFor({ timeout: 10_000 });
    console.log(`clicking it opened animals.csv at line ${line}`);
    // A window reload restores the panel through the WebviewPanelSerializer, with the cached results.
    // "Developer: Reload Window" (a browser reload may skip saving the open editors).
    await page.keyboard.press('F1');
    await page.keyboard.type('Developer: Reload Window');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Developer: Reload Window' }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.waitForTimeout(3000);
    if (process.env.INFLUENCE_LENS_SCREENSHOT) {
      await page.waitForTimeout(12000);
      await page.screenshot({ path: process.env.INFLUENCE_LENS_SCREENSHOT.replace(/\.png$/, '-reload.png') });
    }
    await page.frameLocator('iframe.webview').frameLocator('#active-frame').getByText('Suspected mislabels').waitFor({ timeout: 60_000 });
    console.log('after a window reload the results panel is restored');
    console.log(`vsix smoke test passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    console.log(`code-server output (tail):\n${server.output.join('').split('\n').slice(-30).join('\n')}`);
    return 1;
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    removeTemp(tmp);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
