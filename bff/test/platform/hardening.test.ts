import { connect } from 'node:net';
import { sql } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError } from '../../src/http/database-errors.ts';
import { listen, portOf } from '../../src/http/server.ts';
import { loadConfig } from '../../src/config.ts';
import { createApp } from '../../src/app.ts';
import { openDatabase } from '../../src/db/client.ts';
import { createLogger } from '../../src/log.ts';
import {
  cleanDatabase,
  createTestContext,
  fundedCustomer,
  onPostgres,
  unitPrice,
  type TestContext,
  type TestPlatform,
} from '../helpers.ts';
import { newLink, portal, signIn } from '../portal/helpers.ts';

type Reply = { status: number; body: any; headers: Headers };

/** Every table's rows, hashed: a rejected request must leave this unchanged. */
async function fingerprint(ctx: TestContext): Promise<string> {
  const tables = (await ctx.database.db.execute(
    sql`select tablename from pg_tables where schemaname = 'public' and tablename not in ('rate_limits') order by tablename`,
  )) as unknown;
  const names = (Array.isArray(tables) ? tables : (tables as { rows: unknown[] }).rows) as { tablename: string }[];
  const parts: string[] = [];
  for (const { tablename } of names) {
    const r = (await ctx.database.db.execute(
      sql.raw(`select count(*)::text as n, coalesce(md5(string_agg(t::text, ',' order by t::text)), '') as h from "${tablename}" t`),
    )) as unknown;
    const row = ((Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as { n: string; h: string }[])[0];
    parts.push(`${tablename}:${row?.n}:${row?.h}`);
  }
  return parts.join('|');
}

function expectProblem(r: Reply, status: number, path?: string) {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.headers.get('content-type')).toContain('application/problem+json');
  expect(r.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  if (path) expect(r.body.errors?.map((e: { path: string }) => e.path)).toContain(path);
}

describe('hardening: bad input is a clear 4xx and changes nothing', () => {
  let ctx: TestContext;
  let p: TestPlatform;
  let customer: { id: string };
  let token: string;

  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
    customer = await fundedCustomer(p, [unitPrice('ping', 'USD', '0.5')], [{ asset: 'USD', amount: 10 }]);
    token = (await signIn(ctx.app, p, customer.id)).accessToken;
  });
  afterAll(() => ctx.close());

  async function unchanged(run: () => Promise<void>) {
    const before = await fingerprint(ctx);
    await run();
    expect(await fingerprint(ctx)).toBe(before);
  }

  it('a chunked body past 2 MiB is refused while it streams, before authentication: 413 problem', async () => {
    let sent = 0;
    const chunk = new TextEncoder().encode(`"${'x'.repeat(64 * 1024)}",`);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 200 MB if nobody stopped reading; the limit stops it after ~2 MiB.
        if (sent > 200 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    await unchanged(async () => {
      const res = await ctx.app.request('/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit);
      expectProblem({ status: res.status, body: await res.json(), headers: res.headers }, 413);
    });
    expect(sent).toBeLessThan(4 * 1024 * 1024);
  });

  it('the limit counts bytes, not characters', async () => {
    // 1.1 M three-byte characters: 3.3 MB of UTF-8 in 1.1 M JavaScript characters.
    const text = JSON.stringify({ name: '€'.repeat(1_100_000), code: 'big', prices: [] });
    expectProblem(await p.call('POST', '/products', text), 413);
  });

  it('NUL in a body string, a path or a query: 4xx naming where', async () => {
    await unchanged(async () => {
      expectProblem(
        await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, {
          transaction_id: 'nul\u0000id',
          asset: 'USD',
          amount: 1,
          reason: 'gift',
        }),
        422,
        'transaction_id',
      );
      expectProblem(await p.call('GET', '/customers/cust_%00x'), 400, '(path)');
      expectProblem(await p.call('GET', '/customers?external_id=a%00b'), 400, 'external_id');
      expectProblem(await portal(ctx.app, token, '/transactions?asset=US%00D').then(asReply), 400, 'asset');
    });
  });

  it('a lone surrogate in JSON that would be stored: 422 with the field', async () => {
    await unchanged(async () => {
      const raw = `{"customer_id":"${customer.id}","events":[{"id":"e1","event_type":"ping","occurred_at":"2026-11-20T10:00:00Z","data":{"model":"\\ud800"}}]}`;
      expectProblem(await p.call('POST', '/events', raw), 422, 'events.0.data.model');
      const key = `{"customer_id":"${customer.id}","events":[{"id":"e1","event_type":"ping","occurred_at":"2026-11-20T10:00:00Z","data":{"\\udc00":1}}]}`;
      expectProblem(await p.call('POST', '/events', key), 422);
    });
  });

  it('JSON nested 5,000 levels deep: 400, not a stack overflow', async () => {
    await unchanged(async () => {
      const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
      const raw = `{"customer_id":"${customer.id}","events":[{"id":"e1","event_type":"ping","occurred_at":"2026-11-20T10:00:00Z","data":${deep}}]}`;
      expectProblem(await p.call('POST', '/events', raw), 400);
      const arrays = `{"metadata":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
      expectProblem(await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, arrays), 400);
    });
  });

  it('instants, dates and months PostgreSQL would refuse: 422 on the field', async () => {
    await unchanged(async () => {
      for (const occurred of ['0000-01-01T00:00:00Z', '2026-11-20T10:00:00+15:59', '+275760-09-13T00:00:00Z', '1969-12-31T23:59:59Z']) {
        const r = await p.call('POST', '/events', {
          customer_id: customer.id,
          events: [{ id: `bad-${occurred}`, event_type: 'ping', occurred_at: occurred }],
        });
        expectProblem(r, 422, 'events.0.occurred_at');
      }
      expectProblem(await portal(ctx.app, token, '/transactions?month=0000-01').then(asReply), 422, 'month');
      expectProblem(await portal(ctx.app, token, '/spend?from=0000-01-01').then(asReply), 422, 'from');
      expectProblem(await portal(ctx.app, token, '/usage?to=0000-12-31').then(asReply), 422, 'to');
    });
  });

  it('time zones Node accepts but PostgreSQL does not: 422 on tz', async () => {
    for (const tz of ['AET', 'IST', 'SystemV/AST4']) {
      expect(() => new Intl.DateTimeFormat('en', { timeZone: tz })).not.toThrow();
      expectProblem(await portal(ctx.app, token, `/spend?tz=${encodeURIComponent(tz)}`).then(asReply), 422, 'tz');
      expectProblem(await portal(ctx.app, token, `/transactions?tz=${encodeURIComponent(tz)}`).then(asReply), 422, 'tz');
    }
    // Names both know still work, including old links such as Asia/Calcutta.
    for (const tz of ['Asia/Calcutta', 'Australia/Sydney', 'UTC', 'Etc/GMT+5'])
      expect((await portal(ctx.app, token, `/spend?tz=${encodeURIComponent(tz)}`)).status).toBe(200);
  });

  it('an Idempotency-Key of 3,000 characters, an empty top-up description: 422 before anything is written', async () => {
    await unchanged(async () => {
      const body = {
        customer_id: customer.id,
        amount: 20,
        currency: 'USD',
        return_url: 'https://platform.example/ok',
        failure_url: 'https://platform.example/failed',
      };
      expectProblem(await p.call('POST', '/top-ups', body, { 'idempotency-key': 'k'.repeat(3000) }), 422, 'Idempotency-Key');
      expectProblem(await p.call('POST', '/top-ups', { ...body, description: '' }), 422, 'description');
    });
  });

  it('API answers carry nosniff and no-store', async () => {
    const r = await p.call('GET', `/customers/${customer.id}/wallet`);
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('cache-control')).toBe('no-store');
    const problem = await p.call('GET', '/customers/cust_missing');
    expect(problem.headers.get('x-content-type-options')).toBe('nosniff');
    const w = await portal(ctx.app, token, '/wallet');
    expect(w.headers.get('cache-control')).toBe('no-store');
    expect(w.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('signed webhooks whose data is null or lacks object: 422; one signed 10 minutes ahead: 400', async () => {
    const stripe = new Stripe('sk_test_x');
    const secret = loadConfig({}).stripe.webhookSecret;
    const send = async (payload: string, timestamp?: number) => {
      const signature = stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
      const res = await ctx.app.request('/webhooks/stripe', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signature },
        body: payload,
      });
      return { status: res.status, body: await res.json(), headers: res.headers };
    };
    await unchanged(async () => {
      expectProblem(await send(JSON.stringify({ id: 'evt_1', type: 'checkout.session.completed', data: null })), 422, 'data');
      expectProblem(await send(JSON.stringify({ id: 'evt_2', type: 'payment_intent.succeeded', data: {} })), 422, 'data.object');
      const ok = JSON.stringify({ id: 'evt_3', type: 'customer.created', data: { object: { id: 'cus_1' } } });
      expectProblem(await send(ok, Math.floor(Date.now() / 1000) + 600), 400);
      expect((await send(ok)).status).toBe(200);
    });
  });

  it('a link exchanged from an origin its platform does not list is refused and stays usable', async () => {
    await p.call('PUT', '/billing-portal/configuration', { allowed_origins: ['https://app.platform.example'] });
    const link = await newLink(p, customer.id);
    const exchange = (origin: string) =>
      ctx.app.request('/portal/api/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin },
        body: JSON.stringify({ token: link.token }),
      });
    const refused = await exchange('https://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await exchange('https://app.platform.example');
    expect(allowed.status).toBe(201);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.platform.example');
  });

  it("error logs keep the statement and the driver's message, never the parameters (customers' emails)", () => {
    const cause = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    const wrapped = Object.assign(new Error('Failed query: insert into customers (email) values ($1)\nparams: ada@example.com'), {
      query: 'insert into customers (email) values ($1)',
      params: ['ada@example.com'],
      cause,
    });
    const logged = JSON.stringify(describeError(wrapped));
    expect(logged).toContain('insert into customers');
    expect(logged).toContain('23505');
    expect(logged).not.toContain('ada@example.com');
  });
});

describe("hardening: Node's own refusals are problems too", () => {
  it('headers past Node’s limit: 431 problem+json', async () => {
    const ctx = await createTestContext();
    const server = await listen(ctx.app.fetch, 0, '127.0.0.1');
    try {
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(portOf(server), '127.0.0.1');
        let data = '';
        socket.on('data', (d) => (data += d.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
        socket.write(`GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 431 /);
      expect(raw).toContain('application/problem+json');
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 431 });
    } finally {
      server.close();
      await ctx.close();
    }
  });
});

describe.skipIf(!onPostgres)('hardening: a lost database connection', () => {
  it('answers 503 with Retry-After, not 500', async () => {
    const clean = await cleanDatabase();
    const database = await openDatabase(clean.url, { poolSize: 2 });
    const app = createApp({ database, config: loadConfig({}), logger: createLogger('silent') });
    await database.close();
    try {
      const res = await app.request('/customers', { headers: { 'x-credyt-api-key': 'test_whatever_key_0000' } });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      const health = await app.request('/healthz');
      expect(health.status).toBe(503);
    } finally {
      await clean.drop();
    }
  });
});

function asReply(r: { status: number; body: unknown; headers: Headers }): Reply {
  return r as Reply;
}

describe('hardening: the widget bundle', () => {
  it('is served to any origin, with nosniff and cross-origin CORP', async () => {
    const ctx = await createTestContext();
    try {
      const res = await ctx.app.request('/widget/credyt-billing-portal.js', { headers: { origin: 'https://platform.example' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    } finally {
      await ctx.close();
    }
  });
});
