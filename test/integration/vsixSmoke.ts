/**
 * The packaged extension, as a user drives it: installs influence-lens.vsix
 * into a fresh code-server and, in headless chromium,
 *  1. right-clicks an image folder with one image filed under the wrong class
 *     → "Find influential training samples", waits for the review panel,
 *     checks that the flipped image is among the top suspects, takes
 *     screenshots in a dark and a light theme, opens the image (the image
 *     editor shows that file), relabels it from the panel (the file moves
 *     into the other class folder) and undoes it (the file moves back);
 *  2. right-clicks animals.csv, opens a suspect at its CSV line, explains a
 *     test prediction, and reloads the window: the panel comes back;
 *  3. reloads the window in the middle of an analysis: the panel comes back
 *     with the last good results and the analysis is offered again;
 *  4. right-clicks train.csv beside test.csv: the overview names test.csv as
 *     the test set.
 * Build the .vsix first (npm run package).
 *
 *   node --import tsx test/integration/vsixSmoke.ts [path/to/influence-lens.vsix]
 *
 * INFLUENCE_LENS_SCREENSHOTS=dir keeps the screenshots there (the README's
 * come from docs/screenshots).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type FrameLocator, type Locator, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { bigCsv } from './bigCsv';
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
    await page
      .locator('.context-view-block')
      .waitFor({ state: 'detached', timeout: 5000 })
      .catch(() => undefined);
    await page.waitForTimeout(500);
  }
  await page.waitForTimeout(700); // an immediate click on a fresh menu is ignored (PLATFORM.md)
  await entry.click();
}

/** The image whose label is wrong: a light image filed under dark/. */
const FLIPPED = 'zz-flipped.png';

/**
 * 8×8 gray images, 'dark' around 40 and 'light' around 210 with seeded
 * noise, in train/ and test/ class folders; plus one light image in
 * train/dark/ (so it is certain to be a training sample).
 */
function writeShades(root: string): void {
  let seed = 5;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const image = (file: string, level: number) => {
    const png = new PNG({ width: 8, height: 8 });
    for (let p = 0; p < 64; p++) {
      const v = Math.max(0, Math.min(255, Math.round(level + (rnd() - 0.5) * 60)));
      png.data.set([v, v, v, 255], p * 4);
    }
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, PNG.sync.write(png));
  };
  for (const [label, level] of [
    ['dark', 40],
    ['light', 210],
  ] as const) {
    for (let i = 0; i < 14; i++)
      image(path.join(root, 'train', label, `${label}-${String(i).padStart(2, '0')}.png`), level);
    for (let i = 0; i < 5; i++) image(path.join(root, 'test', label, `${label}-t${i}.png`), level);
  }
  image(path.join(root, 'train', 'dark', FLIPPED), 210);
}

/** A CSS rgb()/rgba() colour painted over an opaque one: the opaque rgb() that shows. */
function over(color: string, under: string): string {
  const parse = (c: string) => (c.match(/[\d.]+/g) ?? ['0', '0', '0']).map(Number);
  const [r, g, b, a = 1] = parse(color);
  const [ur, ug, ub] = parse(under);
  const mix = (v: number, u: number) => Math.round(a * v + (1 - a) * u);
  return `rgb(${mix(r, ur)}, ${mix(g, ug)}, ${mix(b, ub)})`;
}

/** WCAG relative luminance of an opaque rgb() colour. */
function luminance(color: string): number {
  const [r, g, b] = (color.match(/[\d.]+/g) ?? ['0', '0', '0']).map(Number);
  const lin = (v: number) => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** WCAG contrast of a colour on an opaque background. */
function contrast(fg: string, bg: string): number {
  const [l1, l2] = [luminance(over(fg, bg)), luminance(bg)].sort((x, y) => y - x);
  return (l1 + 0.05) / (l2 + 0.05);
}

/**
 * Readable in this theme: the title, the sample links, the secondary text and
 * the focused row's link reach WCAG AA contrast (4.5:1) against what is
 * behind them, as the panel actually computes its colours.
 */
async function checkContrast(frame: FrameLocator, theme: string): Promise<void> {
  const style = (selector: string) =>
    frame
      .locator(selector)
      .first()
      .evaluate((el) => {
        // This file is type-checked without the DOM library; the function runs in the page.
        const css = (
          globalThis as unknown as { getComputedStyle(e: unknown): { color: string; backgroundColor: string } }
        ).getComputedStyle(el);
        return { color: css.color, background: css.backgroundColor };
      });
  // The page is opaque (the theme's editor background); a translucent selection colour is painted over it.
  const page = over((await style('body')).background, 'rgb(255, 255, 255)');
  const checks: [string, string, string][] = [
    ['title', (await style('il-app h1')).color, page],
    ['link', (await style('[role=option]:not(.active) button.where')).color, page],
    ['secondary text', (await style('il-app header .muted')).color, page],
  ];
  const selection = over((await style('[role=option].active')).background, page);
  checks.push(['focused row link', (await style('[role=option].active button.where')).color, selection]);
  checks.push([
    'focused row secondary text',
    (await style('[role=option].active .given-suggested .muted')).color,
    selection,
  ]);
  const low = checks.map(([what, fg, bg]) => ({ what, ratio: contrast(fg, bg) }));
  console.log(`${theme}: contrast ${low.map((c) => `${c.what} ${c.ratio.toFixed(1)}`).join(', ')}`);
  const bad = low.filter((c) => c.ratio < 4.5);
  if (bad.length)
    throw new Error(`${theme}: below 4.5:1 — ${bad.map((c) => `${c.what} ${c.ratio.toFixed(2)}`).join(', ')}`);
}

/** Mean brightness (0–255) of a PNG screenshot. */
function meanBrightness(file: string): number {
  const png = PNG.sync.read(readFileSync(file));
  let sum = 0;
  for (let i = 0; i < png.data.length; i += 4) sum += (png.data[i] + png.data[i + 1] + png.data[i + 2]) / 3;
  return sum / (png.data.length / 4);
}

async function waitForFile(what: string, check: () => boolean, timeout = 20_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** "Developer: Reload Window" (a browser reload may skip saving the open editors). */
/** Runs a command from the palette (F1) by its title, as a user would. */
async function runFromPalette(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
}

async function reloadWindow(page: Page): Promise<void> {
  await runFromPalette(page, 'Developer: Reload Window');
  await page.waitForTimeout(3000);
}

/** Picks a colour theme the way a user does (F1 → Preferences: Color Theme) and waits for the workbench to wear it. */
async function setTheme(page: Page, theme: string, workbenchClass: RegExp): Promise<void> {
  // Keys typed while the panel has focus go to its page; take the focus back to the workbench first.
  await page.locator('.part.sidebar .composite.title').first().click();
  await page.keyboard.press('F1');
  await page.keyboard.type('Preferences: Color Theme');
  // Click the exact command: "Browse Color Themes in Marketplace" matches the words too.
  await page
    .getByRole('option', { name: /^Preferences: Color Theme/ })
    .first()
    .click({ timeout: 10_000 });
  await page
    .getByRole('option', { name: /Modern/ })
    .first()
    .waitFor({ timeout: 10_000 });
  await page.keyboard.type(theme);
  await page
    .getByRole('option', { name: new RegExp(`^${theme}`) })
    .first()
    .click({ timeout: 10_000 });
  for (
    let end = Date.now() + 20_000;
    !workbenchClass.test((await page.locator('.monaco-workbench').first().getAttribute('class')) ?? '');
  ) {
    if (Date.now() > end) {
      const now = await page.locator('.monaco-workbench').first().getAttribute('class');
      throw new Error(`the workbench did not switch to ${theme} (its classes: ${now})`);
    }
    await page.waitForTimeout(200);
  }
  await page.waitForTimeout(1500); // the webview picks up the new theme variables
}

/**
 * The review panel's frame. Image editors are webviews too, so with an image
 * open there are several iframe.webview: pick the one showing the panel.
 */
async function panelFrame(page: Page): Promise<FrameLocator> {
  const frames = page.locator('iframe.webview');
  for (let end = Date.now() + 60_000; Date.now() < end; await page.waitForTimeout(300)) {
    for (let i = 0; i < (await frames.count()); i++) {
      const inner = frames.nth(i).contentFrame().frameLocator('#active-frame');
      if ((await inner.locator('il-app').count()) > 0) return inner;
    }
  }
  throw new Error('no webview shows the review panel');
}

/** The iframe element of the review panel (for a screenshot of the panel alone). */
async function panelIframe(page: Page): Promise<Locator> {
  const frames = page.locator('iframe.webview');
  for (let i = 0; i < (await frames.count()); i++) {
    if ((await frames.nth(i).contentFrame().frameLocator('#active-frame').locator('il-app').count()) > 0)
      return frames.nth(i);
  }
  throw new Error('no webview shows the review panel');
}

/**
 * Screenshots of the panel alone at 575 px (beside an editor) and 1150 px,
 * in the theme the workbench wears now: the window is resized until the
 * panel's webview has that width.
 */
async function panelShots(page: Page, shots: string, theme: string): Promise<void> {
  const start = page.viewportSize()!;
  for (const width of [575, 1150]) {
    let iframe = await panelIframe(page);
    for (let i = 0; i < 5; i++) {
      const box = (await iframe.boundingBox())!;
      if (Math.abs(box.width - width) <= 2) break;
      const vp = page.viewportSize()!;
      await page.setViewportSize({ width: Math.round(vp.width + width - box.width), height: vp.height });
      await page.waitForTimeout(600);
      iframe = await panelIframe(page);
    }
    const box = (await iframe.boundingBox())!;
    if (Math.abs(box.width - width) > 2) throw new Error(`the panel is ${box.width} px wide, not ${width}`);
    await page.waitForTimeout(800);
    const file = path.join(shots, `panel-${theme}-${width}.png`);
    await iframe.screenshot({ path: file });
    console.log(`screenshot: ${file}`);
  }
  await page.setViewportSize(start);
  await page.waitForTimeout(600);
}

async function imageFolderJourney(page: Page, workspace: string, shots: string): Promise<void> {
  const shades = path.join(workspace, 'shades');
  await rightClickMenu(page, 'shades', 'Find influential training samples');
  let frame = await panelFrame(page);
  await frame.getByRole('tab', { name: 'Suspected mislabels' }).click({ timeout: 120_000 });
  const rows = frame.locator('[role=option][data-id]');
  await rows.first().waitFor({ timeout: 30_000 });
  const top = await rows.evaluateAll((r) => r.slice(0, 3).map((x) => x.textContent ?? ''));
  const rank = top.findIndex((t) => t.includes(FLIPPED));
  if (rank < 0)
    throw new Error(`${FLIPPED} is not among the top 3 suspects: ${top.map((t) => t.trim().slice(0, 60)).join(' | ')}`);
  console.log(`the flipped image is suspect #${rank + 1}`);

  // Screenshots in both themes (the README shows them).
  mkdirSync(shots, { recursive: true });
  const dark = path.join(shots, 'panel-dark.png');
  const light = path.join(shots, 'panel-light.png');
  await setTheme(page, 'Dark Modern', /\bvs-dark\b/);
  await checkContrast(frame, 'Dark Modern');
  await page.screenshot({ path: dark });
  await panelShots(page, shots, 'dark');
  await setTheme(page, 'Light Modern', /\bvs\b(?!-)/);
  await checkContrast(frame, 'Light Modern');
  await page.screenshot({ path: light });
  await panelShots(page, shots, 'light');
  const [bDark, bLight] = [meanBrightness(dark), meanBrightness(light)];
  if (!(bLight > bDark + 60))
    throw new Error(
      `the light screenshot (${bLight.toFixed(0)}) is not much brighter than the dark one (${bDark.toFixed(0)})`,
    );
  console.log(`screenshots: dark (mean ${bDark.toFixed(0)}) and light (mean ${bLight.toFixed(0)}) in ${shots}`);
  for (const [theme, cls, name] of [
    ['Dark High Contrast', /\bhc-black\b/, 'high-contrast'],
    ['Light High Contrast', /\bhc-light\b/, 'high-contrast-light'],
  ] as const) {
    await setTheme(page, theme, cls);
    await checkContrast(frame, theme);
    await panelShots(page, shots, name);
  }
  await setTheme(page, 'Dark Modern', /\bvs-dark\b/);

  // Open it: the image editor shows that file.
  const row = rows.filter({ hasText: FLIPPED }).first();
  await row.getByRole('button', { name: `train/dark/${FLIPPED}`, exact: true }).click();
  await page.locator('.tabs-container .tab', { hasText: FLIPPED }).first().waitFor({ timeout: 30_000 });
  console.log(`clicking it opened ${FLIPPED} in an editor`);
  frame = await panelFrame(page);
  const rowAgain = frame.locator('[role=option][data-id]').filter({ hasText: FLIPPED }).first();

  // Relabel it from the panel: the host asks first, then moves the file into light/.
  const from = path.join(shades, 'train', 'dark', FLIPPED);
  const to = path.join(shades, 'train', 'light', FLIPPED);
  await rowAgain.getByRole('button', { name: `Relabel train/dark/${FLIPPED} as light` }).click();
  await page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Relabel' }).first().click({ timeout: 20_000 });
  await waitForFile('the image to move into light/', () => existsSync(to) && !existsSync(from));
  console.log('relabeling moved it into light/');
  await frame.locator('vscode-button', { hasText: 'Undo last relabel' }).click();
  await waitForFile('the image to move back into dark/', () => existsSync(from) && !existsSync(to));
  console.log('"Undo last relabel" moved it back');
}

/** pair/train.csv (28 rows) and pair/test.csv (7 rows) with the same columns. */
function writePair(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const csv = (n: number, seed: number) => {
    let s = seed;
    const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
    const lines = ['x1,x2,label'];
    for (let i = 0; i < n; i++)
      lines.push(`${((i % 2) * 4 + rnd()).toFixed(3)},${((i % 2) * 4 + rnd()).toFixed(3)},${i % 2 ? 'high' : 'low'}`);
    return `${lines.join('\n')}\n`;
  };
  writeFileSync(path.join(dir, 'train.csv'), csv(28, 7));
  writeFileSync(path.join(dir, 'test.csv'), csv(7, 11));
}

async function main(): Promise<number> {
  const started = Date.now();
  const vsix = path.resolve(process.argv[2] ?? path.join(REPO, 'influence-lens.vsix'));
  if (!existsSync(vsix)) throw new Error(`${vsix} not found; run npm run package first`);
  const tmp = makeTemp('influence-lens-vsix-');
  const workspace = path.join(tmp, 'workspace');
  cpSync(path.join(REPO, 'test/integration/fixtures'), workspace, { recursive: true });
  writeShades(path.join(workspace, 'shades'));
  writeFileSync(path.join(workspace, 'big.csv'), bigCsv());
  writePair(path.join(workspace, 'pair'));
  const shots = path.resolve(process.env.INFLUENCE_LENS_SCREENSHOTS ?? path.join(tmp, 'screenshots'));
  const extensionsDir = path.join(tmp, 'extensions');
  const install = await codeServerCli(
    ['--extensions-dir', extensionsDir, '--user-data-dir', path.join(tmp, 'user-data'), '--install-extension', vsix],
    tmp,
  );
  console.log(install.output.trim());
  if (install.code !== 0) throw new Error(`--install-extension failed with ${install.code}`);

  const server = await startCodeServer({ workspace, tmp, extensionsDir });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`);
    await imageFolderJourney(page, workspace, shots);

    await rightClickMenu(page, 'animals.csv', 'Find influential training samples');
    const frame = await panelFrame(page);
    await frame.getByText('Influence Lens — animals.csv').waitFor({ timeout: 90_000 });
    await frame.getByRole('tab', { name: 'Suspected mislabels' }).click();
    const first = frame.locator('[role=option][data-id] button.where').first();
    await first.waitFor({ timeout: 30_000 });
    const firstText = await first.innerText();
    console.log(`the first suspect of animals.csv is ${firstText}`);
    // A test prediction's influencers: proponents and opponents.
    await frame.getByRole('tab', { name: 'Test samples' }).click();
    await frame
      .getByRole('button', { name: /^Influencers of/ })
      .first()
      .click();
    await frame.locator('[data-role=proponents]').waitFor({ timeout: 10_000 });
    const proponents = await frame.locator('[data-role=proponents] li').count();
    console.log(`a test prediction's influencers list ${proponents} proponents`);
    await frame.getByRole('tab', { name: 'Suspected mislabels' }).click();
    await first.click();
    await page.locator('.tabs-container .tab', { hasText: 'animals.csv' }).first().waitFor({ timeout: 30_000 });
    const line = Number(firstText.split(':')[1]);
    // The status bar shows the cursor line of the opened record.
    await page
      .locator('.statusbar-item', { hasText: new RegExp(`Ln ${line},`) })
      .first()
      .waitFor({ timeout: 10_000 });
    console.log(`clicking it opened animals.csv at line ${line}`);
    // A window reload restores the panel through the WebviewPanelSerializer, with the cached results.
    // "Developer: Reload Window" (a browser reload may skip saving the open editors).
    await reloadWindow(page);
    await (await panelFrame(page)).getByText('Influence Lens — animals.csv').waitFor({ timeout: 60_000 });
    console.log('after a window reload the results panel is restored');

    // A reload in the middle of an analysis: the panel comes back with the last good results, and the analysis is
    // offered again.
    await rightClickMenu(page, 'big.csv', 'Find influential training samples');
    await page
      .locator('.notifications-toasts .notification-list-item', { hasText: 'big.csv' })
      .first()
      .waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1500);
    await reloadWindow(page);
    await (await panelFrame(page)).getByText('Influence Lens — animals.csv').waitFor({ timeout: 60_000 });
    const offer = page
      .locator('.notification-list-item', {
        hasText: 'the analysis of big.csv was interrupted when the window reloaded',
      })
      .first();
    await offer.waitFor({ timeout: 30_000 });
    console.log('after a reload during an analysis the last good results are back and the analysis is offered again');
    await offer.locator('.monaco-button', { hasText: 'Re-run' }).click();
    await (await panelFrame(page)).getByText('Influence Lens — big.csv').waitFor({ timeout: 120_000 });
    console.log('"Re-run" on the offer ran it to the end');

    // train.csv beside test.csv: test.csv is the test set, and the overview says so.
    // The explorer's list is virtual: with images/ expanded, pair/ lies below what it draws. Show the explorer,
    // collapse, open pair/.
    await page.locator('.part.sidebar .composite.title').first().click();
    await runFromPalette(page, 'View: Show Explorer');
    await runFromPalette(page, 'Collapse Folders in Explorer');
    await page
      .locator('.explorer-folders-view .monaco-list-row', { hasText: 'pair' })
      .first()
      .click({ timeout: 30_000 });
    await rightClickMenu(page, 'train.csv', 'Find influential training samples');
    const pairFrame = await panelFrame(page);
    await pairFrame.getByText('Influence Lens — train.csv').waitFor({ timeout: 90_000 });
    await pairFrame.getByRole('tab', { name: 'Overview' }).click();
    await pairFrame.getByText('test.csv (a separate file)').waitFor({ timeout: 10_000 });
    console.log('right-clicking train.csv beside test.csv: the overview names test.csv as the test set');
    console.log(`vsix smoke test passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    await browser
      .contexts()[0]
      ?.pages()[0]
      ?.screenshot({ path: path.join(shots, 'failure.png') })
      .catch(() => undefined);
    console.log(`a screenshot of the failure: ${path.join(shots, 'failure.png')}`);
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
