import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spyOnPreparedRows } from '../../src/db/client.ts';
import { rateLimits } from '../../src/db/schema/index.ts';
import { CREDENTIAL_FAILURE_LIMIT, LINK_EXCHANGE_LIMIT, RateLimiter } from '../../src/http/rate-limit.ts';
import { PROBLEM_CONTENT_TYPE } from '@credyt/shared';
import {
  createPortalContext,
  fundedCustomer,
  newLink,
  onPostgres,
  signIn,
  sseReader,
  testClock,
  unitPrice,
  type PortalTestContext,
  type TestPlatform,
} from './helpers.ts';

/** A fresh address per use: counters live in the shared database for a minute, across runs and files. */
const newIp = () => `10.${randomBytes(3).join('.')}`;
const fakeLinkToken = () => `bpl_${randomBytes(32).toString('base64url')}`;
const env = { TRUST_PROXY: '1' };

async function exchange(ctx: PortalTestContext, ip: string, token: string) {
  return ctx.app.request('/portal/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ token }),
  });
}

const withKey = (ctx: PortalTestContext, ip: string, key: string, path = '/assets') =>
  ctx.app.request(path, { headers: { 'x-credyt-api-key': key, 'x-forwarded-for': ip } });

async function hitsOf(ctx: PortalTestContext, key: string): Promise<number | null> {
  const [row] = await ctx.database.db.select().from(rateLimits).where(eq(rateLimits.key, key));
  return row?.hits ?? null;
}

function expectTooMany(res: Response) {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
}

describe('abuse limits', () => {
  const clock = testClock();
  let ctx: PortalTestContext;
  let p: TestPlatform;
  beforeAll(async () => {
    ctx = await createPortalContext({ clock, env, portal: { maxStreamsPerSession: 2, maxStreams: 4 } });
    p = await ctx.newPlatform();
  });
  afterAll(() => ctx.close());
  const customer = () => fundedCustomer(p, [unitPrice('chat', 'USD', '0.25')], [{ asset: 'USD', amount: 5 }]);

  it('a burst of link exchanges from one IP gets 429 with Retry-After; another IP still signs in', async () => {
    const a = newIp();
    for (let i = 0; i < LINK_EXCHANGE_LIMIT.limit; i++) expect((await exchange(ctx, a, fakeLinkToken())).status).toBe(401);
    const blocked = await exchange(ctx, a, fakeLinkToken());
    expectTooMany(blocked);
    expect(((await blocked.json()) as { status: number }).status).toBe(429);

    const c = await customer();
    const link = await newLink(p, c.id);
    // Even a real link is refused from the blocked address…
    expectTooMany(await exchange(ctx, a, link.token));
    // …and works from another one.
    expect((await exchange(ctx, newIp(), link.token)).status).toBe(201);

    // The hosted sign-in shares the exchange limit.
    expectTooMany(await ctx.app.request(`/portal/sign-in?token=${fakeLinkToken()}`, { headers: { 'x-forwarded-for': a } }));
  });

  it('wrong API keys from one IP → 429 after the limit; the right key from another IP still works', async () => {
    const a = newIp();
    for (let i = 0; i < CREDENTIAL_FAILURE_LIMIT.limit; i++) expect((await withKey(ctx, a, `wrong_${i}_${a}`)).status).toBe(401);
    expectTooMany(await withKey(ctx, a, 'wrong_again'));
    // Blocked before the lookup: even the right key is turned away from that address for the window.
    expectTooMany(await withKey(ctx, a, p.apiKey));
    expect((await withKey(ctx, newIp(), p.apiKey)).status).toBe(200);
  });

  it("a blocked IP's next attempts make no database query", async () => {
    const a = newIp();
    const key = `${CREDENTIAL_FAILURE_LIMIT.name}:${a}`;
    for (let i = 0; i <= CREDENTIAL_FAILURE_LIMIT.limit; i++) await withKey(ctx, a, 'wrong');
    const counted = await hitsOf(ctx, key);
    expect(counted).toBe(CREDENTIAL_FAILURE_LIMIT.limit + 1);

    const db = ctx.database.db as unknown as Record<string, unknown>;
    const calls: string[] = [];
    const originals = Object.fromEntries(['select', 'execute', 'insert', 'update'].map((m) => [m, db[m]]));
    for (const [m, fn] of Object.entries(originals)) {
      db[m] = (...args: unknown[]) => {
        calls.push(m);
        return (fn as (...a: unknown[]) => unknown).apply(ctx.database.db, args);
      };
    }
    const unspy = spyOnPreparedRows(ctx.database.db, () => calls.push('prepared'));
    let blockedCalls: string[];
    try {
      for (let i = 0; i < 5; i++) {
        expectTooMany(await withKey(ctx, a, 'wrong'));
        expectTooMany(await ctx.app.request('/portal/api/wallet', { headers: { authorization: 'Bearer bpa_x', 'x-forwarded-for': a } }));
      }
      blockedCalls = [...calls];
      // The spy does see queries: an address not blocked costs its key lookup and its counter.
      expect((await withKey(ctx, newIp(), 'wrong')).status).toBe(401);
    } finally {
      Object.assign(db, originals);
      unspy();
    }
    expect(blockedCalls).toEqual([]);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(await hitsOf(ctx, key)).toBe(counted);
  });

  it('valid credentials and live sessions never touch the counters', async () => {
    const a = newIp();
    const c = await customer();
    const { accessToken } = await signIn(ctx.app, p, c.id);
    for (let i = 0; i < 3; i++) {
      expect((await withKey(ctx, a, p.apiKey)).status).toBe(200);
      const wallet = await ctx.app.request('/portal/api/wallet', {
        headers: { authorization: `Bearer ${accessToken}`, 'x-forwarded-for': a },
      });
      expect(wallet.status).toBe(200);
    }
    expect(await hitsOf(ctx, `${CREDENTIAL_FAILURE_LIMIT.name}:${a}`)).toBeNull();
  });

  it('the hosted portal tells a blocked address to wait, with 429 and Retry-After, and makes no lookup', async () => {
    const a = newIp();
    for (let i = 0; i <= CREDENTIAL_FAILURE_LIMIT.limit; i++) await withKey(ctx, a, 'wrong');
    const page = await ctx.app.request('/portal/', {
      headers: { accept: 'text/html', cookie: `credyt_portal=bpa_${randomBytes(32).toString('base64url')}`, 'x-forwarded-for': a },
    });
    expect(page.status).toBe(429);
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('Too many attempts');
    expectTooMany(await ctx.app.request('/portal/', { headers: { accept: 'application/json', 'x-forwarded-for': a } }));
  });

  it('bad or expired portal tokens count as failed credentials', async () => {
    const a = newIp();
    const bearer = (token: string) =>
      ctx.app.request('/portal/api/wallet', { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': a } });
    for (let i = 0; i < CREDENTIAL_FAILURE_LIMIT.limit; i++) {
      expect((await bearer(`bpa_${randomBytes(32).toString('base64url')}`)).status).toBe(401);
    }
    expectTooMany(await bearer('nonsense'));
    // A live session from another address is unaffected.
    const c = await customer();
    const { accessToken } = await signIn(ctx.app, p, c.id);
    expect(
      (await ctx.app.request('/portal/api/wallet', { headers: { authorization: `Bearer ${accessToken}`, 'x-forwarded-for': newIp() } }))
        .status,
    ).toBe(200);
  });

  it('windows expire', async () => {
    const a = newIp();
    for (let i = 0; i <= CREDENTIAL_FAILURE_LIMIT.limit; i++) await withKey(ctx, a, 'wrong');
    expectTooMany(await withKey(ctx, a, p.apiKey));
    clock.advance(CREDENTIAL_FAILURE_LIMIT.windowMs + 1000);
    expect((await withKey(ctx, a, p.apiKey)).status).toBe(200);
    expect((await withKey(ctx, a, 'wrong')).status).toBe(401);
    expect(await hitsOf(ctx, `${CREDENTIAL_FAILURE_LIMIT.name}:${a}`)).toBe(1);
  });

  it('counters whose window ended long ago are pruned; current ones stay', async () => {
    const stale = `${CREDENTIAL_FAILURE_LIMIT.name}:${newIp()}`;
    const current = `${CREDENTIAL_FAILURE_LIMIT.name}:${newIp()}`;
    const now = clock.now().getTime();
    await ctx.database.db.insert(rateLimits).values([
      { key: stale, windowStart: new Date(now - 11 * 60_000), hits: 3 },
      { key: current, windowStart: new Date(now - 30_000), hits: 3 },
    ]);
    expect(await new RateLimiter(ctx.database.db, clock).prune()).toBeGreaterThanOrEqual(1);
    expect(await hitsOf(ctx, stale)).toBeNull();
    expect(await hitsOf(ctx, current)).toBe(3);
  });

  it('stream caps: the oldest of a session is closed; past the process cap, 503 with Retry-After', async () => {
    const open = (token: string) => ctx.app.request('/portal/api/stream', { headers: { authorization: `Bearer ${token}` } });
    const c = await customer();
    const s1 = await signIn(ctx.app, p, c.id);
    const s2 = await signIn(ctx.app, p, c.id);
    const readers: ReturnType<typeof sseReader>[] = [];
    try {
      const first = sseReader(await open(s1.accessToken));
      readers.push(first);
      await first.next(undefined, 200).catch(() => undefined);
      const second = sseReader(await open(s1.accessToken));
      readers.push(second);
      const third = await open(s1.accessToken);
      expect(third.status).toBe(200);
      readers.push(sseReader(third));
      await first.waitForEnd(3000);
      expect(second.ended).toBe(false);

      // Session 1 holds 2 (its cap), session 2 takes the remaining 2 of the process cap of 4.
      readers.push(sseReader(await open(s2.accessToken)), sseReader(await open(s2.accessToken)));
      const s3 = await signIn(ctx.app, p, c.id);
      const full = await open(s3.accessToken);
      expect(full.status).toBe(503);
      expect(full.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
      expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
      // A session at its own cap may still replace its oldest when the process is full.
      const replaced = await open(s2.accessToken);
      expect(replaced.status).toBe(200);
      readers.push(sseReader(replaced));
    } finally {
      await Promise.all(readers.map((r) => r.close()));
    }
    // Closed streams give their slots back.
    await new Promise((r) => setTimeout(r, 100));
    const s4 = await signIn(ctx.app, p, c.id);
    const again = await open(s4.accessToken);
    expect(again.status).toBe(200);
    await sseReader(again).close();
  });
});

describe('abuse limits: client address', () => {
  it('without TRUST_PROXY, X-Forwarded-For is ignored and the socket address is counted', async () => {
    const ctx = await createPortalContext();
    const server = serve({ fetch: ctx.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await ctx.database.db.delete(rateLimits).where(eq(rateLimits.key, `${CREDENTIAL_FAILURE_LIMIT.name}:127.0.0.1`));
      const res = await fetch(`${url}/assets`, { headers: { 'x-credyt-api-key': 'wrong', 'x-forwarded-for': '192.0.2.1' } });
      expect(res.status).toBe(401);
      expect(await hitsOf(ctx, `${CREDENTIAL_FAILURE_LIMIT.name}:127.0.0.1`)).toBeGreaterThanOrEqual(1);
      expect(await hitsOf(ctx, `${CREDENTIAL_FAILURE_LIMIT.name}:192.0.2.1`)).toBeNull();
    } finally {
      await ctx.database.db.delete(rateLimits).where(eq(rateLimits.key, `${CREDENTIAL_FAILURE_LIMIT.name}:127.0.0.1`));
      (server as Server).closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await ctx.close();
    }
  });
});

describe.skipIf(!onPostgres)('abuse limits across processes', () => {
  it('two app instances on one database share counters', async () => {
    const a = await createPortalContext({ env });
    const b = await createPortalContext({ env });
    try {
      const ip = newIp();
      const half = Math.ceil(CREDENTIAL_FAILURE_LIMIT.limit / 2);
      for (let i = 0; i < half; i++) expect((await withKey(a, ip, 'wrong')).status).toBe(401);
      for (let i = half; i < CREDENTIAL_FAILURE_LIMIT.limit; i++) expect((await withKey(b, ip, 'wrong')).status).toBe(401);
      expectTooMany(await withKey(b, ip, 'wrong'));
      // Instance a has not seen the block yet: its next failure asks the database, which says over.
      expectTooMany(await withKey(a, ip, 'wrong'));
    } finally {
      await a.close();
      await b.close();
    }
  });
});
