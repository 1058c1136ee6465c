import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money, sum } from '@credyt/shared';
import { createTestContext, fundedCustomer, onPostgres, unitPrice, type TestContext, type TestPlatform } from '../helpers.ts';

/** Runs `tasks` with at most `width` in flight: the 8 concurrent clients of the issue. */
async function parallel<T>(width: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

function shuffle<T>(items: T[], seed = 42): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe.runIf(onPostgres || process.env.CONCURRENCY_ON_PGLITE)('ledger under concurrency (real PostgreSQL)', () => {
  let ctx: TestContext;
  let p: TestPlatform;
  let server: ServerType;
  let base: string;

  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: ctx.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await ctx.close();
  });

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-credyt-api-key': p.apiKey },
      body: JSON.stringify(body),
    });
    const json: unknown = await res.json();
    if (res.status >= 300) throw new Error(`${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  async function ledgerFacts(customerId: string) {
    const rows = await ctx.database.db.execute<{ balance: string; total: string; count: string }>(sql`
      select a.balance::text as balance, (select coalesce(sum(amount), 0)::text from entries e where e.customer_id = a.customer_id and e.asset_code = a.asset_code) as total,
             (select count(*)::text from entries e where e.customer_id = a.customer_id and e.asset_code = a.asset_code) as count
      from accounts a where a.customer_id = ${customerId} and a.asset_code = 'USD'`);
    const chain = await ctx.database.db.execute<{ broken: string }>(sql`
      select count(*)::text as broken from (
        select balance_after, amount, lag(balance_after, 1, 0::numeric) over (order by seq) as before
        from entries where customer_id = ${customerId} and asset_code = 'USD') t
      where t.before + t.amount <> t.balance_after`);
    const facts = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows)[0] as { balance: string; total: string; count: string };
    const broken = ((Array.isArray(chain) ? chain : (chain as { rows: unknown[] }).rows)[0] as { broken: string }).broken;
    return { ...facts, broken };
  }

  it('1,000 mixed debits and credits from 8 clients: balance = sum of entries = the exact expected value', async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', '0.013')]);
    const tasks: (() => Promise<unknown>)[] = [];
    const amounts: string[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 3 === 0) {
        amounts.push('-0.013');
        tasks.push(() =>
          post('/events', { customer_id: c.id, events: [{ id: `mix-${i}`, event_type: 'call', occurred_at: new Date().toISOString() }] }),
        );
      } else {
        const cents = ((i * 7919) % 2001) - 1000; // -10.00 … +10.00
        const amount = money(cents).dividedBy(100).toFixed(2);
        if (cents === 0) continue;
        amounts.push(amount);
        tasks.push(() =>
          post(`/customers/${c.id}/wallet/adjustments`, { transaction_id: `mix-${i}`, asset: 'USD', amount, reason: 'adjustment' }),
        );
      }
    }
    await parallel(8, shuffle(tasks));
    const expected = sum(amounts);
    const facts = await ledgerFacts(c.id);
    expect(money(facts.balance).equals(expected)).toBe(true);
    expect(money(facts.total).equals(expected)).toBe(true);
    expect(Number(facts.count)).toBe(amounts.length);
    expect(facts.broken).toBe('0');
  });

  it('every event replayed 3 times in shuffled order from parallel clients is charged once', async () => {
    const c = await fundedCustomer(p, [unitPrice('call', 'USD', '0.25')], [{ asset: 'USD', amount: 100 }]);
    const events = Array.from({ length: 300 }, (_, i) => ({
      id: `rep-${i}`,
      event_type: 'call',
      occurred_at: '2026-11-20T10:00:00Z',
      subject: `s-${i % 7}`,
    }));
    const copies = shuffle([...events, ...events, ...events], 7);
    const batches: (typeof events)[] = [];
    for (let i = 0; i < copies.length;) {
      const size = 1 + ((i * 31) % 40);
      batches.push(copies.slice(i, i + size));
      i += size;
    }
    const results = (await parallel(
      8,
      batches.map((batch) => () => post('/events', { customer_id: c.id, events: batch })),
    )) as { events: { id: string; status: string }[] }[];
    const created = results
      .flatMap((r) => r.events)
      .filter((e) => e.status === 'created')
      .map((e) => e.id);
    expect(new Set(created).size).toBe(300);
    expect(created).toHaveLength(300);
    const facts = await ledgerFacts(c.id);
    expect(money(facts.balance).equals(25)).toBe(true);
    expect(money(facts.total).equals(25)).toBe(true);
    expect(facts.count).toBe('301');
    expect(facts.broken).toBe('0');
  });
});
