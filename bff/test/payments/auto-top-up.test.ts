import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TopUpUpdated } from '@credyt/shared';
import { balanceOf, fundedCustomer, onPostgres, unitPrice, type TestPlatform } from '../helpers.ts';
import { sseReader } from '../portal/helpers.ts';
import { checkoutSessionId, createPaymentsContext, eventually, type PaymentsContext } from './helpers.ts';

describe('auto top-up: saved card, threshold, off-session PaymentIntent (emulator)', () => {
  let ctx: PaymentsContext;
  let p: TestPlatform;

  beforeAll(async () => {
    ctx = await createPaymentsContext();
    p = await ctx.newPlatform();
    await p.call('POST', '/assets', { code: 'IMG', name: 'Image credits', precision: 0, rates: [{ source: 'USD', rate: '0.10' }] });
  });
  afterAll(() => ctx.close());

  /** A customer with `card` saved for USD auto top-up below 5, adding 20. */
  async function withAutoTopUp(card: string, funding = 10, prices = [unitPrice('call', 'USD', 1)]) {
    const c = await fundedCustomer(p, prices, [{ asset: 'USD', amount: funding }]);
    const token = await ctx.accessToken(p, c.id);
    const put = await ctx.portal(token, 'PUT', '/portal/api/auto-top-up/USD', { enabled: true, threshold: 5, amount: 20 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ enabled: true, status: 'needs_payment_method' });
    expect(put.body.setup_url).toContain('/checkout/');
    const saved = ctx.emulator.control.completeCheckout(checkoutSessionId(put.body.setup_url), card);
    expect(saved.outcome).toBe('completed');
    await ctx.emulator.control.flush();
    const setting = (await ctx.portal(token, 'GET', '/portal/api/auto-top-up')).body.find((s: { asset: string }) => s.asset === 'USD');
    expect(setting).toMatchObject({ asset: 'USD', enabled: true, threshold: '5', amount: '20', status: 'idle' });
    expect(setting.payment_method).toMatchObject({ last4: card.slice(-4) });
    return { ...c, token };
  }

  let n = 0;
  const spend = (customerId: string, count: number) =>
    p.call('POST', '/events', {
      customer_id: customerId,
      events: Array.from({ length: count }, () => ({ id: `spend-${n++}`, event_type: 'call', occurred_at: new Date().toISOString() })),
    });

  const autoTopUps = async (token: string) =>
    ((await ctx.portal(token, 'GET', '/portal/api/transactions?category=auto_top_up')).body.items as {
      amount: string;
      receipt_url: string | null;
    }[]) ?? [];

  it('fires once when a debit crosses the threshold, and credits the amount', async () => {
    const c = await withAutoTopUp('4242424242424242');
    await spend(c.id, 4); // 10 → 6: above the threshold, nothing happens
    await new Promise((r) => setTimeout(r, 300));
    expect(await autoTopUps(c.token)).toHaveLength(0);
    await spend(c.id, 2); // 6 → 4: below 5
    await eventually(
      () => balanceOf(p, c.id, 'USD'),
      (b) => b === '24',
    );
    const [entry] = await autoTopUps(c.token);
    expect(entry).toMatchObject({ amount: '20' });
    expect(entry?.receipt_url).toMatch(/\/receipts\//);
    await ctx.emulator.control.flush();
    expect(await balanceOf(p, c.id, 'USD')).toBe('24');
  });

  it('a declined card fails the attempt with a reason the customer sees; 3 in a row pause it', async () => {
    const c = await withAutoTopUp('4000000000000341', 6);
    for (let i = 1; i <= 3; i++) {
      await spend(c.id, 1 + (i === 1 ? 1 : 0));
      const setting = await eventually(
        async () => (await ctx.portal(c.token, 'GET', '/portal/api/auto-top-up')).body[0],
        (s) => s.status === (i < 3 ? 'failed' : 'paused'),
      );
      expect(setting.last_error).toMatchObject({ code: expect.stringMatching(/declined/) });
      expect(setting.last_error.message).toMatch(/declined/i);
    }
    await spend(c.id, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(ctx.emulator.control.paymentIntents().filter((pi) => pi.metadata?.credyt_customer_id === c.id)).toHaveLength(3);
    expect(await autoTopUps(c.token)).toHaveLength(0);
    // The customer acting (saving the setting again) lifts the pause.
    const put = await ctx.portal(c.token, 'PUT', '/portal/api/auto-top-up/USD', { enabled: true, threshold: 5, amount: 20 });
    expect(put.body.status).not.toBe('paused');
  });

  it('a card that needs authentication fails with authentication_required and how to fix it', async () => {
    const c = await withAutoTopUp('4000002760003184', 6);
    await spend(c.id, 2);
    const setting = await eventually(
      async () => (await ctx.portal(c.token, 'GET', '/portal/api/auto-top-up')).body[0],
      (s) => s.status === 'failed',
    );
    expect(setting.last_error).toMatchObject({ code: 'authentication_required' });
    expect(setting.last_error.message).toMatch(/confirm/);
    expect(await balanceOf(p, c.id, 'USD')).toBe('4');
  });

  it('saving the card on a manual top-up (setup_future_usage) enables auto top-up without another checkout', async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', 1)]);
    const token = await ctx.accessToken(p, c.id);
    const topUp = await ctx.portal(token, 'POST', '/portal/api/top-ups', {
      asset: 'USD',
      amount: 10,
      idempotency_key: 'save-card-1',
      save_card: true,
    });
    ctx.emulator.control.completeCheckout(checkoutSessionId(topUp.body.redirect_url), '4000002500003155');
    await ctx.emulator.control.flush();
    const put = await ctx.portal(token, 'PUT', '/portal/api/auto-top-up/USD', { enabled: true, threshold: 5, amount: 20 });
    expect(put.body.setup_url).toBeUndefined();
    expect(put.body.payment_method).toMatchObject({ last4: '3155' });
    await spend(c.id, 6);
    await eventually(
      () => balanceOf(p, c.id, 'USD'),
      (b) => b === '24',
    );
  });

  const settings = async (token: string) =>
    (await ctx.portal(token, 'GET', '/portal/api/auto-top-up')).body as { asset: string; payment_method: { last4: string } | null }[];

  it('one card per customer: saved once, it pays for every asset without another card setup', async () => {
    const c = await withAutoTopUp('4242424242424242', 10, [unitPrice('call', 'USD', 1), unitPrice('image', 'IMG', 1)]);
    const listed = await settings(c.token);
    expect(listed.map((s) => [s.asset, s.payment_method?.last4])).toEqual([
      ['IMG', '4242'],
      ['USD', '4242'],
    ]);
    const put = await ctx.portal(c.token, 'PUT', '/portal/api/auto-top-up/IMG', { enabled: true, threshold: 10, amount: 100 });
    expect(put.status).toBe(200);
    expect(put.body.setup_url).toBeUndefined();
    expect(put.body).toMatchObject({ status: 'idle', payment_method: { last4: '4242' } });
  });

  it('card setup replaces the card of every asset and lifts a pause or a failure', async () => {
    const c = await withAutoTopUp('4000000000000341', 6, [unitPrice('call', 'USD', 1), unitPrice('image', 'IMG', 1)]);
    await spend(c.id, 2);
    await eventually(
      async () => (await ctx.portal(c.token, 'GET', '/portal/api/auto-top-up')).body.find((s: { asset: string }) => s.asset === 'USD'),
      (s) => s.status === 'failed',
    );
    const setup = await ctx.portal(c.token, 'POST', '/portal/api/auto-top-up/card-setup', {
      asset: 'USD',
      return_url: 'http://localhost:8787/portal/',
    });
    expect(setup.status).toBe(200);
    expect(setup.body.setup_url).toContain('/checkout/');
    expect(ctx.emulator.control.completeCheckout(checkoutSessionId(setup.body.setup_url), '5555555555554444').outcome).toBe('completed');
    await ctx.emulator.control.flush();
    const after = (await ctx.portal(c.token, 'GET', '/portal/api/auto-top-up')).body;
    expect(after.map((s: { payment_method: { last4: string } }) => s.payment_method.last4)).toEqual(['4444', '4444']);
    expect(after.find((s: { asset: string }) => s.asset === 'USD')).toMatchObject({ status: 'idle', last_error: null });
    // Without a return URL on the platform's origins, no page is made.
    const refused = await ctx.portal(c.token, 'POST', '/portal/api/auto-top-up/card-setup', { return_url: 'https://evil.example/' });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0].path).toBe('return_url');
  });

  it('a failed auto top-up goes out on the stream as kind auto, with its reason', async () => {
    const c = await withAutoTopUp('4000000000000341', 6);
    const res = await fetch(`${ctx.bffUrl}/portal/api/stream`, { headers: { authorization: `Bearer ${c.token}` } });
    const stream = sseReader(res);
    try {
      await spend(c.id, 2);
      let update: ReturnType<typeof TopUpUpdated.parse>;
      do update = TopUpUpdated.parse((await stream.next('top_up.updated', 10_000)).data);
      while (update.status !== 'failed');
      expect(update).toMatchObject({ kind: 'auto', asset: 'USD', amount: '20', fiat_amount: '20', currency: 'USD' });
      expect(update.failure?.code).toMatch(/decline/);
      // The setting says it too, with what happens next (failed: tried again on the next debit; paused: not).
      await eventually(
        async () => (await ctx.portal(c.token, 'GET', '/portal/api/auto-top-up')).body[0],
        (s) => s.status === 'failed' && /decline/.test(s.last_error?.code ?? ''),
      );
    } finally {
      await stream.close();
    }
  });

  it('field errors name the rule they broke, for the portal to say in the customer’s language', async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', 1)]);
    const token = await ctx.accessToken(p, c.id);
    const bad = await ctx.portal(token, 'PUT', '/portal/api/auto-top-up/USD', { enabled: true, threshold: -1, amount: '2.001' });
    expect(bad.status).toBe(422);
    expect(bad.body.errors).toEqual([
      { path: 'threshold', message: 'must not be negative', code: 'negative' },
      { path: 'amount', message: 'USD allows at most 2 decimal places', code: 'too_precise', params: { precision: '2' } },
    ]);
    const high = await ctx.portal(token, 'PUT', '/portal/api/auto-top-up/USD', { enabled: true, threshold: 5, amount: 100_000 });
    expect(high.body.errors[0]).toMatchObject({
      path: 'amount',
      code: 'above_maximum',
      params: { minimum: '0.5', maximum: '10000', currency: 'USD' },
    });
  });

  it.runIf(onPostgres)('100 parallel debits crossing the threshold produce exactly one PaymentIntent', async () => {
    const c = await withAutoTopUp('4242424242424242', 50);
    const before = ctx.emulator.control.paymentIntents().length;
    // The worker waits until every debit has landed, so all 100 see the one attempt still open.
    await ctx.worker.stop();
    await Promise.all(Array.from({ length: 100 }, () => spend(c.id, 1)));
    await ctx.worker.start();
    await eventually(
      () => balanceOf(p, c.id, 'USD'),
      (b) => b === '-30',
    );
    await new Promise((r) => setTimeout(r, 500));
    await ctx.emulator.control.flush();
    const intents = ctx.emulator.control
      .paymentIntents()
      .slice(before)
      .filter((pi) => pi.metadata?.credyt_customer_id === c.id);
    expect(intents).toHaveLength(1);
  });
});
