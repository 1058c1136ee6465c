import { sql } from 'drizzle-orm';
import { toDecimalString } from '@credyt/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, fundedCustomer, unitPrice, volumePrice, type TestContext, type TestPlatform } from '../helpers.ts';
import { checkoutSessionId, createPaymentsContext, type PaymentsContext } from '../payments/helpers.ts';
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
    // numeric(38, 18) pads its text to 18 places: compare canonical values.
    const canonical = (v: string | null | undefined) => (v == null ? v : toDecimalString(v));
    return { balance: canonical(account?.balance), sum: canonical(sum?.total), entries: Number(sum?.n), brokenLinks: Number(broken?.n) };
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
    expect(r.body.events[1].fees[0].amount).toBe(0.009007199254740993);
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

describe('the ledger scale at its edges', () => {
  let ctx: TestContext;
  let p: TestPlatform;

  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
    // 1 BIG = 10^10 USD: an in-range amount of BIG can be worth more than the ledger holds in USD.
    const big = await p.call('POST', '/assets', '{"code":"BIG","name":"Big","precision":0,"rates":[{"source":"USD","rate":10000000000}]}');
    expect(big.status, JSON.stringify(big.body)).toBe(201);
  });
  afterAll(() => ctx.close());

  const count = async (table: 'entries' | 'events' | 'accounts') =>
    Number(
      rows<{ n: string }>(
        await ctx.database.db.execute(sql`select count(*)::text as n from ${sql.identifier(table)} where platform_id = ${p.platformId}`),
      )[0]?.n,
    );

  it('a 42-digit volume under a package price, and a 70-digit one: 422 on events.N.data.<field>, no row written', async () => {
    const c = await fundedCustomer(p, [volumePrice('pkg', 'USD', 'tokens', '1.25', 3)], [{ asset: 'USD', amount: 10 }]);
    const before = { entries: await count('entries'), events: await count('events') };
    for (const volume of ['123456789012345678901234567890123456789012', '1'.padEnd(70, '0')]) {
      const r = await p.call(
        'POST',
        '/events',
        `{"customer_id":"${c.id}","events":[{"id":"fine-${volume.length}","event_type":"pkg","occurred_at":"2026-11-20T10:00:00Z","data":{"tokens":3}},` +
          `{"id":"x-${volume.length}","event_type":"pkg","occurred_at":"2026-11-20T10:00:00Z","data":{"tokens":${volume}}}]}`,
      );
      expect(r.status, volume).toBe(422);
      expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual(['events.1.data.tokens']);
    }
    expect({ entries: await count('entries'), events: await count('events') }).toEqual(before);
  });

  it('0.1234567890123456789 tokens at 1.25 per 3: the fee is rounded once, half-even, to 18 places', async () => {
    const c = await fundedCustomer(p, [volumePrice('pkg2', 'USD', 'tokens', '1.25', 3)], [{ asset: 'USD', amount: 10 }]);
    const r = await p.call(
      'POST',
      '/events',
      `{"customer_id":"${c.id}","events":[{"id":"frac","event_type":"pkg2","occurred_at":"2026-11-20T10:00:00Z","data":{"tokens":0.1234567890123456789}}]}`,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    // 0.1234567890123456789 × 1.25 / 3 = 0.051440328755144032875 → 0.051440328755144033
    expect(r.body.events[0].fees[0]).toMatchObject({ amount: '0.051440328755144033', fiat_amount: '0.051440328755144033' });
    const stored = await p.call('GET', '/events/frac');
    expect(stored.body.data.tokens).toBe('0.1234567890123456789');
    expect(stored.body.fees[0].amount).toBe('0.051440328755144033');
    const wallet = await p.call('GET', `/customers/${c.id}/wallet`);
    expect(wallet.body.accounts[0].available).toBe('9.948559671244855967');
  });

  it('an amount whose fiat value would reach 10^20 is refused before any write', async () => {
    const c = await fundedCustomer(p, [unitPrice('ping', 'USD', 1)]);
    const before = await count('entries');
    const r = await p.call(
      'POST',
      `/customers/${c.id}/wallet/adjustments`,
      '{"transaction_id":"worth-too-much","asset":"BIG","amount":10000000000,"reason":"gift"}',
    );
    expect(r.status).toBe(422);
    expect(r.body.errors.map((e: { path: string }) => e.path)).toContain('amount');
    expect(await count('entries')).toBe(before);
    const ok = await p.call(
      'POST',
      `/customers/${c.id}/wallet/adjustments`,
      '{"transaction_id":"worth-ok","asset":"BIG","amount":9999999999,"reason":"gift"}',
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
  });

  it('columns are numeric(38, 18): PostgreSQL itself refuses 10^20 (22003), which the API answers 422', async () => {
    const types = rows<{ table_name: string; column_name: string; precision: number; scale: number }>(
      await ctx.database.db.execute(sql`
        select table_name, column_name, numeric_precision as precision, numeric_scale as scale from information_schema.columns
        where data_type = 'numeric' and table_name in ('entries', 'accounts', 'top_ups', 'auto_top_up_settings', 'spend_daily', 'spend_rollup')
        order by 1, 2`),
    );
    expect(types.length).toBe(12);
    for (const t of types) {
      expect(Number(t.scale), `${t.table_name}.${t.column_name}`).toBe(18);
      expect(Number(t.precision), `${t.table_name}.${t.column_name}`).toBe(t.table_name.startsWith('spend_') ? 48 : 38);
    }
    await expect(ctx.database.db.execute(sql`select '100000000000000000000'::numeric(38, 18)`)).rejects.toMatchObject({
      cause: expect.objectContaining({ code: '22003' }),
    });
  });

  it('a unit price and a rate with 18 decimals are kept as sent', async () => {
    const product = await p.call(
      'POST',
      '/products',
      `{"name":"P","code":"exact_prices","publish":true,"prices":[{"name":"u","type":"usage_based","billing_model":{"type":"real_time"},` +
        `"usage_calculation":{"event_type":"u18","usage_type":"unit"},"pricing":[{"asset":"USD","values":[{"unit_price":0.123456789012345678}]}]}]}`,
    );
    expect(product.status, JSON.stringify(product.body)).toBe(201);
    expect(JSON.stringify(product.body)).toContain('0.123456789012345678');
    const asset = await p.call(
      'POST',
      '/assets',
      '{"code":"RATED","name":"Rated","precision":18,"rates":[{"source":"USD","rate":0.000000000000000003}]}',
    );
    expect(asset.status, JSON.stringify(asset.body)).toBe(201);
    expect(asset.body.rates[0].rate).toBe('0.000000000000000003');
    const tooFine = await p.call(
      'POST',
      '/assets',
      '{"code":"FINE","name":"Fine","precision":2,"rates":[{"source":"USD","rate":0.0000000000000000003}]}',
    );
    expect(tooFine.status).toBe(422);
    expect(tooFine.body.errors.map((e: { path: string }) => e.path)).toContain('rates.0.rate');
    // 1 USD buys 1/3 × 10^18 RATED: rounded down once, at the asset's 18 places.
    const quote = await p.call('POST', '/assets/RATED/quote', '{"source":"USD","amount":0.000000000000000001}');
    expect(quote.status, JSON.stringify(quote.body)).toBe(200);
    expect(quote.body).toMatchObject({ units: '0.333333333333333333', rate: '0.000000000000000003', amount: '0.000000000000000001' });
  });
});

/** The payments loop with the local Stripe emulator: amounts with 18 decimals go in and come out digit for digit. */
describe('top-ups and auto top-up keep every digit (Stripe emulator)', () => {
  let ctx: PaymentsContext;
  let p: TestPlatform;

  beforeAll(async () => {
    ctx = await createPaymentsContext();
    p = await ctx.newPlatform();
    // 10^12 MICRO for 1 USD (within the 5–10000 USD top-up limits, MICRO amounts have 13 integer digits and 18 decimals).
    const micro = await p.call('POST', '/assets', {
      code: 'MICRO',
      name: 'Micro',
      precision: 18,
      rates: [{ source: 'USD', rate: '0.000000000001' }],
    });
    expect(micro.status, JSON.stringify(micro.body)).toBe(201);
  });
  afterAll(() => ctx.close());

  const raw = async (path: string, headers: Record<string, string>, body: string, method = 'POST') => {
    const res = await fetch(`${ctx.bffUrl}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('POST /portal/api/top-ups of 12345678901234.123456789012345678 MICRO credits exactly that', async () => {
    const c = await fundedCustomer(p, [unitPrice('m', 'MICRO', 1)]);
    const token = await ctx.accessToken(p, c.id);
    const units = '12345678901234.123456789012345678';
    const created = await raw(
      '/portal/api/top-ups',
      { authorization: `Bearer ${token}` },
      `{"asset":"MICRO","amount":${units},"idempotency_key":"exact-0001"}`,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(ctx.emulator.control.completeCheckout(checkoutSessionId(created.body.redirect_url)).outcome).toBe('completed');
    await ctx.emulator.control.flush();
    const wallet = await p.call('GET', `/customers/${c.id}/wallet`);
    expect(wallet.body.accounts.find((a: { asset: string }) => a.asset === 'MICRO').available).toBe(units);
    const items = (await ctx.portal(token, 'GET', '/portal/api/transactions')).body.items;
    expect(items[0]).toMatchObject({ category: 'top_up', amount: units, balance_after: units });
  });

  it('POST /top-ups of 10 USD into MICRO credits 10^13 units; the top-up reads back exactly', async () => {
    const c = await fundedCustomer(p, [unitPrice('m2', 'MICRO', 1)]);
    const created = await raw(
      '/top-ups',
      { 'x-credyt-api-key': p.apiKey },
      `{"customer_id":"${c.id}","amount":10.00,"currency":"USD","destination":{"asset":"MICRO"},` +
        `"return_url":"https://platform.example/ok","failure_url":"https://platform.example/failed"}`,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ amount: 10000000000000, fiat_amount: 10 });
    ctx.emulator.control.completeCheckout(checkoutSessionId(created.body.redirect_url));
    await ctx.emulator.control.flush();
    const wallet = await p.call('GET', `/customers/${c.id}/wallet`);
    expect(wallet.body.accounts.find((a: { asset: string }) => a.asset === 'MICRO').available).toBe(10000000000000);
  });

  it('PUT /portal/api/auto-top-up with an 18-decimal threshold and amount reads back digit for digit', async () => {
    const c = await fundedCustomer(p, [unitPrice('m3', 'MICRO', 1)]);
    const token = await ctx.accessToken(p, c.id);
    const put = await raw(
      '/portal/api/auto-top-up/MICRO',
      { authorization: `Bearer ${token}` },
      '{"enabled":false,"threshold":1000000000000.000000000000000001,"amount":9007199254740993.123456789012345678}',
      'PUT',
    );
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ threshold: '1000000000000.000000000000000001', amount: '9007199254740993.123456789012345678' });
    const [setting] = (await ctx.portal(token, 'GET', '/portal/api/auto-top-up')).body.filter(
      (s: { asset: string }) => s.asset === 'MICRO',
    );
    expect(setting).toMatchObject({ threshold: '1000000000000.000000000000000001', amount: '9007199254740993.123456789012345678' });
  });
});
