// Credyt's fields for credits that expire and credits a product bundles, accepted and stored with their meaning
// for the grants built on them: `expires_at` on adjustments
// (https://docs.dev.credyt.ai/advanced-topics/adjustments-charges-gifts) and `entitlements` on products
// (https://docs.dev.credyt.ai/features/product-catalog/entitlements).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { resultRows } from '../../src/db/client.ts';
import { balanceOf, createTestContext, fundedCustomer, unitPrice, type TestContext, type TestPlatform } from '../helpers.ts';

let ctx: TestContext;
let p: TestPlatform;

beforeAll(async () => {
  ctx = await createTestContext();
  p = await ctx.newPlatform();
  const credit = await p.call('POST', '/assets', { code: 'CREDIT', name: 'Credits', precision: 2, rates: [{ source: 'USD', rate: 0.01 }] });
  expect(credit.status).toBe(201);
});
afterAll(() => ctx.close());

interface GrantRow {
  amount: string;
  purpose: string;
  expires_at: Date | string | null;
  asset_code: string;
  account_name: string;
}
async function grantsOf(customerId: string): Promise<GrantRow[]> {
  return resultRows<GrantRow>(
    await ctx.database.db.execute(sql`
      select amount::text as amount, purpose, expires_at, asset_code, account_name from credit_grants
      where customer_id = ${customerId} order by created_at`),
  );
}
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

describe('expires_at on wallet adjustments', () => {
  it("takes Credyt's own example body unchanged and keeps the expiry on the credit's grant", async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', 1)]);
    // The page's body, as printed (its transaction id, its past expiry).
    const res = await p.call('POST', `/customers/${c.id}/wallet/adjustments`, {
      transaction_id: '3fa85f64-5717-4562-b3fc-2c963f66afa6',
      account_name: 'default',
      asset: 'USD',
      amount: 25,
      description: 'Monthly Subscription',
      reason: 'external_topup',
      expires_at: '2024-07-29T15:51:28.071Z',
      metadata: { psp: 'stripe', payment_intent: 'pi_3RjbbNJNSIruR1rb0GwMGpH0' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ id: expect.any(String), created_at: expect.any(String) });
    const [grant] = await grantsOf(c.id);
    expect({ ...grant, expires_at: iso(grant!.expires_at) }).toEqual({
      amount: '25.000000000000000000',
      purpose: 'paid',
      expires_at: '2024-07-29T15:51:28.071Z',
      asset_code: 'USD',
      account_name: 'default',
    });
  });

  it('a gift is a promotional grant, exact past 2^53, with or without an expiry; a debit makes no grant', async () => {
    const c = await fundedCustomer(p, [unitPrice('image', 'CREDIT', 1)]);
    const expires = new Date(Date.now() + 7 * 86400_000).toISOString();
    const adjust = (transaction_id: string, amount: string, extra: Record<string, unknown> = {}) =>
      p.call('POST', `/customers/${c.id}/wallet/adjustments`, { transaction_id, asset: 'CREDIT', amount, reason: 'gift', ...extra });
    expect((await adjust('gift-expiring', '9007199254740993.07', { expires_at: expires })).status).toBe(201);
    expect((await adjust('gift-forever', '0.01')).status).toBe(201);
    expect((await adjust('fee-1', '-1.5', { reason: 'ad_hoc_fee' })).status).toBe(201);
    const grants = await grantsOf(c.id);
    expect(grants.map((g) => [g.amount, g.purpose, iso(g.expires_at)])).toEqual([
      ['9007199254740993.070000000000000000', 'promotional', expires],
      ['0.010000000000000000', 'promotional', null],
    ]);
    expect(await balanceOf(p, c.id, 'CREDIT')).toBe('9007199254740991.58');
  });

  it('refuses an expiry on a debit, naming the field, and writes nothing; the same id with another expiry is a 409', async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', 1)], [{ asset: 'USD', amount: 10 }]);
    const debit = await p.call('POST', `/customers/${c.id}/wallet/adjustments`, {
      transaction_id: 'debit-expiring',
      asset: 'USD',
      amount: -5,
      reason: 'ad_hoc_fee',
      expires_at: '2030-01-01T00:00:00Z',
    });
    expect(debit.status).toBe(422);
    expect(debit.body.errors).toEqual([expect.objectContaining({ path: 'expires_at' })]);
    const bad = await p.call('POST', `/customers/${c.id}/wallet/adjustments`, {
      transaction_id: 'bad-expiry',
      asset: 'USD',
      amount: 5,
      reason: 'gift',
      expires_at: 'next tuesday',
    });
    expect(bad.status).toBe(422);
    expect(new Set(bad.body.errors.map((e: { path: string }) => e.path))).toEqual(new Set(['expires_at']));
    expect(await balanceOf(p, c.id, 'USD')).toBe('10');
    const body = { transaction_id: 'gift-once', asset: 'USD', amount: 5, reason: 'gift', expires_at: '2030-01-01T00:00:00Z' };
    const first = await p.call('POST', `/customers/${c.id}/wallet/adjustments`, body);
    const replay = await p.call('POST', `/customers/${c.id}/wallet/adjustments`, { ...body, expires_at: '2030-01-01T00:00:00.000Z' });
    expect(replay.body.id).toBe(first.body.id);
    const other = await p.call('POST', `/customers/${c.id}/wallet/adjustments`, { ...body, expires_at: '2031-01-01T00:00:00Z' });
    expect(other.status).toBe(409);
    expect((await grantsOf(c.id)).filter((g) => g.purpose === 'promotional')).toHaveLength(2); // the funding gift and this one
  });
});

describe('entitlements on products', () => {
  it('stores them with the version and answers them as sent, amounts as exact numbers', async () => {
    const entitlements = [
      { asset: 'CREDIT', amount: '1000', refresh: { interval: 'month', strategy: 'reset' }, purpose: 'bundled' },
      { asset: 'usd', amount: '12345678901234567.89' },
    ];
    const created = await p.call('POST', '/products', {
      name: 'Pro',
      code: 'pro_with_credits',
      prices: [unitPrice('image', 'CREDIT', 1)],
      entitlements,
      publish: true,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.entitlements).toEqual([
      { asset: 'CREDIT', amount: 1000, refresh: { interval: 'month', strategy: 'reset' }, purpose: 'bundled' },
      { asset: 'USD', amount: '12345678901234567.89' },
    ]);
    const read = await p.call('GET', `/products/${created.body.id}`);
    expect(read.body.entitlements).toEqual(created.body.entitlements);
    // A new version has its own, none unless it says.
    const v2 = await p.call('POST', `/products/${created.body.id}`, { name: 'Pro', prices: [unitPrice('image', 'CREDIT', 2)] });
    expect(v2.status).toBe(201);
    expect(v2.body.entitlements).toEqual([]);
  });

  it('refuses an unknown asset, a precision the asset has not, and a zero amount, naming each, and writes nothing', async () => {
    const create = (entitlements: unknown[]) =>
      p.call('POST', '/products', { name: 'Bad', code: 'bad_entitlements', prices: [unitPrice('image', 'CREDIT', 1)], entitlements });
    const paths = (res: { body: { errors: { path: string }[] } }) => res.body.errors.map((e) => e.path).sort();
    // The shape is checked first (a zero amount), then the assets and their precision.
    const zero = await create([
      { asset: 'NOPE', amount: 1 },
      { asset: 'CREDIT', amount: '0.001' },
      { asset: 'CREDIT', amount: 0 },
    ]);
    expect(zero.status).toBe(422);
    expect(paths(zero)).toEqual(['entitlements.2.amount']);
    const assets = await create([
      { asset: 'NOPE', amount: 1 },
      { asset: 'CREDIT', amount: '0.001' },
    ]);
    expect(assets.status).toBe(422);
    expect(paths(assets)).toEqual(['entitlements.0.asset', 'entitlements.1.amount']);
    expect((await p.call('GET', '/products?code=bad_entitlements')).body.total_count).toBe(0);
  });
});
