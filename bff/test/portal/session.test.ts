import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessToken, PortalSession, PROBLEM_CONTENT_TYPE } from '@credyt/shared';
import { SESSION_COOKIE } from '../../src/sessions/portal.routes.ts';
import { ACCESS_LIFETIME_MS } from '../../src/sessions/service.ts';
import {
  createPortalContext,
  fundedCustomer,
  newLink,
  portal,
  signIn,
  testClock,
  unitPrice,
  type PortalTestContext,
  type TestPlatform,
} from './helpers.ts';

describe('portal sessions', () => {
  const clock = testClock();
  let ctx: PortalTestContext;
  let p: TestPlatform;
  let customerId: string;
  beforeAll(async () => {
    ctx = await createPortalContext({ clock });
    p = await ctx.newPlatform('Acme AI');
    customerId = (await fundedCustomer(p, [unitPrice('chat', 'USD', '0.5')], [{ asset: 'USD', amount: 10 }])).id;
  });
  afterAll(() => ctx.close());

  const signInUrl = (redirect: string) => new URL(redirect).pathname + new URL(redirect).search;

  it('hosted sign-in exchanges the link once, sets the session cookie and redirects to the portal', async () => {
    const link = await newLink(p, customerId);
    const res = await ctx.app.request(signInUrl(link.redirect_url));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/portal/');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=bpa_[A-Za-z0-9_-]{43};`));
    expect(cookie).toContain('Path=/portal');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Lax');
    expect(cookie).toContain(`Max-Age=${ACCESS_LIFETIME_MS / 1000}`);
    expect(cookie).not.toContain('Secure'); // PUBLIC_URL is http here

    const value = cookie.split(';')[0]!;
    const session = await ctx.app.request('/portal/api/session', { headers: { cookie: value } });
    expect(session.status).toBe(200);
    const body = PortalSession.parse(await session.json());
    expect(body.customer.id).toBe(customerId);
    expect(body.platform.name).toBe('Acme AI');
    expect(body.return_url).toBe('https://platform.example/account');
    expect(body.locale).toBe('en');
    expect(body.currency).toBe('USD');

    const again = await ctx.app.request(signInUrl(link.redirect_url));
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe('https://platform.example/portal-failed?from=portal&reason=link_used');
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('sets a Secure cookie when PUBLIC_URL is https', async () => {
    const secure = await createPortalContext({ clock, env: { PUBLIC_URL: 'https://billing.example' } });
    try {
      const sp = await secure.newPlatform();
      const c = await fundedCustomer(sp, [unitPrice('chat', 'USD', '1')]);
      const link = await newLink(sp, c.id);
      expect(link.redirect_url).toMatch(/^https:\/\/billing\.example\/portal\/sign-in\?token=/);
      const res = await secure.app.request(signInUrl(link.redirect_url));
      expect(res.headers.get('set-cookie')).toContain('Secure');
    } finally {
      await secure.close();
    }
  });

  it('an expired link redirects to failure_url with link_expired; an unknown one is a 400 problem', async () => {
    const link = await newLink(p, customerId);
    clock.advance(10 * 60 * 1000 + 1);
    const res = await ctx.app.request(signInUrl(link.redirect_url));
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('https://platform.example/portal-failed?from=portal&reason=link_expired');

    const unknown = await ctx.app.request('/portal/sign-in?token=bpl_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    const missing = await ctx.app.request('/portal/sign-in');
    expect(missing.status).toBe(400);
  });

  it('a revoked link cannot sign in', async () => {
    const link = await newLink(p, customerId);
    expect((await p.call('POST', `/billing-portal/sessions/${link.id}/revoke`)).status).toBe(200);
    const res = await ctx.app.request(signInUrl(link.redirect_url));
    expect(res.headers.get('location')).toContain('reason=link_revoked');
  });

  it('embedded exchange answers a bearer token once; it expires after the access lifetime', async () => {
    const link = await newLink(p, customerId, { locale: 'pt-BR' });
    const exchange = () =>
      ctx.app.request('/portal/api/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: link.token }),
      });
    const first = await exchange();
    expect(first.status).toBe(201);
    const token = AccessToken.parse(await first.json());
    expect(token.access_token).toMatch(/^bpa_/);
    expect(new Date(token.expires_at).getTime()).toBe(clock.now().getTime() + ACCESS_LIFETIME_MS);

    const second = await exchange();
    expect(second.status).toBe(401);
    expect(second.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    expect((await second.json()).type).toBe('urn:credyt:problem:link-used');

    const session = await portal(ctx.app, token.access_token, '/session');
    expect(session.status).toBe(200);
    expect(session.body.locale).toBe('pt-BR');
    expect(session.body.expires_at).toBe(token.expires_at);

    clock.advance(ACCESS_LIFETIME_MS - 1000);
    expect((await portal(ctx.app, token.access_token, '/wallet')).status).toBe(200);
    clock.advance(1000);
    const expired = await portal(ctx.app, token.access_token, '/wallet');
    expect(expired.status).toBe(401);
    expect(expired.body.detail).toMatch(/expired/);
  });

  it('a revoked session and revoke-all for a customer answer 401', async () => {
    const a = await signIn(ctx.app, p, customerId);
    const b = await signIn(ctx.app, p, customerId);
    expect((await p.call('POST', `/billing-portal/sessions/${a.sessionId}/revoke`)).status).toBe(200);
    expect((await portal(ctx.app, a.accessToken, '/wallet')).status).toBe(401);
    expect((await portal(ctx.app, b.accessToken, '/wallet')).status).toBe(200);
    const all = await p.call('POST', `/customers/${customerId}/billing-portal/sessions/revoke`);
    expect(all.status).toBe(200);
    const revoked = await portal(ctx.app, b.accessToken, '/wallet');
    expect(revoked.status).toBe(401);
    expect(revoked.body.detail).toMatch(/revoked/);
  });

  it('an exchange body without a token is a 422 naming the field', async () => {
    const res = await portal(ctx.app, null, '/session', { method: 'POST', body: {} });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'token' })]);
  });
});
