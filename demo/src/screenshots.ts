/**
 * The README's screenshots, taken from the running demo in Debian's Chromium:
 *
 *   node --import tsx demo/src/screenshots.ts                          # starts its own demo (in-memory database)
 *   node --import tsx demo/src/screenshots.ts http://localhost:5173    # against a running `pnpm start`
 *
 * Writes docs/screenshots/{demo-page-light,hosted-portal-dark,spending-and-usage}.png, 1280 px wide. Needs the
 * widget built (`pnpm --filter @credyt/widget build`, which `pnpm start` does).
 */
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../widget/test/chromium.mjs';
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort } from './free-port.ts';
import { startDemo, type RunningDemo } from './start.ts';

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const WIDTH = 1280;
const HEIGHT = 860;

/** A fresh hosted-portal link, from the demo site's own server (what its "Open full-page portal" button does). */
async function hostedLink(siteUrl: string): Promise<string> {
  const res = await fetch(`${siteUrl}/api/hosted-portal`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (!res.ok) throw new Error(`${siteUrl}/api/hosted-portal answered ${res.status}`);
  return ((await res.json()) as { url: string }).url;
}

/** Waits until the portal has drawn its data: balances, the spending chart and the first rows of usage. */
async function portalReady(page: Page) {
  await page.getByRole('region', { name: 'Balances' }).getByRole('listitem').first().waitFor();
  await page.getByRole('img', { name: /^Spending chart/ }).waitFor();
  await page.getByRole('region', { name: 'Usage' }).getByRole('row').nth(1).waitFor();
  await page.getByRole('region', { name: 'Transactions' }).getByRole('row').nth(1).waitFor();
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
}

async function shoot(page: Page, name: string) {
  const path = `${OUT}${name}.png`;
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  const kb = Math.round(statSync(path).size / 1024);
  process.stdout.write(`  ${path}  ${kb} KB${kb >= 300 ? '  (over 300 KB!)' : ''}\n`);
}

async function take(browser: Browser, siteUrl: string) {
  const options = { viewport: { width: WIDTH, height: HEIGHT }, deviceScaleFactor: 1, locale: 'en-US', timezoneId: 'UTC' };

  // 1. Lumen's "Account → Billing" page with the embedded element, light.
  const light = await browser.newContext({ ...options, colorScheme: 'light' });
  const demoPage = await light.newPage();
  await demoPage.goto(`${siteUrl}/`);
  await portalReady(demoPage);
  await shoot(demoPage, 'demo-page-light');

  // 3. The spending chart and usage history, from the same page: the Spending section at the top of the frame.
  const box = await demoPage.getByRole('region', { name: 'Spending' }).boundingBox();
  await demoPage.evaluate((top) => window.scrollTo({ top, behavior: 'instant' }), Math.max(0, (box?.y ?? 0) - 72));
  await demoPage.waitForFunction(() => window.scrollY > 0);
  await shoot(demoPage, 'spending-and-usage');
  await light.close();

  // 2. The hosted portal (reached through a session's redirect_url) in dark mode.
  const dark = await browser.newContext({ ...options, colorScheme: 'dark' });
  const hosted = await dark.newPage();
  await hosted.goto(await hostedLink(siteUrl));
  await portalReady(hosted);
  await shoot(hosted, 'hosted-portal-dark');
  await dark.close();
}

async function main() {
  const against = process.argv[2];
  let demo: RunningDemo | null = null;
  if (!against) {
    process.stdout.write('Starting the demo on free ports (in-memory database)…\n');
    demo = await startDemo({
      ports: { bff: await freePort(), emulator: await freePort(), site: await freePort() },
      databaseUrl: 'memory:',
      logLevel: 'error',
    });
  }
  const siteUrl = (against ?? demo!.urls.site).replace(/\/+$/, '');
  mkdirSync(OUT, { recursive: true });
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS, '--hide-scrollbars'],
  });
  try {
    process.stdout.write(`Screenshots of ${siteUrl}:\n`);
    await take(browser, siteUrl);
  } finally {
    await browser.close();
    await demo?.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`✖ ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
