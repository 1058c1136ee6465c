import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestPlatform } from '../helpers.ts';

/**
 * `source_reference_field` on a price's usage calculation names the `data` field that says what a fee is for, in the
 * platform's own terms: Credyt's quickstart prices video promotions with `"source_reference_field": "video_id"`
 * (https://docs.credyt.ai/quickstart/create-a-product) and its usage guide marks the event field so configured
 * (https://docs.credyt.ai/features/usage: `"promo_id": "pro_…" // configured as source_reference_field`). Each fee of
 * the price carries that value as `source_reference`; an event without it is billed all the same.
 */
describe('source_reference_field', () => {
  let ctx: TestContext;
  let p: TestPlatform;
  let productId: string;
  let customerId: string;

  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
    // The quickstart's body, as published.
    const product = await p.call('POST', '/products', {
      name: 'Glitch Video',
      code: 'glitch_video_std',
      prices: [
        {
          name: 'Video Promotion',
          type: 'usage_based',
          billing_model: { type: 'real_time' },
          usage_calculation: { event_type: 'video_promoted', usage_type: 'unit', source_reference_field: 'video_id' },
          pricing: [{ asset: 'USD', values: [{ unit_price: 0.5 }] }],
        },
      ],
      publish: true,
    });
    expect(product.status, JSON.stringify(product.body)).toBe(201);
    productId = product.body.id;
    const customer = await p.call('POST', '/customers', {
      name: 'Ada',
      external_id: 'ada-source-ref',
      subscriptions: [{ products: [{ code: 'glitch_video_std' }] }],
    });
    customerId = customer.body.id;
  });
  afterAll(() => ctx.close());

  const promoted = (id: string, data: string) =>
    p.call(
      'POST',
      '/events',
      `{"customer_id":"${customerId}","events":[{"id":"${id}","event_type":"video_promoted","occurred_at":"2026-11-20T10:00:00Z","data":${data}}]}`,
    );

  it('is kept on the price', async () => {
    const product = await p.call('GET', `/products/${productId}`);
    expect(product.body.prices[0].usage_calculation).toMatchObject({ event_type: 'video_promoted', source_reference_field: 'video_id' });
  });

  it("gives each fee the event's value of that field as its source_reference", async () => {
    const sent = await promoted('promo-1', '{"video_id":"video_5f53d23a4958"}');
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body.events[0].fees).toEqual([expect.objectContaining({ amount: 0.5, source_reference: 'video_5f53d23a4958' })]);
    const stored = await p.call('GET', '/events/promo-1');
    expect(stored.body.fees[0].source_reference).toBe('video_5f53d23a4958');
    // A numeric id keeps every digit, as text.
    const numeric = await promoted('promo-2', '{"video_id":9007199254740993}');
    expect(numeric.body.events[0].fees[0].source_reference).toBe('9007199254740993');
  });

  it('bills an event without the field, with no source_reference', async () => {
    for (const [id, data] of [
      ['promo-3', '{}'],
      ['promo-4', '{"video_id":{"nested":true}}'],
    ]) {
      const sent = await promoted(id!, data!);
      expect(sent.status).toBe(201);
      expect(sent.body.events[0]).toMatchObject({ billed: true, fees: [expect.objectContaining({ source_reference: null })] });
    }
  });

  it('shows in simulated fees too', async () => {
    const simulated = await p.call('POST', `/products/${productId}/default/simulate-usage`, {
      events: [{ id: 'sim-1', event_type: 'video_promoted', occurred_at: '2026-11-20T10:00:00Z', data: { video_id: 'v-9' } }],
    });
    expect(simulated.body.events[0].fees[0].source_reference).toBe('v-9');
  });

  it('must name a field: an empty one is refused', async () => {
    const bad = await p.call('POST', '/products', {
      name: 'Bad',
      code: 'bad_ref',
      prices: [
        {
          name: 'P',
          type: 'usage_based',
          billing_model: { type: 'real_time' },
          usage_calculation: { event_type: 'x', usage_type: 'unit', source_reference_field: '' },
          pricing: [{ asset: 'USD', values: [{ unit_price: 1 }] }],
        },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain('prices.0.usage_calculation.source_reference_field');
  });
});
