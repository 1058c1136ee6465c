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
});
