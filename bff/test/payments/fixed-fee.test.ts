import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceOf, unitPrice, type TestPlatform } from '../helpers.ts';
import { createLogger } from '../../src/log.ts';
import { WebhookWorker } from '../../src/webhooks/delivery.ts';
import { startReceiver } from '../webhook-receiver.ts';
import { checkoutSessionId, createPaymentsContext, eventually, type PaymentsContext } from './helpers.ts';

/**
 * Recurring fixed fees as Credyt documents them (https://docs.dev.credyt.ai/features/product-catalog/fixed-fee-pricing):
 * a product with a `fixed` price billed `recurring` monthly; a customer subscribed to it is `pending` with a
 * `payment` required action until the first fee is paid, then `active` from that moment
 * (`subscription.status`, `required_actions[].redirect_url`, `started_at`). Usage sent before then is not billed
 * (credyt/ai-tools, skills/verify/references/procedure.md: "Usage events submitted before the subscription is active
 * will not generate fees").
 */
describe('recurring fixed fees and pending subscriptions (emulator)', () => {
  let ctx: PaymentsContext;
  let p: TestPlatform;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let worker: WebhookWorker;

  beforeAll(async () => {
    ctx = await createPaymentsContext();
    p = await ctx.newPlatform();
    hook = await startReceiver();
    expect((await p.call('POST', '/webhooks', { url: hook.url, topics: ['subscription.activated'] })).status).toBe(201);
    worker = new WebhookWorker(ctx.database, createLogger('silent'), { pollMs: 50, retryBaseMs: 50 });
    await worker.start();
    // The docs' product, with a usage price beside the monthly fee (a product may have both: credyt/ai-tools billing-setup).
    const product = await p.call('POST', '/products', {
      name: 'Glitch Pro Subscription',
      code: 'glitch_pro',
      prices: [
        {
          name: 'Monthly Subscription',
          type: 'fixed',
          billing_model: { type: 'recurring', recurring: { interval: 'month' } },
          pricing: [{ asset: 'USD', values: [{ unit_price: 20.0 }] }],
        },
        unitPrice('video_promoted', 'USD', '0.5'),
      ],
      publish: true,
    });
    expect(product.status, JSON.stringify(product.body)).toBe(201);
    expect(product.body.prices[0]).toEqual({
      id: expect.any(String),
      name: 'Monthly Subscription',
      type: 'fixed',
      billing_model: { type: 'recurring', recurring: { interval: 'month' } },
      pricing: [{ asset: 'USD', values: [{ unit_price: 20 }] }],
      description: null,
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await hook?.close();
    await ctx?.close();
  });
  const activations = async (subscriptionId: string) => hook.received.filter((r) => r.body.data.subscription_id === subscriptionId);

  const subscribe = (externalId: string, extra: Record<string, unknown> = {}) =>
    p.call('POST', '/customers', {
      name: 'John Doe',
      external_id: externalId,
      email: 'j.doe@example.com',
      subscriptions: [{ products: [{ code: 'glitch_pro' }], ...extra }],
    });
  const promote = (customerId: string, id: string) =>
    p.call('POST', '/events', {
      customer_id: customerId,
      events: [{ id, event_type: 'video_promoted', occurred_at: new Date().toISOString() }],
    });
  /** The payment link on this server (the context's PUBLIC_URL is not where it listens). */
  const onServer = (url: string) => `${ctx.bffUrl}${new URL(url).pathname}${new URL(url).search}`;

  it('is pending with a payment action until the first fee is paid, then active from then, and bills usage only then', async () => {
    const created = await subscribe('18991', {
      return_url: 'https://glitch.ai/account',
      failure_url: 'https://glitch.ai/callbacks/credyt/failure',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const [sub] = created.body.subscriptions;
    expect(sub).toMatchObject({
      id: expect.stringMatching(/^sub_/),
      status: 'pending',
      started_at: null,
      products: [{ code: 'glitch_pro', version: 1 }],
      required_actions: [{ type: 'payment', redirect_url: expect.stringContaining(`/subscriptions/${sub.id}/pay?sig=`) }],
    });
    const customerId = created.body.id as string;
    const early = await promote(customerId, 'early-1');
    expect(early.body.events[0]).toMatchObject({ billed: false, fees: [] });
    // Not active yet: the platform has not been told it is.
    await new Promise((r) => setTimeout(r, 300));
    expect(await activations(sub.id)).toHaveLength(0);

    // A wrong signature is as unknown as a made-up subscription.
    const forged = await fetch(onServer(sub.required_actions[0].redirect_url).replace(/sig=[^&]+/, 'sig=forged'), { redirect: 'manual' });
    expect(forged.status).toBe(404);
    expect(forged.headers.get('content-type')).toMatch(/problem\+json/);

    const pay = await fetch(onServer(sub.required_actions[0].redirect_url), { redirect: 'manual' });
    expect(pay.status).toBe(303);
    const checkout = pay.headers.get('location')!;
    const result = ctx.emulator.control.completeCheckout(checkoutSessionId(checkout), '4242 4242 4242 4242');
    expect(result.outcome).toBe('completed');
    expect(result.redirectTo).toContain('https://glitch.ai/account');
    expect(result.redirectTo).toContain('credyt_subscription=paid');
    await ctx.emulator.control.flush();

    const after = await p.call('GET', `/customers/${customerId}`);
    expect(after.body.subscriptions[0]).toMatchObject({ id: sub.id, status: 'active', required_actions: [] });
    expect(Date.parse(after.body.subscriptions[0].started_at)).toBeGreaterThan(Date.parse(created.body.created_at) - 1);
    // Paid: subscription.activated, once (Stripe's webhook may come again), from the moment it started.
    const [activated] = await eventually(
      () => activations(sub.id),
      (r) => r.length === 1,
    );
    expect(activated!.body).toMatchObject({
      type: 'subscription.activated',
      data: { customer_id: customerId, subscription_id: sub.id, occurred_at: after.body.subscriptions[0].started_at },
    });
    // Paid: the link now leads back; usage is billed.
    const again = await fetch(onServer(sub.required_actions[0].redirect_url), { redirect: 'manual' });
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toContain('https://glitch.ai/account');
    const late = await promote(customerId, 'late-1');
    expect(late.body.events[0]).toMatchObject({ billed: true, fees: [expect.objectContaining({ amount: 0.5 })] });
    // The fee was paid by card, not from the wallet: the wallet moved by the usage alone.
    expect(await balanceOf(p, customerId, 'USD')).toBe('-0.5');
  });

  it('a usage-only subscription is active at once, with no action', async () => {
    await p.call('POST', '/products', { name: 'Chat', code: 'chat_only', prices: [unitPrice('chat', 'USD', '1')] });
    const created = await p.call('POST', '/customers', {
      name: 'Ada',
      external_id: 'ada-usage-only',
      subscriptions: [{ products: [{ code: 'chat_only' }] }],
    });
    expect(created.body.subscriptions[0]).toMatchObject({ status: 'active', started_at: expect.any(String), required_actions: [] });
    const [activated] = await eventually(
      () => activations(created.body.subscriptions[0].id),
      (r) => r.length === 1,
    );
    expect(activated!.body.data.occurred_at).toBe(created.body.subscriptions[0].started_at);
  });

  it('refuses what cannot be charged, before writing anything', async () => {
    const noReturn = await subscribe('no-return-url');
    expect(noReturn.status).toBe(422);
    expect(noReturn.body.errors).toEqual([expect.objectContaining({ path: 'subscriptions.0.return_url' })]);
    expect((await p.call('GET', '/customers?external_id=no-return-url')).body.total_count).toBe(0);

    const fixed = (pricing: unknown, interval = 'month') => ({
      name: 'Fee',
      type: 'fixed',
      billing_model: { type: 'recurring', recurring: { interval } },
      pricing,
    });
    for (const [price, path] of [
      [fixed([{ asset: 'EUR', values: [{ unit_price: 20 }] }]), 'prices.0.pricing.0.asset'],
      [fixed([{ asset: 'USD', values: [{ unit_price: '0.49' }] }]), 'prices.0.pricing.0.values.0.unit_price'],
      [fixed([{ asset: 'USD', values: [{ unit_price: '20.001' }] }]), 'prices.0.pricing.0.values.0.unit_price'],
      [fixed([{ asset: 'USD', values: [{ unit_price: 20 }] }], 'fortnight'), 'prices.0.billing_model.recurring.interval'],
      [fixed([{ asset: 'USD', values: [{ unit_price: 20 }, { unit_price: 30 }] }]), 'prices.0.pricing.0.values'],
    ] as const) {
      const res = await p.call('POST', '/products', {
        name: 'Bad',
        code: `bad_${path.length}_${Math.random()}`.replace('.', ''),
        prices: [price],
      });
      expect(res.status, JSON.stringify(price)).toBe(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });
});
