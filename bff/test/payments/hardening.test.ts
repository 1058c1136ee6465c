import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoTopUpSettings, stripeCustomers } from '../../src/db/schema/index.ts';
import { balanceOf, fundedCustomer, unitPrice, type TestPlatform } from '../helpers.ts';
import { checkoutSessionId, createPaymentsContext, type PaymentsContext } from './helpers.ts';

/** A rejected request changes nothing; a Stripe that lost a customer does not stop the next top-up. */
describe('payments hardening (emulator)', () => {
  let ctx: PaymentsContext;
  let p: TestPlatform;

  beforeAll(async () => {
    ctx = await createPaymentsContext({ stripeTimeoutMs: 400 });
    p = await ctx.newPlatform();
    await p.call('PUT', '/billing-portal/configuration', { allowed_origins: ['https://platform.example'] });
  });
  afterAll(() => ctx.close());

  const settingOf = async (customerId: string) =>
    (await ctx.database.db.select().from(autoTopUpSettings).where(eq(autoTopUpSettings.customerId, customerId)))[0] ?? null;

  it('a Stripe customer that Stripe no longer knows is replaced, and the top-up goes through', async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', 1)]);
    const token = await ctx.accessToken(p, c.id);
    const first = await ctx.portal(token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 20, idempotency_key: 'lost-00001' });
    expect(first.status).toBe(201);
    const [mapped] = await ctx.database.db.select().from(stripeCustomers).where(eq(stripeCustomers.customerId, c.id));
    expect(mapped).toBeDefined();
    // Deleted in Stripe's dashboard, say: every later call naming it answers resource_missing.
    const stripe = new Stripe('sk_test_local_emulator', {
      host: new URL(ctx.emulator.url).hostname,
      port: new URL(ctx.emulator.url).port,
      protocol: 'http',
    });
    await stripe.customers.del(mapped!.stripeCustomerId);

    const second = await ctx.portal(token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 10, idempotency_key: 'lost-00002' });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    const [replaced] = await ctx.database.db.select().from(stripeCustomers).where(eq(stripeCustomers.customerId, c.id));
    expect(replaced!.stripeCustomerId).not.toBe(mapped!.stripeCustomerId);
    ctx.emulator.control.completeCheckout(checkoutSessionId(second.body.redirect_url), '4242 4242 4242 4242');
    await ctx.emulator.control.flush();
    expect(await balanceOf(p, c.id, 'USD')).toBe('10');
    // And the platform API's top-ups for that customer go on too.
    const platformTopUp = await p.call('POST', '/top-ups', {
      customer_id: c.id,
      amount: 5,
      currency: 'USD',
      return_url: 'https://platform.example/ok',
      failure_url: 'https://platform.example/failed',
    });
    expect(platformTopUp.status).toBe(201);
  });

  it('auto top-up with a return_url off the allowed origins: 422, and the setting is not saved', async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', 1)]);
    const token = await ctx.accessToken(p, c.id);
    const put = await ctx.portal(token, 'PUT', '/portal/api/auto-top-up/USD', {
      enabled: true,
      threshold: 5,
      amount: 20,
      return_url: 'https://evil.example/steal',
    });
    expect(put.status).toBe(422);
    expect(put.body.errors.map((e: { path: string }) => e.path)).toContain('return_url');
    expect(await settingOf(c.id)).toBeNull();
  });

  it('auto top-up while Stripe hangs: 503, and neither the setting nor its pause changes', async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', 1)]);
    const token = await ctx.accessToken(p, c.id);
    ctx.emulator.control.configure({ hang: true });
    try {
      const put = await ctx.portal(token, 'PUT', '/portal/api/auto-top-up/USD', { enabled: true, threshold: 5, amount: 20 });
      expect(put.status).toBe(503);
      expect(put.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      ctx.emulator.control.configure({ hang: false });
    }
    expect(await settingOf(c.id)).toBeNull();
    const again = await ctx.portal(token, 'PUT', '/portal/api/auto-top-up/USD', { enabled: true, threshold: 5, amount: 20 });
    expect(again.status).toBe(200);
    expect(again.body.setup_url).toContain('/checkout/');
  });
});
