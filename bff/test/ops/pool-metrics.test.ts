import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.ts';
import { poolMetrics } from '../../src/db/pool-metrics.ts';
import { registry } from '../../src/metrics.ts';
import { onPostgres, TEST_DATABASE_URL } from '../helpers.ts';

const value = async (
  metric: { get(): Promise<{ values: { value: number; labels: Record<string, unknown>; metricName?: string }[] }> },
  match: Record<string, string> = {},
  name?: string,
) =>
  (await metric.get()).values
    .filter((v) => (name === undefined || v.metricName === name) && Object.entries(match).every(([k, x]) => v.labels[k] === x))
    .reduce((sum, v) => sum + v.value, 0);

describe.runIf(onPostgres)('pool usage and waits in /metrics', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    // One connection: a query issued while a transaction holds it must wait.
    database = await openDatabase(TEST_DATABASE_URL, { poolSize: 1, readPoolSize: 1 });
  });
  afterAll(() => database.close());

  it('counts a transaction holding the connection, a query waiting behind it, and both waits', async () => {
    const txWaits = await value(poolMetrics.transactionWait, {}, 'credyt_db_transaction_wait_seconds_count');
    const queries = await value(poolMetrics.queries, { pool: 'main' });
    const waited = await value(poolMetrics.queriesWaited, { pool: 'main' });
    const waitSeconds = await value(poolMetrics.queryWaitSeconds, { pool: 'main' });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    const tx = database.db.transaction(async (t) => {
      await t.execute(sql`select 1`);
      inside();
      await held;
    });
    await entered;
    // drizzle's query runs once awaited: Promise.resolve issues it now.
    const behind = Promise.resolve(database.db.execute(sql`select 2`));
    await new Promise((r) => setTimeout(r, 50));
    try {
      expect(await value(poolMetrics.transactionsActive)).toBe(1);
      expect(await value(poolMetrics.queriesWaiting, { pool: 'main' })).toBe(1);
      expect(await value(poolMetrics.connectionsMax, { pool: 'main' })).toBeGreaterThanOrEqual(1);
    } finally {
      release();
    }
    await Promise.all([tx, behind]);
    expect(await value(poolMetrics.transactionsActive)).toBe(0);
    expect(await value(poolMetrics.transactionsWaiting)).toBe(0);
    expect(await value(poolMetrics.queriesWaiting, { pool: 'main' })).toBe(0);
    expect(await value(poolMetrics.queriesActive, { pool: 'main' })).toBe(0);
    expect(await value(poolMetrics.transactionWait, {}, 'credyt_db_transaction_wait_seconds_count')).toBe(txWaits + 1);
    // The query behind the transaction waited at least the 50 ms the transaction kept the connection.
    expect(await value(poolMetrics.queries, { pool: 'main' })).toBeGreaterThan(queries);
    expect(await value(poolMetrics.queriesWaited, { pool: 'main' })).toBe(waited + 1);
    expect(await value(poolMetrics.queryWaitSeconds, { pool: 'main' })).toBeGreaterThanOrEqual(waitSeconds + 0.05);
    const page = await registry.metrics();
    for (const name of [
      'credyt_db_queries_waiting',
      'credyt_db_transactions_active',
      'credyt_db_query_wait_seconds_total',
      'credyt_db_transaction_wait_seconds',
    ]) {
      expect(page).toContain(`# TYPE ${name} `);
    }
  });

  it('a failed query and a rolled-back transaction leave nothing counted', async () => {
    await expect(database.db.execute(sql`select * from no_such_table`)).rejects.toThrow();
    await expect(
      database.db.transaction(async () => {
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await value(poolMetrics.transactionsActive)).toBe(0);
    expect(await value(poolMetrics.queriesWaiting)).toBe(0);
    expect(await value(poolMetrics.queriesActive)).toBe(0);
  });
});
