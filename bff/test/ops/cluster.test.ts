import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '@credyt/shared';
import { startCluster, type Cluster } from '../../cluster/cluster.ts';
import { haveNginx } from '../../cluster/nginx.ts';
import { havePgBouncer } from '../../cluster/pgbouncer.ts';
import { startStripeEmulator, type RunningStripeEmulator } from '../../../demo/src/stripe-emulator/index.ts';
import { cleanDatabase, onPostgres, unitPrice } from '../helpers.ts';
import { checkoutSessionId } from '../payments/helpers.ts';
import { sseReader } from '../portal/helpers.ts';
import { startReceiver, verifyCredytSignature } from '../webhook-receiver.ts';

/** Three BFF processes behind nginx, through PgBouncer: what `pnpm cluster` starts. */
describe.runIf(onPostgres && havePgBouncer && haveNginx)('a cluster: nginx → 3 BFF processes → PgBouncer → PostgreSQL', () => {
  const key = `cluster_${randomBytes(12).toString('hex')}`;
  let database: Awaited<ReturnType<typeof cleanDatabase>>;
  let cluster: Cluster;
  let emulator: RunningStripeEmulator;
  const stripeSecret = 'whsec_cluster_test';
  beforeAll(async () => {
    database = await cleanDatabase();
    // Every process reaches the same Stripe (the emulator), which posts its webhooks back through the proxy.
    emulator = await startStripeEmulator({ port: 0, webhookUrl: '', webhookSecret: stripeSecret });
    cluster = await startCluster({
      databaseUrl: database.url,
      env: {
        BOOTSTRAP_API_KEY: key,
        WEBHOOK_ALLOW_INSECURE_URLS: 'true',
        STRIPE_API_BASE: emulator.url,
        STRIPE_WEBHOOK_SECRET: stripeSecret,
      },
    });
    emulator.control.configure({ webhookUrl: `${cluster.url}/webhooks/stripe`, retryBaseMs: 50 });
  }, 90_000);
  afterAll(async () => {
    await cluster?.stop();
    await emulator?.close();
    await database?.drop();
  });

  const call = async (base: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-credyt-api-key': key },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as Record<string, unknown> | null };
  };
  const customer = async (name: string) => {
    const created = await call(cluster.url, 'POST', '/customers', {
      name,
      external_id: name,
      subscriptions: [{ products: [{ code: 'chat' }] }],
    });
    expect(created.status).toBe(201);
    const id = created.json!.id as string;
    expect(
      (
        await call(cluster.url, 'POST', `/customers/${id}/wallet/adjustments`, {
          transaction_id: `f-${id}`,
          asset: 'USD',
          amount: '100',
          reason: 'gift',
        })
      ).status,
    ).toBe(201);
    return id;
  };

  it('migrated once though all three started together, and spreads requests over all three', async () => {
    expect(
      (
        await call(cluster.url, 'POST', '/products', {
          name: 'Chat',
          code: 'chat',
          publish: true,
          prices: [unitPrice('chat', 'USD', '0.01'), unitPrice('chat6', 'USD', '0.06')],
        })
      ).status,
    ).toBe(201);
    for (let i = 0; i < 30; i++) expect((await call(cluster.url, 'GET', '/products')).status).toBe(200);
    for (const p of cluster.processes) {
      const metrics = await (await fetch(`${p.url}/metrics`)).text();
      const line = metrics
        .split('\n')
        .find((l) => l.startsWith('credyt_http_request_duration_seconds_count{method="GET",route="/products",status="200"}'));
      expect(Number(line?.split(' ')[1] ?? 0), `${p.url} answered some`).toBeGreaterThan(0);
    }
  });

  /** The customer's USD balance as the API writes it. */
  const available = async (id: string) => {
    const wallet = (await call(cluster.url, 'GET', `/customers/${id}/wallet`)).json as { accounts: { available: unknown }[] };
    return String(wallet.accounts[0]!.available);
  };
  /** A portal access token for the customer, exchanged at `base`. */
  const accessToken = async (base: string, id: string) => {
    const link = (
      await call(base, 'POST', '/billing-portal/sessions', {
        customer_id: id,
        return_url: 'https://p.example/',
        failure_url: 'https://p.example/',
      })
    ).json!;
    const exchanged = await fetch(`${base}/portal/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: link.token }),
    });
    return ((await exchanged.json()) as { access_token: string }).access_token;
  };

  it('pushes an event ingested through one process to a stream open on another', async () => {
    const id = await customer('push');
    const [a, b] = cluster.processes;
    const access_token = await accessToken(a!.url, id);
    const stream = sseReader(await fetch(`${a!.url}/portal/api/stream`, { headers: { authorization: `Bearer ${access_token}` } }));
    await expect(stream.next(undefined, 200)).rejects.toThrow(/no event/);
    const sent = await call(b!.url, 'POST', '/events', {
      customer_id: id,
      events: [{ id: 'x-1', event_type: 'chat', occurred_at: new Date().toISOString() }],
    });
    expect(sent.status).toBe(201);
    const update = await stream.next('wallet.updated', 5000);
    expect((update.data as { account: { available: string } }).account.available).toBe('99.99');
    await stream.close();
  });

  it("sends each webhook once though three processes' workers compete for the outbox", async () => {
    const hook = await startReceiver();
    try {
      const dest = await call(cluster.url, 'POST', '/webhooks', { url: hook.url, topics: ['subscription.activated'] });
      expect(dest.status).toBe(201);
      await Promise.all(Array.from({ length: 30 }, (_, n) => customer(`hook-${n}`)));
      await hook.waitFor(30, 20_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(hook.received).toHaveLength(30);
      expect(new Set(hook.received.map((r) => r.body.id)).size).toBe(30);
      for (const r of hook.received)
        expect(verifyCredytSignature(r.headers['credyt-signature'] as string, r.raw, dest.json!.secret as string)).toBe(true);
    } finally {
      await hook.close();
    }
  });

  it('100 parallel debits across the processes crossing the threshold charge one auto top-up', async () => {
    const id = await customer('auto');
    // 100 funded; below 95, add 20 from the saved card.
    const token = await accessToken(cluster.url, id);
    const put = await fetch(`${cluster.url}/portal/api/auto-top-up/USD`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true, threshold: 95, amount: 20 }),
    });
    const setting = (await put.json()) as { setup_url: string };
    expect(emulator.control.completeCheckout(checkoutSessionId(setting.setup_url), '4242424242424242').outcome).toBe('completed');
    await emulator.control.flush();
    // 100 requests of 0.06 at once, spread by nginx over the three processes: 100 → 94, crossing 95 once.
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, n) =>
        call(cluster.url, 'POST', '/events', {
          customer_id: id,
          events: [{ id: `auto-${n}`, event_type: 'chat6', occurred_at: new Date().toISOString() }],
        }),
      ),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    const deadline = Date.now() + 15_000;
    let balance = '';
    while (Date.now() < deadline) {
      balance = await available(id);
      if (balance === '114') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(balance).toBe('114');
    await new Promise((r) => setTimeout(r, 1500));
    expect(emulator.control.paymentIntents().filter((pi) => pi.metadata?.credyt_customer_id === id)).toHaveLength(1);
    expect(await available(id)).toBe('114');
  }, 60_000);

  it('loses nothing when a process is killed mid-load: clients retry, every event is booked once, balance = Σ entries', async () => {
    const ids = await Promise.all([1, 2, 3, 4].map((n) => customer(`kill-${n}`)));
    const batches = Array.from({ length: 120 }, (_, n) => ({
      customer_id: ids[n % ids.length]!,
      events: Array.from({ length: 5 }, (_, i) => ({ id: `k-${n}-${i}`, event_type: 'chat', occurred_at: new Date().toISOString() })),
    }));
    let answered = 0;
    const victim = cluster.processes[2]!;
    // Eight clients at once through the proxy; each retries its batch until it is answered 200 or 201.
    const queue = [...batches];
    const client = async () => {
      for (let batch = queue.shift(); batch; batch = queue.shift()) {
        for (let attempt = 0; ; attempt++) {
          const res = await call(cluster.url, 'POST', '/events', batch).catch(() => ({ status: 0, json: null }));
          if (res.status === 200 || res.status === 201) break;
          expect(attempt, `batch retried: last ${res.status}`).toBeLessThan(20);
          await new Promise((r) => setTimeout(r, 100));
        }
        if (++answered === 30) victim.child.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: 8 }, client));
    expect(await victim.exited).toBe('SIGKILL');

    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const events = await sql<{ n: string }[]>`select count(*)::text as n from events where id like 'k-%'`;
      expect(events[0]!.n).toBe('600');
      const facts = await sql<{ customer_id: string; balance: string; total: string }[]>`
        select a.customer_id, a.balance::text as balance, (select coalesce(sum(e.amount), 0)::text from entries e
          where e.customer_id = a.customer_id and e.account_name = a.name and e.asset_code = a.asset_code) as total
        from accounts a where a.customer_id = any(${ids})`;
      for (const f of facts) {
        expect(money(f.balance).equals(f.total), f.customer_id).toBe(true);
        // 100 funded, 150 events at 0.01.
        expect(money(f.balance).equals('98.5'), `${f.customer_id}: ${f.balance}`).toBe(true);
      }
    } finally {
      await sql.end();
    }
  }, 120_000);
});
