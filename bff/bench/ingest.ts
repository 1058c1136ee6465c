import postgres from 'postgres';
import { freshDatabase, line, percentile, pool, startBff } from './lib.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const BATCH = 100;
const CLIENTS = 4;
const CUSTOMERS = 1000;
const KEY = 'bench_key_0123456789abcdef';

/** Baseline: the bare SQL of one entry insert and one balance update per event, as its own transaction. */
async function baseline(url: string, events: number): Promise<number> {
  const sql = postgres(url, { max: CLIENTS, onnotice: () => {} });
  await sql`create table if not exists baseline_accounts (id int primary key, balance numeric not null)`;
  await sql`create table if not exists baseline_entries (id bigserial primary key, account_id int not null, amount numeric not null, balance_after numeric not null)`;
  await sql`insert into baseline_accounts select g, 1000 from generate_series(0, ${CUSTOMERS - 1}) g on conflict do nothing`;
  const started = performance.now();
  await pool(CLIENTS, events, async (i) => {
    const account = i % CUSTOMERS;
    await sql.begin(async (tx) => {
      const [row] = await tx`update baseline_accounts set balance = balance - 0.5 where id = ${account} returning balance`;
      await tx`insert into baseline_entries (account_id, amount, balance_after) values (${account}, -0.5, ${row!.balance})`;
    });
  });
  const seconds = (performance.now() - started) / 1000;
  await sql.end();
  return events / seconds;
}

export async function benchIngest() {
  const url = await freshDatabase('credyt_bench_ingest');
  const bff = await startBff({ DATABASE_URL: url, BOOTSTRAP_API_KEY: KEY }, 18787);
  const headers = { 'content-type': 'application/json', 'x-credyt-api-key': KEY };
  const call = async (path: string, body: unknown) => {
    const res = await fetch(`${bff.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  try {
    await call('/products', {
      name: 'Bench',
      code: 'bench',
      prices: [
        {
          name: 'Call',
          type: 'usage_based',
          billing_model: { type: 'real_time' },
          usage_calculation: { event_type: 'call', usage_type: 'unit' },
          pricing: [{ asset: 'USD', values: [{ unit_price: '0.0005' }] }],
        },
      ],
    });
    const customers: string[] = [];
    await pool(8, CUSTOMERS, async (i) => {
      const c = await call('/customers', {
        name: `Customer ${i}`,
        external_id: `bench-${i}`,
        subscriptions: [{ products: [{ code: 'bench' }] }],
      });
      customers[i] = c.id;
    });

    const baseRate = await baseline(url, Math.min(EVENTS, 50_000));

    const batches = Math.ceil(EVENTS / BATCH);
    const latencies: number[] = [];
    const rssSamples: { at: number; rss: number }[] = [];
    const started = performance.now();
    await pool(CLIENTS, batches, async (b) => {
      const customer = customers[b % CUSTOMERS]!;
      const occurred = new Date().toISOString();
      const events = Array.from({ length: BATCH }, (_, i) => ({
        id: `b${b}-${i}`,
        event_type: 'call',
        occurred_at: occurred,
        subject: `job-${i % 10}`,
      }));
      const t0 = performance.now();
      await call('/events', { customer_id: customer, events });
      latencies.push(performance.now() - t0);
      if (b % Math.max(1, Math.floor(batches / 10)) === 0) rssSamples.push({ at: b * BATCH, rss: bff.rssMb() });
    });
    const seconds = (performance.now() - started) / 1000;
    const rate = EVENTS / seconds;
    latencies.sort((a, b) => a - b);

    console.log(
      `\n# Ingest: POST /events, batches of ${BATCH}, ${CLIENTS} clients, ${CUSTOMERS} customers, ${EVENTS.toLocaleString('en')} events, PostgreSQL`,
    );
    line('baseline: bare SQL insert + balance update per event', `${baseRate.toFixed(0)} ev/s`);
    line('POST /events', `${rate.toFixed(0)} ev/s`, `${(rate / baseRate).toFixed(2)}× baseline (target ≥ 1.0×, ≥ 5,000 ev/s)`);
    line('batch latency p50 / p99', `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} ms`);
    line('server RSS at 10% … 100% of events (MB)', rssSamples.map((s) => s.rss.toFixed(0)).join(' '));
    line('server peak RSS', `${bff.peakRssMb().toFixed(0)} MB`);
  } finally {
    await bff.stop();
  }
}
