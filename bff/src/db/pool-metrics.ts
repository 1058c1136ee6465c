import { Counter, Gauge, Histogram } from 'prom-client';
import type postgres from 'postgres';
import { registry } from '../metrics.ts';

/**
 * Pool usage and waits, for `/metrics`. postgres.js keeps its connection queues to itself, so these count what the
 * app hands it: each query outside a transaction from the moment it is issued to the moment it is written to a
 * connection (waiting), then to its answer (active); each transaction from `begin` to its callback starting
 * (waiting: for a connection, plus the BEGIN round trip) and then to its callback's end (holding a connection).
 * The write moment is the driver's `onexecute` hook, the one its `begin` uses (patched: see postgres@3.4.9.patch).
 */
const WAIT_SECONDS = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

export type PoolName = 'main' | 'read';

/** Counted as plain numbers on the hot path and read into the gauges at scrape time: a gauge's inc() hashes labels. */
const counts = {
  max: { main: 0, read: 0 },
  waiting: { main: 0, read: 0 },
  active: { main: 0, read: 0 },
  queries: { main: 0, read: 0 },
  waitSeconds: { main: 0, read: 0 },
  waited: { main: 0, read: 0 },
  transactionsWaiting: 0,
  transactionsActive: 0,
};
/** A counter's value is what it was incremented by: set it to the running total at scrape time. */
const counterByPool = (counter: Counter<'pool'>, of: Record<PoolName, number>) => {
  counter.reset();
  counter.inc({ pool: 'main' }, of.main);
  counter.inc({ pool: 'read' }, of.read);
};
const byPool = (gauge: Gauge<'pool'>, of: Record<PoolName, number>) => {
  gauge.set({ pool: 'main' }, of.main);
  gauge.set({ pool: 'read' }, of.read);
};

export const poolMetrics = {
  connectionsMax: new Gauge({
    name: 'credyt_db_pool_connections_max',
    help: 'Connections each postgres.js pool may open (DATABASE_POOL_SIZE, DATABASE_READ_POOL_SIZE).',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      byPool(this, counts.max);
    },
  }),
  queriesWaiting: new Gauge({
    name: 'credyt_db_queries_waiting',
    help: 'Queries outside transactions issued and not yet written to a connection.',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      byPool(this, counts.waiting);
    },
  }),
  queriesActive: new Gauge({
    name: 'credyt_db_queries_active',
    help: 'Queries outside transactions written to a connection and not yet answered (several may share one: pipelining).',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      byPool(this, counts.active);
    },
  }),
  // Queries are counted into plain numbers, not a histogram: observing one costs about 2 µs (prom-client hashes the
  // labels on every call), more than the query's own bookkeeping. Mean wait = rate(seconds) / rate(queries).
  queries: new Counter({
    name: 'credyt_db_queries_total',
    help: 'Queries outside transactions written to a connection.',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      counterByPool(this, counts.queries);
    },
  }),
  queryWaitSeconds: new Counter({
    name: 'credyt_db_query_wait_seconds_total',
    help: 'Time queries outside transactions spent between being issued and being written to a connection.',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      counterByPool(this, counts.waitSeconds);
    },
  }),
  queriesWaited: new Counter({
    name: 'credyt_db_queries_waited_total',
    help: 'Queries outside transactions that waited 1 ms or more for a connection.',
    labelNames: ['pool'] as const,
    registers: [registry],
    collect() {
      counterByPool(this, counts.waited);
    },
  }),
  transactionsWaiting: new Gauge({
    name: 'credyt_db_transactions_waiting',
    help: 'Transactions begun and waiting for their connection (and BEGIN).',
    registers: [registry],
    collect() {
      this.set(counts.transactionsWaiting);
    },
  }),
  transactionsActive: new Gauge({
    name: 'credyt_db_transactions_active',
    help: 'Transactions holding a connection of the main pool.',
    registers: [registry],
    collect() {
      this.set(counts.transactionsActive);
    },
  }),
  transactionWait: new Histogram({
    name: 'credyt_db_transaction_wait_seconds',
    help: "From begin to the transaction's first statement: the wait for a connection and BEGIN's round trip.",
    buckets: WAIT_SECONDS,
    registers: [registry],
  }),
};

type QueryOptions = { onexecute?: (connection: unknown) => unknown } & Record<string, unknown>;
type Settling = { resolve: (value: unknown) => void; reject: (error: unknown) => void };

/** Counts the pool's queries (and, for the main pool, its transactions) into `poolMetrics`; `undo` on close. */
export function instrumentPool(sql: postgres.Sql, pool: PoolName, max: number): { undo(): void } {
  counts.max[pool] += max;
  const target = sql as unknown as {
    unsafe: (query: string, args?: unknown, options?: QueryOptions) => Settling;
    begin: (...args: unknown[]) => Promise<unknown>;
  };
  const unsafe = target.unsafe;
  target.unsafe = (query, args, options) => {
    // `unsafe(query, options)` is the driver's two-argument form.
    if (args !== undefined && !Array.isArray(args) && options === undefined) [args, options] = [[], args as QueryOptions];
    // A transaction's BEGIN carries the driver's own hook: it is counted as the transaction's wait.
    if (options?.onexecute) return unsafe(query, args, options);
    const issued = performance.now();
    let state: 'waiting' | 'active' | 'done' = 'waiting';
    counts.waiting[pool]++;
    const q = unsafe(query, args, {
      ...options,
      onexecute: () => {
        if (state === 'waiting') {
          state = 'active';
          counts.waiting[pool]--;
          counts.active[pool]++;
          const waited = (performance.now() - issued) / 1000;
          counts.queries[pool]++;
          counts.waitSeconds[pool] += waited;
          if (waited >= 0.001) counts.waited[pool]++;
        }
        return true;
      },
    });
    const settle = () => {
      if (state === 'waiting') counts.waiting[pool]--;
      else if (state === 'active') counts.active[pool]--;
      state = 'done';
    };
    const { resolve, reject } = q;
    q.resolve = (value) => (settle(), resolve(value));
    q.reject = (error) => (settle(), reject(error));
    return q;
  };
  const begin = target.begin;
  if (pool === 'main') {
    target.begin = (...args: unknown[]) => {
      const fn = args.pop() as (tx: unknown) => unknown;
      const started = performance.now();
      counts.transactionsWaiting++;
      let began = false;
      const run = async (tx: unknown) => {
        began = true;
        counts.transactionsWaiting--;
        poolMetrics.transactionWait.observe((performance.now() - started) / 1000);
        counts.transactionsActive++;
        try {
          return await fn(tx);
        } finally {
          counts.transactionsActive--;
        }
      };
      return begin(...args, run).finally(() => {
        if (!began) counts.transactionsWaiting--;
      });
    };
  }
  return {
    undo: () => {
      target.unsafe = unsafe;
      target.begin = begin;
      counts.max[pool] -= max;
    },
  };
}
