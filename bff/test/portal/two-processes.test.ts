import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPortalContext, fundedCustomer, onPostgres, sseReader, unitPrice, type PortalTestContext } from './helpers.ts';

/** Two BFF processes on one PostgreSQL: each has its own pool and its own LISTEN, as two servers would. */
describe.skipIf(!onPostgres)('two BFF processes on one database', () => {
  const nodes: { ctx: PortalTestContext; server: ServerType; url: string }[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const ctx = await createPortalContext();
      const server = serve({ fetch: ctx.app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      nodes.push({ ctx, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    }
  });
  afterAll(async () => {
    for (const n of nodes) {
      (n.server as Server).closeAllConnections();
      await new Promise((resolve) => n.server.close(resolve));
      await n.ctx.close();
    }
  });

  it('an event ingested through one is pushed to a stream open on the other', async () => {
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const p = await a.ctx.newPlatform();
    const c = await fundedCustomer(p, [unitPrice('chat', 'USD', '0.125')], [{ asset: 'USD', amount: 2 }]);
    const headers = { 'x-credyt-api-key': p.apiKey, 'content-type': 'application/json' };

    const link = await (
      await fetch(`${a.url}/billing-portal/sessions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ customer_id: c.id, return_url: 'https://p.example/back', failure_url: 'https://p.example/failed' }),
      })
    ).json();
    const exchanged = await fetch(`${b.url}/portal/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: link.token }),
    });
    expect(exchanged.status).toBe(201);
    const { access_token } = await exchanged.json();

    const controller = new AbortController();
    const res = await fetch(`${b.url}/portal/api/stream`, {
      headers: { authorization: `Bearer ${access_token}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const stream = sseReader(res);
    await stream.next(undefined, 300).catch(() => undefined); // let the stream open (only the "connected" comment)

    const started = Date.now();
    const sent = await fetch(`${a.url}/events`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ customer_id: c.id, events: [{ id: 'cross-1', event_type: 'chat', occurred_at: new Date().toISOString() }] }),
    });
    expect(sent.status).toBe(201);
    const txn = await stream.next('transaction.created', 5000);
    expect(txn.data).toMatchObject({ category: 'usage', amount: '-0.125', balance_after: '1.875' });
    const wallet = await stream.next('wallet.updated', 5000);
    expect(wallet.data.account).toMatchObject({ id: 'default:USD', available: '1.875', spent_this_month: '0.125' });
    expect(Date.now() - started).toBeLessThan(2000);
    controller.abort();
    await stream.close();
  });

  it('a session revoked through one stops working on the other at once', async () => {
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const p = await a.ctx.newPlatform();
    const c = await fundedCustomer(p, [unitPrice('chat', 'USD', '1')], [{ asset: 'USD', amount: 2 }]);
    const headers = { 'x-credyt-api-key': p.apiKey, 'content-type': 'application/json' };
    const link = await (
      await fetch(`${a.url}/billing-portal/sessions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ customer_id: c.id, return_url: 'https://p.example/back', failure_url: 'https://p.example/failed' }),
      })
    ).json();
    const { access_token } = await (
      await fetch(`${b.url}/portal/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: link.token }),
      })
    ).json();
    const wallet = () => fetch(`${b.url}/portal/api/wallet`, { headers: { authorization: `Bearer ${access_token}` } });
    expect((await wallet()).status).toBe(200); // b now holds the session in its lookup cache
    const revoked = await fetch(`${a.url}/billing-portal/sessions/${link.id}/revoke`, { method: 'POST', headers });
    expect(revoked.status).toBe(200);
    const until = Date.now() + 1000;
    let status = (await wallet()).status;
    while (status !== 401 && Date.now() < until) status = (await wallet()).status;
    expect(status).toBe(401);
  });
});
