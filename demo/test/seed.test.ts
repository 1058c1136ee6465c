import { money, PortalSession, PortalWallet, TransactionsPage, UsagePage, type Transaction } from '@credyt/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '@credyt/bff/src/app.ts';
import { loadConfig } from '@credyt/bff/src/config.ts';
import { openDatabase, type DatabaseHandle } from '@credyt/bff/src/db/client.ts';
import { createLogger } from '@credyt/bff/src/log.ts';
import { ensurePlatformWithKey } from '@credyt/bff/src/tenancy/platforms.ts';
import { DEMO_API_KEY, MAIN_CUSTOMER, OTHER_CUSTOMER } from '../src/lumen.ts';
import { createPortalSession, platformClient, type PlatformClient } from '../src/platform-client.ts';
import { SEED_DAYS, isSeeded, seedDemo, type SeedSummary } from '../src/seed.ts';

const SITE = 'http://localhost:5173';
const NOW = new Date('2026-03-15T12:00:00Z');

describe('demo seed', () => {
  let database: DatabaseHandle;
  let app: ReturnType<typeof createApp>;
  let api: PlatformClient;
  let summary: SeedSummary;

  beforeAll(async () => {
    database = await openDatabase('memory:');
    app = createApp({
      database,
      config: loadConfig({ PUBLIC_URL: 'http://localhost:8787' }),
      logger: createLogger(process.env.SEED_LOG ? 'error' : 'silent'),
    });
    await ensurePlatformWithKey(database.db, DEMO_API_KEY, 'Lumen AI');
    api = platformClient({
      baseUrl: 'http://localhost:8787',
      apiKey: DEMO_API_KEY,
      fetch: (url, init) => Promise.resolve(app.request(url, init)),
    });
    expect(await isSeeded(api)).toBe(false);
    summary = await seedDemo(api, { siteUrl: SITE, now: NOW });
  }, 120_000);
  afterAll(() => database?.close());

  const get = <T = any>(path: string) => api.request<T>('GET', path);
  const balances = async (customerId: string) =>
    Object.fromEntries(
      (await get<{ accounts: { asset: string; available: string }[] }>(`/customers/${customerId}/wallet`)).accounts.map((a) => [
        a.asset,
        Number(a.available),
      ]),
    );

  it('creates Lumen AI: two customers, three products (unit, volume, dimensional), image credits', async () => {
    expect(await isSeeded(api)).toBe(true);
    const customers = (await get('/customers')).items;
    expect(customers.map((c: any) => c.external_id).sort()).toEqual([MAIN_CUSTOMER.external_id, OTHER_CUSTOMER.external_id].sort());

    const products = (await get('/products')).items;
    expect(products).toHaveLength(3);
    const calc = products.flatMap((p: any) => p.prices.map((price: any) => price.usage_calculation));
    expect(calc.map((c: any) => c.usage_type).sort()).toEqual(['unit', 'unit', 'volume', 'volume']);
    expect(calc.some((c: any) => c.billable_dimensions?.length === 2)).toBe(true);

    const asset = await get('/assets/IMG');
    // The demo's client keeps every JSON number as its exact text (platform-client.ts).
    expect(asset).toMatchObject({ code: 'IMG', precision: '0', label: 'image credits', rates: [{ source: 'USD', rate: '0.04' }] });

    const config = await get('/billing-portal/configuration');
    expect(config.branding).toMatchObject({ name: 'Lumen AI', primary_color: '#6d28d9' });
    expect(config.allowed_origins).toContain(SITE);
  });

  it('backdates three months of usage: thousands of events for the main customer, spread over days', async () => {
    expect(summary.events.main).toBeGreaterThan(2000);
    expect(summary.events.other).toBeGreaterThan(100);
    const first = await get(`/events/seed-nw-00001`);
    const firstDay = new Date(first.occurred_at).getTime();
    expect(NOW.getTime() - firstDay).toBeGreaterThan((SEED_DAYS - 1) * 24 * 3600 * 1000);
    const last = await get(`/events/seed-nw-${String(summary.events.main).padStart(5, '0')}`);
    expect(last.customer_id).toBe(summary.customers.main);
    expect(first.fees.length).toBeGreaterThan(0);
  });

  it('leaves non-trivial balances in USD and image credits, after top-ups, a refund, a gift and an adjustment', async () => {
    const main = await balances(summary.customers.main);
    expect(main.USD).toBeGreaterThan(10);
    expect(main.USD).toBeLessThan(165);
    expect(main.IMG).toBeGreaterThan(50);
    expect(main.IMG).toBeLessThan(1050);
    const other = await balances(summary.customers.other);
    expect(other.USD).toBeGreaterThan(0);
    expect(other).not.toEqual(main);
  });

  /** Signs in to the customer's portal, as the embedded element does; reads its API. */
  async function portalReader(customerId: string) {
    const link = await createPortalSession(api, customerId, SITE);
    const exchange = await app.request('/portal/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: link.token }),
    });
    const { access_token } = (await exchange.json()) as { access_token: string };
    return async (path: string): Promise<unknown> =>
      (await app.request(`/portal/api${path}`, { headers: { authorization: `Bearer ${access_token}` } })).json();
  }

  it('books money and usage in the order they happened: every entry, newest first, reconciles and none is below zero', async () => {
    const read = await portalReader(summary.customers.main);
    const rows: Transaction[] = [];
    for (let cursor: string | null = '', i = 0; cursor !== null && i < 100; i++) {
      const page = TransactionsPage.parse(await read(`/transactions?view=entries&limit=200${cursor ? `&cursor=${cursor}` : ''}`));
      rows.push(...page.items);
      cursor = page.next_cursor;
    }
    expect(rows.filter((t) => t.category !== 'usage')).toHaveLength(9);
    for (const asset of ['USD', 'IMG']) {
      const of = rows.filter((t) => t.asset === asset);
      for (let i = 0; i + 1 < of.length; i++)
        expect(of[i]!.balance_after).toBe(
          money(of[i + 1]!.balance_after)
            .plus(of[i]!.amount)
            .toFixed(),
        );
      expect(
        of.every((t) => !money(t.balance_after).isNegative()),
        asset,
      ).toBe(true);
    }
  });

  it('keeps the two customers apart in their portals', async () => {
    const portalOf = async (customerId: string) => {
      const read = await portalReader(customerId);
      const usage = async (query: string) => UsagePage.parse(await read(`/usage?${query}`)).items;
      const wallet = PortalWallet.parse(await read('/wallet'));
      return {
        session: PortalSession.parse(await read('/session')),
        usage: await usage('limit=200'),
        balances: Object.fromEntries(wallet.accounts.map((a) => [a.asset.code, Number(a.available)])),
        readUsage: usage,
      };
    };
    const main = await portalOf(summary.customers.main);
    const other = await portalOf(summary.customers.other);
    expect(main.session.customer.name).toBe(MAIN_CUSTOMER.name);
    expect(other.session.customer.name).toBe(OTHER_CUSTOMER.name);
    expect(main.balances).toEqual(await balances(summary.customers.main));
    expect(other.balances).toEqual(await balances(summary.customers.other));

    const mainIds = new Set(main.usage.map((i) => i.id));
    expect(main.usage.length).toBeGreaterThan(0);
    expect(other.usage.length).toBeGreaterThan(0);
    expect(other.usage.some((i) => mainIds.has(i.id))).toBe(false);
    // Only the main customer is subscribed to video: none of it shows in the other's portal.
    expect(main.usage.some((i) => i.product.code === 'lumen-video')).toBe(true);
    expect(other.usage.some((i) => i.product.code === 'lumen-video')).toBe(false);
    // A query parameter naming the other customer changes nothing: the session decides.
    const sneaky = await other.readUsage(`limit=200&customer_id=${summary.customers.main}`);
    expect(sneaky.some((i) => mainIds.has(i.id))).toBe(false);
  });

  it('is idempotent: a second run changes no balance and sends no new event', async () => {
    const before = await balances(summary.customers.main);
    const again = await seedDemo(api, { siteUrl: SITE, now: NOW });
    expect(again.customers).toEqual(summary.customers);
    expect(await balances(summary.customers.main)).toEqual(before);
  }, 120_000);
});
