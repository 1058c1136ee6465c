import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '@credyt/shared';
import { GroupCommit, type Settled } from '../../src/db/group-commit.ts';
import { freePort, startServer } from '../../cluster/server-process.ts';
import {
  cleanDatabase,
  createTestContext,
  fundedCustomer,
  onPostgres,
  TEST_DATABASE_URL,
  unitPrice,
  type TestContext,
  type TestPlatform,
} from '../helpers.ts';

describe('GroupCommit', () => {
  it('writes a lone job at once, gathers the jobs that arrive during a write, and settles each with its own result', async () => {
    const groups: number[][] = [];
    let release: () => void = () => {};
    const writer = new GroupCommit<number, number>(
      async (jobs): Promise<Settled<number>[]> => {
        groups.push(jobs);
        if (groups.length === 1) await new Promise<void>((r) => (release = r));
        return jobs.map((j) => (j % 5 === 0 ? { ok: false, error: new Error(`job ${j}`) } : { ok: true, value: j * 10 }));
      },
      { maxInFlight: 1, maxJobs: 4, maxWeight: 100, weight: () => 1 },
    );
    const first = writer.submit(1);
    const rest = [2, 3, 4, 5, 6, 7].map((j) => writer.submit(j).catch((e: Error) => e.message));
    expect(writer.waiting).toBe(6);
    release();
    expect(await first).toBe(10);
    expect(await Promise.all(rest)).toEqual([20, 30, 40, 'job 5', 60, 70]);
    expect(groups).toEqual([[1], [2, 3, 4, 5], [6, 7]]);
  });

  it('keeps a group under its weight, but a job heavier than the limit still goes alone', async () => {
    const groups: number[][] = [];
    let release: () => void = () => {};
    const writer = new GroupCommit<number, number>(
      async (jobs) => {
        groups.push(jobs);
        if (groups.length === 1) await new Promise<void>((r) => (release = r));
        return jobs.map((j) => ({ ok: true as const, value: j }));
      },
      { maxInFlight: 1, maxJobs: 100, maxWeight: 10, weight: (j) => j },
    );
    const all = [writer.submit(1), ...[4, 5, 2, 30, 3].map((j) => writer.submit(j))];
    release();
    await Promise.all(all);
    expect(groups).toEqual([[1], [4, 5], [2], [30], [3]]);
  });
});

describe.runIf(onPostgres)('group commit of POST /events on PostgreSQL', () => {
  let ctx: TestContext;
  let p: TestPlatform;
  beforeAll(async () => {
    ctx = await createTestContext();
    p = await ctx.newPlatform();
  });
  // A client of its own, to read the ledger as an auditor would.
  let sql: postgres.Sql;
  beforeAll(() => {
    sql = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql.end();
    await ctx.close();
  });

  const rows = <T extends object>(query: string, params: string[]): Promise<T[]> => sql.unsafe<T[]>(query, params);

  it('64 concurrent one-event requests share transactions; a reused id and a balance past the ledger fail alone', async () => {
    const customers = await Promise.all(
      Array.from({ length: 8 }, () => fundedCustomer(p, [unitPrice('call', 'USD', '0.000000000000000001')])),
    );
    const big = await fundedCustomer(p, [unitPrice('call', 'USD', '99999999999999999999')]);
    const used = await p.call('POST', '/events', {
      customer_id: customers[0]!.id,
      events: [{ id: 'gc-used', event_type: 'call', occurred_at: '2026-11-20T10:00:00Z' }],
    });
    expect(used.status).toBe(201);
    // One debit of 10^20 - 1 takes the balance to its floor: a second one cannot be stored.
    expect(
      (
        await p.call('POST', '/events', {
          customer_id: big.id,
          events: [{ id: 'gc-big-0', event_type: 'call', occurred_at: '2026-11-20T10:00:00Z' }],
        })
      ).status,
    ).toBe(201);

    const requests = Array.from({ length: 64 }, (_, i) => ({
      customer_id: customers[i % 8]!.id,
      events: [{ id: `gc-${i}`, event_type: 'call', occurred_at: '2026-11-20T10:00:00Z', subject: `s${i}` }],
    }));
    requests[10] = {
      customer_id: customers[2]!.id,
      events: [{ id: 'gc-used', event_type: 'call', occurred_at: '2026-11-21T10:00:00Z', subject: 'other' }],
    };
    requests[20] = {
      customer_id: big.id,
      events: [{ id: 'gc-big-1', event_type: 'call', occurred_at: '2026-11-20T10:00:00Z', subject: 's' }],
    };
    // The same new event sent twice at once, with the same body: created once, the other a duplicate.
    requests[30] = { ...requests[31]! };
    const answers = await Promise.all(requests.map((body) => p.call('POST', '/events', body)));

    expect(answers[10]!.status).toBe(409);
    expect(answers[10]!.body.errors[0].path).toBe('events.0.id');
    expect(answers[20]!.status).toBe(422);
    const twice = [answers[30]!, answers[31]!].map((a) => a.body.events[0].status).sort();
    expect(twice).toEqual(['created', 'duplicate']);
    answers.forEach((a, i) => {
      if (i !== 10 && i !== 20) expect(a.status, `request ${i}`).toBeLessThan(300);
    });

    // Every event of the burst was booked once; they share fewer transactions (one `now()` each) than requests.
    const booked = await rows<{ source: string; created_at: string }>(
      `select source, created_at::text from entries where platform_id = $1 and source like 'event:gc-%' and source not in ('event:gc-used', 'event:gc-big-0')`,
      [p.platformId],
    );
    expect(booked.map((r) => r.source).sort()).toEqual(
      [...new Set(requests.filter((_, i) => i !== 10 && i !== 20).map((r) => `event:${r.events[0]!.id}`))].sort(),
    );
    expect(new Set(booked.map((r) => r.created_at)).size).toBeLessThan(booked.length);

    // Nothing of the failed requests was written; every balance is the sum of its entries and chains by seq.
    const facts = await rows<{ customer_id: string; balance: string; total: string; broken: string }>(
      `select a.customer_id, a.balance::text, (select coalesce(sum(amount), 0)::text from entries e where e.customer_id = a.customer_id) as total,
         (select count(*)::text from (select balance_after, amount, lag(balance_after, 1, 0::numeric) over (order by seq) as before
            from entries e where e.customer_id = a.customer_id) t where t.before + t.amount <> t.balance_after) as broken
       from accounts a where a.platform_id = $1`,
      [p.platformId],
    );
    for (const f of facts) {
      expect(money(f.balance).equals(f.total), f.customer_id).toBe(true);
      expect(f.broken).toBe('0');
    }
    expect(money(facts.find((f) => f.customer_id === big.id)!.balance).equals('-99999999999999999999')).toBe(true);
    const events = await rows<{ id: string; subject: string | null }>(
      `select id, subject from events where platform_id = $1 and id in ('gc-used', 'gc-big-1')`,
      [p.platformId],
    );
    expect(events).toEqual([{ id: 'gc-used', subject: null }]);
  });
});

describe.runIf(onPostgres)('group commit under a crash (kill -9 of the BFF mid-load)', () => {
  const key = `gc_crash_${randomBytes(12).toString('hex')}`;
  let database: Awaited<ReturnType<typeof cleanDatabase>>;
  beforeAll(async () => {
    database = await cleanDatabase();
  });
  afterAll(() => database.drop());

  const start = async (port: number) => (await startServer({ DATABASE_URL: database.url, BOOTSTRAP_API_KEY: key }, port)).child;

  it('every event sent before, during and after the crash is booked exactly once; balance = Σ entries', async () => {
    const port = await freePort();
    let bff = await start(port);
    /** POSTs as the platform; the body is read only for a created resource's id. */
    const call = async (path: string, body: unknown): Promise<{ status: number; id: string | undefined }> => {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-credyt-api-key': key },
        body: JSON.stringify(body),
      });
      const json: unknown = await res.json().catch(() => null);
      const id = json && typeof json === 'object' && 'id' in json && typeof json.id === 'string' ? json.id : undefined;
      return { status: res.status, id };
    };
    await call('/products', { name: 'Calls', code: 'calls', prices: [unitPrice('call', 'USD', '0.000000000000000007')] });
    const customers: string[] = [];
    for (let i = 0; i < 8; i++) {
      const created = await call('/customers', { name: `C${i}`, external_id: `c${i}`, subscriptions: [{ products: [{ code: 'calls' }] }] });
      if (created.status !== 201 || !created.id) throw new Error(`customer ${i}: ${created.status}`);
      customers.push(created.id);
    }
    const EVENTS = 1500;
    const body = (i: number) => ({
      customer_id: customers[i % 8],
      events: [{ id: `crash-${i}`, event_type: 'call', occurred_at: '2026-11-20T10:00:00Z' }],
    });
    let answered = 0;
    let next = 0;
    const load = Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < EVENTS) {
          const i = next++;
          if ((await call('/events', body(i)).catch(() => null))?.status === 201) answered++;
          if (answered === 300) bff.kill('SIGKILL');
        }
      }),
    );
    await load;
    expect(answered).toBeGreaterThanOrEqual(300);
    expect(answered).toBeLessThan(EVENTS);

    bff = await start(port);
    try {
      // The platform replays everything it is not sure of: here, every event.
      next = 0;
      const statuses: number[] = [];
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < EVENTS) {
            const i = next++;
            statuses[i] = (await call('/events', body(i))).status;
          }
        }),
      );
      expect(statuses.filter((s) => s !== 200 && s !== 201)).toEqual([]);
    } finally {
      bff.kill('SIGTERM');
    }

    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const [counts] =
        await sql`select count(*)::int as entries, count(distinct source)::int as sources from entries where category = 'usage'`;
      expect(counts).toEqual({ entries: EVENTS, sources: EVENTS });
      const accounts = await sql`
        select a.balance::text as balance, (select sum(amount)::text from entries e where e.customer_id = a.customer_id) as total,
          (select count(*)::int from entries e where e.customer_id = a.customer_id) as n
        from accounts a`;
      for (const a of accounts) {
        expect(a.balance).toBe(a.total);
        expect(money(a.balance).equals(money('-0.000000000000000007').times(a.n))).toBe(true);
      }
    } finally {
      await sql.end();
    }
  });
});
