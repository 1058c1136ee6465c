import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceOf, createTestContext, fundedCustomer, unitPrice, volumePrice, type TestContext, type TestPlatform } from '../helpers.ts';

const at = '2026-11-20T12:00:00Z';

describe('pricing shapes over HTTP', () => {
  let ctx: TestContext;
  let p: TestPlatform;
  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
    await p.call('POST', '/assets', { code: 'TOK', name: 'Tokens', precision: 0, rates: [{ source: 'USD', rate: '0.000002' }] });
  });
  afterAll(() => ctx.close());

  async function send(customerId: string, events: Record<string, unknown>[]) {
    const r = await p.call('POST', '/events', {
      customer_id: customerId,
      events: events.map((e, i) => ({ id: `${customerId}-${i}`, occurred_at: at, ...e })),
    });
    expect(r.status).toBe(201);
    return r.body.events as {
      billed: boolean;
      unbilled_reason: string | null;
      fees: { amount: number; asset: string; price_name: string; fee_description: string }[];
    }[];
  }

  it('unit: unit_price per event, exact for prices below a cent', async () => {
    const c = await fundedCustomer(p, [unitPrice('ping', 'USD', '0.0001')], [{ asset: 'USD', amount: 1 }]);
    const results = await send(
      c.id,
      Array.from({ length: 3 }, () => ({ event_type: 'ping' })),
    );
    expect(results.map((r) => r.fees[0]?.amount)).toEqual([0.0001, 0.0001, 0.0001]);
    expect(await balanceOf(p, c.id, 'USD')).toBe('0.9997');
  });

  it('volume: rate × field without package size, and ÷ package_size with it', async () => {
    const c = await fundedCustomer(
      p,
      [volumePrice('seconds', 'USD', 'seconds', '0.002'), volumePrice('tokens', 'USD', 'tokens', '3', 1_000_000)],
      [{ asset: 'USD', amount: 10 }],
    );
    const results = await send(c.id, [
      { event_type: 'seconds', data: { seconds: 90 } },
      { event_type: 'tokens', data: { tokens: 1 } },
      { event_type: 'tokens', data: { tokens: '2500000' } },
    ]);
    expect(results.map((r) => r.fees[0]?.amount)).toEqual([0.18, 0.000003, 7.5]);
    expect(results[1]?.fees[0]?.fee_description).toBe('$3.00 per 1,000,000 tokens');
    expect(await balanceOf(p, c.id, 'USD')).toBe('2.319997');
  });

  it('volume: a missing or negative field keeps the event, unbilled, with the reason', async () => {
    const c = await fundedCustomer(p, [volumePrice('tokens', 'USD', 'tokens', '3', 1_000_000)], [{ asset: 'USD', amount: 1 }]);
    const results = await send(c.id, [
      { event_type: 'tokens', data: {} },
      { event_type: 'tokens', data: { tokens: -5 } },
    ]);
    expect(results.every((r) => !r.billed)).toBe(true);
    expect(results[0]?.unbilled_reason).toContain('data.tokens');
    expect(await balanceOf(p, c.id, 'USD')).toBe('1');
  });

  it('dimensions: exact match first, then the "*" fallback, else unbilled', async () => {
    const price = {
      name: 'Completion',
      type: 'usage_based',
      billing_model: { type: 'real_time' },
      usage_calculation: { event_type: 'completion', usage_type: 'volume', volume_field: 'tokens', billable_dimensions: ['model', 'tier'] },
      pricing: [
        {
          asset: 'USD',
          values: [
            { dimensions: { model: 'large', tier: 'batch' }, values: [{ name: 'large batch', volume_rate: 5, package_size: 1000000 }] },
            { dimensions: { model: 'large', tier: '*' }, values: [{ name: 'large', volume_rate: 10, package_size: 1000000 }] },
            { dimensions: { model: 'small', tier: '*' }, values: [{ name: 'small', volume_rate: 1, package_size: 1000000 }] },
          ],
        },
      ],
    };
    const c = await fundedCustomer(p, [price], [{ asset: 'USD', amount: 100 }]);
    const results = await send(c.id, [
      { event_type: 'completion', data: { model: 'large', tier: 'batch', tokens: 1000000 } },
      { event_type: 'completion', data: { model: 'large', tier: 'realtime', tokens: 1000000 } },
      { event_type: 'completion', data: { model: 'small', tokens: 2000000 } },
      { event_type: 'completion', data: { model: 'huge', tokens: 1000000 } },
    ]);
    expect(results.map((r) => r.fees[0]?.amount ?? null)).toEqual([5, 10, 2, null]);
    expect(results.map((r) => r.fees[0]?.price_name ?? null)).toEqual([
      'Completion · large batch',
      'Completion · large',
      'Completion · small',
      null,
    ]);
    expect(results[3]?.unbilled_reason).toContain('model=huge');
    expect(await balanceOf(p, c.id, 'USD')).toBe('83');
  });

  it('several prices for one event type give several fees, in several assets', async () => {
    const c = await fundedCustomer(
      p,
      [
        unitPrice('image', 'USD', '0.02', { name: 'Platform fee', description: 'Platform fee per image' }),
        unitPrice('image', 'TOK', 500, { name: 'Compute' }),
      ],
      [
        { asset: 'USD', amount: 1 },
        { asset: 'TOK', amount: 10000 },
      ],
    );
    const [result] = await send(c.id, [{ event_type: 'image' }]);
    expect(result?.fees.map((f) => [f.price_name, f.amount, f.asset, f.fee_description])).toEqual([
      ['Platform fee', 0.02, 'USD', 'Platform fee per image'],
      ['Compute', 500, 'TOK', '500 TOK per event'],
    ]);
    expect(await balanceOf(p, c.id, 'USD')).toBe('0.98');
    expect(await balanceOf(p, c.id, 'TOK')).toBe('9500');
  });

  it('an event type no subscribed price bills is kept, unbilled, with the reason', async () => {
    const c = await fundedCustomer(p, [unitPrice('ping', 'USD', 1)], [{ asset: 'USD', amount: 5 }]);
    const [result] = await send(c.id, [{ event_type: 'pong' }]);
    expect(result).toMatchObject({ billed: false, fees: [] });
    expect(result?.unbilled_reason).toContain('pong');
    const stored = await p.call('GET', `/events/${c.id}-0`);
    expect(stored.body).toMatchObject({ billed: false, event_type: 'pong' });
  });

  it('overdraft is allowed: a wallet may go negative', async () => {
    const c = await fundedCustomer(p, [unitPrice('ping', 'USD', '0.75')], [{ asset: 'USD', amount: 1 }]);
    await send(c.id, [{ event_type: 'ping' }, { event_type: 'ping' }]);
    expect(await balanceOf(p, c.id, 'USD')).toBe('-0.5');
  });

  it('duplicates are reported and charged once; events are listed newest first', async () => {
    const c = await fundedCustomer(p, [unitPrice('ping', 'USD', 1)], [{ asset: 'USD', amount: 5 }]);
    const batch = {
      customer_id: c.id,
      events: [
        { id: 'dup-1', event_type: 'ping', occurred_at: at },
        { id: 'dup-1', event_type: 'ping', occurred_at: at },
      ],
    };
    const first = await p.call('POST', '/events', batch);
    expect(first.body.events.map((e: { status: string }) => e.status)).toEqual(['created', 'duplicate']);
    const again = await p.call('POST', '/events', batch);
    expect(again.status).toBe(200);
    expect(again.body.events.map((e: { status: string }) => e.status)).toEqual(['duplicate', 'duplicate']);
    expect(again.body.events[0].fees[0].amount).toBe(1);
    expect(await balanceOf(p, c.id, 'USD')).toBe('4');
    const list = await p.call('GET', `/events?customer_id=${c.id}&limit=1`);
    expect(list.body.items).toHaveLength(1);
  });

  it('a full batch of 1,000 events with two fees each is charged in one request', async () => {
    const twoFees = {
      name: 'Completion',
      type: 'usage_based',
      billing_model: { type: 'real_time' },
      usage_calculation: { event_type: 'llm', usage_type: 'unit' },
      pricing: [
        {
          asset: 'USD',
          values: [
            { name: 'request', unit_price: '0.001' },
            { name: 'safety', unit_price: '0.0005' },
          ],
        },
      ],
    };
    const c = await fundedCustomer(p, [twoFees], [{ asset: 'USD', amount: 10 }]);
    const results = await send(
      c.id,
      Array.from({ length: 1000 }, () => ({ event_type: 'llm' })),
    );
    expect(results.every((r) => r.fees.length === 2)).toBe(true);
    expect(await balanceOf(p, c.id, 'USD')).toBe('8.5');
  });
});
