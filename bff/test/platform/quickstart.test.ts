import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceOf, createTestContext, type TestContext, type TestPlatform } from '../helpers.ts';

/** The Credyt quickstart, as README shows it with curl. */
describe('quickstart', () => {
  let ctx: TestContext;
  let p: TestPlatform;
  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
  });
  afterAll(() => ctx.close());

  it('charges 0.5 USD per event from a 20 USD pre-funded wallet', async () => {
    const product = await p.call('POST', '/products', {
      name: 'Chat',
      code: 'chat',
      publish: true,
      prices: [
        {
          name: 'Per message',
          type: 'usage_based',
          billing_model: { type: 'real_time' },
          usage_calculation: { event_type: 'chat_message', usage_type: 'unit' },
          pricing: [{ asset: 'USD', values: [{ unit_price: 0.5 }] }],
        },
      ],
    });
    expect(product.status).toBe(201);
    expect(product.body.id).toMatch(/^prp_/);
    const customer = await p.call('POST', '/customers', {
      name: 'Ada',
      external_id: 'ada',
      subscriptions: [{ products: [{ code: 'chat' }] }],
    });
    expect(customer.status).toBe(201);
    expect(customer.body.id).toMatch(/^cust_/);
    const wallet0 = await p.call('GET', `/customers/${customer.body.id}/wallet`);
    expect(wallet0.body.accounts).toEqual([{ id: 'default:USD', name: 'default', asset: 'USD', available: '0' }]);

    const fund = await p.call('POST', `/customers/${customer.body.id}/wallet/adjustments`, {
      transaction_id: 'prefund-1',
      asset: 'USD',
      amount: 20,
      reason: 'gift',
      description: 'Welcome credit',
    });
    expect(fund.status).toBe(201);
    expect(fund.body).toMatchObject({ id: expect.stringMatching(/^txn_/), created_at: expect.any(String) });

    const sent = await p.call('POST', '/events', {
      customer_id: customer.body.id,
      events: [{ id: 'evt-1', event_type: 'chat_message', occurred_at: '2026-11-20T10:00:00Z', subject: 'thread-42' }],
    });
    expect(sent.status).toBe(201);
    expect(sent.body.events[0]).toMatchObject({
      id: 'evt-1',
      status: 'created',
      billed: true,
      fees: [{ amount: '0.5', asset: 'USD', product_code: 'chat' }],
    });
    expect(await balanceOf(p, customer.body.id, 'USD')).toBe('19.5');

    const account = await p.call('GET', `/customers/${customer.body.id}/wallet/default:USD`);
    expect(account.body).toMatchObject({ id: 'default:USD', available: '19.5', pending_in: '0', pending_out: '0' });
    const event = await p.call('GET', '/events/evt-1');
    expect(event.body.fees).toEqual([
      {
        amount: '0.5',
        asset: 'USD',
        product_code: 'chat',
        price_name: 'Per message',
        fee_description: '$0.50 per event',
        fiat_amount: '0.5',
      },
    ]);
  });

  it('bills a custom asset (IMG, 1 IMG = 0.10 USD) and volume tokens with package_size 1,000,000', async () => {
    const asset = await p.call('POST', '/assets', {
      code: 'IMG',
      name: 'Image credits',
      precision: 2,
      label: 'images',
      rates: [{ source: 'USD', rate: 0.1 }],
    });
    expect(asset.status).toBe(201);
    expect(asset.body).toMatchObject({ code: 'IMG', precision: 2, rates: [{ source: 'USD', rate: '0.1' }] });
    const quote = await p.call('POST', '/assets/IMG/quote', { source: 'USD', amount: 5 });
    expect(quote.body).toMatchObject({ units: '50', rate: '0.1' });

    await p.call('POST', '/products', {
      name: 'Images',
      code: 'images',
      prices: [
        {
          name: 'Per image',
          type: 'usage_based',
          billing_model: { type: 'real_time' },
          usage_calculation: { event_type: 'image_generated', usage_type: 'unit' },
          pricing: [{ asset: 'IMG', values: [{ unit_price: 1 }] }],
        },
      ],
    });
    await p.call('POST', '/products', {
      name: 'LLM',
      code: 'llm',
      prices: [
        {
          name: 'Input tokens',
          type: 'usage_based',
          billing_model: { type: 'real_time' },
          usage_calculation: { event_type: 'completion', usage_type: 'volume', volume_field: 'input_tokens' },
          pricing: [{ asset: 'USD', values: [{ volume_rate: 1.25, package_size: 1000000 }] }],
        },
      ],
    });
    const customer = await p.call('POST', '/customers', {
      name: 'Grace',
      external_id: 'grace',
      subscriptions: [{ products: [{ code: 'images' }, { code: 'llm' }] }],
    });
    const wallet = await p.call('GET', `/customers/${customer.body.id}/wallet`);
    expect(wallet.body.accounts.map((a: { id: string }) => a.id)).toEqual(['default:IMG', 'default:USD']);
    await p.call('POST', `/customers/${customer.body.id}/wallet/adjustments`, {
      transaction_id: 'g-img',
      asset: 'IMG',
      amount: 100,
      reason: 'gift',
    });
    await p.call('POST', `/customers/${customer.body.id}/wallet/adjustments`, {
      transaction_id: 'g-usd',
      asset: 'USD',
      amount: '20.00',
      reason: 'external_topup',
    });

    const sent = await p.call('POST', '/events', {
      customer_id: customer.body.id,
      events: [
        { id: 'img-1', event_type: 'image_generated', occurred_at: '2026-11-20T10:00:00Z', subject: 'cat.png' },
        { id: 'llm-1', event_type: 'completion', occurred_at: '2026-11-20T10:01:00Z', data: { input_tokens: 1000000 } },
        { id: 'llm-2', event_type: 'completion', occurred_at: '2026-11-20T10:02:00Z', data: { input_tokens: 1 } },
      ],
    });
    expect(sent.status).toBe(201);
    expect(sent.body.events.map((e: { fees: { amount: string; fiat_amount: string }[] }) => e.fees[0])).toMatchObject([
      { amount: '1', asset: 'IMG', fiat_amount: '0.1', fee_description: '1.00 images per event' },
      { amount: '1.25', asset: 'USD', fee_description: '$1.25 per 1,000,000 input_tokens' },
      { amount: '0.00000125', asset: 'USD' },
    ]);
    expect(await balanceOf(p, customer.body.id, 'IMG')).toBe('99');
    expect(await balanceOf(p, customer.body.id, 'USD')).toBe('18.74999875');
  });
});
