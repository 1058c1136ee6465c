/**
 * The fixture API must answer exactly what the real BFF answers: every fixture response is parsed here with the
 * shared zod schemas the BFF uses.
 */
import { expect } from '@open-wc/testing';
import {
  AccessToken,
  AutoTopUpSetting,
  PortalSession,
  PortalSpend,
  PortalTopUp,
  PortalWallet,
  Problem,
  TransactionsPage,
  UsagePage,
} from '@credyt/shared';
import { linkToken } from './portal.ts';

async function json(path: string, token: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
  return response.json();
}

describe('fixture API contract', () => {
  for (const scenario of ['filled', 'empty', 'xss', 'rtl'] as const) {
    it(`answers per the shared schemas (${scenario})`, async () => {
      const exchange = await fetch('/portal/api/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: linkToken(scenario) }),
      });
      const { access_token: token } = AccessToken.parse(await exchange.json());
      PortalSession.parse(await json('/portal/api/session', token));
      PortalWallet.parse(await json('/portal/api/wallet', token));
      for (const interval of ['day', 'week', 'month']) {
        PortalSpend.parse(await json(`/portal/api/spend?interval=${interval}`, token));
      }
      UsagePage.parse(await json('/portal/api/usage?limit=25', token));
      UsagePage.parse(await json('/portal/api/usage?limit=25&cursor=c25', token));
      TransactionsPage.parse(await json('/portal/api/transactions?limit=50', token));
      TransactionsPage.parse(await json('/portal/api/transactions?category=top_up&asset=USD', token));
      UsagePage.parse(await json('/portal/api/usage?limit=1&total=true&from=2025-11-20&to=2030-11-20&product=chat&asset=USD', token));
      TransactionsPage.parse(await json('/portal/api/transactions?view=grouped&limit=20', token));
      TransactionsPage.parse(await json('/portal/api/transactions?view=grouped&limit=1&total=true', token));
      const settings = await json('/portal/api/auto-top-up', token);
      expect(settings).to.be.an('array');
      for (const setting of settings as unknown[]) AutoTopUpSetting.parse(setting);
      PortalTopUp.parse(
        await json('/portal/api/top-ups', token, {
          method: 'POST',
          body: JSON.stringify({ asset: 'USD', amount: '25', idempotency_key: 'contract-test-key' }),
        }),
      );
    });
  }

  it('answers errors as problem+json', async () => {
    const response = await fetch('/portal/api/wallet', { headers: { authorization: 'Bearer nope' } });
    expect(response.status).to.equal(401);
    expect(response.headers.get('content-type')).to.equal('application/problem+json');
    Problem.parse(await response.json());
  });
});
