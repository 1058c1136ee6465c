import postgres from 'postgres';
import {
  accessToken,
  apiClient,
  cannon,
  clearRateLimits,
  freshDatabase,
  line,
  openStream,
  percentile,
  pool,
  startBff,
  type BffProcess,
} from './lib.ts';

const KEY = 'bench_key_portal_0123456789abcdef';
const BIG = Number(process.env.BENCH_BIG_HISTORY ?? 1_000_000);
const SMALL = 10_000;
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);

/** Writes `count` ledger entries straight into PostgreSQL: two years of history, mostly usage, for read benchmarks. */
async function seedHistory(url: string, platformId: string, customerId: string, count: number) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  // Rows the ledger's constraints accept: usage is a debit of its event (source `event:<id>`), fiat of the same sign.
  await sql`
    insert into entries (id, platform_id, customer_id, account_name, asset_code, category, description, amount, balance_after,
      fiat_amount, fiat_currency, occurred_at, created_at, source, event_id, product_code, product_name, price_name, fee_description,
      subject)
    select 'txn_bench_' || ${customerId} || '_' || g, ${platformId}, ${customerId}, 'default', 'USD',
      case when usage then 'usage' when g % 10 = 8 then 'top_up' else 'gift' end,
      'Bench entry ' || g, amount, 1000 - g * 0.01, amount, 'USD',
      now() - make_interval(secs => (${count} - g) * (63072000.0 / ${count})),
      now() - make_interval(secs => (${count} - g) * (63072000.0 / ${count})),
      case when usage then 'event:bench-' || g else 'bench:' || g end, case when usage then 'bench-' || g end,
      'chat', 'Chat', 'Per message', '$0.01 per event', 'thread-' || (g % 100)
    from generate_series(1, ${count}) g, lateral (select g % 10 < 8 as usage) u,
      lateral (select case when usage then -0.01 else 1.5 end as amount) a`;
  await sql`
    insert into spend_rollup (customer_id, asset_code, hour, amount, fiat_amount)
    select ${customerId}, 'USD', date_trunc('hour', now()) - make_interval(hours => h), 0.37, 0.37
    from generate_series(0, 24 * 366) h on conflict do nothing`;
  await sql`
    insert into spend_daily (customer_id, asset_code, day, amount, fiat_amount)
    select ${customerId}, 'USD', current_date - d, 8.88, 8.88 from generate_series(0, 366) d on conflict do nothing`;
  await sql`analyze entries`;
  await sql.end();
}

async function timeRequests(bff: BffProcess, token: string, path: string, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const res = await fetch(`${bff.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b);
}

export async function benchPortal() {
  const url = await freshDatabase('credyt_bench_portal');
  const bff = await startBff({ DATABASE_URL: url, BOOTSTRAP_API_KEY: KEY, TRUST_PROXY: '2' }, 18788);
  const call = apiClient(bff, KEY);
  try {
    await call('POST', '/products', {
      name: 'Chat',
      code: 'chat',
      prices: [
        {
          name: 'Per message',
          type: 'usage_based',
          billing_model: { type: 'real_time' },
          usage_calculation: { event_type: 'msg', usage_type: 'unit' },
          pricing: [{ asset: 'USD', values: [{ unit_price: '0.01' }] }],
        },
      ],
    });
    const newCustomer = (name: string) =>
      call<{ id: string }>('POST', '/customers', { name, external_id: name, subscriptions: [{ products: [{ code: 'chat' }] }] });
    const big = await newCustomer('big');
    const small = await newCustomer('small');
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    const platformId = (await admin`select platform_id from customers where id = ${big.id}`)[0]!.platform_id as string;
    await admin.end();
    await seedHistory(url, platformId, big.id, BIG);
    await seedHistory(url, platformId, small.id, SMALL);
    const bigToken = await accessToken(bff, KEY, big.id);
    const smallToken = await accessToken(bff, KEY, small.id);

    console.log('\n# Portal API (PostgreSQL; BFF in its own process)');
    const auth = { authorization: `Bearer ${bigToken}` };
    // Three interleaved rounds, so a shift in what else the machine is doing hits every route alike; medians reported.
    await cannon({ url: `${bff.url}/livez`, headers: {}, connections: 64, duration: 2 }); // warm-up
    await cannon({ url: `${bff.url}/portal/api/wallet`, headers: auth, connections: 64, duration: 2 });
    const rounds: { trivial: number; roundTrip: number; wallet: number; p99: number }[] = [];
    for (let round = 0; round < 3; round++) {
      const trivial = await cannon({ url: `${bff.url}/livez`, headers: {}, connections: 64, duration: 5 });
      const roundTrip = await cannon({ url: `${bff.url}/healthz`, headers: {}, connections: 64, duration: 5 });
      const wallet = await cannon({ url: `${bff.url}/portal/api/wallet`, headers: auth, connections: 64, duration: 5 });
      if (wallet.non2xx > 0) throw new Error(`wallet answered ${wallet.non2xx} non-2xx`);
      rounds.push({
        trivial: trivial.requests.average,
        roundTrip: roundTrip.requests.average,
        wallet: wallet.requests.average,
        p99: wallet.latency.p99,
      });
    }
    const median = (pick: (r: (typeof rounds)[number]) => number) => rounds.map(pick).sort((a, b) => a - b)[1]!;
    line('baseline: GET /livez, 64 connections (median of 3 rounds)', `${median((r) => r.trivial).toFixed(0)} req/s`);
    line(
      'reference: GET /healthz (one `select 1` round trip)',
      `${median((r) => r.roundTrip).toFixed(0)} req/s`,
      `${median((r) => r.roundTrip / r.trivial).toFixed(2)}× baseline`,
    );
    line(
      'GET /portal/api/wallet, 64 connections',
      `${median((r) => r.wallet).toFixed(0)} req/s`,
      `${median((r) => r.wallet / r.trivial).toFixed(2)}× baseline (target ≥ 0.20×; rounds ${rounds
        .map((r) => (r.wallet / r.trivial).toFixed(2))
        .join(' ')}), p99 ${median((r) => r.p99)} ms, worst ${Math.max(...rounds.map((r) => r.p99))} ms (target ≤ 25)`,
    );

    const month = new Date(Date.now() - 90 * 86400_000).toISOString().slice(0, 7);
    const page = `/portal/api/transactions?month=${month}&category=usage&limit=50`;
    await timeRequests(bff, bigToken, page, 20);
    const bigPage = await timeRequests(bff, bigToken, page, 200);
    const smallPage = await timeRequests(bff, smallToken, page, 200);
    line(`transactions page (month+category), ${SMALL.toLocaleString('en')} entries: p50`, `${percentile(smallPage, 50).toFixed(2)} ms`);
    line(
      `transactions page (month+category), ${BIG.toLocaleString('en')} entries: p50`,
      `${percentile(bigPage, 50).toFixed(2)} ms`,
      `${(percentile(bigPage, 50) / percentile(smallPage, 50)).toFixed(2)}× the small history (target ≤ 2×, ≤ 10 ms)`,
    );
    const from = new Date(Date.now() - 365 * 86400_000).toISOString().slice(0, 10);
    const to = new Date().toISOString().slice(0, 10);
    const spend = await timeRequests(bff, bigToken, `/portal/api/spend?from=${from}&to=${to}&interval=day`, 100);
    const livez = await timeRequests(bff, bigToken, '/livez', 100);
    line(
      'a year of daily spend: p50',
      `${percentile(spend, 50).toFixed(2)} ms`,
      `(target ≤ 20 ms; /livez p50 ${percentile(livez, 50).toFixed(2)} ms)`,
    );

    const rssBefore = bff.rssMb();
    const rssAt: string[] = [];
    const t0 = performance.now();
    const csv = await fetch(`${bff.url}/portal/api/transactions?format=csv`, { headers: auth });
    let bytes = 0;
    let rows = 0;
    let nextMark = BIG / 5;
    for await (const chunk of csv.body as unknown as AsyncIterable<Uint8Array>) {
      bytes += chunk.length;
      for (const b of chunk) if (b === 10) rows++;
      if (rows >= nextMark) {
        rssAt.push(bff.rssMb().toFixed(0));
        nextMark += BIG / 5;
      }
    }
    line(
      `CSV export of ${(rows - 1).toLocaleString('en')} rows`,
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
      `${(bytes / 1e6).toFixed(0)} MB streamed; server RSS before ${rssBefore.toFixed(0)} MB, at each fifth: ${rssAt.join(' ')} MB`,
    );

    // Push latency with STREAMS open streams: 100 customers × STREAMS/100 streams each.
    const customers = await Promise.all(Array.from({ length: 100 }, (_, i) => newCustomer(`stream-${i}`)));
    const tokens: string[] = [];
    // More links than a platform may create in a minute (600): the abuse counters are cleared between batches, as a
    // thousand customers would sign in over a longer time.
    for (let start = 0; start < STREAMS; start += 500) {
      await clearRateLimits(url);
      await pool(16, Math.min(500, STREAMS - start), async (i) => {
        tokens[start + i] = await accessToken(bff, KEY, customers[(start + i) % 100]!.id);
      });
    }
    const streams: Awaited<ReturnType<typeof openStream>>[] = [];
    await pool(32, STREAMS, async (i) => {
      streams[i] = await openStream(bff, tokens[i]!);
    });
    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const target = i % Math.min(100, STREAMS);
      const arrived = streams[target]!.next('wallet.updated');
      await call('POST', '/events', {
        customer_id: customers[target]!.id,
        events: [{ id: `push-${i}`, event_type: 'msg', occurred_at: new Date().toISOString() }],
      });
      const returned = performance.now();
      latencies.push(Math.max(0, (await arrived) - returned));
    }
    latencies.sort((a, b) => a - b);
    line(
      `push: POST /events returned → wallet.updated, ${STREAMS} open streams`,
      `p50 ${percentile(latencies, 50).toFixed(1)} ms`,
      `p99 ${percentile(latencies, 99).toFixed(1)} ms (targets ≤ 20 / ≤ 100 ms)`,
    );
    await Promise.all(streams.map((s) => s.close()));
  } finally {
    await bff.stop();
  }
}
