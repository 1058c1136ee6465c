import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceOf, createTestContext, fundedCustomer, unitPrice, type TestContext, type TestPlatform } from '../helpers.ts';

/** Every class of bad input: a clear 4xx problem+json naming the field, and nothing written. */
describe('bad input', () => {
  let ctx: TestContext;
  let p: TestPlatform;
  let other: TestPlatform;
  let customer: { id: string };
  let otherCustomer: { id: string };

  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
    other = await ctx.newPlatform('Other');
    customer = await fundedCustomer(p, [unitPrice('ping', 'USD', 1)], [{ asset: 'USD', amount: 10 }]);
    otherCustomer = await fundedCustomer(other, [unitPrice('ping', 'USD', 1)], [{ asset: 'USD', amount: 10 }]);
  });
  afterAll(() => ctx.close());

  async function expectUnchanged(run: () => Promise<void>) {
    const before = [
      await balanceOf(p, customer.id, 'USD'),
      (await p.call('GET', `/events?customer_id=${customer.id}&limit=200`)).body.items.length,
    ];
    await run();
    const after = [
      await balanceOf(p, customer.id, 'USD'),
      (await p.call('GET', `/events?customer_id=${customer.id}&limit=200`)).body.items.length,
    ];
    expect(after).toEqual(before);
  }

  function expectProblem(r: { status: number; body: any; headers: Headers }, status: number, path?: string) {
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toContain('application/problem+json');
    expect(r.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
    if (path) expect(r.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  }

  const event = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    event_type: 'ping',
    occurred_at: '2026-11-20T10:00:00Z',
    ...extra,
  });

  it('no API key, or a wrong one: 401', async () => {
    const none = await p.call('GET', '/assets', undefined, { 'x-credyt-api-key': '' });
    expectProblem(none, 401);
    const wrong = await p.call('GET', '/assets', undefined, { 'X-Credyt-Api-Key': 'nope' });
    expectProblem(wrong, 401);
  });

  it('malformed JSON: 400, and a body that is not JSON: 415', async () => {
    await expectUnchanged(async () => {
      expectProblem(await p.call('POST', '/events', '{"customer_id": "x", "events": [', {}), 400);
      expectProblem(await p.call('POST', '/events', 'customer_id=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415);
    });
  });

  it('wrong types name each field at fault', async () => {
    const r = await p.call('POST', '/products', { name: 5, code: 'x y', prices: 'none' });
    expectProblem(r, 422, 'name');
    expect(r.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(['code', 'prices']));
    const adj = await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, {
      transaction_id: 't',
      asset: 'USD',
      amount: '1e3',
      reason: 'gift',
    });
    expectProblem(adj, 422, 'amount');
    const reason = await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, {
      transaction_id: 't',
      asset: 'USD',
      amount: 1,
      reason: 'free money',
    });
    expectProblem(reason, 422, 'reason');
    const long = await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, {
      transaction_id: 't',
      asset: 'USD',
      amount: '1'.repeat(40),
      reason: 'gift',
    });
    expectProblem(long, 422, 'amount');
  });

  it('one bad event refuses the whole batch, naming its index and field', async () => {
    await expectUnchanged(async () => {
      const r = await p.call('POST', '/events', {
        customer_id: customer.id,
        events: [event('ok-1'), event('bad-1', { occurred_at: 'yesterday' }), event('ok-2'), event('bad-2', { data: 'x' })],
      });
      expectProblem(r, 422, 'events.1.occurred_at');
      expect(r.body.errors.map((e: { path: string }) => e.path)).toContain('events.3.data');
    });
  });

  it('an oversized batch (> 1000 events) is refused whole', async () => {
    await expectUnchanged(async () => {
      const r = await p.call('POST', '/events', {
        customer_id: customer.id,
        events: Array.from({ length: 1001 }, (_, i) => event(`big-${i}`)),
      });
      expectProblem(r, 422, 'events');
    });
  });

  it('unknown ids and another platform’s ids: 404, never a leak', async () => {
    for (const id of ['cust_doesnotexist', otherCustomer.id]) {
      expectProblem(await p.call('GET', `/customers/${id}`), 404);
      expectProblem(await p.call('GET', `/customers/${id}/wallet`), 404);
      expectProblem(
        await p.call('POST', `/customers/${id}/wallet/adjustments`, { transaction_id: `t-${id}`, asset: 'USD', amount: 1, reason: 'gift' }),
        404,
      );
      expectProblem(await p.call('POST', '/events', { customer_id: id, events: [event(`x-${id}`)] }), 404, 'customer_id');
      expectProblem(
        await p.call('POST', '/billing-portal/sessions', {
          customer_id: id,
          return_url: 'https://a.example',
          failure_url: 'https://a.example',
        }),
        404,
      );
    }
    expect(await balanceOf(other, otherCustomer.id, 'USD')).toBe('10');
    expectProblem(await p.call('GET', '/products/prp_nope'), 404);
    expectProblem(await p.call('GET', '/events/nope'), 404);
    expectProblem(await p.call('GET', '/assets/NOPE'), 404);
  });

  it('more decimals than the asset allows, on amounts a person moves', async () => {
    await expectUnchanged(async () => {
      const r = await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, {
        transaction_id: 'dec-1',
        asset: 'USD',
        amount: '1.001',
        reason: 'gift',
      });
      expectProblem(r, 422, 'amount');
      const jpy = await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, {
        transaction_id: 'dec-2',
        asset: 'JPY',
        amount: '1.5',
        reason: 'gift',
      });
      expectProblem(jpy, 422, 'amount');
    });
  });

  it('unknown assets and unknown products name the field', async () => {
    const r = await p.call('POST', '/products', { name: 'X', code: 'x1', prices: [unitPrice('ping', 'NOPE', 1)] });
    expectProblem(r, 422, 'prices.0.pricing.0.asset');
    const c = await p.call('POST', '/customers', {
      name: 'X',
      external_id: 'x-unknown',
      subscriptions: [{ products: [{ code: 'missing' }] }],
    });
    expectProblem(c, 422, 'subscriptions.0.products.0.code');
    const list = await p.call('GET', '/customers?external_id=x-unknown');
    expect(list.body.items).toEqual([]);
  });

  it('an adjustment dated in the future: 422 on occurred_at; the same instant in another offset replays', async () => {
    const body = { transaction_id: 'dated-1', asset: 'USD', amount: '1', reason: 'gift', occurred_at: '2026-01-05T10:00:00Z' };
    await expectUnchanged(async () => {
      const future = new Date(Date.now() + 3_600_000).toISOString();
      expectProblem(
        await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, { ...body, occurred_at: future }),
        422,
        'occurred_at',
      );
    });
    const first = await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, body);
    expect(first.status).toBe(201);
    const replay = await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, {
      ...body,
      occurred_at: '2026-01-05T11:00:00+01:00',
    });
    expect(replay.body).toEqual(first.body);
  });

  it('an idempotency key reused with another body: 409; the same body replays the first answer', async () => {
    const body = { transaction_id: 'idem-1', asset: 'USD', amount: '2.50', reason: 'gift' };
    const first = await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, body);
    const replay = await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, { ...body, amount: 2.5 });
    expect(replay.body).toEqual(first.body);
    expect((await p.call('POST', '/events', { customer_id: customer.id, events: [event('e-conflict')] })).status).toBe(201);
    await expectUnchanged(async () => {
      expectProblem(await p.call('POST', `/customers/${customer.id}/wallet/adjustments`, { ...body, amount: '3' }), 409);
      const changed = await p.call('POST', '/events', {
        customer_id: customer.id,
        events: [event('e-new'), event('e-conflict', { subject: 'changed' })],
      });
      expectProblem(changed, 409, 'events.1.id');
    });
  });

  it('duplicate codes and external ids: 409', async () => {
    await p.call('POST', '/assets', { code: 'CRD', name: 'Credits', precision: 0 });
    expectProblem(await p.call('POST', '/assets', { code: 'CRD', name: 'Credits', precision: 0 }), 409);
    expectProblem(await p.call('POST', '/assets', { code: 'USD', name: 'Mine', precision: 2 }), 422, 'code');
  });

  it('configuration rejects unsafe values', async () => {
    const r = await p.call('PUT', '/billing-portal/configuration', {
      branding: { primary_color: 'red; background: url(x)' },
      allowed_origins: ['https://a.example/path'],
    });
    expectProblem(r, 422, 'branding.primary_color');
    expect(r.body.errors.map((e: { path: string }) => e.path)).toContain('allowed_origins.0');
    const ok = await p.call('PUT', '/billing-portal/configuration', {
      branding: { name: 'Acme AI', primary_color: '#4f46e5' },
      allowed_origins: ['https://App.example'],
    });
    expect(ok.body).toMatchObject({ branding: { name: 'Acme AI', primary_color: '#4f46e5' }, allowed_origins: ['https://app.example'] });
  });

  it('unknown routes: 404 problem', async () => {
    expectProblem(await p.call('GET', '/nothing-here'), 404);
  });
});
