import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE } from '@credyt/shared';
import { ACCESS_LIFETIME_MS } from '../../src/sessions/service.ts';
import {
  createPortalContext,
  fundedCustomer,
  newLink,
  sendEvents,
  signIn,
  testClock,
  unitPrice,
  type PortalTestContext,
  type TestPlatform,
} from './helpers.ts';

/** Every portal route a session can call (the exchange is covered on its own below). */
const ROUTES = ['/session', '/wallet', '/spend?interval=day', '/usage', '/transactions', '/transactions?format=csv', '/stream'] as const;

const VICTIM_ORIGIN = 'https://victim.example';
const OTHER_ORIGIN = 'https://other-platform.example';
const EVIL_ORIGIN = 'https://evil.example';

describe('portal tenancy', () => {
  const clock = testClock();
  let ctx: PortalTestContext;
  let victimPlatform: TestPlatform;
  let otherPlatform: TestPlatform;
  let victim: string;
  /** Strings that appear only in the victim's data: none may ever reach another caller. */
  let secrets: string[];
  const credentials: Record<string, () => Promise<Record<string, string>>> = {};

  beforeAll(async () => {
    ctx = await createPortalContext({ clock });
    victimPlatform = await ctx.newPlatform('Victim platform');
    otherPlatform = await ctx.newPlatform('Other platform');
    expect((await victimPlatform.call('PUT', '/billing-portal/configuration', { allowed_origins: [VICTIM_ORIGIN] })).status).toBe(200);
    expect((await otherPlatform.call('PUT', '/billing-portal/configuration', { allowed_origins: [OTHER_ORIGIN] })).status).toBe(200);
    expect(
      (
        await victimPlatform.call('POST', '/assets', {
          code: 'VGOLD',
          name: 'Victim gold',
          precision: 3,
          rates: [{ source: 'USD', rate: '1.5' }],
        })
      ).status,
    ).toBe(201);

    victim = (await fundedCustomer(victimPlatform, [unitPrice('secret_op', 'VGOLD', '13.377')], [{ asset: 'VGOLD', amount: '987.654' }]))
      .id;
    await sendEvents(victimPlatform, victim, [
      {
        id: 'victim-evt',
        event_type: 'secret_op',
        occurred_at: new Date().toISOString(),
        subject: 'victim-secret-subject',
        description: 'victim-secret-description',
      },
    ]);
    secrets = [victim, 'VGOLD', 'victim-secret-subject', 'victim-secret-description', '974.277', '987.654', '13.377'];

    const neighbour = (await fundedCustomer(victimPlatform, [unitPrice('op', 'USD', '1')], [{ asset: 'USD', amount: 3 }])).id;
    const foreign = (await fundedCustomer(otherPlatform, [unitPrice('op', 'USD', '1')], [{ asset: 'USD', amount: 4 }])).id;
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

    // Fresh sessions each time: the expired-session case moves the clock past every earlier one.
    credentials["another customer's token"] = async () => bearer((await signIn(ctx.app, victimPlatform, neighbour)).accessToken);
    credentials["another platform's customer"] = async () => bearer((await signIn(ctx.app, otherPlatform, foreign)).accessToken);
    credentials['an expired session'] = async () => {
      const s = await signIn(ctx.app, victimPlatform, victim);
      clock.advance(ACCESS_LIFETIME_MS);
      return bearer(s.accessToken);
    };
    credentials['a revoked session'] = async () => {
      const s = await signIn(ctx.app, victimPlatform, victim);
      await victimPlatform.call('POST', `/billing-portal/sessions/${s.sessionId}/revoke`);
      return bearer(s.accessToken);
    };
    credentials['a used link'] = async () => {
      const s = await signIn(ctx.app, victimPlatform, victim);
      return bearer(s.linkToken);
    };
    credentials['a malformed token'] = async () => bearer('bpa_not-a-token');
    credentials['a malformed header'] = async () => ({ authorization: 'Basic dmljdGltOnBhc3N3b3Jk' });
    credentials['a forged cookie'] = async () => ({ cookie: 'credyt_portal=bpa_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    credentials['no token'] = async () => ({});
  });
  afterAll(() => ctx.close());

  /** The whole answer as text: a stream is read for a moment, then cancelled. */
  async function answer(path: string, headers: Record<string, string>) {
    const res = await ctx.app.request(`/portal/api${path}`, { headers });
    let text = '';
    if (res.headers.get('content-type') === 'text/event-stream' && res.body) {
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      // Another write for the victim while the stream is open: it must not arrive here.
      await sendEvents(victimPlatform, victim, [
        {
          id: `victim-live-${Math.random()}`,
          event_type: 'secret_op',
          occurred_at: new Date().toISOString(),
          subject: 'victim-secret-subject',
        },
      ]);
      const deadline = Date.now() + 300;
      while (Date.now() < deadline) {
        const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), deadline - Date.now()))]);
        if (!chunk || chunk.done) break;
        text += chunk.value;
      }
      await reader.cancel();
    } else {
      text = await res.text();
    }
    return { status: res.status, type: res.headers.get('content-type') ?? '', text };
  }

  for (const route of ROUTES) {
    describe(route, () => {
      for (const who of ["another customer's token", "another platform's customer"]) {
        it(`${who}: only its own data, never the victim's`, async () => {
          const headers = await credentials[who]!();
          // Naming the victim in the query changes nothing: the session alone says whose data it is.
          const sep = route.includes('?') ? '&' : '?';
          for (const path of [route, `${route}${sep}customer_id=${victim}&asset=VGOLD`]) {
            const r = await answer(path, headers);
            expect(r.status).toBe(200);
            for (const secret of secrets) expect(r.text).not.toContain(secret);
          }
        });
      }
      for (const who of [
        'an expired session',
        'a revoked session',
        'a used link',
        'a malformed token',
        'a malformed header',
        'a forged cookie',
        'no token',
      ]) {
        it(`${who}: 401 problem+json`, async () => {
          const r = await answer(route, await credentials[who]!());
          expect(r.status).toBe(401);
          expect(r.type).toBe(PROBLEM_CONTENT_TYPE);
          expect(JSON.parse(r.text)).toMatchObject({ status: 401, title: 'Unauthorized' });
          for (const secret of secrets) expect(r.text).not.toContain(secret);
        });
      }
    });
  }

  it('an unknown portal path answers a problem, not a route of another resource', async () => {
    const r = await answer(`/customers/${victim}/wallet`, await credentials["another customer's token"]!());
    expect(r.status).toBe(404);
    expect(r.type).toBe(PROBLEM_CONTENT_TYPE);
    // The detail echoes the path the caller sent (with the id it already had), nothing more.
    for (const secret of secrets.filter((s) => s !== victim)) expect(r.text).not.toContain(secret);
  });

  it('the exchange refuses used, unknown and malformed links with 401 problems', async () => {
    const link = await newLink(victimPlatform, victim);
    const exchange = (token: unknown) =>
      ctx.app.request('/portal/api/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token }),
      });
    expect((await exchange(link.token)).status).toBe(201);
    for (const token of [link.token, 'bpl_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'garbage']) {
      const res = await exchange(token);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
      const text = await res.text();
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });

  describe('CORS', () => {
    const preflight = (origin: string) =>
      ctx.app.request('/portal/api/wallet', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });

    it('a preflight from an origin no platform allows gets no grant', async () => {
      const res = await preflight(EVIL_ORIGIN);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('a preflight from an allowed origin is granted for exactly that origin, without credentials', async () => {
      const res = await preflight(VICTIM_ORIGIN);
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(VICTIM_ORIGIN);
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(res.headers.get('vary')).toContain('Origin');
    });

    it("a request is granted only for its own platform's origins", async () => {
      const own = await signIn(ctx.app, victimPlatform, victim);
      const foreign = await credentials["another platform's customer"]!();
      const request = (origin: string, headers: Record<string, string>) =>
        ctx.app.request('/portal/api/wallet', { headers: { origin, ...headers } });

      const granted = await request(VICTIM_ORIGIN, { authorization: `Bearer ${own.accessToken}` });
      expect(granted.status).toBe(200);
      expect(granted.headers.get('access-control-allow-origin')).toBe(VICTIM_ORIGIN);
      // The other platform's token from the victim platform's origin (allowed somewhere, not for it): no grant.
      expect((await request(VICTIM_ORIGIN, foreign)).headers.get('access-control-allow-origin')).toBeNull();
      expect((await request(OTHER_ORIGIN, foreign)).headers.get('access-control-allow-origin')).toBe(OTHER_ORIGIN);
      expect(
        (await request(EVIL_ORIGIN, { authorization: `Bearer ${own.accessToken}` })).headers.get('access-control-allow-origin'),
      ).toBeNull();
      // A 401 is readable by an allowed origin (so the widget can renew), never by others.
      const noToken = await request(VICTIM_ORIGIN, {});
      expect(noToken.status).toBe(401);
      expect(noToken.headers.get('access-control-allow-origin')).toBe(VICTIM_ORIGIN);
      expect((await request(EVIL_ORIGIN, {})).headers.get('access-control-allow-origin')).toBeNull();
    });

    it("the exchange is granted only for the link's platform", async () => {
      const exchange = async (origin: string) => {
        const link = await newLink(victimPlatform, victim);
        return ctx.app.request('/portal/api/session', {
          method: 'POST',
          headers: { origin, 'content-type': 'application/json' },
          body: JSON.stringify({ token: link.token }),
        });
      };
      expect((await exchange(VICTIM_ORIGIN)).headers.get('access-control-allow-origin')).toBe(VICTIM_ORIGIN);
      expect((await exchange(OTHER_ORIGIN)).headers.get('access-control-allow-origin')).toBeNull();
      expect((await exchange(EVIL_ORIGIN)).headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
