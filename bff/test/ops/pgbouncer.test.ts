import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanDatabase, onPostgres, unitPrice } from '../helpers.ts';
import { havePgBouncer, startPgBouncer, type Bouncer } from '../../cluster/pgbouncer.ts';
import { sseReader } from '../portal/helpers.ts';
import { freePort, startServer, type ServerProcess } from '../../cluster/server-process.ts';

/**
 * Through PgBouncer in transaction pooling, with a direct URL for what needs one connection (LISTEN, the migration
 * lock): before DATABASE_DIRECT_URL, the BFF started, answered /healthz once, then hung on every request.
 */
describe.runIf(onPostgres && havePgBouncer)('through PgBouncer (transaction pooling)', () => {
  const key = `bouncer_${randomBytes(12).toString('hex')}`;
  let database: Awaited<ReturnType<typeof cleanDatabase>>;
  let bouncer: Bouncer;
  let bff: ServerProcess;
  beforeAll(async () => {
    database = await cleanDatabase();
    bouncer = await startPgBouncer(database.url, await freePort(), 4);
    bff = await startServer({ DATABASE_URL: bouncer.url, DATABASE_DIRECT_URL: database.url, BOOTSTRAP_API_KEY: key }, await freePort());
  }, 60_000);
  afterAll(async () => {
    bff?.child.kill('SIGTERM');
    await bff?.exited;
    await bouncer?.stop();
    await database?.drop();
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${bff.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-credyt-api-key': key },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    return { status: res.status, text: await res.text() };
  };

  it('answers every request, books concurrent events exactly, and pushes them to a live stream', async () => {
    for (let i = 0; i < 20; i++) expect((await fetch(`${bff.url}/healthz`, { signal: AbortSignal.timeout(5000) })).status).toBe(200);
    // 64 at once: prepared statements through the pooler hung all but a few of these (timeouts) before.
    const reads = await Promise.all(Array.from({ length: 64 }, () => call('GET', '/customers')));
    expect(reads.map((r) => r.status)).toEqual(Array(64).fill(200));
    expect(
      (await call('POST', '/products', { name: 'Chat', code: 'chat', publish: true, prices: [unitPrice('chat', 'USD', '0.01')] })).status,
    ).toBe(201);
    const created = await call('POST', '/customers', { name: 'C', external_id: 'c', subscriptions: [{ products: [{ code: 'chat' }] }] });
    expect(created.status).toBe(201);
    const id = (JSON.parse(created.text) as { id: string }).id;
    expect(
      (await call('POST', `/customers/${id}/wallet/adjustments`, { transaction_id: 'f', asset: 'USD', amount: '10', reason: 'gift' }))
        .status,
    ).toBe(201);

    const link = JSON.parse(
      (
        await call('POST', '/billing-portal/sessions', {
          customer_id: id,
          return_url: 'https://p.example/',
          failure_url: 'https://p.example/',
        })
      ).text,
    ) as { token: string };
    const exchanged = await fetch(`${bff.url}/portal/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: link.token }),
    });
    const { access_token } = (await exchanged.json()) as { access_token: string };
    const headers = { authorization: `Bearer ${access_token}` };
    const stream = sseReader(await fetch(`${bff.url}/portal/api/stream`, { headers }));

    // 20 requests at once, 5 events each, over a pool of 4 server connections: the pooler queues them.
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, r) =>
        call('POST', '/events', {
          customer_id: id,
          events: Array.from({ length: 5 }, (_, i) => ({ id: `e-${r}-${i}`, event_type: 'chat', occurred_at: new Date().toISOString() })),
        }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    const wallet = await fetch(`${bff.url}/portal/api/wallet`, { headers });
    expect(((await wallet.json()) as { accounts: { available: string }[] }).accounts[0]!.available).toBe('9');

    // The last wallet.updated the stream sees carries the final balance: LISTEN works on the direct connection.
    let last = '';
    while (last !== '9') {
      const event = await stream.next('wallet.updated', 5000);
      last = (event.data as { account: { available: string } }).account.available;
    }
    await stream.close();
  });
});
