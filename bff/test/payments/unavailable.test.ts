import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceOf, fundedCustomer, unitPrice, type TestPlatform } from '../helpers.ts';
import { checkoutSessionId, createPaymentsContext, eventually, type PaymentsContext } from './helpers.ts';

/** Stripe timing out or gone: the customer gets a clear error, nothing is credited, and retrying is safe. */
describe('Stripe unavailable', () => {
  let ctx: PaymentsContext;
  let p: TestPlatform;
  beforeAll(async () => {
    ctx = await createPaymentsContext({ stripeTimeoutMs: 400 });
    p = await ctx.newPlatform();
  });
  afterAll(() => ctx.close());

  it('a hanging Stripe: 503 after the timeout, then the same key succeeds once Stripe answers', async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', 1)]);
    const token = await ctx.accessToken(p, c.id);
    ctx.emulator.control.configure({ hang: true });
    const failed = await ctx.portal(token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 20, idempotency_key: 'hang-00001' });
    expect(failed.status).toBe(503);
    expect(failed.body.detail).toMatch(/Nothing was charged/);
    ctx.emulator.control.configure({ hang: false });
    const retried = await ctx.portal(token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 20, idempotency_key: 'hang-00001' });
    expect(retried.status).toBe(201);
    ctx.emulator.control.completeCheckout(checkoutSessionId(retried.body.redirect_url));
    await ctx.emulator.control.flush();
    expect(await balanceOf(p, c.id, 'USD')).toBe('20');
  });

  it('an auto top-up that meets a failing Stripe stays queued and charges once when Stripe is back', async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', 1)], [{ asset: 'USD', amount: 6 }]);
    const token = await ctx.accessToken(p, c.id);
    const put = await ctx.portal(token, 'PUT', '/portal/api/auto-top-up/USD', { enabled: true, threshold: 5, amount: 20 });
    ctx.emulator.control.completeCheckout(checkoutSessionId(put.body.setup_url));
    await ctx.emulator.control.flush();
    ctx.emulator.control.configure({ failNext: 1000 });
    await p.call('POST', '/events', {
      customer_id: c.id,
      events: [1, 2].map((i) => ({ id: `down-${c.id}-${i}`, event_type: 'call', occurred_at: new Date().toISOString() })),
    });
    const pending = await eventually(
      async () => (await ctx.portal(token, 'GET', '/portal/api/auto-top-up')).body[0],
      (s) => s.status === 'pending',
    );
    expect(pending.last_error).toBeNull();
    expect(await balanceOf(p, c.id, 'USD')).toBe('4');
    ctx.emulator.control.configure({ failNext: 0 });
    await eventually(
      () => balanceOf(p, c.id, 'USD'),
      (b) => b === '24',
      15_000,
    );
    const intents = ctx.emulator.control.paymentIntents().filter((pi) => pi.metadata?.credyt_customer_id === c.id);
    expect(intents).toHaveLength(1);
  });

  it('a stopped Stripe: 503 with nothing written but the pending top-up (runs last: it stops the emulator)', async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', 1)]);
    const token = await ctx.accessToken(p, c.id);
    await ctx.emulator.close();
    const failed = await ctx.portal(token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 20, idempotency_key: 'stopped-01' });
    expect(failed.status).toBe(503);
    expect(failed.headers.get('content-type')).toContain('application/problem+json');
    expect(await balanceOf(p, c.id, 'USD')).toBe('0');
  });
});
