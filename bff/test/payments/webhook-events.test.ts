// The platform hears of payments through its webhooks: top_up.succeeded / top_up.failed (manual and auto) and
// auto_top_up.paused, through the real Stripe SDK and the emulator, each delivered signed from the outbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { resultRows } from '../../src/db/client.ts';
import { createLogger } from '../../src/log.ts';
import { WebhookWorker } from '../../src/webhooks/delivery.ts';
import { fundedCustomer, unitPrice, type TestPlatform } from '../helpers.ts';
import { startReceiver, verifyCredytSignature, type Received } from '../webhook-receiver.ts';
import { checkoutSessionId, createPaymentsContext, eventually, type PaymentsContext } from './helpers.ts';

describe('payment webhooks to the platform (emulator)', () => {
  let ctx: PaymentsContext;
  let p: TestPlatform;
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let secret: string;
  let worker: WebhookWorker;

  beforeAll(async () => {
    ctx = await createPaymentsContext();
    p = await ctx.newPlatform();
    await p.call('POST', '/assets', { code: 'IMG', name: 'Image credits', precision: 2, rates: [{ source: 'USD', rate: '0.10' }] });
    hook = await startReceiver();
    const dest = await p.call('POST', '/webhooks', { url: hook.url, topics: ['top_up.succeeded', 'top_up.failed', 'auto_top_up.paused'] });
    expect(dest.status).toBe(201);
    secret = dest.body.secret;
    worker = new WebhookWorker(ctx.database, createLogger('silent'), { pollMs: 50, retryBaseMs: 50 });
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await hook?.close();
    await ctx?.close();
  });

  const list = (type: string, customerId: string) =>
    hook.received.filter((r) => r.body.type === type && r.body.data.customer_id === customerId);
  const of = (type: string, customerId: string) => async () => list(type, customerId);

  it('a manual top-up that succeeds sends top_up.succeeded, amounts as exact JSON numbers', async () => {
    const c = await fundedCustomer(p, [unitPrice('image', 'IMG', 1)]);
    const token = await ctx.accessToken(p, c.id);
    // 123.4 IMG at 0.10 USD each: 12.34 USD.
    const created = await ctx.portal(token, 'POST', '/portal/api/top-ups', {
      asset: 'IMG',
      amount: '123.4',
      idempotency_key: 'webhook-0001',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    ctx.emulator.control.completeCheckout(checkoutSessionId(created.body.redirect_url), '4242424242424242');
    await ctx.emulator.control.flush();
    const [got] = await eventually(of('top_up.succeeded', c.id), (r) => r.length === 1);
    expect(verifyCredytSignature(got!.headers['credyt-signature'] as string, got!.raw, secret)).toBe(true);
    expect(got!.body.data).toMatchObject({
      top_up_id: created.body.id,
      kind: 'manual',
      asset: 'IMG',
      amount: 123.4,
      currency: 'USD',
      receipt_url: expect.stringMatching(/\/receipts\//),
      failure: null,
    });
    // The credit is a paid grant, lapsing after a year as Credyt's do (https://docs.dev.credyt.ai/features/credit-grants).
    const grants = resultRows<{ amount: string; purpose: string; expires_at: string | Date }>(
      await ctx.database.db.execute(sql`select amount::text as amount, purpose, expires_at from credit_grants where customer_id = ${c.id}`),
    );
    expect(grants.map((g) => [g.amount, g.purpose])).toEqual([['123.400000000000000000', 'paid']]);
    const year = new Date(grants[0]!.expires_at).getTime() - Date.now();
    expect(Math.abs(year - 365 * 86_400_000)).toBeLessThan(60_000);
    // Written from the exact decimal text, never through a float.
    expect(got!.raw).toContain('"amount":123.4,');
    expect(got!.raw).toMatch(/"fiat_amount":12\.34[,}]/);
  });

  it('three declined auto top-ups send three top_up.failed (kind auto, with the reason) and one auto_top_up.paused', async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', 1)], [{ asset: 'USD', amount: 6 }]);
    const token = await ctx.accessToken(p, c.id);
    const put = await ctx.portal(token, 'PUT', '/portal/api/auto-top-up/USD', { enabled: true, threshold: 5, amount: 20 });
    ctx.emulator.control.completeCheckout(checkoutSessionId(put.body.setup_url), '4000000000000341');
    await ctx.emulator.control.flush();
    let n = 0;
    for (let i = 1; i <= 3; i++) {
      await p.call('POST', '/events', {
        customer_id: c.id,
        events: Array.from({ length: i === 1 ? 2 : 1 }, () => ({
          id: `wh-spend-${c.id}-${n++}`,
          event_type: 'call',
          occurred_at: new Date().toISOString(),
        })),
      });
      await eventually(of('top_up.failed', c.id), (r) => r.length === i);
    }
    const paused: Received[] = await eventually(of('auto_top_up.paused', c.id), (r) => r.length === 1);
    expect(paused[0]!.body.data).toMatchObject({
      asset: 'USD',
      failures: 3,
      reason: { code: expect.any(String), message: expect.stringMatching(/declined/i) },
    });
    const failed = list('top_up.failed', c.id);
    expect(failed.map((f) => f.body.data.kind)).toEqual(['auto', 'auto', 'auto']);
    expect(failed[0]!.body.data.failure).toMatchObject({ code: expect.any(String), message: expect.stringMatching(/declined/i) });
    // Paused, further debits charge nothing and send nothing more.
    await p.call('POST', '/events', {
      customer_id: c.id,
      events: [{ id: `wh-spend-${c.id}-last`, event_type: 'call', occurred_at: new Date().toISOString() }],
    });
    await new Promise((r) => setTimeout(r, 400));
    expect(list('auto_top_up.paused', c.id)).toHaveLength(1);
    expect(list('top_up.failed', c.id)).toHaveLength(3);
  });
});
