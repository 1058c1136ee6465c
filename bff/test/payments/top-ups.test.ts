import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { balanceOf, fundedCustomer, unitPrice, type TestPlatform } from '../helpers.ts';
import { checkoutSessionId, createPaymentsContext, eventually, WEBHOOK_SECRET, type PaymentsContext } from './helpers.ts';

describe('manual top-ups through Stripe Checkout (emulator)', () => {
  let ctx: PaymentsContext;
  let p: TestPlatform;

  beforeAll(async () => {
    ctx = await createPaymentsContext();
    p = await ctx.newPlatform();
    await p.call('POST', '/assets', {
      code: 'IMG',
      name: 'Image credits',
      precision: 2,
      label: 'images',
      rates: [{ source: 'USD', rate: '0.10' }],
    });
  });
  afterAll(() => ctx.close());
  beforeEach(() => ctx.emulator.control.configure({ duplicate: 1, reorder: false, parallel: 1, delayMs: 0, failNext: 0, hang: false }));

  async function customerWithToken(prices = [unitPrice('call', 'USD', 1), unitPrice('image', 'IMG', 1)]) {
    const c = await fundedCustomer(p, prices);
    return { ...c, token: await ctx.accessToken(p, c.id) };
  }

  async function transactions(token: string) {
    return (await ctx.portal(token, 'GET', '/portal/api/transactions')).body.items as {
      category: string;
      amount: string;
      receipt_url: string | null;
    }[];
  }

  it('tops up 20 USD: checkout, signed webhook, credited once, receipt linked', async () => {
    const c = await customerWithToken();
    const created = await ctx.portal(c.token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 20, idempotency_key: 'click-0001' });
    expect(created.status).toBe(201);
    expect(created.body.redirect_url).toContain('/checkout/');
    // A double click sends the same key: the same top-up and page, no second session.
    const again = await ctx.portal(c.token, 'POST', '/portal/api/top-ups', {
      asset: 'USD',
      amount: '20.00',
      idempotency_key: 'click-0001',
    });
    expect(again.body).toMatchObject({ id: created.body.id, redirect_url: created.body.redirect_url });
    expect(await balanceOf(p, c.id, 'USD')).toBe('0');

    const result = ctx.emulator.control.completeCheckout(checkoutSessionId(created.body.redirect_url), '4242 4242 4242 4242');
    expect(result.outcome).toBe('completed');
    expect(result.redirectTo).toContain('credyt_top_up=success');
    await ctx.emulator.control.flush();
    expect(await balanceOf(p, c.id, 'USD')).toBe('20');
    const [topUp] = await transactions(c.token);
    expect(topUp).toMatchObject({ category: 'top_up', amount: '20' });
    expect(topUp?.receipt_url).toMatch(/\/receipts\//);
    const status = await ctx.portal(c.token, 'GET', `/portal/api/top-ups/${created.body.id}`);
    expect(status.body).toMatchObject({ status: 'succeeded', kind: 'manual', amount: '20', fiat_amount: '20', currency: 'USD' });
    expect(status.body.receipt_url).toMatch(/\/receipts\//);
  });

  it('pushes top_up.updated to the customer’s stream', async () => {
    const c = await customerWithToken();
    const stream = await fetch(`${ctx.bffUrl}/portal/api/stream`, { headers: { authorization: `Bearer ${c.token}` } });
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    const created = await ctx.portal(c.token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 11, idempotency_key: 'stream-0001' });
    ctx.emulator.control.completeCheckout(checkoutSessionId(created.body.redirect_url));
    let text = '';
    while (!text.includes('event: top_up.updated')) text += (await reader.read()).value ?? '';
    const data = JSON.parse(/event: top_up.updated\ndata: (.+)/.exec(text)![1]!);
    expect(data).toMatchObject({ id: created.body.id, status: 'succeeded', asset: 'USD', amount: '11', kind: 'manual', failure: null });
    expect(data.receipt_url).toMatch(/\/receipts\//);
    await reader.cancel();
  });

  it('tops up a custom asset paid in fiat at its rate (50 IMG = 5.00 USD)', async () => {
    const c = await customerWithToken();
    const created = await ctx.portal(c.token, 'POST', '/portal/api/top-ups', { asset: 'IMG', amount: 50, idempotency_key: 'img-00001' });
    expect(created.status).toBe(201);
    const session = ctx.emulator.control.completeCheckout(checkoutSessionId(created.body.redirect_url)).session;
    expect(session.amount_total).toBe(500);
    await ctx.emulator.control.flush();
    expect(await balanceOf(p, c.id, 'IMG')).toBe('50');
  });

  it('the platform API creates a top-up in fiat credited to a custom asset', async () => {
    const c = await customerWithToken();
    const created = await p.call('POST', '/top-ups', {
      customer_id: c.id,
      amount: 10,
      currency: 'USD',
      destination: { asset: 'IMG' },
      return_url: 'https://platform.example/ok',
      failure_url: 'https://platform.example/failed',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^top_/), status: 'initiated', amount: 100, fiat_amount: 10 });
    ctx.emulator.control.completeCheckout(checkoutSessionId(created.body.redirect_url));
    await ctx.emulator.control.flush();
    expect(await balanceOf(p, c.id, 'IMG')).toBe('100');
  });

  it('a declined card credits nothing; another card then succeeds', async () => {
    const c = await customerWithToken();
    const created = await ctx.portal(c.token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 15, idempotency_key: 'decline-01' });
    const id = checkoutSessionId(created.body.redirect_url);
    const declined = ctx.emulator.control.completeCheckout(id, '4000000000000002');
    expect(declined.outcome).toBe('declined');
    await ctx.emulator.control.flush();
    expect(await balanceOf(p, c.id, 'USD')).toBe('0');
    ctx.emulator.control.completeCheckout(id, '4242424242424242');
    await ctx.emulator.control.flush();
    expect(await balanceOf(p, c.id, 'USD')).toBe('15');
  });

  it('a cancelled (expired) checkout credits nothing and is marked expired', async () => {
    const c = await customerWithToken();
    const created = await ctx.portal(c.token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 15, idempotency_key: 'cancel-001' });
    const stripe = (await import('../../src/stripe/client.ts')).createStripeClient({
      secretKey: 'sk_test_x',
      webhookSecret: WEBHOOK_SECRET,
      apiBase: ctx.emulator.url,
    });
    await stripe.checkout.sessions.expire(checkoutSessionId(created.body.redirect_url));
    await ctx.emulator.control.flush();
    const status = await ctx.portal(c.token, 'GET', `/portal/api/top-ups/${created.body.id}`);
    expect(status.body.status).toBe('expired');
    expect(await balanceOf(p, c.id, 'USD')).toBe('0');
  });

  it('async payments: pending, then credited on async_payment_succeeded', async () => {
    const c = await customerWithToken();
    ctx.emulator.control.configure({ nextCheckoutAsync: true });
    const created = await ctx.portal(c.token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 12, idempotency_key: 'async-0001' });
    const id = checkoutSessionId(created.body.redirect_url);
    ctx.emulator.control.completeCheckout(id);
    await ctx.emulator.control.flush();
    expect((await ctx.portal(c.token, 'GET', `/portal/api/top-ups/${created.body.id}`)).body.status).toBe('pending');
    expect(await balanceOf(p, c.id, 'USD')).toBe('0');
    ctx.emulator.control.settleAsync(id, true);
    await ctx.emulator.control.flush();
    expect(await balanceOf(p, c.id, 'USD')).toBe('12');
  });

  it('every webhook delivered 5 times, shuffled, from parallel senders, credits once', async () => {
    const c = await customerWithToken();
    ctx.emulator.control.configure({ duplicate: 5, reorder: true, parallel: 5 });
    for (const [i, amount] of ['7', '8', '9'].entries()) {
      const created = await ctx.portal(c.token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount, idempotency_key: `dup-000${i}` });
      ctx.emulator.control.completeCheckout(checkoutSessionId(created.body.redirect_url));
    }
    await ctx.emulator.control.flush();
    expect(await balanceOf(p, c.id, 'USD')).toBe('24');
    expect((await transactions(c.token)).filter((t) => t.category === 'top_up')).toHaveLength(3);
  });

  it('refuses a bad signature and a timestamp outside 300 s, changing nothing', async () => {
    const c = await customerWithToken();
    const created = await ctx.portal(c.token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 30, idempotency_key: 'forge-0001' });
    const payload = JSON.stringify({
      id: 'evt_forged',
      object: 'event',
      type: 'checkout.session.completed',
      data: {
        object: {
          id: checkoutSessionId(created.body.redirect_url),
          object: 'checkout.session',
          mode: 'payment',
          payment_status: 'paid',
          metadata: { top_up_id: created.body.id },
        },
      },
    });
    const sign = (t: number, secret: string) => `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex')}`;
    const post = (signature: string) =>
      fetch(`${ctx.bffUrl}/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        body: payload,
      });
    const now = Math.floor(Date.now() / 1000);
    for (const signature of [sign(now, 'whsec_wrong'), sign(now - 301, WEBHOOK_SECRET), 'garbage']) {
      const res = await post(signature);
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const missing = await fetch(`${ctx.bffUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
    });
    expect(missing.status).toBe(400);
    expect(await balanceOf(p, c.id, 'USD')).toBe('0');
  });

  it('Stripe unavailable: a clear 503, nothing credited, and retrying the same key is safe', async () => {
    const c = await customerWithToken();
    ctx.emulator.control.configure({ failNext: 10 });
    const failed = await ctx.portal(c.token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 25, idempotency_key: 'down-00001' });
    expect(failed.status).toBe(503);
    expect(failed.body.detail).toMatch(/Nothing was charged/);
    ctx.emulator.control.configure({ failNext: 0 });
    const retried = await ctx.portal(c.token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 25, idempotency_key: 'down-00001' });
    expect(retried.status).toBe(201);
    ctx.emulator.control.completeCheckout(checkoutSessionId(retried.body.redirect_url));
    await ctx.emulator.control.flush();
    await eventually(
      () => balanceOf(p, c.id, 'USD'),
      (b) => b === '25',
    );
  });

  it('refuses amounts outside the limits or the asset precision, and unknown assets', async () => {
    const c = await customerWithToken();
    for (const [body, path] of [
      [{ asset: 'USD', amount: '1.001', idempotency_key: 'bad-000001' }, 'amount'],
      [{ asset: 'USD', amount: '0.49', idempotency_key: 'bad-000002' }, 'amount'],
      [{ asset: 'USD', amount: 1_000_000, idempotency_key: 'bad-000003' }, 'amount'],
      [{ asset: 'EUR', amount: 10, idempotency_key: 'bad-000004' }, 'asset'],
      [{ asset: 'USD', amount: 10, idempotency_key: 'bad-000005', return_url: 'https://evil.example/steal' }, 'return_url'],
    ] as const) {
      const r = await ctx.portal(c.token, 'POST', '/portal/api/top-ups', body);
      expect(r.status, JSON.stringify(body)).toBe(422);
      expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });

  it('per-platform limits come from the portal configuration', async () => {
    const other = await ctx.newPlatform();
    const set = await other.call('PUT', '/billing-portal/configuration', { top_up_limits: { minimum: 50, maximum: '100.00' } });
    expect(set.body.top_up_limits).toEqual({ currency: 'USD', minimum: '50', maximum: '100' });
    const bad = await other.call('PUT', '/billing-portal/configuration', { top_up_limits: { minimum: 500 } });
    expect(bad.status).toBe(422);
    const c = await fundedCustomer(other, [unitPrice('call', 'USD', 1)]);
    const token = await ctx.accessToken(other, c.id);
    const low = await ctx.portal(token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 20, idempotency_key: 'limit-0001' });
    expect(low.status).toBe(422);
    expect(low.body.errors[0].message).toContain('between 50 and 100 USD');
    expect(low.body.errors[0]).toMatchObject({ code: 'below_minimum', params: { minimum: '50', maximum: '100', currency: 'USD' } });
    const high = await ctx.portal(token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 101, idempotency_key: 'limit-0003' });
    expect(high.body.errors[0]).toMatchObject({ path: 'amount', code: 'above_maximum' });
    // The portal shows them before the purchase.
    const session = await ctx.portal(token, 'GET', '/portal/api/session');
    expect(session.body.top_up_limits).toEqual({ currency: 'USD', minimum: '50', maximum: '100' });
    const ok = await ctx.portal(token, 'POST', '/portal/api/top-ups', { asset: 'USD', amount: 60, idempotency_key: 'limit-0002' });
    expect(ok.status).toBe(201);
  });

  it("with no limits set, the floor is Stripe's minimum charge, and a configured minimum applies above it only", async () => {
    // Credyt's custom-asset tutorial tops up 1 USD (credyt/learn, Tutorials/Custom Assets/Initiate Custom Asset
    // Top-up) and documents no platform minimum: the least a top-up may cost is what Stripe can charge, 0.50 USD
    // (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
    const fresh = await ctx.newPlatform();
    expect((await fresh.call('GET', '/billing-portal/configuration')).body.top_up_limits).toEqual({
      currency: 'USD',
      minimum: '0.5',
      maximum: '10000',
    });
    const c = await fundedCustomer(fresh, [unitPrice('call', 'USD', 1)]);
    const token = await ctx.accessToken(fresh, c.id);
    expect((await ctx.portal(token, 'GET', '/portal/api/session')).body.top_up_limits).toEqual({
      currency: 'USD',
      minimum: '0.5',
      maximum: '10000',
    });
    // Amounts as decimal strings, which the API takes as it takes numbers: no float between the test and the server.
    const topUp = (amount: string, key: string) =>
      fresh.call('POST', '/top-ups', {
        customer_id: c.id,
        amount,
        currency: 'USD',
        idempotency_key: key,
        return_url: 'https://example.com/back',
        failure_url: 'https://example.com/failed',
      });
    const under = await topUp('0.49', 'floor-0001');
    expect(under.status, JSON.stringify(under.body)).toBe(422);
    expect(under.body.errors[0], JSON.stringify(under.body)).toMatchObject({
      path: 'amount',
      code: 'below_minimum',
      params: { minimum: '0.5' },
    });
    expect((await topUp('0.50', 'floor-0002')).status).toBe(201);
    expect((await topUp('1', 'floor-0003')).status).toBe(201);

    // A minimum below Stripe's is stored but leaves Stripe's; one above it applies.
    const low = await fresh.call('PUT', '/billing-portal/configuration', { top_up_limits: { minimum: '0.10' } });
    expect(low.status).toBe(200);
    expect(low.body.top_up_limits.minimum).toBe('0.5');
    expect((await topUp('0.40', 'floor-0004')).status).toBe(422);
    const two = await fresh.call('PUT', '/billing-portal/configuration', { top_up_limits: { minimum: 2 } });
    expect(two.body.top_up_limits.minimum).toBe('2');
    expect((await topUp('1.99', 'floor-0005')).body.errors[0]).toMatchObject({ code: 'below_minimum', params: { minimum: '2' } });
    // A maximum Stripe cannot charge would refuse every top-up: it is refused itself.
    const unpayable = await fresh.call('PUT', '/billing-portal/configuration', { top_up_limits: { minimum: 0, maximum: '0.49' } });
    expect(unpayable.status).toBe(422);
    expect(unpayable.body.errors[0].path).toBe('top_up_limits.maximum');
  });
});
