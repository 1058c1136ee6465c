/**
 * `pnpm screenshots`: the portal as customers meet it, every combination, from a demo started on free ports
 * (in-memory database, seeded) in Debian's Chromium:
 *
 *   surface (embedded on Lumen's billing page, hosted full page) × width (320, 390, 820, 1280)
 *   × scheme (light, dark) × locale (en, es, ar)
 *   × state (the hosted page's top as the customer lands on it, with its own header; wallet, top-up with an
 *            error, auto top-up on, auto top-up failed, chart, usage expanded, transactions, the return from Checkout)
 *
 * Writes .screenshots/<surface>-<width>-<scheme>-<locale>-<state>.png and .screenshots/index.html, a contact sheet
 * to look at them all. Every state is also audited with axe-core (WCAG 2.2 A/AA, target size included); violations
 * are printed, shown on the sheet and fail the run. Options: `--only=<substrings>` (e.g. `--only=320-dark-ar`,
 * `--only=-320-,-820-`: any of them), `--states=wallet,chart`, `--no-axe`. `hosted-top` is taken on the hosted
 * surface only.
 * Needs the widget built (`pnpm --filter @credyt/widget build`; `pnpm screenshots` does it).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { money } from '@credyt/shared';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../widget/test/chromium.mjs';
import { MAIN_CUSTOMER, OTHER_CUSTOMER, seededRandom, usageEvent } from './lumen.ts';
import { rateLimits } from '@credyt/bff/src/db/schema/index.ts';
import { customerByExternalId } from './platform-client.ts';
import { freePort } from './free-port.ts';
import { startDemo, type RunningDemo } from './start.ts';

const OUT = fileURLToPath(new URL('../../.screenshots/', import.meta.url));
const SURFACES = ['embedded', 'hosted'] as const;
const WIDTHS = [320, 390, 820, 1280] as const;
const SCHEMES = ['light', 'dark'] as const;
const LOCALES = ['en', 'es', 'ar'] as const;
const STATES = [
  'hosted-top',
  'wallet',
  'top-up-error',
  'auto-top-up-on',
  'auto-top-up-failed',
  'chart',
  'usage-expanded',
  'transactions',
  'checkout-return',
] as const;
type Surface = (typeof SURFACES)[number];
type State = (typeof STATES)[number];

interface Shot {
  file: string;
  /** axe-core's WCAG 2.2 AA violations in the portal in this state: `rule-id ×nodes`. */
  violations?: string[];
  surface: Surface;
  width: number;
  scheme: string;
  locale: string;
  state: State;
  error?: string;
}

/** The customers the matrix shows: Northwind with auto top-up on, Parsec whose auto top-up card was declined. */
interface Cast {
  on: string;
  failed: string;
  /** A succeeded top-up of Northwind's, for the return-from-Checkout banner. */
  paidTopUpId: string;
}

async function portalToken(demo: RunningDemo, customerId: string, locale?: string): Promise<{ token: string; redirect_url: string }> {
  return demo.api.request('POST', '/billing-portal/sessions', {
    customer_id: customerId,
    return_url: `${demo.urls.site}/`,
    failure_url: `${demo.urls.site}/?portal=link-expired`,
    ...(locale ? { locale } : {}),
  });
}

/** A portal session from Node, as the element would hold it. */
async function portalApi(demo: RunningDemo, customerId: string) {
  const { token } = await portalToken(demo, customerId);
  const exchanged = await fetch(`${demo.urls.bff}/portal/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!exchanged.ok) throw new Error(`exchange: ${exchanged.status} ${await exchanged.text()}`);
  const { access_token } = (await exchanged.json()) as { access_token: string };
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${demo.urls.bff}/portal/api${path}`, {
      method,
      headers: { authorization: `Bearer ${access_token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

const sessionIdOf = (url: string) => /\/checkout\/([^/?#]+)/.exec(url)?.[1] ?? '';

/** Saves `card` for the customer's USD auto top-up through the emulator's Checkout (setup mode), as a customer would. */
async function saveCard(demo: RunningDemo, customerId: string, card: string, threshold: string, amount: string) {
  const portal = await portalApi(demo, customerId);
  const setting = await portal<{ setup_url?: string }>('PUT', '/auto-top-up/USD', {
    enabled: true,
    threshold,
    amount,
    return_url: `${demo.urls.site}/`,
  });
  if (setting.setup_url) {
    demo.emulator.control.completeCheckout(sessionIdOf(setting.setup_url), card);
    await demo.emulator.control.flush();
  }
  return portal;
}

async function usdBalance(demo: RunningDemo, customerId: string): Promise<string> {
  const wallet = await demo.api.request<{ accounts: { id: string; available: string }[] }>('GET', `/customers/${customerId}/wallet`);
  return wallet.accounts.find((a) => a.id === 'default:USD')?.available ?? '0';
}

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function setUp(demo: RunningDemo): Promise<Cast> {
  const on = (await customerByExternalId(demo.api, MAIN_CUSTOMER.external_id))!.id;
  const failed = (await customerByExternalId(demo.api, OTHER_CUSTOMER.external_id))!.id;

  // Northwind: a card saved (Visa 4242), auto top-up on well below today's balance.
  const northwind = await saveCard(demo, on, '4242424242424242', '10', '25');
  // …and a paid manual top-up, for the banner on the way back from Checkout.
  const topUp = await northwind<{ id: string; redirect_url: string }>('POST', '/top-ups', {
    asset: 'USD',
    amount: '25',
    idempotency_key: `matrix-${Date.now()}`,
    return_url: `${demo.urls.site}/`,
  });
  demo.emulator.control.completeCheckout(sessionIdOf(topUp.redirect_url), '4242424242424242');
  await demo.emulator.control.flush();

  // Parsec: a card that saves but declines charges (4000 0000 0000 0341), the threshold just under the balance,
  // then usage that crosses it: the worker's charge is declined.
  const threshold = money(await usdBalance(demo, failed))
    .minus('0.01')
    .toFixed(2);
  const parsec = await saveCard(demo, failed, '4000000000000341', threshold, '20');
  const random = seededRandom(99);
  const now = new Date();
  await demo.api.request('POST', '/events', {
    customer_id: failed,
    events: Array.from({ length: 5 }, (_, i) => usageEvent('chat', `matrix-${now.getTime()}-${i}`, now, random)),
  });
  await until('the declined auto top-up', async () => {
    const settings = await parsec<{ asset: string; status: string; last_error: unknown }[]>('GET', '/auto-top-up');
    return settings.find((s) => s.asset === 'USD' && s.last_error) ?? null;
  });
  return { on, failed, paidTopUpId: topUp.id };
}

/** Waits for the portal's data: balances drawn and every shown section past its skeleton. */
async function portalReady(page: Page) {
  const portal = page.locator('credyt-billing-portal');
  await portal.locator('credyt-portal-wallet [part~="balance"]').first().waitFor({ timeout: 15_000 });
  for (const tag of ['credyt-portal-spend', 'credyt-portal-usage', 'credyt-portal-transactions']) {
    await portal.locator(tag).waitFor({ timeout: 15_000 });
  }
  // A string, not a function: tsx's helpers (`__name`) do not exist in the page.
  await page.waitForFunction(
    `(() => {
      function busy(root) {
        if (!root) return false;
        if (root.querySelector('[aria-busy="true"]')) return true;
        return [...root.querySelectorAll('*')].some((el) => el.shadowRoot && busy(el.shadowRoot));
      }
      const host = document.querySelector('credyt-billing-portal');
      return !!host && !!host.shadowRoot && !busy(host.shadowRoot);
    })()`,
    undefined,
    { timeout: 15_000 },
  );
  await page.evaluate(() => document.fonts.ready.then(() => undefined));
  await page.waitForTimeout(300); // the chart's first animation frame
}

interface PageSpec {
  surface: Surface;
  width: number;
  scheme: (typeof SCHEMES)[number];
  locale: (typeof LOCALES)[number];
  customer: string;
  /** Query parameters of Stripe's return, on the page URL. */
  returnParams?: string;
}

/** Opens the portal for one customer: Lumen's page with a fresh link set on its element, or the hosted page. */
async function open(browser: Browser, demo: RunningDemo, spec: PageSpec): Promise<Page> {
  // Hundreds of sign-ins from one address: past the per-IP exchange limit (30 a minute) the portal would show 429s.
  await demo.database.db.delete(rateLimits);
  const context = await browser.newContext({
    viewport: { width: spec.width, height: 900 },
    deviceScaleFactor: 1,
    locale: spec.locale,
    timezoneId: 'UTC',
    colorScheme: spec.scheme,
    // The hosted page's CSP allows its own scripts only: axe is injected by the test, not by the page.
    bypassCSP: true,
  });
  const page = await context.newPage();
  const link = await portalToken(demo, spec.customer, spec.locale);
  if (spec.surface === 'hosted') {
    // Sign in with the link (sets the cookie), then the portal page itself, with Stripe's return parameters if any.
    await page.goto(link.redirect_url);
    if (spec.returnParams) await page.goto(`${demo.urls.bff}/portal/?${spec.returnParams}`);
  } else {
    await page.goto(`${demo.urls.site}/${spec.returnParams ? `?${spec.returnParams}` : ''}`);
    // Element screenshots taller than the window are stitched while scrolling: a sticky bar would repeat in them.
    await page.addStyleTag({ content: '.topbar, .sidebar { position: static !important; }' });
    // Set as a script would, not clicked: a click is a mouse interaction, after which the browser draws no focus
    // ring where the portal moves focus (the Checkout banner), and light and dark would differ.
    await page.evaluate((scheme) => {
      const radio = document.querySelector<HTMLInputElement>(`input[name=mode][value=${scheme}]`)!;
      radio.checked = true;
      radio.dispatchEvent(new Event('change', { bubbles: true }));
    }, spec.scheme);
    await page.evaluate(
      ({ token, locale }) => {
        const el = document.querySelector('credyt-billing-portal')!;
        el.setAttribute('locale', locale);
        el.setAttribute('token', token);
      },
      { token: link.token, locale: spec.locale },
    );
  }
  await portalReady(page);
  return page;
}

const AXE = fileURLToPath(new URL('../../widget/node_modules/axe-core/axe.min.js', import.meta.url));
/** WCAG 2.2 A and AA (target size included) and axe's best practices, as the component tests audit. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/** axe-core over the portal element (its shadow roots included) as it is now. */
async function audit(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.addScriptTag({ path: AXE });
  return page.evaluate(
    `window.axe.run(document.querySelector('credyt-billing-portal'), { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} } })
      .then((r) => r.violations.map((v) => v.id + ' ×' + v.nodes.length + ' (' + v.nodes[0].target.join(' ') + ')'))`,
  );
}

const section = (page: Page, tag: string): Locator => page.locator('credyt-billing-portal').locator(tag);

async function shoot(target: Locator | Page, file: string) {
  await target.screenshot({ path: `${OUT}${file}`, animations: 'disabled', caret: 'hide' });
}

/** Tries the state's steps on an open page; a state the portal cannot reach is recorded, not fatal. */
async function capture(page: Page, state: State, file: string): Promise<void> {
  switch (state) {
    case 'hosted-top':
      // The window as the page opens: the hosted page's header, h1 and who is signed in, above the portal.
      await page.evaluate(() => window.scrollTo(0, 0));
      return shoot(page, file);
    case 'wallet':
      return shoot(section(page, 'credyt-portal-wallet'), file);
    case 'top-up-error': {
      const topUp = section(page, 'credyt-portal-top-up');
      const amount = topUp.locator('input[inputmode="decimal"], input[type="number"], input[type="text"]').first();
      await amount.fill('999999');
      await topUp.locator('[part~="button-primary"]').first().click();
      await topUp.locator('[role="alert"], [aria-invalid="true"]').first().waitFor({ timeout: 5_000 });
      return shoot(topUp, file);
    }
    case 'auto-top-up-on':
    case 'auto-top-up-failed':
      return shoot(section(page, 'credyt-portal-auto-top-up'), file);
    case 'chart':
      return shoot(section(page, 'credyt-portal-spend'), file);
    case 'usage-expanded': {
      const usage = section(page, 'credyt-portal-usage');
      // A chat completion if there is one on the page: billed on its tokens, with two fees and a description.
      const chat = usage.locator('tr.summary').filter({ hasText: /tokens/ });
      const row = (await chat.count()) > 0 ? chat.first() : usage.locator('tr.summary').first();
      const toggle = row.locator('[aria-expanded="false"]').first();
      if (await toggle.count()) {
        await toggle.click();
        await usage.locator('[aria-expanded="true"]').first().waitFor({ timeout: 5_000 });
      }
      return shoot(usage, file);
    }
    case 'transactions':
      return shoot(section(page, 'credyt-portal-transactions'), file);
    case 'checkout-return':
      // The banner at the portal's top, with the page around it.
      await page.locator('credyt-billing-portal').scrollIntoViewIfNeeded();
      return shoot(page, file);
  }
}

function contactSheet(shots: Shot[]): string {
  const rows = shots
    .map(
      (s) =>
        `<figure><a href="${s.file}"><img loading="lazy" src="${s.file}" alt=""></a><figcaption>${s.file}${
          s.error ? ` <b>✖ ${s.error.replace(/</g, '&lt;').slice(0, 200)}</b>` : ''
        }${s.violations?.length ? ` <b>axe: ${s.violations.join(', ').replace(/</g, '&lt;')}</b>` : ''}</figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html><meta charset="utf-8"><title>Portal screenshots</title>
<style>body{font:13px system-ui;margin:16px;background:#e2e8f0}figure{display:inline-block;vertical-align:top;margin:8px;background:#fff;padding:8px;max-width:420px}img{max-width:400px;max-height:600px;display:block}b{color:#b91c1c}</style>
<h1>${shots.length} screenshots, ${shots.filter((s) => s.error).length} failed</h1>\n${rows}`;
}

async function main() {
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const axe = !process.argv.includes('--no-axe');
  const states = (process.argv
    .find((a) => a.startsWith('--states='))
    ?.slice(9)
    .split(',') as State[] | undefined) ?? [...STATES];
  process.stdout.write('Starting the demo on free ports (in-memory database)…\n');
  const demo = await startDemo({
    ports: { bff: await freePort(), emulator: await freePort(), site: await freePort() },
    databaseUrl: 'memory:',
    logLevel: 'error',
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, '--hide-scrollbars'] });
  const shots: Shot[] = [];
  try {
    const cast = await setUp(demo);
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    for (const surface of SURFACES)
      for (const width of WIDTHS)
        for (const scheme of SCHEMES)
          for (const locale of LOCALES) {
            const prefix = `${surface}-${width}-${scheme}-${locale}`;
            if (only && !only.some((part) => prefix.includes(part))) continue;
            // One page for most states; the failed auto top-up is Parsec's; the return from Checkout its own load.
            const groups: { states: State[]; spec: PageSpec }[] = [
              {
                states: states.filter(
                  (s) =>
                    !['auto-top-up-failed', 'checkout-return', 'top-up-error'].includes(s) && (s !== 'hosted-top' || surface === 'hosted'),
                ),
                spec: { surface, width, scheme, locale, customer: cast.on },
              },
              { states: states.filter((s) => s === 'top-up-error'), spec: { surface, width, scheme, locale, customer: cast.on } },
              { states: states.filter((s) => s === 'auto-top-up-failed'), spec: { surface, width, scheme, locale, customer: cast.failed } },
              {
                states: states.filter((s) => s === 'checkout-return'),
                spec: {
                  surface,
                  width,
                  scheme,
                  locale,
                  customer: cast.on,
                  returnParams: `credyt_top_up=success&top_up_id=${cast.paidTopUpId}`,
                },
              },
            ];
            for (const group of groups) {
              if (group.states.length === 0) continue;
              let page: Page | null = null;
              try {
                page = await open(browser, demo, group.spec);
                for (const state of group.states) {
                  const shot: Shot = { file: `${prefix}-${state}.png`, surface, width, scheme, locale, state };
                  try {
                    await capture(page, state, shot.file);
                    if (axe) shot.violations = await audit(page);
                  } catch (err) {
                    shot.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
                  }
                  shots.push(shot);
                  const found = shot.violations?.length ? `  axe: ${shot.violations.join(', ')}` : '';
                  process.stdout.write(`  ${shot.error || found ? '✖' : '✓'} ${shot.file}${shot.error ? `  ${shot.error}` : ''}${found}\n`);
                }
              } catch (err) {
                for (const state of group.states) {
                  shots.push({ file: `${prefix}-${state}.png`, surface, width, scheme, locale, state, error: String(err).split('\n')[0] });
                  process.stdout.write(`  ✖ ${prefix}-${state}.png  ${String(err).split('\n')[0]}\n`);
                }
              } finally {
                await page?.context().close();
              }
            }
          }
    writeFileSync(`${OUT}index.html`, contactSheet(shots));
    const failed = shots.filter((s) => s.error).length;
    const inaccessible = shots.filter((s) => s.violations?.length).length;
    process.stdout.write(`\n${shots.length - failed} of ${shots.length} screenshots in ${OUT} (open index.html)\n`);
    if (axe)
      process.stdout.write(
        `axe (WCAG 2.2 AA): ${inaccessible === 0 ? 'no violations in any state' : `violations in ${inaccessible} states`}\n`,
      );
    if (failed > 0 || inaccessible > 0) process.exitCode = 1;
  } finally {
    await browser.close();
    await demo.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`✖ ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
