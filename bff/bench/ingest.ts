import postgres from 'postgres';
import { accessToken, apiClient, cannon, freshDatabase, line, openStream, percentile, pool, startBff } from './lib.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const SINGLE_SECONDS = Number(process.env.BENCH_SINGLE_SECONDS ?? 10);
const BATCH = 100;
const BATCH_CLIENTS = 4;
const SINGLE_CLIENTS = 64;
const CUSTOMERS = 1000;
/** Customers the one-event-per-request load spreads over (as in issue 16's measurement). */
const SINGLE_CUSTOMERS = 200;
/** Customers with a live portal stream while the one-event load runs, each probed in turn. */
const PROBED = 20;
const KEY = 'bench_key_0123456789abcdef';

/** Baseline: the bare SQL of one entry insert and one balance update per event, as its own transaction. */
async function baseline(url: string, events: number, clients: number): Promise<number> {
  const sql = postgres(url, { max: clients, onnotice: () => {} });
  await sql`create table if not exists baseline_accounts (id int primary key, balance numeric not null)`;
  await sql`create table if not exists baseline_entries (id bigserial primary key, account_id int not null, amount numeric not null, balance_after numeric not null)`;
  await sql`insert into baseline_accounts select g, 1000 from generate_series(0, ${CUSTOMERS - 1}) g on conflict do nothing`;
  const started = performance.now();
  await pool(clients, events, async (i) => {
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
  const bff = await startBff({ DATABASE_URL: url, BOOTSTRAP_API_KEY: KEY, TRUST_PROXY: '2' }, 18787);
  const call = apiClient(bff, KEY);
  try {
    await call('POST', '/products', {
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
    await pool(8, CUSTOMERS + PROBED, async (i) => {
      const c = await call<{ id: string }>('POST', '/customers', {
        name: `Customer ${i}`,
        external_id: `bench-${i}`,
        subscriptions: [{ products: [{ code: 'bench' }] }],
      });
      customers[i] = c.id;
    });
    const probed = customers.splice(CUSTOMERS, PROBED);

    // One event per request, 64 clients, as platforms send usage as it happens; push probed meanwhile.
    await cannon({ url: `${bff.url}/livez`, connections: SINGLE_CLIENTS, duration: 2 }); // warm-up
    const livez = await cannon({ url: `${bff.url}/livez`, connections: SINGLE_CLIENTS, duration: 5 });
    const singleBase = await baseline(url, 20_000, SINGLE_CLIENTS);
    const streams = await Promise.all(probed.map(async (c) => openStream(bff, await accessToken(bff, KEY, c))));
    let sent = 0;
    const body = () =>
      JSON.stringify({
        customer_id: customers[sent % SINGLE_CUSTOMERS],
        events: [{ id: `s${sent++}`, event_type: 'call', occurred_at: new Date().toISOString(), subject: `job-${sent % 10}` }],
      });
    const pushes: number[] = [];
    let probing = true;
    const probe = (async () => {
      for (let i = 0; probing; i++) {
        const target = i % PROBED;
        const arrived = streams[target]!.next('wallet.updated');
        await call('POST', '/events', {
          customer_id: probed[target],
          events: [{ id: `probe-${i}`, event_type: 'call', occurred_at: new Date().toISOString() }],
        });
        const returned = performance.now();
        pushes.push(Math.max(0, (await arrived) - returned));
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const cpu0 = bff.cpuSeconds();
    const self0 = process.cpuUsage();
    const single = await cannon({
      url: bff.url,
      connections: SINGLE_CLIENTS,
      duration: SINGLE_SECONDS,
      requests: [
        {
          method: 'POST',
          path: '/events',
          headers: { 'content-type': 'application/json', 'x-credyt-api-key': KEY },
          setupRequest: (req) => ({ ...req, body: body() }),
        },
      ],
    });
    const serverCpu = bff.cpuSeconds() - cpu0;
    const self = process.cpuUsage(self0);
    probing = false;
    await probe;
    await Promise.all(streams.map((s) => s.close()));
    if (single.non2xx > 0 || single.errors > 0) throw new Error(`one-event load: ${single.non2xx} non-2xx, ${single.errors} errors`);
    const singleRate = single.requests.average;
    pushes.sort((a, b) => a - b);

    console.log(
      `\n# Ingest: POST /events, one event per request, ${SINGLE_CLIENTS} clients, ${SINGLE_CUSTOMERS} customers, ${SINGLE_SECONDS} s, PostgreSQL`,
    );
    line(`baseline: GET /livez, ${SINGLE_CLIENTS} connections`, `${livez.requests.average.toFixed(0)} req/s`);
    line(`baseline: bare SQL insert + balance update per event, ${SINGLE_CLIENTS} clients`, `${singleBase.toFixed(0)} ev/s`);
    line(
      'POST /events, 1 event per request',
      `${singleRate.toFixed(0)} ev/s`,
      `${(singleRate / livez.requests.average).toFixed(3)}× /livez (target ≥ 0.10×), ${(singleRate / singleBase).toFixed(2)}× bare SQL (target ≥ 0.5×)`,
    );
    line('request latency p50 / p99', `${single.latency.p50} / ${single.latency.p99} ms`, '(target p99 ≤ 50 ms)');
    line(
      'CPU: server, load generator (of 2 cores × the run)',
      `${((serverCpu / SINGLE_SECONDS) * 100).toFixed(0)}% ${(((self.user + self.system) / 1e6 / SINGLE_SECONDS) * 100).toFixed(0)}%`,
      `server ${((serverCpu * 1000) / single.requests.total).toFixed(2)} ms CPU per request`,
    );
    line(
      `push under this load: POST /events returned → wallet.updated (${pushes.length} probes)`,
      `p50 ${percentile(pushes, 50).toFixed(1)} ms`,
      `p99 ${percentile(pushes, 99).toFixed(1)} ms (target ≤ 50 ms)`,
    );

    const baseRate = await baseline(url, Math.min(EVENTS, 50_000), BATCH_CLIENTS);
    const batches = Math.ceil(EVENTS / BATCH);
    const latencies: number[] = [];
    const rssSamples: { at: number; rss: number }[] = [];
    const started = performance.now();
    await pool(BATCH_CLIENTS, batches, async (b) => {
      const customer = customers[b % CUSTOMERS]!;
      const occurred = new Date().toISOString();
      const events = Array.from({ length: BATCH }, (_, i) => ({
        id: `b${b}-${i}`,
        event_type: 'call',
        occurred_at: occurred,
        subject: `job-${i % 10}`,
      }));
      const t0 = performance.now();
      await call('POST', '/events', { customer_id: customer, events });
      latencies.push(performance.now() - t0);
      if (b % Math.max(1, Math.floor(batches / 10)) === 0) rssSamples.push({ at: b * BATCH, rss: bff.rssMb() });
    });
    const seconds = (performance.now() - started) / 1000;
    const rate = EVENTS / seconds;
    latencies.sort((a, b) => a - b);

    console.log(
      `\n# Ingest: POST /events, batches of ${BATCH}, ${BATCH_CLIENTS} clients, ${CUSTOMERS} customers, ${EVENTS.toLocaleString('en')} events, PostgreSQL`,
    );
    line(`baseline: bare SQL insert + balance update per event, ${BATCH_CLIENTS} clients`, `${baseRate.toFixed(0)} ev/s`);
    line('POST /events', `${rate.toFixed(0)} ev/s`, `${(rate / baseRate).toFixed(2)}× baseline (target ≥ 4×)`);
    line('batch latency p50 / p99', `${percentile(latencies, 50).toFixed(1)} / ${percentile(latencies, 99).toFixed(1)} ms`);
    line('server RSS at 10% … 100% of events (MB)', rssSamples.map((s) => s.rss.toFixed(0)).join(' '));
    line('server peak RSS', `${bff.peakRssMb().toFixed(0)} MB`);
  } finally {
    await bff.stop();
  }
}
