import postgres from 'postgres';
import {
  accessToken,
  apiClient,
  chatCustomers,
  clearRateLimits,
  freshDatabase,
  line,
  percentile,
  pool,
  startBff,
  type BffProcess,
} from './lib.ts';

const KEY = 'bench_key_ledger_0123456789abcdef';
const ENTRIES = Number(process.env.BENCH_LEDGER_ENTRIES ?? 10_000_000);
/** Customers the big ledger spreads over; each gets ENTRIES / CUSTOMERS entries (the near-empty one: 2 such customers). */
const CUSTOMERS = Number(process.env.BENCH_LEDGER_CUSTOMERS ?? 2000);
const PER_CUSTOMER = Math.floor(ENTRIES / CUSTOMERS);
/** The deep page: this many pages of 50 in (of PER_CUSTOMER / 50). */
const DEEP_PAGE = Math.floor((PER_CUSTOMER / 50) * 0.8);
const ROUNDS = 3;
/** Two years of history, oldest first. */
const SPAN_SECONDS = 2 * 365 * 86400;

/**
 * Fills `entries` with `perCustomer` entries for each customer, in bare SQL: interleaved in time across customers,
 * 8 in 10 a usage debit of 0.01 (with its event row), the rest a credit of 1.5; each entry's balance_after is the
 * running balance, the account's balance and version are the last one's, and the spend rollups are summed from the
 * entries. Secondary indexes and foreign keys are dropped for the fill and rebuilt after it, exactly as the
 * migrations defined them (their definitions are read from the catalog).
 */
async function fill(url: string, platformId: string, customerIds: string[], perCustomer: number): Promise<number> {
  const started = performance.now();
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  const n = customerIds.length;
  const total = n * perCustomer;
  const rebuild: string[] = [];
  for (const table of ['entries', 'events']) {
    const constraints = await sql<{ name: string; def: string }[]>`
      select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = ${table}::regclass and contype in ('f', 'u')`;
    const indexes = await sql<{ name: string; def: string }[]>`
      select indexname as name, indexdef as def from pg_indexes
      where tablename = ${table} and indexname not in (select conname from pg_constraint where conrelid = ${table}::regclass)`;
    for (const c of constraints) {
      await sql.unsafe(`alter table ${table} drop constraint ${c.name}`);
      rebuild.push(`alter table ${table} add constraint ${c.name} ${c.def}`);
    }
    for (const i of indexes) {
      await sql.unsafe(`drop index ${i.name}`);
      rebuild.push(i.def);
    }
  }
  // Entry g (0-based) is customer g % n's k-th, k = g / n; seq g + 1, so seq order is time order per account.
  const chunk = 500_000;
  const chunks = Array.from({ length: Math.ceil(total / chunk) }, (_, i) => [i * chunk, Math.min(total, (i + 1) * chunk) - 1] as const);
  await pool(2, chunks.length, async (i) => {
    const [from, to] = chunks[i]!;
    await sql.begin(async (tx) => {
      await tx`set local synchronous_commit = off`;
      await tx`
        insert into entries (seq, id, platform_id, customer_id, account_name, asset_code, category, description, amount, balance_after,
          fiat_amount, fiat_currency, occurred_at, created_at, source, event_id, product_code, product_name, price_name, fee_description,
          subject)
        overriding system value
        select g + 1, 'txn_fill_' || g, ${platformId}, (${customerIds}::text[])[g % ${n} + 1], 'default', 'USD',
          case when usage then 'usage' when k % 10 = 8 then 'top_up' else 'gift' end,
          case when usage then 'Chat' else 'Credit' end, amount, balance_after, amount, 'USD', t, t,
          case when usage then 'event:fill-' || g else 'fill:' || g end, case when usage then 'fill-' || g end,
          'chat', 'Chat', 'Per message', '$0.01 per event', 'thread-' || (k % 100)
        from generate_series(${from}::bigint, ${to}::bigint) g,
          lateral (select g / ${n} as k) kk,
          lateral (select k % 10 < 8 as usage, (k + 1) / 10 as cycles, (k + 1) % 10 as rest) u,
          lateral (select case when usage then -0.01 else 1.5 end::numeric as amount,
            (cycles * 2.92 + case when rest <= 8 then -0.01 * rest else 1.42 end)::numeric as balance_after,
            now() - make_interval(secs => (${total} - g) * (${SPAN_SECONDS}::float8 / ${total})) as t) a`;
      await tx`
        insert into events (platform_id, id, customer_id, event_type, occurred_at, subject, data, request_hash, billed, fees, created_at)
        select platform_id, event_id, customer_id, 'msg', occurred_at, subject, '{}', 'fill', 'billed', '[]', created_at
        from entries where seq between ${from + 1} and ${to + 1} and event_id is not null`;
    });
  });
  await sql.unsafe(`alter table entries alter column seq restart with ${total + 1}`);
  // Per customer: perCustomer entries, so the last balance is the closed form of the running sum above.
  const cycles = Math.floor(perCustomer / 10);
  const rest = perCustomer % 10;
  await sql`
    update accounts set balance = ${cycles}::numeric * 2.92 + case when ${rest} <= 8 then -0.01 * ${rest} else 1.42 end,
      version = ${perCustomer}
    where customer_id = any(${customerIds}::text[]) and name = 'default' and asset_code = 'USD'`;
  await sql`
    insert into spend_rollup (customer_id, asset_code, hour, amount, fiat_amount)
    select customer_id, asset_code, date_trunc('hour', occurred_at), -sum(amount), -sum(fiat_amount)
    from entries where category = 'usage' group by 1, 2, 3
    on conflict (customer_id, asset_code, hour) do update set amount = spend_rollup.amount + excluded.amount,
      fiat_amount = spend_rollup.fiat_amount + excluded.fiat_amount`;
  await sql`
    insert into spend_daily (customer_id, asset_code, day, amount, fiat_amount)
    select customer_id, asset_code, (hour at time zone 'UTC')::date, sum(amount), sum(fiat_amount) from spend_rollup group by 1, 2, 3
    on conflict (customer_id, asset_code, day) do update set amount = excluded.amount, fiat_amount = excluded.fiat_amount`;
  await sql.begin(async (tx) => {
    await tx`set local maintenance_work_mem = '1GB'`;
    for (const statement of rebuild) await tx.unsafe(statement);
  });
  await sql`vacuum analyze entries`;
  await sql`vacuum analyze events`;
  await sql`analyze`;
  // The fill is consistent: every account's balance is its last entry's balance_after.
  const [check] = await sql<{ bad: number }[]>`
    select count(*)::int as bad from accounts a
    where a.customer_id = any(${customerIds}::text[]) and a.balance <> (
      select e.balance_after from entries e where e.customer_id = a.customer_id and e.account_name = a.name
        and e.asset_code = a.asset_code order by e.seq desc limit 1)`;
  await sql.end();
  if (check!.bad > 0) throw new Error(`fill: ${check!.bad} accounts disagree with their last entry`);
  return (performance.now() - started) / 1000;
}

interface Ledger {
  name: string;
  url: string;
  bff: BffProcess;
  call: ReturnType<typeof apiClient>;
  /** The customer whose reads are timed, and the one whose events are posted. */
  reader: { id: string; token: string };
  writer: string;
  fillSeconds: number;
  entries: number;
}

async function prepare(name: string, port: number, customers: number): Promise<Ledger> {
  const url = await freshDatabase(name);
  const bff = await startBff({ DATABASE_URL: url, BOOTSTRAP_API_KEY: KEY, TRUST_PROXY: '2' }, port);
  try {
    return await populate(name, url, bff, customers);
  } catch (err) {
    await bff.stop();
    throw err;
  }
}

async function populate(name: string, url: string, bff: BffProcess, customers: number): Promise<Ledger> {
  const call = apiClient(bff, KEY);
  const ids = await chatCustomers(call, 'l', customers);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const platformId = (await admin`select platform_id from customers where id = ${ids[0]!}`)[0]!.platform_id as string;
  await admin.end();
  const fillSeconds = await fill(url, platformId, ids, PER_CUSTOMER);
  await clearRateLimits(url);
  return {
    name,
    url,
    bff,
    call,
    reader: { id: ids[0]!, token: await accessToken(bff, KEY, ids[0]!) },
    writer: ids[1]!,
    fillSeconds,
    entries: customers * PER_CUSTOMER,
  };
}

async function timed(n: number, run: (i: number) => Promise<void>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run(i);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

async function get(l: Ledger, path: string): Promise<unknown> {
  const res = await fetch(`${l.bff.url}${path}`, { headers: { authorization: `Bearer ${l.reader.token}` } });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

type Figures = Record<string, number[]>;

/** One round of every measurement on one ledger; `round` keeps event ids apart. */
async function measure(l: Ledger, round: number): Promise<Figures> {
  const txPath = '/portal/api/transactions?limit=50';
  let cursor: string | null = null;
  for (let page = 0; page < DEEP_PAGE; page++) {
    const body = (await get(l, `${txPath}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)) as { next_cursor: string | null };
    cursor = body.next_cursor;
  }
  if (!cursor) throw new Error('no deep page');
  const deep = `${txPath}&cursor=${encodeURIComponent(cursor)}`;
  const today = new Date().toISOString().slice(0, 10);
  const spend = `/portal/api/spend?from=${today.slice(0, 8)}01&to=${today}&interval=day`;
  const event = (id: string) => ({ id, event_type: 'msg', occurred_at: new Date().toISOString() });
  return {
    'GET /portal/api/wallet': await timed(200, async () => void (await get(l, '/portal/api/wallet'))),
    'transactions, first page of 50': await timed(200, async () => void (await get(l, txPath))),
    [`transactions, page ${DEEP_PAGE + 1} (cursor)`]: await timed(200, async () => void (await get(l, deep))),
    "the month's daily spend": await timed(200, async () => void (await get(l, spend))),
    'POST /events, 1 event': await timed(200, (i) =>
      l.call('POST', '/events', { customer_id: l.writer, events: [event(`r${round}-one-${i}`)] }).then(() => undefined),
    ),
    'POST /events, 100 events': await timed(50, (i) =>
      l
        .call('POST', '/events', {
          customer_id: l.writer,
          events: Array.from({ length: 100 }, (_, k) => event(`r${round}-batch-${i}-${k}`)),
        })
        .then(() => undefined),
    ),
  };
}

/** `pnpm bench ledger`: the same reads and writes on a ledger of ENTRIES entries and on a near-empty one, in turn. */
export async function benchLedger() {
  const small = await prepare('credyt_bench_ledger_small', 18793, 2);
  let big: Ledger | undefined;
  try {
    big = await prepare('credyt_bench_ledger_big', 18794, CUSTOMERS);
    const rounds: { small: Figures; big: Figures }[] = [];
    await measure(small, -1); // warm-up, both
    await measure(big, -2);
    for (let round = 0; round < ROUNDS; round++) {
      // Alternating, so what else the machine does meanwhile weighs on both alike.
      const s = await measure(small, round * 2);
      const b = await measure(big, round * 2 + 1);
      rounds.push({ small: s, big: b });
    }
    console.log(
      `\n# Ledger: ${big.entries.toLocaleString('en')} entries (${CUSTOMERS.toLocaleString('en')} customers × ${PER_CUSTOMER.toLocaleString('en')}) vs ${small.entries.toLocaleString('en')} (2 customers × ${PER_CUSTOMER.toLocaleString('en')}), PostgreSQL`,
    );
    line(
      'fill (bare SQL, indexes rebuilt after)',
      `${big.fillSeconds.toFixed(0)} s`,
      `${((big.entries / big.fillSeconds) | 0).toLocaleString('en')} entries/s`,
    );
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const name of Object.keys(rounds[0]!.small)) {
      const p50 = (f: 'small' | 'big') => median(rounds.map((r) => percentile(r[f][name]!, 50)));
      const p99 = (f: 'small' | 'big') => median(rounds.map((r) => percentile(r[f][name]!, 99)));
      const ratios = rounds.map((r) => (percentile(r.big[name]!, 50) / percentile(r.small[name]!, 50)).toFixed(2)).join(' ');
      line(
        name,
        `p50 ${p50('big').toFixed(2)} ms`,
        `${(p50('big') / p50('small')).toFixed(2)}× near-empty (${p50('small').toFixed(2)} ms; rounds ${ratios}), p99 ${p99('big').toFixed(1)} vs ${p99('small').toFixed(1)} ms`,
      );
    }
  } finally {
    await small.bff.stop();
    await big?.bff.stop();
  }
}
