import { testClient } from 'hono/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceOf, createTestContext, type TestContext, type TestPlatform } from '../helpers.ts';

/** The Credyt quickstart, as README shows it with curl. */
describe('quickstart', () => {
  let ctx: TestContext;
  let p: TestPlatform;
  /** The app's typed client (Hono RPC) with this platform's key: requests and responses typed by the routes. */
  let api: ReturnType<typeof platformClient>;
  const platformClient = (app: TestContext['app'], apiKey: string) =>
    testClient(app, undefined, undefined, { headers: { 'x-credyt-api-key': apiKey } });
  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
    api = platformClient(ctx.app, p.apiKey);
  });
  afterAll(() => ctx.close());

  it('charges 0.5 USD per event from a 20 USD pre-funded wallet', async () => {
    const productRes = await api.products.$post({
      json: {
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
      },
    });
    expect(productRes.status).toBe(201);
    expect((await productRes.json()).id).toMatch(/^prp_/);
    const customerRes = await api.customers.$post({
      json: { name: 'Ada', external_id: 'ada', subscriptions: [{ products: [{ code: 'chat' }] }] },
    });
    expect(customerRes.status).toBe(201);
    const customer = await customerRes.json();
    expect(customer.id).toMatch(/^cust_/);
    const wallet0 = await (await api.customers[':id'].wallet.$get({ param: { id: customer.id } })).json();
    expect(wallet0.accounts).toEqual([{ id: 'default:USD', name: 'default', asset: 'USD', available: 0 }]);

    const fund = await api.customers[':id'].wallet.adjustments.$post({
      param: { id: customer.id },
      json: { transaction_id: 'prefund-1', asset: 'USD', amount: 20, reason: 'gift', description: 'Welcome credit' },
    });
    expect(fund.status).toBe(201);
    expect(await fund.json()).toMatchObject({ id: expect.stringMatching(/^txn_/), created_at: expect.any(String) });

    const sent = await api.events.$post({
      json: {
        customer_id: customer.id,
        events: [{ id: 'evt-1', event_type: 'chat_message', occurred_at: '2026-11-20T10:00:00Z', subject: 'thread-42' }],
      },
    });
    expect(sent.status).toBe(201);
    expect((await sent.json()).events[0]).toMatchObject({
      id: 'evt-1',
      status: 'created',
      billed: true,
      fees: [{ amount: 0.5, asset: 'USD', product_code: 'chat' }],
    });
    expect(await balanceOf(p, customer.id, 'USD')).toBe('19.5');

    const account = await api.customers[':id'].wallet[':account_id'].$get({ param: { id: customer.id, account_id: 'default:USD' } });
    expect(await account.json()).toMatchObject({ id: 'default:USD', available: 19.5, pending_in: 0, pending_out: 0 });
    const event = await (await api.events[':id'].$get({ param: { id: 'evt-1' } })).json();
    expect(event.fees).toEqual([
      {
        amount: 0.5,
        asset: 'USD',
        product_code: 'chat',
        price_name: 'Per message',
        fee_description: '$0.50 per event',
        fiat_amount: 0.5,
        // The price names no source_reference_field.
        source_reference: null,
      },
    ]);
  });

  it('bills a custom asset (IMG, 1 IMG = 0.10 USD) and volume tokens with package_size 1,000,000', async () => {
    const asset = await api.assets.$post({
      json: { code: 'IMG', name: 'Image credits', precision: 2, label: 'images', rates: [{ source: 'USD', rate: 0.1 }] },
    });
    expect(asset.status).toBe(201);
    expect(await asset.json()).toMatchObject({ code: 'IMG', precision: 2, rates: [{ source: 'USD', rate: 0.1 }] });
    const quote = await api.assets[':code'].quote.$post({ param: { code: 'IMG' }, json: { source: 'USD', amount: 5 } });
    expect(await quote.json()).toMatchObject({ units: 50, rate: 0.1 });

    await api.products.$post({
      json: {
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
      },
    });
    await api.products.$post({
      json: {
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
      },
    });
    const customer = await (
      await api.customers.$post({
        json: { name: 'Grace', external_id: 'grace', subscriptions: [{ products: [{ code: 'images' }, { code: 'llm' }] }] },
      })
    ).json();
    const wallet = await (await api.customers[':id'].wallet.$get({ param: { id: customer.id } })).json();
    expect(wallet.accounts.map((a) => a.id)).toEqual(['default:IMG', 'default:USD']);
    const adjust = api.customers[':id'].wallet.adjustments.$post;
    await adjust({ param: { id: customer.id }, json: { transaction_id: 'g-img', asset: 'IMG', amount: 100, reason: 'gift' } });
    await adjust({
      param: { id: customer.id },
      json: { transaction_id: 'g-usd', asset: 'USD', amount: '20.00', reason: 'external_topup' },
    });

    const sent = await api.events.$post({
      json: {
        customer_id: customer.id,
        events: [
          { id: 'img-1', event_type: 'image_generated', occurred_at: '2026-11-20T10:00:00Z', subject: 'cat.png' },
          { id: 'llm-1', event_type: 'completion', occurred_at: '2026-11-20T10:01:00Z', data: { input_tokens: 1000000 } },
          { id: 'llm-2', event_type: 'completion', occurred_at: '2026-11-20T10:02:00Z', data: { input_tokens: 1 } },
        ],
      },
    });
    expect(sent.status).toBe(201);
    expect((await sent.json()).events.map((e) => e.fees[0])).toMatchObject([
      { amount: 1, asset: 'IMG', fiat_amount: 0.1, fee_description: '1.00 images per event' },
      { amount: 1.25, asset: 'USD', fee_description: '$1.25 per 1,000,000 input_tokens' },
      { amount: 0.00000125, asset: 'USD' },
    ]);
    expect(await balanceOf(p, customer.id, 'IMG')).toBe('99');
    expect(await balanceOf(p, customer.id, 'USD')).toBe('18.74999875');
  });
});
