import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext, type TestPlatform } from '../helpers.ts';

/** Bodies Credyt's docs print that the request collection does not send, accepted with Credyt's meaning. */
describe("bodies from Credyt's docs", () => {
  let ctx: TestContext;
  let p: TestPlatform;
  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
  });
  afterAll(() => ctx.close());

  const video = (minutes: number, speed: string) => ({
    id: randomUUID(),
    event_type: 'video_generated',
    occurred_at: new Date().toISOString(),
    subject: `video_${randomUUID()}`,
    description: 'Video Generated',
    data: { minutes, speed },
  });

  it('dimensional pricing with unit_and_volume and a "*" fallback (https://docs.credyt.ai/features/product-catalog/dimensional-pricing)', async () => {
    const minutes = (name: string, speed: string, volume_rate: number) => ({ name, dimensions: { speed }, values: [{ volume_rate }] });
    const product = await p.call('POST', '/products', {
      name: 'Glitch Video Advanced',
      code: 'glitch_video_adv',
      prices: [
        {
          name: 'Video Generation Compute',
          type: 'usage_based',
          billing_model: { type: 'real_time' },
          usage_calculation: {
            event_type: 'video_generated',
            usage_type: 'unit_and_volume',
            volume_field: 'minutes',
            source_reference_field: 'video_id',
            billable_dimensions: ['speed'],
          },
          pricing: [
            {
              asset: 'USD',
              values: [
                minutes('Video Generation Minutes (Fast)', 'fast', 1),
                minutes('Video Generation Minutes (Regular)', 'regular', 0.4),
                minutes('Video Generation Minutes (Default)', '*', 0.4),
              ],
            },
          ],
        },
      ],
      publish: true,
    });
    expect(product.status, JSON.stringify(product.body)).toBe(201);
    expect(product.body).toMatchObject({ code: 'glitch_video_adv', version: 1, status: 'published', is_default: true });
    const simulated = await p.call('POST', `/products/${product.body.id}/default/simulate-usage`, {
      events: [video(10, 'fast'), video(100, 'regular'), video(5, 'turbo')],
    });
    expect(simulated.status, JSON.stringify(simulated.body)).toBe(200);
    expect(
      simulated.body.events.map((e: { fees: { amount: number; price_name: string }[] }) => e.fees.map((f) => [f.amount, f.price_name])),
    ).toEqual([
      [[10, 'Video Generation Compute · Video Generation Minutes (Fast)']],
      [[40, 'Video Generation Compute · Video Generation Minutes (Regular)']],
      [[2, 'Video Generation Compute · Video Generation Minutes (Default)']],
    ]);
  });

  it('unit_and_volume charges the unit price and the volume together (https://docs.credyt.ai/features/usage)', async () => {
    const product = await p.call('POST', '/products', {
      name: 'Render',
      code: 'render',
      prices: [
        {
          name: 'Render',
          type: 'usage_based',
          billing_model: { type: 'real_time' },
          usage_calculation: { event_type: 'render', usage_type: 'unit_and_volume', volume_field: 'seconds' },
          pricing: [{ asset: 'USD', values: [{ unit_price: 0.05, volume_rate: 0.001, package_size: 10 }] }],
        },
      ],
    });
    expect(product.status, JSON.stringify(product.body)).toBe(201);
    const simulated = await p.call('POST', `/products/${product.body.id}/1/simulate-usage`, {
      events: [{ id: 'r-1', event_type: 'render', occurred_at: new Date().toISOString(), data: { seconds: 25 } }],
    });
    // 0.05 for the render, 0.001 per 10 seconds for 25 seconds.
    expect(simulated.body.events[0].fees[0].amount).toBe(0.0525);
    const noVolume = await p.call('POST', '/products', {
      name: 'Bad',
      code: 'bad',
      prices: [
        {
          name: 'Bad',
          type: 'usage_based',
          billing_model: { type: 'real_time' },
          usage_calculation: { event_type: 'bad', usage_type: 'unit_and_volume' },
          pricing: [{ asset: 'USD', values: [{ unit_price: 1 }] }],
        },
      ],
    });
    expect(noVolume.status).toBe(422);
    expect(noVolume.body.errors).toEqual([expect.objectContaining({ path: 'prices.0.usage_calculation.volume_field' })]);
    expect((await p.call('GET', '/products?code=bad')).body.total_count).toBe(0);
  });

  it('a subscription names its product version, "default" or a number (https://docs.credyt.ai/features/customers)', async () => {
    const created = await p.call('POST', '/customers', {
      name: 'Walter Kreiger',
      external_id: '18991',
      subscriptions: [{ products: [{ code: 'glitch_video_adv', version: 'default' }] }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.id).toMatch(/^cust_/);
    expect(created.body.subscriptions[0].products).toEqual([expect.objectContaining({ code: 'glitch_video_adv', version: 1 })]);
    const unknown = await p.call('POST', '/customers', {
      name: 'W',
      external_id: '18992',
      subscriptions: [{ products: [{ code: 'glitch_video_adv', version: 7 }] }],
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ path: 'subscriptions.0.products.0.version' })]);
    expect((await p.call('GET', '/customers?external_id=18992')).body.total_count).toBe(0);
  });

  it('customer stats count the events and sum what they were charged, per asset', async () => {
    const customer = (await p.call('GET', '/customers?external_id=18991')).body.items[0].id as string;
    const sent = await p.call('POST', '/events', { customer_id: customer, events: [video(10, 'fast'), video(5, 'turbo'), video(1, 'x')] });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    await p.call('POST', '/events', {
      customer_id: customer,
      events: [{ id: 'not-priced', event_type: 'other', occurred_at: new Date().toISOString() }],
    });
    const stats = await p.call('GET', `/customers/${customer}/stats`);
    expect(stats.status).toBe(200);
    // 10 fast minutes at 1.00, 5 + 1 minutes at the 0.40 fallback; the unpriced event is counted, not billed.
    expect(stats.body).toMatchObject({ id: customer, events: { total: 4, billed: 3 }, usage: [{ asset: 'USD', amount: 12.4 }] });
  });

  it('account ids match whatever their case (https://docs.credyt.ai/quickstart/check-balance)', async () => {
    const customer = (await p.call('GET', '/customers?external_id=18991')).body.items[0].id as string;
    const account = await p.call('GET', `/customers/${customer}/wallet/default:usd`);
    expect(account.status, JSON.stringify(account.body)).toBe(200);
    expect(account.body).toEqual({ id: 'default:USD', name: 'default', asset: 'USD', available: -12.4, pending_in: 0, pending_out: 0 });
    expect((await p.call('GET', `/customers/${customer}/wallet/DEFAULT:Usd`)).status).toBe(200);
  });
});
