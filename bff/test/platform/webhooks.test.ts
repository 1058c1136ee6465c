// Webhooks to the platform, as Credyt documents them (https://docs.dev.credyt.ai/features/webhooks): destinations,
// the envelope, `Credyt-Signature`; and what a billing system owes its platforms beyond the page: delivery at least
// once from an outbox written with the change, retries with backoff, a delivery log, several workers at once.
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { resultRows } from '../../src/db/client.ts';
import { createLogger } from '../../src/log.ts';
import { WebhookWorker, retryDelay, type DeliveryOptions } from '../../src/webhooks/delivery.ts';
import { cleanDatabase, createTestContext, unitPrice, type CleanDatabase, type TestContext, type TestPlatform } from '../helpers.ts';
import { startReceiver, verifyCredytSignature } from '../webhook-receiver.ts';

const FAST: Partial<DeliveryOptions> = { pollMs: 50, retryBaseMs: 40, retryCapMs: 200, timeoutMs: 2000, maxAttempts: 3 };

let clean: CleanDatabase;
let ctx: TestContext;
let strict: TestContext;
const workers: WebhookWorker[] = [];
const receivers: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  clean = await cleanDatabase();
  ctx = await createTestContext({ databaseUrl: clean.url, env: { WEBHOOK_ALLOW_INSECURE_URLS: 'true' } });
  strict = await createTestContext({ databaseUrl: clean.url });
});

// Any worker delivers any platform's events: each test stops its own, so the next one sees only its workers.
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

afterAll(async () => {
  await strict?.close();
  await ctx?.close();
  await clean?.drop();
});

async function worker(options: Partial<DeliveryOptions> = {}) {
  const w = new WebhookWorker(ctx.database, createLogger('silent'), { ...FAST, ...options });
  await w.start();
  workers.push(w);
  return w;
}

async function receiver(answer?: Parameters<typeof startReceiver>[0]) {
  const r = await startReceiver(answer);
  receivers.push(r);
  return r;
}

async function productOf(p: TestPlatform) {
  const code = `prod_${randomBytes(4).toString('hex')}`;
  const res = await p.call('POST', '/products', { name: 'Chat', code, prices: [unitPrice('chat', 'USD', '0.01')], publish: true });
  expect(res.status).toBe(201);
  return code;
}

async function subscribe(p: TestPlatform, code: string) {
  const res = await p.call('POST', '/customers', {
    name: 'Ada',
    external_id: `ext_${randomBytes(6).toString('hex')}`,
    subscriptions: [{ products: [{ code }] }],
  });
  expect(res.status).toBe(201);
  return res.body as { id: string; subscriptions: { id: string }[] };
}

async function eventCount(platformId: string): Promise<number> {
  const rows = resultRows<{ n: number }>(
    await ctx.database.db.execute(sql`select count(*)::int as n from webhook_events where platform_id = ${platformId}`),
  );
  return rows[0]!.n;
}

describe('destinations, as Credyt documents them', () => {
  it('creates one with the URL and topics, answers its secret, and lists it without the secret', async () => {
    const p = await ctx.newPlatform();
    // The page's own request body.
    const created = await p.call('POST', '/webhooks', { url: 'https://yourplatform.com/webhooks/credyt', topics: ['*'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^whd_/),
      secret: expect.stringMatching(/^whsec_/),
      created_at: expect.any(String),
    });
    expect(created.body).toMatchObject({ url: 'https://yourplatform.com/webhooks/credyt', topics: ['*'], connect: false, enabled: true });
    // "The secret is returned at creation time and can also be retrieved via GET /webhooks/:webhookId."
    const one = await p.call('GET', `/webhooks/${created.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body.secret).toBe(created.body.secret);
    const list = await p.call('GET', '/webhooks');
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ total_count: 1, limit: 50, offset: 0 });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).not.toHaveProperty('secret');
  });

  it('defaults topics to ["*"] and connect to false', async () => {
    const p = await ctx.newPlatform();
    const created = await p.call('POST', '/webhooks', { url: 'https://example.com/hook' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ topics: ['*'], connect: false });
  });

  it('refuses what it cannot deliver to, naming the field, and writes nothing', async () => {
    const p = await strict.newPlatform();
    const cases: [unknown, string][] = [
      [{ url: 'http://example.com/hook' }, 'url'],
      [{ url: 'https://user:pw@example.com/hook' }, 'url'],
      [{ url: 'https://127.0.0.1/hook' }, 'url'],
      [{ url: 'https://10.1.2.3/hook' }, 'url'],
      [{ url: 'https://[::1]/hook' }, 'url'],
      [{ url: 'https://localhost/hook' }, 'url'],
      [{ url: 'not a url' }, 'url'],
      [{ url: 'https://example.com/hook', topics: ['subscription.cancelled'] }, 'topics.0'],
      [{ url: 'https://example.com/hook', topics: ['*', 'top_up.succeeded'] }, 'topics'],
      [{ url: 'https://example.com/hook', topics: ['top_up.failed', 'top_up.failed'] }, 'topics'],
      [{ url: 'https://example.com/hook', topics: [] }, 'topics'],
      [{ url: 'https://example.com/hook', connect: 'yes' }, 'connect'],
    ];
    for (const [body, path] of cases) {
      const res = await p.call('POST', '/webhooks', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(
        res.body.errors.map((e: { path: string }) => e.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect((await p.call('GET', '/webhooks')).body.total_count).toBe(0);
  });

  it("never shows or changes another platform's destination", async () => {
    const a = await ctx.newPlatform();
    const b = await ctx.newPlatform();
    const { body } = await a.call('POST', '/webhooks', { url: 'https://a.example.com/hook' });
    for (const [method, path, payload] of [
      ['GET', `/webhooks/${body.id}`],
      ['PATCH', `/webhooks/${body.id}`, { enabled: false }],
      ['DELETE', `/webhooks/${body.id}`],
      ['GET', `/webhooks/${body.id}/deliveries`],
      ['PATCH', `/webhooks/${body.id}/deliveries/evt_x`, { status: 'pending' }],
    ] as const) {
      expect((await b.call(method, path, payload)).status, `${method} ${path}`).toBe(404);
    }
    expect((await b.call('GET', '/webhooks')).body.total_count).toBe(0);
    expect((await a.call('GET', `/webhooks/${body.id}`)).body.enabled).toBe(true);
  });
});

describe('delivery', () => {
  it('sends subscription.activated in Credyt’s envelope, signed as Credyt documents, and logs it', async () => {
    const p = await ctx.newPlatform();
    const hook = await receiver();
    const { body: dest } = await p.call('POST', '/webhooks', { url: hook.url, topics: ['subscription.activated'] });
    await worker();
    const customer = await subscribe(p, await productOf(p));
    const [got] = await hook.waitFor(1);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(verifyCredytSignature(got!.headers['credyt-signature'] as string, got!.raw, dest.secret)).toBe(true);
    expect(verifyCredytSignature(got!.headers['credyt-signature'] as string, got!.raw, 'whsec_wrong')).toBe(false);
    expect(verifyCredytSignature(got!.headers['credyt-signature'] as string, `${got!.raw} `, dest.secret)).toBe(false);
    expect(got!.body).toEqual({
      id: expect.stringMatching(/^evt_/),
      type: 'subscription.activated',
      created: expect.any(String),
      live_mode: false,
      data: { customer_id: customer.id, subscription_id: customer.subscriptions[0]!.id, occurred_at: expect.any(String) },
    });
    const log = await waitForDelivery(p, dest.id, 'succeeded');
    expect(log).toMatchObject({ event_id: got!.body.id, type: 'subscription.activated', attempts: 1, last_status_code: 200 });
    expect(log.log).toEqual([expect.objectContaining({ attempt: 1, status_code: 200, error: null })]);
  });

  it('retries a failing destination with backoff, the same event and bytes each time, until it answers 2xx', async () => {
    const p = await ctx.newPlatform();
    const hook = await receiver((_, n) => (n <= 2 ? 500 : 204));
    const { body: dest } = await p.call('POST', '/webhooks', { url: hook.url });
    await worker();
    await subscribe(p, await productOf(p));
    const got = await hook.waitFor(3);
    expect(new Set(got.map((g) => g.body.id)).size).toBe(1);
    expect(new Set(got.map((g) => g.raw)).size).toBe(1);
    for (const g of got) expect(verifyCredytSignature(g.headers['credyt-signature'] as string, g.raw, dest.secret)).toBe(true);
    // Each retry waits longer than the one before (40 ms, then 80 ms, ±25%).
    expect(got[1]!.at - got[0]!.at).toBeGreaterThanOrEqual(25);
    expect(got[2]!.at - got[1]!.at).toBeGreaterThanOrEqual(55);
    const log = await waitForDelivery(p, dest.id, 'succeeded');
    expect(log.log.map((a) => [a.attempt, a.status_code])).toEqual([
      [1, 500],
      [2, 500],
      [3, 204],
    ]);
    expect(log.log[0]!.error).toBe('The destination answered 500.');
  });

  it('gives up after the last attempt, keeps the log, and sends it again when the platform asks', async () => {
    const p = await ctx.newPlatform();
    let up = false;
    const hook = await receiver(() => (up ? 200 : 503));
    const { body: dest } = await p.call('POST', '/webhooks', { url: hook.url });
    await worker();
    await subscribe(p, await productOf(p));
    const failed = await waitForDelivery(p, dest.id, 'failed');
    expect(failed).toMatchObject({ attempts: 3, last_status_code: 503, next_attempt_at: null });
    expect((await p.call('GET', `/webhooks/${dest.id}/deliveries?status=failed`)).body.total_count).toBe(1);
    up = true;
    const retried = await p.call('PATCH', `/webhooks/${dest.id}/deliveries/${failed.event_id}`, { status: 'pending' });
    expect(retried.status).toBe(202);
    const done = await waitForDelivery(p, dest.id, 'succeeded');
    expect(done.log.map((a) => a.status_code)).toEqual([503, 503, 503, 200]);
    expect(hook.received.map((r) => r.body.id)).toEqual(Array(4).fill(failed.event_id));
  });

  it('records an unreachable destination and a slow one as failed attempts, with the reason', async () => {
    const p = await ctx.newPlatform();
    const slow = await receiver(() => new Promise((r) => setTimeout(() => r(200), 1500)));
    const closed = await receiver();
    await closed.close();
    const { body: toClosed } = await p.call('POST', '/webhooks', { url: closed.url });
    const { body: toSlow } = await p.call('POST', '/webhooks', { url: slow.url });
    await worker({ timeoutMs: 300, maxAttempts: 1 });
    await subscribe(p, await productOf(p));
    const a = await waitForDelivery(p, toClosed.id, 'failed');
    expect(a.last_error).toBe('The request failed: ECONNREFUSED.');
    const b = await waitForDelivery(p, toSlow.id, 'failed');
    expect(b.last_error).toBe('No answer within 300 ms.');
    expect(b.last_status_code).toBeNull();
  });

  it('sends only the topics a destination subscribes to, nothing to a disabled one, and cancels a deleted one’s', async () => {
    const p = await ctx.newPlatform();
    const hook = await receiver();
    const { body: topUpsOnly } = await p.call('POST', '/webhooks', { url: hook.url, topics: ['top_up.succeeded'] });
    const { body: disabled } = await p.call('POST', '/webhooks', { url: hook.url });
    expect((await p.call('PATCH', `/webhooks/${disabled.id}`, { enabled: false })).body.enabled).toBe(false);
    const { body: deleted } = await p.call('POST', '/webhooks', { url: hook.url });
    const { body: all } = await p.call('POST', '/webhooks', { url: hook.url, description: 'everything' });
    // Queued for `deleted` before it goes: deleting cancels it.
    await subscribe(p, await productOf(p));
    expect((await p.call('DELETE', `/webhooks/${deleted.id}`)).status).toBe(204);
    expect((await p.call('GET', `/webhooks/${deleted.id}`)).status).toBe(404);
    await worker();
    await waitForDelivery(p, all.id, 'succeeded');
    expect(hook.received).toHaveLength(1);
    expect((await p.call('GET', `/webhooks/${topUpsOnly.id}/deliveries`)).body.total_count).toBe(0);
    expect((await p.call('GET', `/webhooks/${disabled.id}/deliveries`)).body.total_count).toBe(0);
    const cancelled = resultRows<{ status: string }>(
      await ctx.database.db.execute(sql`select status from webhook_deliveries where destination_id = ${deleted.id}`),
    );
    expect(cancelled).toEqual([{ status: 'cancelled' }]);
  });

  it('writes an event only when the change commits: a refused customer sends nothing', async () => {
    const p = await ctx.newPlatform();
    await p.call('POST', '/webhooks', { url: 'https://example.com/hook' });
    const code = await productOf(p);
    const before = await eventCount(p.platformId);
    const external_id = `ext_${randomBytes(6).toString('hex')}`;
    const first = await p.call('POST', '/customers', { name: 'A', external_id, subscriptions: [{ products: [{ code }] }] });
    expect(first.status).toBe(201);
    const again = await p.call('POST', '/customers', { name: 'A', external_id, subscriptions: [{ products: [{ code }] }] });
    expect(again.status).toBe(409);
    const unknown = await p.call('POST', '/customers', { name: 'B', external_id: 'x2', subscriptions: [{ products: [{ code: 'nope' }] }] });
    expect(unknown.status).toBe(422);
    expect(await eventCount(p.platformId)).toBe(before + 1);
    // No destination for the topic, no event row.
    const quiet = await ctx.newPlatform();
    await quiet.call('POST', '/webhooks', { url: 'https://example.com/hook', topics: ['top_up.failed'] });
    await subscribe(quiet, await productOf(quiet));
    expect(await eventCount(quiet.platformId)).toBe(0);
  });

  it('with three workers, sends each of 60 events once and only once', async () => {
    const p = await ctx.newPlatform();
    const hook = await receiver();
    const { body: dest } = await p.call('POST', '/webhooks', { url: hook.url });
    await Promise.all([worker(), worker(), worker()]);
    const code = await productOf(p);
    await Promise.all(Array.from({ length: 60 }, () => subscribe(p, code)));
    await hook.waitFor(60);
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.received).toHaveLength(60);
    expect(new Set(hook.received.map((r) => r.body.id)).size).toBe(60);
    const page = await p.call('GET', `/webhooks/${dest.id}/deliveries?status=succeeded&limit=200`);
    expect(page.body.total_count).toBe(60);
  });

  it('on shutdown gives the delivery in flight back, uncounted, and another worker sends it', async () => {
    const p = await ctx.newPlatform();
    let first = true;
    const hook = await receiver(() => {
      if (!first) return 200;
      first = false;
      return new Promise(() => {}); // hangs until the worker gives up on it
    });
    const { body: dest } = await p.call('POST', '/webhooks', { url: hook.url });
    const a = await worker({ timeoutMs: 30_000 });
    await subscribe(p, await productOf(p));
    await hook.waitFor(1);
    await a.stop();
    const [row] = resultRows<{ status: string; attempts: number }>(
      await ctx.database.db.execute(sql`select status, attempts from webhook_deliveries where destination_id = ${dest.id}`),
    );
    expect(row).toEqual({ status: 'pending', attempts: 0 });
    await worker();
    const done = await waitForDelivery(p, dest.id, 'succeeded');
    expect(done.attempts).toBe(1);
    expect(hook.received).toHaveLength(2);
  });

  it('takes over a delivery whose process died mid-send once its lease runs out', async () => {
    const p = await ctx.newPlatform();
    const hook = await receiver();
    const { body: dest } = await p.call('POST', '/webhooks', { url: hook.url });
    await subscribe(p, await productOf(p));
    // What a process killed while sending leaves behind: claimed, attempt counted, lease over.
    await ctx.database.db.execute(sql`
      update webhook_deliveries set status = 'sending', attempts = 1, claimed_until = now() - interval '1 second'
      where destination_id = ${dest.id}`);
    await worker();
    const done = await waitForDelivery(p, dest.id, 'succeeded');
    expect(done.attempts).toBe(2);
    expect(hook.received).toHaveLength(1);
  });
});

describe('control', () => {
  it('disabling a destination pauses what it still had to receive; enabling sends it', async () => {
    const p = await ctx.newPlatform();
    let up = false;
    const hook = await receiver(() => (up ? 200 : 500));
    const { body: dest } = await p.call('POST', '/webhooks', { url: hook.url });
    await worker({ retryBaseMs: 300, retryCapMs: 300 });
    await subscribe(p, await productOf(p));
    await hook.waitFor(1);
    // Failing and due to be retried; disabled, it is not sent again.
    expect((await p.call('PATCH', `/webhooks/${dest.id}`, { enabled: false })).status).toBe(200);
    const paused = await waitForDelivery(p, dest.id, 'paused');
    await new Promise((r) => setTimeout(r, 700));
    expect(hook.received).toHaveLength(1);
    const refused = await p.call('PATCH', `/webhooks/${dest.id}/deliveries/${paused.event_id}`, { status: 'pending' });
    expect(refused.status).toBe(409);
    up = true;
    expect((await p.call('PATCH', `/webhooks/${dest.id}`, { enabled: true })).status).toBe(200);
    const done = await waitForDelivery(p, dest.id, 'succeeded');
    expect(done.log.map((a) => a.status_code)).toEqual([500, 200]);
  });

  it('a worker whose lease ran out cannot overwrite the claim that took over', async () => {
    const p = await ctx.newPlatform();
    let answer: ((status: number) => void) | null = null;
    const hook = await receiver(() => new Promise<number>((resolve) => (answer = resolve)));
    const { body: dest } = await p.call('POST', '/webhooks', { url: hook.url });
    await worker({ timeoutMs: 30_000 });
    await subscribe(p, await productOf(p));
    await hook.waitFor(1);
    // Another worker took the row over (its own claim: the next attempt, a lease of its own).
    await ctx.database.db.execute(sql`
      update webhook_deliveries set attempts = 2, claimed_until = now() + interval '1 minute' where destination_id = ${dest.id}`);
    answer!(200);
    await new Promise((r) => setTimeout(r, 300));
    const [row] = resultRows<{ status: string; attempts: number }>(
      await ctx.database.db.execute(sql`select status, attempts from webhook_deliveries where destination_id = ${dest.id}`),
    );
    expect(row).toEqual({ status: 'sending', attempts: 2 });
  });

  it('a slow destination takes at most its share of the slots; another platform’s events still go out', async () => {
    const slowPlatform = await ctx.newPlatform();
    const other = await ctx.newPlatform();
    const slow = await receiver(() => new Promise((r) => setTimeout(() => r(200), 1500)));
    const fast = await receiver();
    await slowPlatform.call('POST', '/webhooks', { url: slow.url });
    await other.call('POST', '/webhooks', { url: fast.url });
    const code = await productOf(slowPlatform);
    await Promise.all(Array.from({ length: 8 }, () => subscribe(slowPlatform, code)));
    await worker({ concurrency: 4, perDestination: 2 });
    await slow.waitFor(2);
    const started = Date.now();
    await subscribe(other, await productOf(other));
    await fast.waitFor(1);
    // Not behind the slow endpoint's 1.5 s answers.
    expect(Date.now() - started).toBeLessThan(1000);
    expect(slow.received.length).toBeLessThanOrEqual(2);
  });

  it('a platform has at most 20 destinations, even when it creates them at once', async () => {
    const p = await ctx.newPlatform();
    const made = await Promise.all(
      Array.from({ length: 21 }, (_, i) => p.call('POST', '/webhooks', { url: `https://example.com/h/${i}` })),
    );
    expect(made.filter((r) => r.status === 201)).toHaveLength(20);
    expect(made.filter((r) => r.status === 409)).toHaveLength(1);
    expect((await p.call('GET', '/webhooks')).body.total_count).toBe(20);
  });
});

describe('retryDelay', () => {
  it('doubles from the base, stays within ±25%, and stops at the cap', () => {
    const o = { retryBaseMs: 30_000, retryCapMs: 6 * 3600_000 };
    expect([1, 2, 3, 4].map((n) => retryDelay(o, n, 0.5))).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelay(o, 1, 0)).toBe(22_500);
    expect(retryDelay(o, 1, 1)).toBe(37_500);
    expect(retryDelay(o, 50, 0.5)).toBe(6 * 3600_000);
  });
});

interface DeliveryLog {
  event_id: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  log: { attempt: number; status_code: number | null; error: string | null }[];
}

async function waitForDelivery(p: TestPlatform, destinationId: string, status: string, timeoutMs = 10_000): Promise<DeliveryLog> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await p.call('GET', `/webhooks/${destinationId}/deliveries`);
    expect(res.status).toBe(200);
    const found = (res.body.items as DeliveryLog[]).find((d) => d.status === status);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no ${status} delivery: ${JSON.stringify(res.body.items)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
