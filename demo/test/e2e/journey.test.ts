/**
 * The whole product end to end, in Debian's Chromium, from a clean database: the demo stack (Stripe emulator, BFF
 * with its auto top-up worker, demo site) is started on free ports for a new platform, seeded through the
 * platform API, and a customer's journey is driven through the browser twice: in the hosted portal reached
 * through a session's `redirect_url`, and inside the demo page's embedded `<credyt-billing-portal>`.
 *
 * Each flow: balances shown → a 20 USD top-up through the emulator's Checkout → back in the portal the balance
 * rises without a reload (Stripe's webhook is held until the page is back, then released) → a card saved and
 * auto top-up turned on → usage sent through the platform API crosses the threshold → the automatic top-up shows
 * up in transactions → every entry shown, filtered by category, downloaded as CSV → a used link lands on
 * `failure_url`.
 * Screenshots of every step: `artifacts/e2e/<flow>/<nn-step>.png`.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES, MAIN_CUSTOMER } from '../../src/lumen.ts';
import type { RunningDemo } from '../../src/start.ts';
import {
  REPO_ROOT,
  csvRecords,
  e2eDatabase,
  emulatorControl,
  launchChromium,
  screenshots,
  startE2eDemo,
  type E2eDatabase,
} from '../e2e-helpers.ts';

/** Longest wait for one condition (a webhook, the worker, a stream event) on a busy 2-core machine. */
const WAIT = 20_000;
const CARD = '4242 4242 4242 4242';
/** The seeded dimensional price Lumen charges for a Motion 2 HD clip. */
const CLIP_PRICE_CENTS = 60n;
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

/** Exact decimal arithmetic for the expectations: amounts as integers of 10⁻⁸. */
const SCALE = 100_000_000n;
function units(decimal: string): bigint {
  const [whole = '0', fraction = ''] = decimal.replace(/^-/, '').split('.');
  const value = BigInt(whole) * SCALE + BigInt(fraction.padEnd(8, '0').slice(0, 8));
  return decimal.startsWith('-') ? -value : value;
}
function decimal(value: bigint): string {
  const sign = value < 0n ? '-' : '';
  const abs = value < 0n ? -value : value;
  const fraction = String(abs % SCALE)
    .padStart(8, '0')
    .replace(/0+$/, '');
  return `${sign}${abs / SCALE}${fraction ? `.${fraction}` : ''}`;
}
/** How the element shows a USD amount: Intl, on the exact decimal string. */
const shown = (amount: bigint) => usd.format(decimal(amount) as unknown as number);
/** A running balance as the transactions list shows it: every digit it has, at least the cents ("$109.5060175"). */
function shownExact(amount: bigint): string {
  const [whole = '0', fraction = ''] = decimal(amount).replace(/^-/, '').split('.');
  const cents = fraction.replace(/0+$/, '').padEnd(2, '0');
  return `${amount < 0n ? '-' : ''}$${BigInt(whole).toLocaleString('en-US')}.${cents}`;
}

interface Wallet {
  accounts: { id: string; asset: string; available: string }[];
}

let database: E2eDatabase;
let demo: RunningDemo;
let browser: Browser;

beforeAll(async () => {
  database = await e2eDatabase();
  demo = await startE2eDemo(database.url);
  browser = await launchChromium();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  await database?.drop();
}, 30_000);

async function newContext(): Promise<BrowserContext> {
  return browser
    .newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'en-US',
      timezoneId: 'UTC',
      colorScheme: 'light',
      acceptDownloads: true,
    })
    .then((context) => {
      context.setDefaultTimeout(WAIT);
      context.setDefaultNavigationTimeout(WAIT);
      return context;
    });
}

/** The portal's sections, as a person finds them: landmarks named by their headings (inside the shadow roots). */
function portalOf(page: Page) {
  const wallet = page.getByRole('region', { name: 'Balances' });
  const transactions = page.getByRole('region', { name: 'Transactions' });
  return {
    wallet,
    /** The banner at the top of the portal after Stripe Checkout: what the payment came to. */
    checkoutReturn: page.locator('credyt-portal-checkout-return'),
    addFunds: page.getByRole('region', { name: 'Add funds' }),
    autoTopUp: page.getByRole('region', { name: 'Automatic top-up' }),
    transactions,
    /** Body rows only (the header row has column headers, not cells). */
    transactionRows: transactions.getByRole('row').filter({ has: page.getByRole('cell') }),
  };
}

/**
 * Waits until an account's card shows `amount` as its balance: the first figure after the account's name (the
 * card also carries "spent this month", which must not count).
 */
async function untilBalance(page: Page, account: 'US Dollar' | 'Image credits', amount: string, timeout = WAIT) {
  const card = page.getByRole('region', { name: 'Balances' }).getByRole('listitem').filter({ hasText: account });
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const shows = new RegExp(`^\\s*${escape(account)}\\s+${escape(amount)}(\\s|$)`);
  await expect.poll(async () => (await card.allInnerTexts()).join('\n'), { timeout, interval: 100 }).toMatch(shows);
}

/** Waits until the locator's text contains `text` (polling, no fixed sleep). */
async function untilText(locator: Locator, text: string, timeout = WAIT) {
  await expect.poll(async () => (await locator.allInnerTexts()).join('\n'), { timeout, interval: 100 }).toContain(text);
}

async function wallet(customerId: string): Promise<Record<string, string>> {
  const w = await demo.api.request<Wallet>('GET', `/customers/${customerId}/wallet`);
  return Object.fromEntries(w.accounts.map((a) => [a.asset, a.available]));
}

/** Clips at 0.60 USD each, through the platform API (what Lumen's backend reports). */
async function sendClips(customerId: string, count: number) {
  const now = Date.now();
  const events = Array.from({ length: count }, (_, i) => ({
    id: `e2e-clip-${randomBytes(6).toString('hex')}`,
    event_type: EVENT_TYPES.video,
    occurred_at: new Date(now - (count - i) * 1000).toISOString(),
    subject: `video: e2e clip ${i + 1}`,
    description: 'motion-2 · hd · 12s',
    data: { model: 'motion-2', quality: 'hd', seconds: 12 },
  }));
  const result = await demo.api.request<{ events: { fees: { amount: string; asset: string }[] }[] }>('POST', '/events', {
    customer_id: customerId,
    events,
  });
  const charged = result.events.flatMap((e) => e.fees).reduce((sum, fee) => sum + units(fee.amount), 0n);
  expect(charged).toBe((CLIP_PRICE_CENTS * BigInt(count) * SCALE) / 100n);
}

interface Journey {
  page: Page;
  shot: (page: Page, step: string) => Promise<void>;
  customerId: string;
  /** The page the element is on (where Checkout comes back to). */
  isPortalPage: (url: URL) => boolean;
}

/** Top up 20 USD through the emulator's Checkout, with the webhook held until the page is back. */
async function topUp20({ page, shot, customerId, isPortalPage }: Journey) {
  const portal = portalOf(page);
  const before = units((await wallet(customerId)).USD!);
  const after = before + 20n * SCALE;

  const balanceSelect = portal.addFunds.getByRole('combobox', { name: 'Balance' });
  if ((await balanceSelect.count()) > 0) await balanceSelect.selectOption({ label: 'US Dollar' });
  await portal.addFunds.getByRole('textbox', { name: /^Other amount/ }).fill('20');
  await portal.addFunds.getByText(`You pay ${usd.format(20)}`).waitFor();
  await shot(page, 'top-up-amount');

  await portal.addFunds.getByRole('button', { name: 'Continue to payment' }).click();
  await page.waitForURL((url) => url.origin === new URL(demo.urls.emulator).origin);
  await page.getByRole('heading', { name: `Pay ${usd.format(20)}` }).waitFor();
  await page.getByLabel('Card number').fill(CARD);
  await shot(page, 'checkout');

  // Stripe is slow today: its webhook waits until we have looked at the page we come back to.
  const webhooks = await emulatorControl(demo.urls.emulator).holdWebhooks();
  await page.getByRole('button', { name: 'Pay', exact: true }).click();
  await page.waitForURL((url) => isPortalPage(url) && url.searchParams.get('credyt_top_up') === 'success');
  await untilBalance(page, 'US Dollar', shown(before));
  await portal.checkoutReturn.getByRole('status', { name: 'Confirming your payment' }).waitFor();
  expect((await wallet(customerId)).USD).toBe(decimal(before));
  const marker = await page.evaluate(() => ((window as unknown as { e2eMarker: string }).e2eMarker = crypto.randomUUID()));
  await shot(page, 'back-from-checkout-pending');

  expect(await webhooks.release()).toBeGreaterThan(0);
  await untilBalance(page, 'US Dollar', shown(after));
  const received = portal.checkoutReturn.getByRole('status', { name: 'Payment received' });
  await received.waitFor();
  await untilText(received, `Added to your balance: +${usd.format(20)}.`);
  await received.getByRole('link', { name: /^Receipt/ }).waitFor();
  // The same document: the balance moved through the live stream, not a reload.
  expect(await page.evaluate(() => (window as unknown as { e2eMarker?: string }).e2eMarker)).toBe(marker);
  expect((await wallet(customerId)).USD).toBe(decimal(after));
  const topUpRow = portal.transactionRows
    .filter({ hasText: 'Top-up' })
    .filter({ hasText: usd.format(20) })
    .first();
  await topUpRow.waitFor();
  await topUpRow.getByRole('link', { name: /^Receipt/ }).waitFor();
  await shot(page, 'balance-rose-without-reload');
  return after;
}

/** Turns on auto top-up for USD; the first save sends the customer to Stripe to save a card. */
async function turnOnAutoTopUp({ page, shot, isPortalPage }: Journey, threshold: string, amount: string) {
  const portal = portalOf(page);
  const form = portal.autoTopUp.getByRole('form', { name: 'Top up US Dollar automatically' });
  const toggle = form.getByRole('switch', { name: 'Top up US Dollar automatically' });
  const thresholdField = form.getByRole('textbox', { name: /^When the balance falls below/ });
  const amountField = form.getByRole('textbox', { name: /^Add/ });
  // The switch reveals the threshold and the amount.
  expect(await thresholdField.count()).toBe(0);
  await toggle.check();
  await thresholdField.fill(threshold);
  await amountField.fill(amount);
  // No card yet: the summary names "your card", and saving will ask for one first.
  const summary = (card: string) =>
    `When your USD balance falls below ${usd.format(Number(threshold))}, we add ${usd.format(Number(amount))}, charged to ${card}.`;
  await form.getByText(summary('your card')).waitFor();
  await form.getByText('Saving this takes you to save a card first.').waitFor();
  await shot(page, 'auto-top-up-settings');

  // Saving asks for a card first (the BFF answers a `setup_url`): the element goes to Stripe's setup page.
  await form.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL((url) => url.origin === new URL(demo.urls.emulator).origin);
  await page.getByRole('heading', { name: 'Save a card for future payments' }).waitFor();
  await page.getByLabel('Card number').fill(CARD);
  await shot(page, 'save-card-checkout');
  await page.getByRole('button', { name: 'Save card', exact: true }).click();

  await page.waitForURL((url) => isPortalPage(url) && url.searchParams.get('credyt_card') === 'saved');
  await portal.autoTopUp.getByRole('status').getByText('Card saved. Automatic top-up will use it.').waitFor();
  // The saved card, above the settings ("Payment method"), with its expiry.
  await portal.autoTopUp
    .getByRole('paragraph')
    .filter({ hasText: /^\s*Visa •••• 4242\s+· Expires \d{2}\/\d{4}\s*$/ })
    .waitFor();
  await portal.autoTopUp.getByRole('button', { name: 'Replace card' }).waitFor();
  expect(await toggle.isChecked()).toBe(true);
  expect(await thresholdField.inputValue()).toMatch(new RegExp(`^${threshold}(\\.0+)?$`));
  expect(await amountField.inputValue()).toMatch(new RegExp(`^${amount}(\\.0+)?$`));
  await form.getByText(summary('Visa •••• 4242')).waitFor();
  await shot(page, 'card-saved-auto-top-up-on');
}

/**
 * Usage through the platform API that takes the balance under the threshold; the worker charges the saved card
 * and the automatic top-up shows up on the page without a reload. Returns the final balance.
 */
async function crossThreshold({ page, shot, customerId }: Journey, balance: bigint, threshold: bigint, amount: bigint) {
  const portal = portalOf(page);
  const clip = (CLIP_PRICE_CENTS * SCALE) / 100n;
  const clips = Number((balance - threshold) / clip) + 1;
  const final = balance - clip * BigInt(clips) + amount;
  expect(balance - clip * BigInt(clips)).toBeLessThan(threshold);
  const marker = await page.evaluate(() => ((window as unknown as { e2eMarker: string }).e2eMarker = crypto.randomUUID()));

  await sendClips(customerId, clips);
  await untilBalance(page, 'US Dollar', shown(final));
  const autoRow = portal.transactionRows.filter({ hasText: 'Automatic top-up' });
  await autoRow.first().waitFor({ timeout: WAIT });
  expect(await autoRow.count()).toBe(1);
  await untilText(autoRow, shown(amount));
  await untilText(autoRow, shownExact(final));
  expect(await page.evaluate(() => (window as unknown as { e2eMarker?: string }).e2eMarker)).toBe(marker);
  expect((await wallet(customerId)).USD).toBe(decimal(final));
  await autoRow.scrollIntoViewIfNeeded();
  await shot(page, 'auto-top-up-in-transactions');
  return final;
}

/**
 * Shows every ledger entry (the CSV's rows; by default a day's usage of a product is one row), filters by category
 * and downloads them as CSV: the file holds exactly the rows shown.
 */
async function filterAndDownload({ page, shot }: Journey, flow: string, amount: bigint, final: bigint) {
  const portal = portalOf(page);
  await portal.transactions.getByRole('combobox', { name: 'Show' }).selectOption({ label: 'Every entry' });
  await portal.transactions.getByRole('combobox', { name: 'Type' }).selectOption({ label: 'Automatic top-up' });
  await expect
    .poll(async () => (await portal.transactionRows.allInnerTexts()).map((row) => row.includes('Automatic top-up')), {
      timeout: WAIT,
      interval: 100,
    })
    .toEqual([true]);
  await untilText(portal.transactionRows, shown(amount));
  await untilText(portal.transactionRows, shownExact(final));
  await shot(page, 'transactions-filtered-by-category');

  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: WAIT }),
    portal.transactions.getByRole('link', { name: 'Download CSV' }).click(),
  ]);
  const saved = `${REPO_ROOT}artifacts/e2e/${flow}/transactions.csv`;
  await download.saveAs(saved);
  expect(download.suggestedFilename()).toMatch(/\.csv$/);
  const text = await readFile(saved, 'utf8');
  expect(text.split(/\r?\n/)[0]).toBe(
    'id,occurred_at,created_at,category,description,amount,asset,balance_after,fiat_amount,fiat_currency,receipt_url',
  );
  const rows = csvRecords(text);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ category: 'auto_top_up', asset: 'USD' });
  expect(units(rows[0]!.amount ?? '')).toBe(amount);
  expect(units(rows[0]!.balance_after ?? '')).toBe(final);
  expect(rows[0]!.id).not.toBe('');
}

/** Opens a link that was already used: the BFF sends the browser to the session's `failure_url`. */
async function usedLinkLandsOnFailureUrl(page: Page, shot: Journey['shot'], link: string, failureUrl: string) {
  const response = await page.goto(link);
  const landed = new URL(response!.url());
  const expected = new URL(failureUrl);
  expect(landed.origin + landed.pathname).toBe(expected.origin + expected.pathname);
  for (const [key, value] of expected.searchParams) expect(landed.searchParams.get(key)).toBe(value);
  expect(landed.searchParams.get('reason')).toBe('link_used');
  await page.getByRole('status').getByText('That billing link had expired').waitFor();
  await shot(page, 'used-link-lands-on-failure-url');
}

/**
 * Uncaught page errors and Content-Security-Policy violations (the journey asserts there are none), plus a trail
 * of console messages, failed requests and navigations that is printed, with a screenshot, when a step fails.
 */
function watch(page: Page, flow: string) {
  const errors: string[] = [];
  const trail: string[] = [];
  page.on('pageerror', (error) => errors.push(error.stack ?? error.message));
  page.on('console', (message) => {
    trail.push(`console.${message.type()}: ${message.text()}`);
    // The hosted page's CSP allows no inline styles or scripts: a violation is a broken part of the page.
    if (/Content Security Policy/.test(message.text())) errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) trail.push(`${response.request().method()} ${response.url()} → ${response.status()}`);
  });
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) trail.push(`navigated: ${frame.url()}`);
  });
  return {
    errors,
    /** Runs the flow; on failure, leaves `99-failure.png` and prints the trail before rethrowing. */
    async run(steps: () => Promise<void>) {
      try {
        await steps();
      } catch (err) {
        await page.screenshot({ path: `${REPO_ROOT}artifacts/e2e/${flow}/99-failure.png`, fullPage: true }).catch(() => undefined);
        process.stderr.write(`\n[e2e ${flow}] page trail:\n  ${trail.slice(-40).join('\n  ')}\n`);
        throw err;
      }
    },
  };
}

describe('end-to-end journey (Chromium, clean database)', () => {
  it('the hosted portal: redirect_url → top-up → auto top-up → transactions and CSV → used link', async () => {
    const shot = screenshots('hosted');
    const customer = await demo.api.request<{ id: string }>('POST', '/customers', {
      name: 'Ada Lovelace',
      external_id: `e2e-hosted-${randomBytes(4).toString('hex')}`,
      email: 'ada@analytical.example',
      subscriptions: [{ products: [{ code: 'lumen-chat' }, { code: 'lumen-images' }, { code: 'lumen-video' }] }],
    });
    await demo.api.request('POST', `/customers/${customer.id}/wallet/adjustments`, {
      transaction_id: `e2e-welcome-${customer.id}`,
      asset: 'USD',
      amount: '5.00',
      reason: 'gift',
      description: 'Welcome credit',
    });
    const failureUrl = `${demo.urls.site}/?portal=link-expired`;
    const session = await demo.api.request<{ redirect_url: string; token: string }>('POST', '/billing-portal/sessions', {
      customer_id: customer.id,
      return_url: `${demo.urls.site}/`,
      failure_url: failureUrl,
    });
    expect(session.redirect_url).toBe(`${demo.urls.bff}/portal/sign-in?token=${session.token}`);

    const context = await newContext();
    const page = await context.newPage();
    const watcher = watch(page, 'hosted');
    const portalUrl = new URL(`${demo.urls.bff}/portal/`);
    const journey: Journey = {
      page,
      shot,
      customerId: customer.id,
      isPortalPage: (url) => url.origin === portalUrl.origin && url.pathname === portalUrl.pathname,
    };

    await watcher.run(async () => {
      // Signed in by the link, on the hosted page with the platform's branding and a way back.
      await page.goto(session.redirect_url);
      expect(new URL(page.url()).pathname).toBe('/portal/');
      await untilBalance(page, 'US Dollar', usd.format(5));
      await untilBalance(page, 'Image credits', '0 image credits');
      await page.getByRole('link', { name: 'Back to Lumen AI' }).waitFor();
      await shot(page, 'balances');

      const afterTopUp = await topUp20(journey);
      expect(afterTopUp).toBe(25n * SCALE);
      await turnOnAutoTopUp(journey, '20', '25');
      const final = await crossThreshold(journey, afterTopUp, 20n * SCALE, 25n * SCALE);
      expect(decimal(final)).toBe('44.6'); // 25 − 9 clips × 0.60 + 25
      await filterAndDownload(journey, 'hosted', 25n * SCALE, final);
      await usedLinkLandsOnFailureUrl(page, shot, session.redirect_url, failureUrl);
    });

    expect(watcher.errors).toEqual([]);
    await context.close();
  }, 120_000);

  it('the element embedded in the demo page: top-up → auto top-up → transactions and CSV → renewal, used link', async () => {
    const shot = screenshots('embedded');
    const found = await demo.api.request<{ items: { id: string }[] }>(
      'GET',
      `/customers?external_id=${encodeURIComponent(MAIN_CUSTOMER.external_id)}`,
    );
    const customerId = found.items[0]!.id;
    const start = await wallet(customerId);

    const context = await newContext();
    const page = await context.newPage();
    const watcher = watch(page, 'embedded');
    const site = new URL(`${demo.urls.site}/`);
    const journey: Journey = {
      page,
      shot,
      customerId,
      isPortalPage: (url) => url.origin === site.origin && url.pathname === site.pathname,
    };

    await watcher.run(async () => {
      // The platform's server renders the page with a session it created through the platform API.
      const sessionCreated = page.waitForResponse((r) => r.url().startsWith(`${demo.urls.bff}/portal/api/session`) && r.ok());
      await page.goto(site.href);
      await sessionCreated;
      await page.getByRole('region', { name: 'Lumen AI billing' }).waitFor();
      await untilBalance(page, 'US Dollar', shown(units(start.USD!)));
      await untilBalance(page, 'Image credits', `${Number(start.IMG).toLocaleString('en-US')} image credits`);
      await shot(page, 'balances');

      const afterTopUp = await topUp20(journey);
      const threshold = (afterTopUp / SCALE) * SCALE; // the whole dollars under the balance
      await turnOnAutoTopUp(journey, decimal(threshold), '25');
      const final = await crossThreshold(journey, afterTopUp, threshold, 25n * SCALE);
      await filterAndDownload(journey, 'embedded', 25n * SCALE, final);

      // The platform revokes the customer's sessions: the element renews through the page's fetchToken, unseen.
      const renewed = page.waitForResponse(
        (r) => r.url().startsWith(`${demo.urls.bff}/portal/api/session`) && r.request().method() === 'POST',
      );
      await demo.api.request('POST', `/customers/${customerId}/billing-portal/sessions/revoke`, {});
      expect((await renewed).ok()).toBe(true);
      const log = page.getByRole('group').filter({ hasText: 'Element events' });
      await log.getByText('Element events').click();
      await untilText(log, 'credyt-session-expired renewing through fetchToken');
      await untilBalance(page, 'US Dollar', shown(final));
      expect(await page.getByRole('heading', { name: 'Your billing session has ended' }).count()).toBe(0);
      await shot(page, 'session-renewed-after-revoke');

      // "Open full-page portal": a fresh hosted link from the platform's server; once used, it lands on failure_url.
      const signIn = page.waitForRequest((r) => r.url().startsWith(`${demo.urls.bff}/portal/sign-in?token=`));
      await page.getByRole('button', { name: 'Open full-page portal' }).click();
      const link = (await signIn).url();
      await page.waitForURL(`${demo.urls.bff}/portal/`);
      await untilBalance(page, 'US Dollar', shown(final));
      await shot(page, 'full-page-portal');
      await usedLinkLandsOnFailureUrl(page, shot, link, `${demo.urls.site}/?portal=link-expired`);
    });

    expect(watcher.errors).toEqual([]);
    await context.close();
  }, 120_000);
});
