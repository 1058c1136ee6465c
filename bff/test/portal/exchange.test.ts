import { PortalSession, PortalWallet, SessionExchanged } from '@credyt/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalContext, fundedCustomer, newLink, unitPrice, type PortalTestContext, type TestPlatform } from './helpers.ts';

/** The embedded exchange answers with the session and wallet, so the element's first paint needs one request. */
describe('POST /portal/api/session', () => {
  let ctx: PortalTestContext;
  let p: TestPlatform;
  beforeAll(async () => {
    ctx = await createPortalContext();
    p = await ctx.newPlatform();
  });
  afterAll(() => ctx.close());

  it('answers the access token with the session and the wallet it opens, equal to the reads', async () => {
    const c = await fundedCustomer(p, [unitPrice('op', 'USD', '0.25')], [{ asset: 'USD', amount: 3 }]);
    const link = await newLink(p, c.id);
    const res = await ctx.app.request('/portal/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: link.token }),
    });
    expect(res.status).toBe(201);
    const body = SessionExchanged.parse(await res.json());
    const read = async (path: string) =>
      (await ctx.app.request(`/portal/api${path}`, { headers: { authorization: `Bearer ${body.access_token}` } })).json();
    expect(body.session).toEqual(PortalSession.parse(await read('/session')));
    expect(body.wallet).toEqual(PortalWallet.parse(await read('/wallet')));
    expect(body.wallet.accounts[0]).toMatchObject({ id: 'default:USD', available: '3' });
  });

  it('takes the token as text/plain too (a CORS simple request, no preflight), validated as strictly', async () => {
    const c = await fundedCustomer(p, [unitPrice('op', 'USD', '0.25')], [{ asset: 'USD', amount: 3 }]);
    const link = await newLink(p, c.id);
    const send = (body: string, type: string) =>
      ctx.app.request('/portal/api/session', { method: 'POST', headers: { 'content-type': type }, body });
    const wrong = await send(JSON.stringify({ token: 7 }), 'text/plain;charset=UTF-8');
    expect(wrong.status).toBe(422);
    expect((await wrong.json()) as unknown).toMatchObject({ errors: [{ path: 'token' }] });
    expect((await send('{"token":', 'text/plain;charset=UTF-8')).status).toBe(400);
    expect((await send(JSON.stringify({ token: link.token }), 'text/html')).status).toBe(415);
    const res = await send(JSON.stringify({ token: link.token }), 'text/plain;charset=UTF-8');
    expect(res.status).toBe(201);
    expect(SessionExchanged.parse(await res.json()).wallet.accounts[0]).toMatchObject({ available: '3' });
    // Elsewhere text/plain is still refused.
    const other = await p.call('POST', '/customers', '{"name":"x"}', { 'content-type': 'text/plain' });
    expect(other.status).toBe(415);
  });
});
