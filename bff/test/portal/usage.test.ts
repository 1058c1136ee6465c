import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money, sum, TransactionsPage, UsagePage, type Transaction, type UsageItem } from '@credyt/shared';
import { createPortalContext, portal, sendEvents, signIn, type PortalTestContext, type TestPlatform } from './helpers.ts';

const realTime = { type: 'usage_based', billing_model: { type: 'real_time' } };

/** Two volume prices on one event (a chat completion), a unit price in a custom asset, a dimensional one. */
const PRODUCTS = [
  {
    name: 'Chat',
    code: 'chat',
    publish: true,
    prices: [
      {
        ...realTime,
        name: 'Input tokens',
        usage_calculation: { event_type: 'chat', usage_type: 'volume', volume_field: 'input_tokens' },
        pricing: [{ asset: 'USD', values: [{ volume_rate: '2.50', package_size: 1_000_000 }] }],
      },
      {
        ...realTime,
        name: 'Output tokens',
        usage_calculation: { event_type: 'chat', usage_type: 'volume', volume_field: 'output_tokens' },
        pricing: [{ asset: 'USD', values: [{ volume_rate: '10.00', package_size: 1_000_000 }] }],
      },
    ],
  },
  {
    name: 'Images',
    code: 'images',
    publish: true,
    prices: [
      {
        ...realTime,
        name: 'Per image',
        description: '1 image credit per image',
        usage_calculation: { event_type: 'image', usage_type: 'unit' },
        pricing: [{ asset: 'IMG', values: [{ unit_price: 1 }] }],
      },
    ],
  },
  {
    name: 'Video',
    code: 'video',
    publish: true,
    prices: [
      {
        ...realTime,
        name: 'Per clip',
        usage_calculation: { event_type: 'video', usage_type: 'unit', billable_dimensions: ['model'] },
        pricing: [
          {
            asset: 'USD',
            values: [
              { dimensions: { model: 'm2' }, values: [{ name: 'Motion 2', unit_price: '0.35' }] },
              { dimensions: { model: '*' }, values: [{ name: 'Other', unit_price: '0.20' }] },
            ],
          },
        ],
      },
    ],
  },
];

/** Three months of usage reported at once (a backfill): what the demo seeds. */
const DAY = 86_400_000;
const now = new Date();
const monthOf = (ms: number) => new Date(ms).toISOString().slice(0, 7);

describe('portal usage: one item per event', () => {
  let ctx: PortalTestContext;
  let p: TestPlatform;
  let token: string;
  const sent: { id: string; occurred_at: string; event_type: string; data?: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    ctx = await createPortalContext();
    p = await ctx.newPlatform('Usage shapes');
    expect(
      (
        await p.call('POST', '/assets', {
          code: 'IMG',
          name: 'Image credits',
          precision: 0,
          label: 'image credits',
          rates: [{ source: 'USD', rate: '0.04' }],
        })
      ).status,
    ).toBe(201);
    for (const product of PRODUCTS) expect((await p.call('POST', '/products', product)).status).toBe(201);
    const customer = await p.call('POST', '/customers', {
      name: 'Ada',
      external_id: 'ada',
      subscriptions: [{ products: PRODUCTS.map((x) => ({ code: x.code })) }],
    });
    const customerId = customer.body.id as string;
    for (const [asset, amount] of [
      ['USD', '100'],
      ['IMG', '500'],
    ] as const) {
      await p.call('POST', `/customers/${customerId}/wallet/adjustments`, {
        transaction_id: `fund-${asset}`,
        asset,
        amount,
        reason: 'gift',
        // Funded before the first usage, as the customer was: booked now, dated then.
        occurred_at: new Date(now.getTime() - 91 * DAY).toISOString(),
      });
    }
    // 90 days back, oldest first, one chat a day (its tokens chosen so fees have 17+ significant digits), an
    // image every third day, a video every fifth.
    for (let day = 90; day >= 1; day -= 1) {
      const at = (offset: number) => new Date(now.getTime() - day * DAY + offset).toISOString();
      sent.push({ id: `chat-${day}`, event_type: 'chat', occurred_at: at(0), data: { input_tokens: 1234 + day, output_tokens: 567 } });
      if (day % 3 === 0) sent.push({ id: `img-${day}`, event_type: 'image', occurred_at: at(1000) });
      if (day % 5 === 0)
        sent.push({ id: `vid-${day}`, event_type: 'video', occurred_at: at(2000), data: { model: day % 2 ? 'm2' : 'm1' } });
    }
    await sendEvents(
      p,
      customerId,
      sent.map((e) => ({ ...e, subject: `s-${e.id}`, description: `Event ${e.id}` })),
    );
    token = (await signIn(ctx.app, p, customerId)).accessToken;
  }, 60_000);
  afterAll(() => ctx.close());

  const get = (path: string) => portal(ctx.app, token, path);

  async function allUsage(query = ''): Promise<UsageItem[]> {
    const out: UsageItem[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const res = await get(`/usage?limit=7${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = UsagePage.parse(res.body);
      out.push(...page.items);
      if (!page.next_cursor) return out;
      cursor = page.next_cursor;
    }
    throw new Error('too many pages');
  }

  async function allTransactions(query = ''): Promise<Transaction[]> {
    const out: Transaction[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const page = TransactionsPage.parse((await get(`/transactions?limit=50${query}${cursor ? `&cursor=${cursor}` : ''}`)).body);
      out.push(...page.items);
      if (!page.next_cursor) return out;
      cursor = page.next_cursor;
    }
    throw new Error('too many pages');
  }

  it('one chat completion is one item with both fees, the tokens billed, and prices in words', async () => {
    const page = UsagePage.parse((await get('/usage?limit=200')).body);
    const chat = page.items.find((u) => u.id === 'chat-1')!;
    // 1235 × 2.50 / 10^6 + 567 × 10 / 10^6: exact, at 18 decimals.
    expect(chat).toMatchObject({
      occurred_at: sent.find((e) => e.id === 'chat-1')!.occurred_at,
      product: { code: 'chat', name: 'Chat' },
      subject: 's-chat-1',
      description: 'Event chat-1',
      amount: '0.0087575',
      asset: 'USD',
      fiat_amount: '0.0087575',
      quantities: [
        { unit: 'input_tokens', quantity: '1235' },
        { unit: 'output_tokens', quantity: '567' },
      ],
      totals: [{ asset: 'USD', amount: '0.0087575', fiat_amount: '0.0087575' }],
      fee_description: '$2.50 per 1M input tokens · $10.00 per 1M output tokens',
    });
    expect(chat.fees.map((f) => [f.price_name, f.amount, f.fee_description, f.rate])).toEqual([
      ['Input tokens', '0.0030875', '$2.50 per 1M input tokens', { amount: '2.5', per: '1000000', unit: 'input_tokens' }],
      ['Output tokens', '0.00567', '$10.00 per 1M output tokens', { amount: '10', per: '1000000', unit: 'output_tokens' }],
    ]);
    const image = page.items.find((u) => u.id === 'img-3')!;
    expect(image).toMatchObject({
      amount: '1',
      asset: 'IMG',
      fiat_amount: '0.04',
      quantities: [],
      fee_description: '1 image credit per image',
    });
    expect(image.fees[0]!.rate).toBe(null);
    const video = page.items.find((u) => u.id === 'vid-5')!;
    expect(video.fees[0]).toMatchObject({
      price_name: 'Per clip · Motion 2',
      fee_description: '$0.35 per event',
      rate: { amount: '0.35', per: '1', unit: null },
    });
    expect(page.items.find((u) => u.id === 'vid-10')!.fees[0]).toMatchObject({
      price_name: 'Per clip · Other',
      fee_description: '$0.20 per event',
    });
  });

  it('pages by event, newest first by when it happened, every event once, and counts them', async () => {
    const items = await allUsage();
    expect(items.map((u) => u.id)).toEqual([...sent].sort((a, b) => (a.occurred_at < b.occurred_at ? 1 : -1)).map((e) => e.id));
    const first = UsagePage.parse((await get('/usage?limit=7&total=true')).body);
    expect(first.total).toEqual({ count: sent.length, more: false });
    expect((await get('/usage?limit=7')).body.total).toBeUndefined();
  });

  it('filters by when usage happened: three months of dates, and a month of its own usage', async () => {
    const items = await allUsage();
    const months = new Set(items.map((u) => u.occurred_at.slice(0, 7)));
    expect(months.size).toBeGreaterThanOrEqual(3);
    const month = monthOf(now.getTime() - 45 * DAY);
    const [y, m] = month.split('-').map(Number) as [number, number];
    const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
    const inMonth = await allUsage(`&from=${month}-01&to=${last}`);
    const expected = sent.filter((e) => e.occurred_at.startsWith(month));
    expect(inMonth.map((u) => u.id).sort()).toEqual(expected.map((e) => e.id).sort());
    expect(inMonth.length).toBeGreaterThan(20);
    // The transactions' month filter is by the same instant, and its usage is the same money.
    const txns = TransactionsPage.parse((await get(`/transactions?month=${month}&category=usage&limit=200&total=true`)).body);
    expect(txns.items.every((t) => t.occurred_at.startsWith(month))).toBe(true);
    expect(txns.total).toEqual({ count: txns.items.length, more: false });
    const usd = (list: { asset: string; amount: string }[]) => sum(list.filter((x) => x.asset === 'USD').map((x) => x.amount));
    expect(money(usd(txns.items)).negated().toFixed()).toBe(money(usd(inMonth.flatMap((u) => u.totals))).toFixed());
  });

  it('sums a day of usage per product in the grouped view, other entries as they are', async () => {
    const grouped: Transaction[] = [];
    let cursor: string | null = null;
    let total: unknown;
    for (let i = 0; i < 100; i++) {
      const res = await get(`/transactions?view=grouped&limit=9${cursor ? `&cursor=${cursor}` : '&total=true'}`);
      expect(res.status).toBe(200);
      const page = TransactionsPage.parse(res.body);
      total ??= page.total;
      grouped.push(...page.items);
      if (!page.next_cursor) break;
      cursor = page.next_cursor;
    }
    expect(new Set(grouped.map((t) => t.id)).size).toBe(grouped.length);
    const groups = grouped.filter((t) => t.group);
    // A chat completion's two fees are one event of its group.
    expect(sum(groups.map((g) => String(g.group!.count)))).toBe(String(sent.length));
    expect(grouped.filter((t) => !t.group).map((t) => t.category)).toEqual(['gift', 'gift']);
    expect(total).toEqual({ count: grouped.length, more: false });
    const chat = groups.find(
      (g) => g.product?.code === 'chat' && g.group!.day === sent.find((e) => e.id === 'chat-1')!.occurred_at.slice(0, 10),
    )!;
    expect(chat).toMatchObject({ category: 'usage', description: 'Chat', asset: 'USD', amount: '-0.0087575', group: { count: 1 } });
    // Newest first by when it happened: the gifts, dated before the usage, come last.
    const times = grouped.map((t) => t.occurred_at);
    expect([...times].sort().reverse()).toEqual(times);
    // The grouped rows carry the same money as the entries.
    const all = await allTransactions('&category=usage');
    expect(all).toHaveLength(sent.length + sent.filter((e) => e.event_type === 'chat').length);
    for (const asset of ['USD', 'IMG']) {
      const of = (list: Transaction[]) => sum(list.filter((t) => t.asset === asset).map((t) => t.amount));
      expect(of(groups)).toBe(of(all));
    }
  });

  it("every entry, newest first by when it happened, reconciles row to row: balance after = the next row's + amount", async () => {
    const entries = await allTransactions('&view=entries');
    expect(entries.at(-1)!.category).toBe('gift');
    for (const asset of ['USD', 'IMG']) {
      const rows = entries.filter((t) => t.asset === asset);
      for (let i = 0; i + 1 < rows.length; i++)
        expect(rows[i]!.balance_after, `${asset} row ${i}`).toBe(
          money(rows[i + 1]!.balance_after)
            .plus(rows[i]!.amount)
            .toFixed(),
        );
    }
  });

  it('an expanded group is its events: usage of that day, product and asset', async () => {
    const day = sent.find((e) => e.id === 'chat-1')!.occurred_at.slice(0, 10);
    const events = UsagePage.parse((await get(`/usage?from=${day}&to=${day}&product=chat&asset=USD`)).body).items;
    expect(events.map((u) => u.id)).toEqual(['chat-1']);
  });

  it('refuses a cursor of the other list', async () => {
    const txns = TransactionsPage.parse((await get('/transactions?limit=1')).body);
    expect((await get(`/usage?cursor=${txns.next_cursor}`)).status).toBe(422);
  });
});

describe('portal usage and grouped transactions: exact to the last of 18 decimals', () => {
  let ctx: PortalTestContext;
  let token: string;
  // 19 significant digits: a binary float keeps about 16.
  const RATE = '1234567.890123456789';
  const day = (back: number, hour: number) =>
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - back, hour)).toISOString();

  beforeAll(async () => {
    ctx = await createPortalContext();
    const p = await ctx.newPlatform('Exact');
    const product = {
      name: 'Compute',
      code: 'compute',
      publish: true,
      prices: [
        {
          ...realTime,
          name: 'Units',
          usage_calculation: { event_type: 'compute', usage_type: 'volume', volume_field: 'units' },
          pricing: [{ asset: 'USD', values: [{ volume_rate: RATE }] }],
        },
        {
          ...realTime,
          name: 'Call',
          usage_calculation: { event_type: 'compute', usage_type: 'unit' },
          pricing: [{ asset: 'USD', values: [{ unit_price: '0.000000000000000001' }] }],
        },
      ],
    };
    expect((await p.call('POST', '/products', product)).status).toBe(201);
    const customer = await p.call('POST', '/customers', {
      name: 'E',
      external_id: 'e',
      subscriptions: [{ products: [{ code: 'compute' }] }],
    });
    const id = customer.body.id as string;
    await p.call('POST', `/customers/${id}/wallet/adjustments`, { transaction_id: 'f', asset: 'USD', amount: '90000000', reason: 'gift' });
    // Volumes as exact text: 3, 0.000000000007 and 1.5 units, over two days (yesterday twice, the day before once).
    await sendEvents(p, id, [
      { id: 'a', event_type: 'compute', occurred_at: day(1, 9), data: { units: '3' } },
      { id: 'b', event_type: 'compute', occurred_at: day(1, 10), data: { units: '0.000000000007' } },
      { id: 'c', event_type: 'compute', occurred_at: day(2, 9), data: { units: '1.5' } },
    ]);
    token = (await signIn(ctx.app, p, id)).accessToken;
  });
  afterAll(() => ctx.close());

  it('keeps every digit in events, their fees and the day sums', async () => {
    const get = (path: string) => portal(ctx.app, token, path);
    const usage = UsagePage.parse((await get('/usage?limit=10')).body);
    const a = usage.items.find((u) => u.id === 'a')!;
    // 3 × 1234567.890123456789 + 0.000000000000000001: 25 significant digits.
    expect(a.amount).toBe('3703703.670370370367000001');
    expect(a.fees.map((f) => f.amount)).toEqual(['3703703.670370370367', '0.000000000000000001']);
    expect(a.quantities).toEqual([{ unit: 'units', quantity: '3' }]);
    expect(a.fees[0]!.fee_description).toBe('$1,234,567.890123456789 per unit');
    // 0.000000000007 × the rate, rounded once (half-even) to 18 decimals where the fee was computed.
    const b = usage.items.find((u) => u.id === 'b')!;
    expect(b.fees[0]!.amount).toBe('0.000008641975230864');
    expect(b.amount).toBe('0.000008641975230865');
    expect(b.quantities).toEqual([{ unit: 'units', quantity: '0.000000000007' }]);

    const grouped = TransactionsPage.parse((await get('/transactions?view=grouped&limit=10&total=true')).body);
    const yesterday = grouped.items.find((t) => t.group?.day === day(1, 9).slice(0, 10))!;
    expect(yesterday).toMatchObject({ amount: '-3703703.670379012342230866', group: { count: 2 }, product: { code: 'compute' } });
    expect(yesterday.amount).toBe(money(a.amount).plus(b.amount).negated().toFixed());
    expect(grouped.items.find((t) => t.group?.day === day(2, 9).slice(0, 10))!.amount).toBe('-1851851.835185185183500001');
    expect(grouped.total).toEqual({ count: 3, more: false });
    // Every entry: the balance is their exact sum, and the last one written carries it.
    const entries = TransactionsPage.parse((await get('/transactions?limit=10')).body).items;
    expect(entries).toHaveLength(7);
    expect(entries.map((t) => t.balance_after)).toContain(sum(entries.map((t) => t.amount)));
    expect(sum(entries.map((t) => t.amount))).toBe('84444444.494435802474269133');
    // A binary float could not have told these apart.
    expect(Number(yesterday.amount)).toBe(Number('-3703703.670379012342'));
  });
});
