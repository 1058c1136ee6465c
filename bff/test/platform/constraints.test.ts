import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestContext,
  fundedCustomer,
  onPostgres,
  TEST_DATABASE_URL,
  unitPrice,
  type TestContext,
  type TestPlatform,
} from '../helpers.ts';

/**
 * The ledger's rules hold in the database itself: a row written around the application (raw SQL, as a script or a
 * buggy feature would) that breaks one is refused by PostgreSQL, and nothing is written. Run on PGlite and, when
 * DATABASE_URL names one, on PostgreSQL.
 */
const databases = [{ name: 'PGlite', url: 'memory:' }, ...(onPostgres ? [{ name: 'PostgreSQL', url: TEST_DATABASE_URL }] : [])];

/** The SQLSTATE a statement failed with (postgres.js and PGlite both carry it as `code`, drizzle as its cause). */
async function sqlstate(statement: Promise<unknown>): Promise<string> {
  try {
    await statement;
  } catch (error) {
    const e = error as { code?: string; cause?: { code?: string } };
    return e.code ?? e.cause?.code ?? String(error);
  }
  return 'accepted';
}

const CHECK_VIOLATION = '23514';
const FOREIGN_KEY_VIOLATION = '23503';

describe.each(databases)('ledger constraints on $name', ({ url }) => {
  let ctx: TestContext;
  let p: TestPlatform;
  let customerId: string;

  beforeAll(async () => {
    ctx = await createTestContext({ databaseUrl: url });
    p = await ctx.newPlatform();
    ({ id: customerId } = await fundedCustomer(p, [unitPrice('call', 'USD', '0.5')], [{ asset: 'USD', amount: '10' }]));
  });
  afterAll(() => ctx.close());

  let n = 0;
  /** A raw entry on the customer's USD account, valid unless `override` breaks a rule. */
  function insertEntry(override: Partial<Record<string, string | null>> = {}) {
    n += 1;
    const row = {
      id: `txn_raw_${n}_${Date.now()}`,
      customer_id: customerId,
      account_name: 'default',
      asset_code: 'USD',
      category: 'adjustment',
      amount: '-1.5',
      fiat_amount: '-1.5',
      fiat_currency: 'USD',
      source: `adjustment:raw-${n}`,
      event_id: null,
      ...override,
    };
    return ctx.database.db.execute(sql`
      insert into entries (id, platform_id, customer_id, account_name, asset_code, category, description, amount, balance_after,
        fiat_amount, fiat_currency, occurred_at, source, event_id)
      values (${row.id}, ${p.platformId}, ${row.customer_id}, ${row.account_name}, ${row.asset_code}, ${row.category}, 'raw',
        ${row.amount}::numeric, 0, ${row.fiat_amount}::numeric, ${row.fiat_currency}, now(), ${row.source}, ${row.event_id})`);
  }

  const entryCount = async () => {
    const result = await ctx.database.db.execute<{ n: string | number }>(
      sql`select count(*) as n from entries where customer_id = ${customerId}`,
    );
    const rows = Array.isArray(result) ? result : (result as unknown as { rows: { n: string | number }[] }).rows;
    return Number(rows[0]!.n);
  };

  it('takes a raw entry that keeps every rule (so each refusal below is that rule)', async () => {
    const before = await entryCount();
    expect(await sqlstate(insertEntry())).toBe('accepted');
    expect(await entryCount()).toBe(before + 1);
  });

  it('refuses an entry that breaks a rule of its row, and writes nothing', async () => {
    const before = await entryCount();
    const refused = {
      'an unknown category': { category: 'bonus' },
      'an adjustment of zero': { amount: '0', fiat_amount: '0' },
      'a usage credit': { category: 'usage', amount: '2', fiat_amount: '2', source: 'event:e1', event_id: 'e1' },
      'a usage debit without its event': { category: 'usage', source: 'event:e1' },
      'an event that is not its source': { category: 'usage', source: 'event:e2', event_id: 'e1' },
      'an auto top-up debit': { category: 'auto_top_up', source: 'payment:top_1' },
      'a fiat value of the opposite sign': { fiat_amount: '1.5' },
      'a fiat value without its currency': { fiat_currency: null },
      'a currency that is not an ISO code': { fiat_currency: 'usd' },
      'an unnamed source': { source: 'raw' },
      'an empty id': { id: '' },
    };
    for (const [rule, override] of Object.entries(refused)) {
      expect([rule, await sqlstate(insertEntry(override))]).toEqual([rule, CHECK_VIOLATION]);
    }
    expect(await entryCount()).toBe(before);
  });

  it('refuses an entry on an account that does not exist, and an event of an unknown customer', async () => {
    expect(await sqlstate(insertEntry({ asset_code: 'EUR' }))).toBe(FOREIGN_KEY_VIOLATION);
    expect(await sqlstate(insertEntry({ account_name: 'savings' }))).toBe(FOREIGN_KEY_VIOLATION);
    expect(
      await sqlstate(
        ctx.database.db.execute(sql`
          insert into events (platform_id, id, customer_id, event_type, occurred_at, data, request_hash, billed, fees)
          values (${p.platformId}, 'ev_raw', 'cus_nobody', 'call', now(), '{}', 'h', 'unbilled', '[]')`),
      ),
    ).toBe(FOREIGN_KEY_VIOLATION);
  });

  it('refuses a top-up of nothing and an account with an empty name', async () => {
    expect(
      await sqlstate(
        ctx.database.db.execute(sql`
          insert into top_ups (id, platform_id, customer_id, kind, asset_code, amount, currency, fiat_amount, status)
          values ('top_raw', ${p.platformId}, ${customerId}, 'manual', 'USD', 0, 'USD', 0, 'initiated')`),
      ),
    ).toBe(CHECK_VIOLATION);
    expect(
      await sqlstate(
        ctx.database.db.execute(sql`
          insert into accounts (customer_id, name, asset_code, platform_id) values (${customerId}, '', 'USD', ${p.platformId})`),
      ),
    ).toBe(CHECK_VIOLATION);
  });
});
