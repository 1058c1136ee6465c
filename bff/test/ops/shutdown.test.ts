import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanDatabase, unitPrice } from '../helpers.ts';
import { sseReader } from '../portal/helpers.ts';
import { freePort, SERVER_ENTRY, startServer } from '../../cluster/server-process.ts';

describe('pnpm serve', () => {
  it('refuses to start without the widget bundle, in one line that says how to build it', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', SERVER_ENTRY], {
      env: { ...process.env, WIDGET_DIST: '/nonexistent/widget/dist', DATABASE_URL: 'memory:' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toEqual([
      'The widget bundle is missing (/nonexistent/widget/dist/credyt-billing-portal.js): build it with `pnpm build`, or set WIDGET_DIST to a built copy.',
    ]);
  });
});

describe('graceful shutdown on SIGTERM', () => {
  const key = `shutdown_${randomBytes(12).toString('hex')}`;
  let database: Awaited<ReturnType<typeof cleanDatabase>>;
  beforeAll(async () => {
    database = await cleanDatabase();
  });
  afterAll(() => database.drop());

  it('finishes the request in flight, ends the live stream with a reconnect hint, and exits 0', async () => {
    const bff = await startServer({ DATABASE_URL: database.url, BOOTSTRAP_API_KEY: key, SHUTDOWN_TIMEOUT_MS: '5000' }, await freePort());
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${bff.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', 'x-credyt-api-key': key },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    await call('POST', '/products', { name: 'Chat', code: 'chat', publish: true, prices: [unitPrice('chat', 'USD', '0.01')] });
    const customer = await call('POST', '/customers', { name: 'C', external_id: 'c', subscriptions: [{ products: [{ code: 'chat' }] }] });
    const id = customer.id as string;
    await call('POST', `/customers/${id}/wallet/adjustments`, { transaction_id: 'fund', asset: 'USD', amount: '10', reason: 'gift' });
    const link = await call('POST', '/billing-portal/sessions', {
      customer_id: id,
      return_url: 'https://platform.example/',
      failure_url: 'https://platform.example/',
    });
    const exchanged = await fetch(`${bff.url}/portal/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: link.token }),
    });
    const { access_token } = (await exchanged.json()) as { access_token: string };
    const stream = sseReader(await fetch(`${bff.url}/portal/api/stream`, { headers: { authorization: `Bearer ${access_token}` } }));
    await expect(stream.next(undefined, 200)).rejects.toThrow(/no event/);

    // A request in flight when the signal comes: its headers and half its body are sent, the rest after SIGTERM.
    const body = JSON.stringify({
      customer_id: id,
      events: Array.from({ length: 50 }, (_, i) => ({ id: `e-${i}`, event_type: 'chat', occurred_at: new Date().toISOString() })),
    });
    let send!: ReadableStreamDefaultController<Uint8Array>;
    const bytes = new TextEncoder().encode(body);
    const inFlight = fetch(`${bff.url}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-credyt-api-key': key, 'content-length': String(bytes.length) },
      body: new ReadableStream<Uint8Array>({ start: (controller) => void (send = controller) }),
      duplex: 'half',
    } as RequestInit);
    send.enqueue(bytes.subarray(0, bytes.length >> 1));
    await new Promise((r) => setTimeout(r, 200));

    const signalled = Date.now();
    bff.child.kill('SIGTERM');
    await stream.waitForEnd(3000);
    expect(stream.state.comments).toContain('server restarting');
    expect(stream.state.retry).toBeGreaterThanOrEqual(500);
    send.enqueue(bytes.subarray(bytes.length >> 1));
    send.close();
    const answered = await inFlight;
    expect(answered.status).toBe(201);
    expect(await bff.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5000);
    expect(bff.output()).toBe('');
  });
});
