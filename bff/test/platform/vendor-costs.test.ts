import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { balanceOf, createTestContext, fundedCustomer, unitPrice, type TestContext, type TestPlatform } from '../helpers.ts';

const rows = <T>(r: unknown): T[] => (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];

/**
 * What a platform pays its vendors, as Credyt records it: each usage event may carry `costs`, each linked to a vendor
 * by its id or by the platform's external id for it (https://docs.credyt.ai/features/profitability: "Each cost
 * recorded in Credyt is linked to a vendor"; "you can use your external ID when submitting costs in your events by
 * specifying the vendor_external_id"), and `GET /vendors/{id}/stats` sums them. Bodies with amounts go as raw text, so
 * no JS number rounds them before the server sees them.
 */
describe('vendor costs and vendor stats', () => {
  let ctx: TestContext;
  let p: TestPlatform;
  let vendorId: string;
  let customerId: string;

  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
    const vendor = await p.call('POST', '/vendors', { name: 'OpenAI', external_id: 'openai' });
    expect(vendor.status, JSON.stringify(vendor.body)).toBe(201);
    vendorId = vendor.body.id;
    customerId = (await fundedCustomer(p, [unitPrice('chat', 'USD', '0.5')], [{ asset: 'USD', amount: '10' }])).id;
  });
  afterAll(() => ctx.close());

  const send = (body: string) => p.call('POST', '/events', body);
  const event = (id: string, costs: string) =>
    `{"customer_id":"${customerId}","events":[{"id":"${id}","event_type":"chat","occurred_at":"2026-11-20T10:00:00Z","costs":${costs}}]}`;
  const costCount = async () =>
    Number(
      rows<{ n: string }>(await ctx.database.db.execute(sql`select count(*)::text as n from event_costs where vendor_id = ${vendorId}`))[0]!
        .n,
    );

  it('a new vendor has no costs yet', async () => {
    const stats = await p.call('GET', `/vendors/${vendorId}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body).toEqual({ id: vendorId, events: { total: 0, first_at: null, last_at: null }, customers: 0, costs: [] });
  });

  it('records costs by vendor id and by external id, summed exactly per currency; a replay records nothing again', async () => {
    const first = await send(
      event(
        'c-1',
        `[{"vendor_id":"${vendorId}","amount":0.10000000000000001,"currency":"USD"},{"vendor_external_id":"openai","amount":9007199254740993,"currency":"usd"}]`,
      ),
    );
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect((await send(event('c-2', '[{"vendor_external_id":"openai","amount":"0.2","currency":"USD","description":"gpt"}]'))).status).toBe(
      201,
    );
    expect((await send(event('c-3', '[{"vendor_external_id":"openai","amount":0.000000000000000001,"currency":"EUR"}]'))).status).toBe(201);
    // The same event again is a duplicate: its costs are not counted twice.
    const replay = await send(event('c-2', '[{"vendor_external_id":"openai","amount":"0.2","currency":"USD","description":"gpt"}]'));
    expect(replay.status).toBe(200);
    expect(replay.body.events[0].status).toBe('duplicate');

    const stats = await p.call('GET', `/vendors/${vendorId}/stats`);
    expect(stats.status).toBe(200);
    expect(stats.body).toEqual({
      id: vendorId,
      events: { total: 3, first_at: '2026-11-20T10:00:00.000Z', last_at: '2026-11-20T10:00:00.000Z' },
      customers: 1,
      // Written as JSON numbers from the exact sums: 0.1…01 + 9007199254740993 + 0.2, and 10^-18 in EUR.
      costs: [
        { currency: 'EUR', amount: '0.000000000000000001' },
        { currency: 'USD', amount: '9007199254740993.30000000000000001' },
      ],
    });
    // Costs are what the platform pays, not what the customer is charged: the wallet moved by the fees alone.
    expect(await balanceOf(p, customerId, 'USD')).toBe('8.5');
  });

  it('refuses a cost naming no vendor of the platform, both or neither, or a bad amount, and writes nothing', async () => {
    const other = await ctx.newPlatform();
    const theirs = await other.call('POST', '/vendors', { name: 'Theirs', external_id: 'theirs' });
    const before = await costCount();
    const cases: [string, string][] = [
      [`[{"vendor_id":"${theirs.body.id}","amount":1,"currency":"USD"}]`, 'events.0.costs.0.vendor_id'],
      ['[{"vendor_external_id":"theirs","amount":1,"currency":"USD"}]', 'events.0.costs.0.vendor_external_id'],
      [`[{"vendor_id":"${vendorId}","vendor_external_id":"openai","amount":1,"currency":"USD"}]`, 'events.0.costs.0.vendor_id'],
      ['[{"amount":1,"currency":"USD"}]', 'events.0.costs.0.vendor_id'],
      ['[{"vendor_external_id":"openai","amount":-1,"currency":"USD"}]', 'events.0.costs.0.amount'],
      ['[{"vendor_external_id":"openai","amount":0.0000000000000000001,"currency":"USD"}]', 'events.0.costs.0.amount'],
      ['[{"vendor_external_id":"openai","amount":1,"currency":"dollars"}]', 'events.0.costs.0.currency'],
    ];
    for (const [costs, path] of cases) {
      const res = await send(event(`bad-${path}-${costs.length}`, costs));
      expect(res.status, costs).toBe(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect(await costCount()).toBe(before);
    expect((await p.call('GET', '/events/bad-events.0.costs.0.vendor_id-0')).status).toBe(404);
  });

  it("another platform's vendor stats answer 404, like a made-up id", async () => {
    const other = await ctx.newPlatform();
    expect((await other.call('GET', `/vendors/${vendorId}/stats`)).status).toBe(404);
    expect((await p.call('GET', '/vendors/vnd_made_up/stats')).status).toBe(404);
  });
});
