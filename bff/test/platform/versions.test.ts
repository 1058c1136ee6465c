import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceOf, createTestContext, unitPrice, type TestContext, type TestPlatform } from '../helpers.ts';

/** Product versions: a new version prices new subscriptions only once it is the default; customers keep theirs. */
describe('product versions', () => {
  let ctx: TestContext;
  let p: TestPlatform;
  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
  });
  afterAll(() => ctx.close());

  const customerOn = async (code: string, external: string) => {
    const res = await p.call('POST', '/customers', { name: 'C', external_id: external, subscriptions: [{ products: [{ code }] }] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const ping = (customerId: string, id: string) =>
    p.call('POST', '/events', { customer_id: customerId, events: [{ id, event_type: 'ping', occurred_at: '2026-11-20T10:00:00Z' }] });

  it('numbers versions 2, 3…, keeps customers on theirs, and moves new ones to the new default', async () => {
    const created = await p.call('POST', '/products', { name: 'Ping', code: 'ping', prices: [unitPrice('ping', 'USD', '1')] });
    const id = created.body.id as string;
    const early = await customerOn('ping', 'early');

    const v2 = await p.call('POST', `/products/${id}`, { name: 'Ping 2', prices: [unitPrice('ping', 'USD', '2')], publish: false });
    expect(v2.status, JSON.stringify(v2.body)).toBe(201);
    expect(v2.body).toMatchObject({ id, version: 2, status: 'draft', is_default: false });
    const refused = await p.call('PATCH', `/products/${id}/2`, { make_default: true });
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'make_default' })]);
    expect((await p.call('GET', `/products/${id}`)).body).toMatchObject({ version: 1, is_default: true, name: 'Ping' });

    const published = await p.call('PATCH', `/products/${id}/2`, { publish: true, make_default: true });
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    expect(published.body).toMatchObject({ version: 2, status: 'published', is_default: true });
    const product = (await p.call('GET', `/products/${id}`)).body;
    expect(product).toMatchObject({ version: 2, name: 'Ping 2' });
    expect(product.versions.map((v: { version: number; is_default: boolean }) => [v.version, v.is_default])).toEqual([
      [2, true],
      [1, false],
    ]);
    const late = await customerOn('ping', 'late');
    expect((await p.call('GET', `/customers/${late}`)).body.subscriptions[0].products).toEqual([{ id, code: 'ping', version: 2 }]);

    await ping(early, 'e-1');
    await ping(late, 'l-1');
    expect(await balanceOf(p, early, 'USD')).toBe('-1');
    expect(await balanceOf(p, late, 'USD')).toBe('-2');

    const v3 = await p.call('POST', `/products/${id}`, { name: 'Ping 3', prices: [unitPrice('ping', 'USD', '3')] });
    expect(v3.body).toMatchObject({ version: 3, status: 'published', is_default: false });
  });

  it('simulates any version and writes nothing; an unknown version is 404', async () => {
    const created = await p.call('POST', '/products', { name: 'Sim', code: 'sim', prices: [unitPrice('sim', 'USD', '0.25')] });
    const id = created.body.id as string;
    await p.call('POST', `/products/${id}`, { name: 'Sim 2', prices: [unitPrice('sim', 'USD', '0.00000125')] });
    const customer = await customerOn('sim', 'sim-customer');
    const sample = { events: [{ id: 'sim-evt', event_type: 'sim', occurred_at: '2026-11-20T10:00:00Z' }] };
    const v1 = await p.call('POST', `/products/${id}/default/simulate-usage`, sample);
    expect(v1.body.events).toEqual([
      expect.objectContaining({ id: 'sim-evt', billed: true, fees: [expect.objectContaining({ amount: 0.25 })] }),
    ]);
    const v2 = await p.call('POST', `/products/${id}/2/simulate-usage`, sample);
    expect(v2.body.events[0].fees[0].amount).toBe(0.00000125);
    expect((await p.call('POST', `/products/${id}/9/simulate-usage`, sample)).status).toBe(404);
    expect((await p.call('GET', '/events/sim-evt')).status).toBe(404);
    expect(await balanceOf(p, customer, 'USD')).toBe('0');
  });
});
