import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, fundedCustomer, unitPrice, volumePrice, type TestContext, type TestPlatform } from '../helpers.ts';
import { portal, signIn } from '../portal/helpers.ts';

const rows = <T>(r: unknown): T[] => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];

/** Every body is sent as raw text: a test that JSON.stringify'd a JS number would round it before the server saw it. */
describe('exact money with values that break binary floats', () => {
  let ctx: TestContext;
  let p: TestPlatform;

  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
    const asset = await p.call(
      'POST',
      '/assets',
      '{"code":"NANO","name":"Nano credits","precision":18,"rates":[{"source":"USD","rate":1}]}',
    );
    expect(asset.status, JSON.stringify(asset.body)).toBe(201);
  });
  afterAll(() => ctx.close());

  async function ledgerOf(customerId: string, asset: string) {
    const [account] = rows<{ balance: string }>(
      await ctx.database.db.execute(sql`select balance::text from accounts where customer_id = ${customerId} and asset_code = ${asset}`),
    );
    const [sum] = rows<{ total: string | null; n: string }>(
      await ctx.database.db.execute(
        sql`select sum(amount)::text as total, count(*)::text as n from entries where customer_id = ${customerId} and asset_code = ${asset}`,
      ),
    );
    const broken = rows<{ n: string }>(
      await ctx.database.db.execute(sql`
        select count(*)::text as n from (
          select balance_after, amount, lag(balance_after) over (order by seq) as before from entries
          where customer_id = ${customerId} and asset_code = ${asset}) t
        where before is not null and balance_after <> before + amount`),
    )[0];
    return { balance: account?.balance, sum: sum?.total, entries: Number(sum?.n), brokenLinks: Number(broken?.n) };
  }

  it('adjustments of 1.0000000000000001, 9007199254740993 and 0.123456789012345678 are kept to the last digit', async () => {
    const c = await fundedCustomer(p, [unitPrice('ping', 'USD', 1), unitPrice('nano', 'NANO', 1)]);
    const adjust = (id: string, asset: string, amount: string) =>
      p.call(
        'POST',
        `/customers/${c.id}/wallet/adjustments`,
        `{"transaction_id":"${id}","asset":"NANO","amount":${amount},"reason":"gift"}`.replace('"NANO"', `"${asset}"`),
      );
    expect((await adjust('a1', 'NANO', '1.0000000000000001')).status).toBe(201);
    expect((await adjust('a2', 'NANO', '9007199254740993')).status).toBe(201);
    expect((await adjust('a3', 'NANO', '0.123456789012345678')).status).toBe(201);
    const expected = '9007199254740994.123456789012345778';
    const wallet = await p.call('GET', `/customers/${c.id}/wallet`);
    expect(wallet.body.accounts.find((a: { asset: string }) => a.asset === 'NANO').available).toBe(expected);
    expect(await ledgerOf(c.id, 'NANO')).toMatchObject({ balance: expected, sum: expected, brokenLinks: 0 });

    const { accessToken } = await signIn(ctx.app, p, c.id);
    const w = await portal(ctx.app, accessToken, '/wallet');
    expect(w.body.accounts.find((a: { asset: { code: string } }) => a.asset.code === 'NANO').available).toBe(expected);
    const t = await portal(ctx.app, accessToken, '/transactions?asset=NANO');
    expect(t.body.items.map((i: { amount: string }) => i.amount)).toEqual([
      '0.123456789012345678',
      '9007199254740993',
      '1.0000000000000001',
    ]);
    expect(t.body.items[0].balance_after).toBe(expected);
    const csv = await ctx.app.request('/portal/api/transactions?asset=NANO&format=csv', {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const text = await csv.text();
    for (const digits of ['0.123456789012345678', '9007199254740993', '1.0000000000000001', expected]) expect(text).toContain(digits);
  });

  it('more than 18 decimals, or 10^20 and beyond: 422 naming the field, nothing written', async () => {
    const c = await fundedCustomer(p, [unitPrice('ping', 'USD', 1)]);
    for (const amount of ['0.1234567890123456789', '100000000000000000000', '123456789012345678901234567890123456789012']) {
      const r = await p.call(
        'POST',
        `/customers/${c.id}/wallet/adjustments`,
        `{"transaction_id":"big-${amount.length}","asset":"USD","amount":${amount},"reason":"adjustment"}`,
      );
      expect(r.status, amount).toBe(422);
      expect(r.body.errors.map((e: { path: string }) => e.path)).toContain('amount');
    }
    expect((await ledgerOf(c.id, 'USD')).entries).toBe(0);
    // A balance that would reach 10^20 through in-range steps is refused too.
    const near = '99999999999999999999';
    expect(
      (
        await p.call(
          'POST',
          `/customers/${c.id}/wallet/adjustments`,
          `{"transaction_id":"n1","asset":"USD","amount":${near},"reason":"gift"}`,
        )
      ).status,
    ).toBe(201);
    const over = await p.call(
      'POST',
      `/customers/${c.id}/wallet/adjustments`,
      `{"transaction_id":"n2","asset":"USD","amount":1,"reason":"gift"}`,
    );
    expect(over.status).toBe(422);
    expect(await ledgerOf(c.id, 'USD')).toMatchObject({ balance: near, sum: near, entries: 1 });
  });

  it('200 events at 1 per package of 3: balance = Σ entries exactly, every balance_after chains', async () => {
    const c = await fundedCustomer(p, [volumePrice('tok', 'USD', 'tokens', 1, 3)], [{ asset: 'USD', amount: 1000 }]);
    for (let batch = 0; batch < 2; batch++) {
      const events = Array.from({ length: 100 }, (_, i) => ({
        id: `t-${batch}-${i}`,
        event_type: 'tok',
        occurred_at: '2026-11-20T10:00:00Z',
        data: { tokens: 1 + ((batch * 100 + i) % 7) },
      }));
      expect((await p.call('POST', '/events', { customer_id: c.id, events })).status).toBe(201);
    }
    const ledger = await ledgerOf(c.id, 'USD');
    expect(ledger.entries).toBe(201);
    expect(ledger.brokenLinks).toBe(0);
    expect(ledger.balance).toBe(ledger.sum);
    // Each fee is tokens/3 rounded once, half-even, to 18 places: 1/3 → 0.333333333333333333.
    const [fee] = rows<{ amount: string }>(
      await ctx.database.db.execute(sql`select amount::text from entries where customer_id = ${c.id} and event_id = 't-0-0'`),
    );
    expect(fee?.amount).toBe('-0.333333333333333333');
  });

  it('volumes beyond a float: 12345678901234567890 tokens at 0.000000000000000001, 0.1234567890123456789 at 1', async () => {
    const c = await fundedCustomer(p, [volumePrice('v', 'USD', 'n', '0.000000000000000001')], [{ asset: 'USD', amount: 100 }]);
    const r = await p.call(
      'POST',
      '/events',
      `{"customer_id":"${c.id}","events":[{"id":"v1","event_type":"v","occurred_at":"2026-11-20T10:00:00Z","data":{"n":12345678901234567890}},` +
        `{"id":"v2","event_type":"v","occurred_at":"2026-11-20T10:00:00Z","data":{"n":9007199254740993}}]}`,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.events[0].fees[0].amount).toBe('12.34567890123456789');
    expect(r.body.events[1].fees[0].amount).toBe('0.009007199254740993');
    const stored = await p.call('GET', `/events/v1`);
    expect(stored.body.data.n).toBe('12345678901234567890');
    const ledger = await ledgerOf(c.id, 'USD');
    expect(ledger.balance).toBe('87.645313899510691117');
    expect(ledger.sum).toBe(ledger.balance);

    const { accessToken } = await signIn(ctx.app, p, c.id);
    const usage = await portal(ctx.app, accessToken, '/usage');
    expect(usage.body.items.map((i: { amount: string }) => i.amount).sort()).toEqual(
      ['0.009007199254740993', '12.34567890123456789'].sort(),
    );
    const spend = await portal(ctx.app, accessToken, '/spend?from=2026-11-20&to=2026-11-20');
    expect(spend.body.series[0].points[0].amount).toBe('12.354686100489308883');
  });

  it('a 42-digit volume whose fee exceeds the ledger: 422 on the field, nothing written', async () => {
    const c = await fundedCustomer(p, [volumePrice('big', 'USD', 'n', 1)], [{ asset: 'USD', amount: 5 }]);
    const before = await ledgerOf(c.id, 'USD');
    const r = await p.call(
      'POST',
      '/events',
      `{"customer_id":"${c.id}","events":[{"id":"ok","event_type":"big","occurred_at":"2026-11-20T10:00:00Z","data":{"n":1}},` +
        `{"id":"huge","event_type":"big","occurred_at":"2026-11-20T10:00:00Z","data":{"n":123456789012345678901234567890123456789012}}]}`,
    );
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { path: string }) => e.path)).toContain('events.1.data.n');
    expect(await ledgerOf(c.id, 'USD')).toEqual(before);
    expect((await p.call('GET', '/events/ok')).status).toBe(404);
  });

  it('prices, quotes and thresholds keep 18 decimals', async () => {
    const c = await fundedCustomer(p, [unitPrice('u', 'USD', '0.000000000000000001')], [{ asset: 'USD', amount: 1 }]);
    const r = await p.call('POST', '/events', {
      customer_id: c.id,
      events: [{ id: 'u1', event_type: 'u', occurred_at: '2026-11-20T10:00:00Z' }],
    });
    expect(r.body.events[0].fees[0].amount).toBe('0.000000000000000001');
    expect((await ledgerOf(c.id, 'USD')).balance).toBe('0.999999999999999999');
    const quote = await p.call('POST', '/assets/NANO/quote', '{"source":"USD","amount":1.000000000000000001}');
    expect(quote.status, JSON.stringify(quote.body)).toBe(200);
    expect(JSON.stringify(quote.body)).toContain('1.000000000000000001');
  });
});
