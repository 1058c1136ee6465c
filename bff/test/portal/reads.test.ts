import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money, PortalSpend, PortalWallet, sum, TransactionsPage, UsagePage, type Transaction, type UsageItem } from '@credyt/shared';
import { appendEntries } from '../../src/wallet/ledger.ts';
import { CSV_BATCH } from '../../src/transactions/service.ts';
import {
  createPortalContext,
  fundedCustomer,
  portal,
  sendEvents,
  signIn,
  unitPrice,
  volumePrice,
  type PortalTestContext,
  type TestPlatform,
} from './helpers.ts';

/** A minimal RFC 4180 reader: enough to check the export's quoting. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else if (ch !== '\r') cell += ch;
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

async function allPages<T>(fetchPage: (cursor: string | null) => Promise<{ items: T[]; next_cursor: string | null }>): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const page = await fetchPage(cursor);
    out.push(...page.items);
    if (!page.next_cursor) return out;
    cursor = page.next_cursor;
  }
  throw new Error('too many pages');
}

describe('portal reads', () => {
  let ctx: PortalTestContext;
  let p: TestPlatform;
  let customerId: string;
  let token: string;
  const now = new Date();
  const thisMonth = now.toISOString().slice(0, 7);
  const today = now.toISOString().slice(0, 10);

  beforeAll(async () => {
    ctx = await createPortalContext();
    p = await ctx.newPlatform('Exact AI');
    const asset = await p.call('POST', '/assets', {
      code: 'CREDIT',
      name: 'Credits',
      precision: 2,
      label: 'credits',
      label_singular: 'credit',
      rates: [{ source: 'USD', rate: '0.013' }],
    });
    expect(asset.status).toBe(201);
    expect(asset.body).toMatchObject({ label: 'credits', label_singular: 'credit' });
    const c = await fundedCustomer(
      p,
      [
        { ...unitPrice('llm', 'USD', '0.00000125'), name: 'LLM call' },
        { ...unitPrice('img', 'CREDIT', '7.5'), name: 'Image' },
        volumePrice('tok', 'CREDIT', 'tokens', '0.003'),
      ],
      [
        { asset: 'USD', amount: '20' },
        { asset: 'CREDIT', amount: '1000' },
      ],
    );
    customerId = c.id;
    const fee = await p.call('POST', `/customers/${customerId}/wallet/adjustments`, {
      transaction_id: 'fee-1',
      asset: 'USD',
      amount: '-1.5',
      reason: 'ad_hoc_fee',
      description: 'Setup, "premium"\nsupport',
    });
    expect(fee.status).toBe(201);
    const formula = await p.call('POST', `/customers/${customerId}/wallet/adjustments`, {
      transaction_id: 'gift-2',
      asset: 'CREDIT',
      amount: '0.01',
      reason: 'gift',
      description: '=HYPERLINK("http://evil")',
    });
    expect(formula.status).toBe(201);
    const events = Array.from({ length: 30 }, (_, i) => {
      const occurred_at = new Date(now.getTime() - (30 - i) * 1000).toISOString();
      if (i % 3 === 0) return { id: `llm-${i}`, event_type: 'llm', occurred_at, subject: `thread-${i}`, description: `Call ${i}` };
      if (i % 3 === 1) return { id: `img-${i}`, event_type: 'img', occurred_at, subject: `image-${i}` };
      return { id: `tok-${i}`, event_type: 'tok', occurred_at, data: { tokens: 1234 + i } };
    });
    await sendEvents(p, customerId, events);
    token = (await signIn(ctx.app, p, customerId)).accessToken;
  });
  afterAll(() => ctx.close());

  const get = (path: string) => portal(ctx.app, token, path);

  it('wallet, spend, usage and transactions agree with each other and the ledger to the last decimal', async () => {
    const wallet = PortalWallet.parse((await get('/wallet')).body);
    const transactions = await allPages(async (cursor) =>
      TransactionsPage.parse((await get(`/transactions?limit=7${cursor ? `&cursor=${cursor}` : ''}`)).body),
    );
    const usage = await allPages(async (cursor) => UsagePage.parse((await get(`/usage?limit=4${cursor ? `&cursor=${cursor}` : ''}`)).body));
    const spend = PortalSpend.parse((await get(`/spend?interval=month&from=${thisMonth}-01&to=${today}`)).body);

    expect(transactions).toHaveLength(4 + 30);
    expect(new Set(transactions.map((t) => t.id)).size).toBe(transactions.length);
    expect(usage).toHaveLength(30);

    const byAsset = (items: { asset: string }[], code: string) => items.filter((i) => i.asset === code);
    let fiatSpent = money(0);
    for (const code of ['CREDIT', 'USD']) {
      const account = wallet.accounts.find((a) => a.id === `default:${code}`)!;
      const txns = byAsset(transactions, code) as Transaction[];
      const uses = byAsset(usage, code) as UsageItem[];
      // The balance is the sum of the ledger, and the last recorded entry's balance_after. (The list runs by when
      // things happened: these events were reported after the adjustments, though they happened before.)
      expect(account.available).toBe(sum(txns.map((t) => t.amount)));
      const recorded = [...txns].sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
      expect(recorded.at(-1)!.category).toBe('usage');
      expect(txns.filter((t) => t.balance_after === account.available)).toHaveLength(1);
      // Spent this month = the usage fees = the spend chart = minus the usage transactions.
      expect(account.spent_this_month).toBe(sum(uses.map((u) => u.amount)));
      expect(account.spent_this_month).toBe(sum(txns.filter((t) => t.category === 'usage').map((t) => money(t.amount).negated())));
      const series = spend.series.find((s) => s.asset === code)!;
      expect(series.points).toHaveLength(1);
      expect(series.points[0]!.amount).toBe(account.spent_this_month);
      expect(series.points[0]!.fiat_amount).toBe(sum(uses.map((u) => u.fiat_amount ?? '0')));
      fiatSpent = fiatSpent.plus(series.points[0]!.fiat_amount);
    }
    expect(wallet.spent_this_month).toEqual({ currency: 'USD', amount: fiatSpent.toFixed() });

    const usd = wallet.accounts.find((a) => a.id === 'default:USD')!;
    const credit = wallet.accounts.find((a) => a.id === 'default:CREDIT')!;
    // 20 − 1.5 − 10 × 0.00000125: a fee is kept to its last digit, never rounded away.
    expect(usd.available).toBe('18.4999875');
    expect(usd.spent_this_month).toBe('0.0000125');
    expect(usd.fiat_value).toBe('18.4999875');
    expect(usd.asset).toEqual({
      code: 'USD',
      name: 'US Dollar',
      symbol: '$',
      label: null,
      label_singular: null,
      precision: 2,
      fiat: true,
      rate: '1',
    });
    // 10 images × 7.5 + 0.003 × Σ(1234 + i) for i = 2, 5, …, 29 (12,495 tokens) = 75 + 37.485.
    expect(credit.spent_this_month).toBe('112.485');
    expect(credit.available).toBe('887.525');
    expect(credit.fiat_value).toBe('11.537825');
    expect(credit.asset).toEqual({
      code: 'CREDIT',
      name: 'Credits',
      symbol: null,
      label: 'credits',
      label_singular: 'credit',
      precision: 2,
      fiat: false,
      rate: expect.any(String),
    });
    expect(usd.fiat_currency).toBe('USD');
    expect(usd.pending_in).toBe('0');
  });

  it('usage rows carry the product, subject, description and fee description, newest first', async () => {
    const page = UsagePage.parse((await get('/usage?limit=3')).body);
    expect(page.items.map((u) => u.id)).toHaveLength(3);
    const [newest] = page.items;
    expect(newest).toMatchObject({
      product: { name: 'Product' },
      subject: null,
      asset: 'CREDIT',
      fee_description: expect.stringContaining('per'),
    });
    const llm = UsagePage.parse((await get(`/usage?limit=50&product=${encodeURIComponent(newest!.product.code)}`)).body);
    expect(llm.items).toHaveLength(30);
    const call = llm.items.find((u) => u.subject === 'thread-0')!;
    expect(call).toMatchObject({
      description: 'Call 0',
      amount: '0.00000125',
      fiat_amount: '0.00000125',
      asset: 'USD',
      fee_description: expect.stringMatching(/per event$/),
    });
    const times = llm.items.map((u) => u.occurred_at);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await get('/usage?product=nope')).body.items).toEqual([]);
    expect((await get(`/usage?from=${today}&to=${today}`)).body.items.length).toBe(25);
    expect((await get('/usage?from=2001-01-01&to=2001-01-31')).body.items).toEqual([]);
  });

  it('transactions filter by month, asset and category', async () => {
    const usage = await allPages<Transaction>(
      async (cursor) => (await get(`/transactions?category=usage&limit=9${cursor ? `&cursor=${cursor}` : ''}`)).body,
    );
    expect(usage).toHaveLength(30);
    expect(usage.every((t) => t.category === 'usage')).toBe(true);
    const credit = (await get(`/transactions?asset=CREDIT&month=${thisMonth}&limit=200`)).body.items as Transaction[];
    expect(credit).toHaveLength(2 + 20);
    expect(credit.every((t) => t.asset === 'CREDIT')).toBe(true);
    const fees = (await get(`/transactions?category=fee&asset=USD&month=${thisMonth}`)).body.items as Transaction[];
    expect(fees).toEqual([expect.objectContaining({ category: 'fee', amount: '-1.5', balance_after: '18.5', receipt_url: null })]);
    expect((await get('/transactions?month=2001-01')).body).toEqual({ items: [], next_cursor: null });
    expect((await get('/transactions?month=2001-13')).status).toBe(422);
    expect((await get('/transactions?category=bogus')).status).toBe(422);
    expect((await get('/transactions?cursor=not-a-cursor')).status).toBe(422);
  });

  it('spend is zero-filled by day, week and month', async () => {
    const from = new Date(now.getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
    const days = PortalSpend.parse((await get(`/spend?interval=day&from=${from}&to=${today}`)).body);
    expect(days.currency).toBe('USD');
    expect(days.series.map((s) => s.asset)).toEqual(['CREDIT', 'USD']);
    const usd = days.series.find((s) => s.asset === 'USD')!;
    expect(usd.points.map((pt) => pt.period)).toHaveLength(7);
    expect(usd.points.slice(0, 6).every((pt) => pt.amount === '0' && pt.fiat_amount === '0')).toBe(true);
    expect(usd.points[6]).toEqual({ period: today, amount: '0.0000125', fiat_amount: '0.0000125' });

    const weeks = PortalSpend.parse((await get(`/spend?interval=week&from=2025-01-01&to=2025-01-31&asset=USD`)).body);
    expect(weeks.series).toEqual([
      {
        asset: 'USD',
        points: ['2024-12-30', '2025-01-06', '2025-01-13', '2025-01-20', '2025-01-27'].map((period) => ({
          period,
          amount: '0',
          fiat_amount: '0',
        })),
      },
    ]);
    const months = PortalSpend.parse((await get('/spend?interval=month&from=2024-11-15&to=2025-02-01&asset=CREDIT')).body);
    expect(months.series[0]!.points.map((pt) => pt.period)).toEqual(['2024-11', '2024-12', '2025-01', '2025-02']);
    expect((await get('/spend?asset=NOPE')).body.series).toEqual([]);
    expect((await get('/spend?interval=day&from=2020-01-01&to=2025-01-01')).status).toBe(422);
    expect((await get('/spend?from=2025-02-01&to=2025-01-01')).status).toBe(422);
    expect((await get('/spend?tz=Not/AZone')).status).toBe(422);
  });

  it('day boundaries follow the time zone the caller gives', async () => {
    const c = await fundedCustomer(p, [unitPrice('late', 'USD', '2.25')], [{ asset: 'USD', amount: 10 }]);
    await sendEvents(p, c.id, [{ id: 'late-1', event_type: 'late', occurred_at: '2025-03-10T23:30:00Z' }]);
    const t = (await signIn(ctx.app, p, c.id)).accessToken;
    const spendIn = async (tz: string) =>
      PortalSpend.parse((await portal(ctx.app, t, `/spend?interval=day&from=2025-03-10&to=2025-03-11&tz=${encodeURIComponent(tz)}`)).body)
        .series[0]!.points;
    expect(await spendIn('UTC')).toEqual([
      { period: '2025-03-10', amount: '2.25', fiat_amount: '2.25' },
      { period: '2025-03-11', amount: '0', fiat_amount: '0' },
    ]);
    expect(await spendIn('Asia/Tokyo')).toEqual([
      { period: '2025-03-10', amount: '0', fiat_amount: '0' },
      { period: '2025-03-11', amount: '2.25', fiat_amount: '2.25' },
    ]);
    const usage = await portal(ctx.app, t, '/usage?from=2025-03-11&to=2025-03-11&tz=Asia/Tokyo');
    expect(usage.body.items).toHaveLength(1);
    expect((await portal(ctx.app, t, '/usage?from=2025-03-11&to=2025-03-11')).body.items).toHaveLength(0);
  });

  it('exports every matching transaction as CSV, escaped, in keyset batches', async () => {
    const res = await ctx.app.request('/portal/api/transactions?format=csv', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="transactions.csv"');
    const rows = parseCsv(await res.text());
    expect(rows[0]).toEqual([
      'id',
      'occurred_at',
      'created_at',
      'category',
      'description',
      'amount',
      'asset',
      'balance_after',
      'fiat_amount',
      'fiat_currency',
      'receipt_url',
    ]);
    const json = await allPages(
      async (cursor) =>
        (await get(`/transactions?limit=200${cursor ? `&cursor=${cursor}` : ''}`)).body as {
          items: Transaction[];
          next_cursor: string | null;
        },
    );
    expect(rows.slice(1).map((r) => r[0])).toEqual(json.map((t) => t.id));
    expect(rows.slice(1).map((r) => r[5])).toEqual(json.map((t) => t.amount));
    // The CSV dates each entry as the list does: usage by when it happened.
    expect(rows.slice(1).map((r) => r[1])).toEqual(json.map((t) => t.occurred_at));
    expect(rows.find((r) => r[3] === 'fee')?.[4]).toBe('Setup, "premium"\nsupport');
    expect(rows.find((r) => r[0] === json.find((t) => t.description.startsWith('='))!.id)?.[4]).toBe(`'=HYPERLINK("http://evil")`);
  });

  it(`streams more than one batch (${CSV_BATCH} rows) without losing or repeating a row`, async () => {
    const c = await fundedCustomer(p, [unitPrice('bulk', 'USD', '1')]);
    const total = CSV_BATCH * 2 + 345;
    await ctx.database.db.transaction(async (tx) => {
      for (let start = 0; start < total; start += 500) {
        const drafts = Array.from({ length: Math.min(500, total - start) }, (_, i) => ({
          assetCode: 'USD',
          category: 'gift' as const,
          description: `Gift ${start + i}`,
          amount: '0.01',
          occurredAt: new Date(),
          source: `test:${start + i}`,
          fiatAmount: '0.01',
          fiatCurrency: 'USD',
        }));
        await appendEntries(tx, p.platformId, c.id, drafts);
      }
    });
    const t = (await signIn(ctx.app, p, c.id)).accessToken;
    const res = await ctx.app.request(`/portal/api/transactions?format=csv&category=gift&month=${thisMonth}`, {
      headers: { authorization: `Bearer ${t}` },
    });
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="transactions-${thisMonth}-gift.csv"`);
    const rows = parseCsv(await res.text()).slice(1);
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r[0])).size).toBe(total);
    // Newest first, and all of them in one transaction share created_at: the seq breaks the tie.
    expect(rows[0]![4]).toBe(`Gift ${total - 1}`);
    expect(rows[total - 1]![4]).toBe('Gift 0');
    expect(rows[0]![7]).toBe(money('0.01').times(total).toFixed());
  });
});
