import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, fundedCustomer, unitPrice, type TestContext } from '../helpers.ts';

/** The value of one sample line of the exposition (`name{labels} value`), or 0 when the series is absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

describe('GET /metrics', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());
  const scrape = async () => {
    const res = await ctx.app.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  it('counts answers by route pattern (never by id), events ingested and ledger entries', async () => {
    const p = await ctx.newPlatform();
    const c = await fundedCustomer(p, [unitPrice('chat', 'USD', '0.01')], [{ asset: 'USD', amount: 5 }]);
    const before = await scrape();
    const wallet = `credyt_http_request_duration_seconds_count{method="GET",route="/customers/:id/wallet",status="200"}`;
    const created = `credyt_events_ingested_total{status="created"}`;
    const duplicate = `credyt_events_ingested_total{status="duplicate"}`;
    const usage = `credyt_ledger_entries_total{category="usage"}`;

    for (let i = 0; i < 3; i++) expect((await p.call('GET', `/customers/${c.id}/wallet`)).status).toBe(200);
    const events = [1, 2].map((i) => ({ id: `m-${c.id}-${i}`, event_type: 'chat', occurred_at: new Date().toISOString() }));
    expect((await p.call('POST', '/events', { customer_id: c.id, events })).status).toBe(201);
    expect((await p.call('POST', '/events', { customer_id: c.id, events: events.slice(0, 1) })).status).toBe(200);
    expect((await ctx.app.request('/no/such/route')).status).toBe(404);

    const after = await scrape();
    expect(sample(after, wallet) - sample(before, wallet)).toBe(3);
    expect(sample(after, created) - sample(before, created)).toBe(2);
    expect(sample(after, duplicate) - sample(before, duplicate)).toBe(1);
    expect(sample(after, usage) - sample(before, usage)).toBe(2);
    expect(after).toContain('route="unmatched",status="404"');
    expect(after).not.toContain(c.id);
    expect(after).not.toContain(p.platformId);
    for (const name of [
      'credyt_open_streams',
      'credyt_push_latency_seconds',
      'credyt_rate_limited_total',
      'credyt_auto_top_up_attempts_total',
    ]) {
      expect(after, name).toContain(`# TYPE ${name} `);
    }
  });

  it('gives every answer a request id, keeping a sane one the caller sent', async () => {
    const own = await ctx.app.request('/livez');
    expect(own.headers.get('x-request-id')).toMatch(/^[\w-]{16,}$/);
    const given = await ctx.app.request('/livez', { headers: { 'x-request-id': 'trace-abc-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc-123');
  });
});

describe('GET /metrics with METRICS_TOKEN', () => {
  let ctx: TestContext;
  const token = 'metrics-token-0123456789';
  beforeAll(async () => {
    ctx = await createTestContext({ env: { METRICS_TOKEN: token } });
  });
  afterAll(() => ctx.close());

  it('answers only the bearer of the token', async () => {
    expect((await ctx.app.request('/metrics')).status).toBe(401);
    expect((await ctx.app.request('/metrics', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await ctx.app.request('/metrics', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });
});
