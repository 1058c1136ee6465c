import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { fillPlaceholders, sql, type SQL } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index.ts';
import { instrumentPool } from './pool-metrics.ts';

/** The one database type the domain sees, whichever driver is behind it. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];
/** Either the database or a transaction on it: domain functions take whichever they are given. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Subscribes to a PostgreSQL notification channel; resolves to the unsubscribe function. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));
/** Arbitrary constant: serialises migrations when several BFF processes start on one database. */
const MIGRATION_LOCK = 727_172_001;

export interface PoolOptions {
  /** Connections for transactions and ordinary queries (postgres.js opens them as needed). */
  poolSize?: number;
  /** Connections for the hot single-statement reads of `preparedRows`, which pipeline many queries per connection. */
  readPoolSize?: number;
  /**
   * A direct connection to PostgreSQL when `url` goes through a pooler in transaction mode (PgBouncer): such a
   * pooler hands each transaction any server connection, so what lives on one connection goes here instead:
   * `LISTEN` (a notification reaches the connection that listened) and the migration lock (a session advisory
   * lock). Through the pooler, statements are not prepared (PgBouncer 1.18 cannot carry them across connections).
   */
  directUrl?: string;
}

/** The read pool behind each postgres.js-backed `Database`; PGlite has one connection and needs none. */
const readPools = new WeakMap<object, { sql: postgres.Sql; prepare: boolean }>();

/**
 * `postgres://…` → postgres.js; `memory:` → in-memory PGlite; anything else (or unset) → PGlite persisted in
 * that directory (default `./.data/pglite`). Migrations run before the handle is returned.
 */
export async function openDatabase(url: string | undefined, options: PoolOptions = {}): Promise<DatabaseHandle> {
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const direct = options.directUrl ?? url;
    const prepare = options.directUrl === undefined;
    // Through the pooler nothing is pipelined either. PgBouncer 1.18 in transaction pooling gives the server back at the
    // first idle ReadyForQuery, though a second query sent behind the first is still running there: its answer goes
    // to the next client of that server (seen as hung requests and as another client's BEGIN; bff/test/ops/cluster.test.ts).
    // postgres.js is patched so that a BEGIN still reserves its connection with no pipeline.
    const pipeline = prepare ? {} : { max_pipeline: 0 };
    const client = postgres(url, { max: options.poolSize ?? 10, onnotice: () => {}, prepare, connect_timeout: 5, ...pipeline });
    // Hot reads get their own few connections: they never queue behind a transaction holding a pooled connection,
    // and under load postgres.js pipelines them (straight to PostgreSQL; not through a pooler, above), so one write and
    // one wake-up carry many queries.
    const reads = postgres(url, { max: options.readPoolSize ?? 2, onnotice: () => {}, prepare, connect_timeout: 5, ...pipeline });
    // postgres.js listens on a connection of its own, opened by the first `listen`: here, on the direct URL.
    const listener = direct === url ? client : postgres(direct, { max: 1, onnotice: () => {}, connect_timeout: 5 });
    // In-use and waiting counts and wait times for /metrics (db/pool-metrics.ts): postgres.js exposes none of its own.
    const metered = [instrumentPool(client, 'main', options.poolSize ?? 10), instrumentPool(reads, 'read', options.readPoolSize ?? 2)];
    const db = drizzlePostgres(client, { schema, casing: 'snake_case' });
    readPools.set(db, { sql: reads, prepare });
    await migrateWithLock(direct);
    return {
      db: db as unknown as Database,
      kind: 'postgres',
      async listen(channel, onPayload) {
        const sub = await listener.listen(channel, onPayload);
        return () => sub.unlisten();
      },
      close: async () => {
        for (const m of metered) m.undo();
        await Promise.all([
          client.end({ timeout: 5 }),
          reads.end({ timeout: 5 }),
          listener === client ? null : listener.end({ timeout: 5 }),
        ]);
      },
    };
  }
  let dataDir: string | undefined;
  if (url !== 'memory:') {
    dataDir = url && url.length > 0 ? url : './.data/pglite';
    mkdirSync(dataDir, { recursive: true });
  }
  const client = await PGlite.create(dataDir);
  const db = drizzlePglite(client, { schema, casing: 'snake_case' });
  await migratePglite(db, { migrationsFolder });
  return {
    db: db as unknown as Database,
    kind: 'pglite',
    async listen(channel, onPayload) {
      return client.listen(channel, onPayload);
    },
    close: () => client.close(),
  };
}

/** One connection holds a session advisory lock while it migrates, so concurrent starts migrate once. */
async function migrateWithLock(url: string) {
  const single = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await single`select pg_advisory_lock(${MIGRATION_LOCK})`;
    await migratePostgres(drizzlePostgres(single, { casing: 'snake_case' }), { migrationsFolder });
    await single`select pg_advisory_unlock(${MIGRATION_LOCK})`;
  } finally {
    await single.end({ timeout: 5 });
  }
}

export async function ping(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}

/** PostgreSQL's "try again" codes: a deadlock victim or a serialization failure rolled back and may simply rerun. */
const RETRYABLE = new Set(['40P01', '40001']);

function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** A transaction that reruns (up to 3 times) when PostgreSQL rolls it back as a deadlock or serialization victim. */
export async function transact<T>(db: Database, run: (tx: Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(run);
    } catch (err) {
      if (attempt >= 3 || !RETRYABLE.has(sqlState(err) ?? '')) throw err;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 20));
    }
  }
}

/** Renders `sql` templates to text and parameters, as the drivers' own dialect does. */
const rawDialect = new PgDialect({ casing: 'snake_case' });

/**
 * Renders a drizzle `sql` query once, to text and parameters with `sql.placeholder(name)` slots, and returns a
 * function that runs it as a prepared statement on whichever driver is behind `db`. For hot read paths: drizzle
 * prepares only its `.prepare()` builders, and rendering a large template costs on every call. Column values come
 * as the driver gives them (numeric as text, int as number, json parsed).
 */
export function preparedRows<T>(query: SQL): (db: Database, values: Record<string, unknown>) => Promise<T[]> {
  const { sql: text, params: slots } = rawDialect.sqlToQuery(query);
  return async (db, values) => {
    preparedSpies.get(db)?.();
    const params = fillPlaceholders(slots, values);
    const pool = readPools.get(db);
    const client = pool?.sql ?? (db as unknown as { $client: unknown }).$client;
    if (client instanceof PGlite) return (await client.query<T>(text, params)).rows;
    const prepare = pool?.prepare ?? true;
    return (await (client as postgres.Sql).unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare })) as unknown as T[];
  };
}

/**
 * Calls `spy` before every statement `preparedRows` runs on `db`, until the returned function is called: for tests
 * that must see every query a request makes, drizzle's and the prepared reads alike.
 */
export function spyOnPreparedRows(db: Database, spy: () => void): () => void {
  preparedSpies.set(db, spy);
  return () => preparedSpies.delete(db);
}
const preparedSpies = new WeakMap<object, () => void>();

/** postgres.js returns the rows as an array; PGlite wraps them in `{ rows }`. */
export function resultRows<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
