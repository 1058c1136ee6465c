/**
 * Seeds Lumen AI through the platform API over HTTP, the way a real platform would integrate: an asset, three
 * products, two customers with money movements, three months of backdated usage, and the portal configuration.
 * Every write is idempotent (codes, external ids, transaction ids, event ids), so an interrupted seed can rerun.
 */
import {
  IMAGE_CREDITS,
  MAIN_CUSTOMER,
  OTHER_CUSTOMER,
  PLATFORM_NAME,
  PRIMARY_COLOR,
  PRODUCTS,
  seededRandom,
  usageEvent,
  type Random,
  type UsageEvent,
  type UsageKind,
} from './lumen.ts';
import { PlatformApiError, customerByExternalId, type PlatformClient } from './platform-client.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
export const SEED_DAYS = 90;
/**
 * The API takes up to 1000 events a request; smaller batches keep each request's ledger notification well under
 * PostgreSQL's 8000-byte NOTIFY payload limit (a 1000-event batch of two-fee events goes over it today).
 */
const BATCH = 250;

export interface SeedOptions {
  /** The demo site's origin: the portal's allowed origin, and where the logo and return links point. */
  siteUrl: string;
  now?: Date;
}

export interface SeedSummary {
  customers: { main: string; other: string };
  events: { main: number; other: number };
}

interface Adjustment {
  transaction_id: string;
  asset: string;
  amount: string;
  reason: 'external_topup' | 'external_refund' | 'gift' | 'ad_hoc_fee' | 'adjustment';
  description: string;
  /** How many days before the seed's `now` it happened (the seed dates it, and books it in that order). */
  daysAgo: number;
}

/**
 * The seed writes the portal configuration last: Lumen's colour and an allowed origin mean a finished seed (a new
 * platform's configuration has neither).
 */
export async function isSeeded(api: PlatformClient): Promise<boolean> {
  const config = await api.request<{ branding: { primary_color: string | null }; allowed_origins: string[] }>(
    'GET',
    '/billing-portal/configuration',
  );
  return config.branding.primary_color === PRIMARY_COLOR && config.allowed_origins.length > 0;
}

export async function seedDemo(api: PlatformClient, options: SeedOptions): Promise<SeedSummary> {
  const now = options.now ?? new Date();
  await createOnce(() => api.request('POST', '/assets', IMAGE_CREDITS));
  for (const product of PRODUCTS) await createOnce(() => api.request('POST', '/products', product));

  const main = await ensureCustomer(api, MAIN_CUSTOMER, ['lumen-chat', 'lumen-images', 'lumen-video']);
  const other = await ensureCustomer(api, OTHER_CUSTOMER, ['lumen-chat', 'lumen-images']);

  const mainEvents = threeMonthsOfUsage('nw', now, seededRandom(20_240_901), { chat: 30, image: 10, video: 2 });
  const otherEvents = threeMonthsOfUsage('px', now, seededRandom(7), { chat: 4, image: 2, video: 0 });
  await bookInOrder(api, main, mainAdjustments(), mainEvents, now);
  await bookInOrder(api, other, otherAdjustments(), otherEvents, now);

  await api.request('PUT', '/billing-portal/configuration', {
    branding: { name: PLATFORM_NAME, logo_url: `${options.siteUrl}/lumen-logo.svg`, primary_color: PRIMARY_COLOR },
    urls: {
      support_url: `${options.siteUrl}/#support`,
      terms_url: `${options.siteUrl}/#terms`,
      product_url: `${options.siteUrl}/`,
    },
    allowed_origins: allowedOrigins(options.siteUrl),
    default_locale: 'en',
  });
  return { customers: { main, other }, events: { main: mainEvents.length, other: otherEvents.length } };
}

/** The site's origin, and its `localhost` ↔ `127.0.0.1` twin: people open either. */
function allowedOrigins(siteUrl: string): string[] {
  const origin = new URL(siteUrl).origin;
  const twin = origin.includes('//localhost') ? origin.replace('//localhost', '//127.0.0.1') : origin.replace('//127.0.0.1', '//localhost');
  return [...new Set([origin, twin])];
}

async function createOnce(create: () => Promise<unknown>) {
  try {
    await create();
  } catch (err) {
    if (!(err instanceof PlatformApiError && err.status === 409)) throw err;
  }
}

async function ensureCustomer(api: PlatformClient, who: typeof MAIN_CUSTOMER, products: string[]): Promise<string> {
  const existing = await customerByExternalId(api, who.external_id);
  if (existing) return existing.id;
  const created = await api.request<{ id: string }>('POST', '/customers', {
    ...who,
    subscriptions: [{ products: products.map((code) => ({ code })) }],
  });
  return created.id;
}

/**
 * Books money movements and usage in the order they happened, so each entry's balance after follows from the one
 * before it in the customer's history (the ledger's running balance is by booking; the portal lists by date).
 */
async function bookInOrder(api: PlatformClient, customerId: string, adjustments: Adjustment[], events: UsageEvent[], now: Date) {
  let sent = 0;
  for (const { daysAgo, ...adjustment } of [...adjustments].sort((a, b) => b.daysAgo - a.daysAgo)) {
    // A working-hours instant of that day, before any usage of the day.
    const at = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - daysAgo, 6, 30));
    const before = events.slice(sent).findIndex((e) => e.occurred_at >= at.toISOString());
    const upTo = before === -1 ? events.length : sent + before;
    await sendEvents(api, customerId, events.slice(sent, upTo));
    sent = upTo;
    await api.request('POST', `/customers/${customerId}/wallet/adjustments`, {
      ...adjustment,
      transaction_id: `seed-${customerId}-${adjustment.transaction_id}`,
      occurred_at: (at < now ? at : now).toISOString(),
    });
  }
  await sendEvents(api, customerId, events.slice(sent));
}

function mainAdjustments(): Adjustment[] {
  const topUp = (n: number, asset: string, amount: string, description: string, daysAgo: number): Adjustment => ({
    transaction_id: `topup-${asset}-${n}`,
    asset,
    amount,
    reason: 'external_topup',
    description,
    daysAgo,
  });
  return [
    { transaction_id: 'welcome', asset: 'USD', amount: '10.00', reason: 'gift', description: 'Welcome credit', daysAgo: 90 },
    topUp(1, 'USD', '50.00', 'Card top-up · Visa •••• 4242', 90),
    topUp(1, 'IMG', '500', 'Image credit pack · 500 credits', 90),
    { transaction_id: 'launch-bonus', asset: 'IMG', amount: '50', reason: 'gift', description: 'Launch week bonus credits', daysAgo: 84 },
    topUp(2, 'USD', '50.00', 'Card top-up · Visa •••• 4242', 55),
    topUp(3, 'USD', '50.00', 'Card top-up · Visa •••• 4242', 54),
    {
      transaction_id: 'refund-1',
      asset: 'USD',
      amount: '-15.00',
      reason: 'external_refund',
      description: 'Refund of a duplicate top-up',
      daysAgo: 53,
    },
    topUp(2, 'IMG', '500', 'Image credit pack · 500 credits', 40),
    {
      transaction_id: 'outage-credit',
      asset: 'USD',
      amount: '5.00',
      reason: 'adjustment',
      description: 'Service credit: 40-minute API outage',
      daysAgo: 12,
    },
  ];
}

function otherAdjustments(): Adjustment[] {
  return [
    {
      transaction_id: 'topup-USD-1',
      asset: 'USD',
      amount: '25.00',
      reason: 'external_topup',
      description: 'Card top-up · Mastercard •••• 4444',
      daysAgo: 90,
    },
    { transaction_id: 'welcome-img', asset: 'IMG', amount: '100', reason: 'gift', description: 'Trial image credits', daysAgo: 90 },
    {
      transaction_id: 'topup-IMG-1',
      asset: 'IMG',
      amount: '200',
      reason: 'external_topup',
      description: 'Image credit pack · 200 credits',
      daysAgo: 30,
    },
  ];
}

/**
 * Ninety days of usage ending now, busier on weekdays and growing month over month (what a product's usage
 * looks like). `perWeekday` is the average number of events of each kind on a weekday at the end of the period.
 */
export function threeMonthsOfUsage(prefix: string, now: Date, random: Random, perWeekday: Record<UsageKind, number>): UsageEvent[] {
  const events: UsageEvent[] = [];
  const firstDay = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - SEED_DAYS * DAY_MS;
  let n = 0;
  for (let day = 0; day <= SEED_DAYS; day += 1) {
    const dayStart = firstDay + day * DAY_MS;
    const weekday = ![0, 6].includes(new Date(dayStart).getUTCDay());
    const growth = 0.6 + 0.4 * (day / SEED_DAYS);
    for (const kind of Object.keys(perWeekday) as UsageKind[]) {
      const mean = perWeekday[kind] * growth * (weekday ? 1 : 0.3);
      const count = Math.round(mean * (0.6 + random() * 0.8));
      for (let i = 0; i < count; i += 1) {
        // Working hours, 07:00–21:00 UTC.
        const at = new Date(dayStart + (7 + random() * 14) * 60 * 60 * 1000);
        if (at.getTime() >= now.getTime()) continue;
        n += 1;
        events.push(usageEvent(kind, `seed-${prefix}-${String(n).padStart(5, '0')}`, at, random));
      }
    }
  }
  return events.sort((a, b) => a.occurred_at.localeCompare(b.occurred_at));
}

async function sendEvents(api: PlatformClient, customerId: string, events: UsageEvent[]) {
  for (let start = 0; start < events.length; start += BATCH) {
    await api.request('POST', '/events', { customer_id: customerId, events: events.slice(start, start + BATCH) });
  }
}
