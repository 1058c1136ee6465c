import { expect, waitUntil } from '@open-wc/testing';
import { PortalClient } from './client.ts';
import { PortalStream, type StreamState } from './stream.ts';
import { emitStreamEvent, fixtureLog, linkToken, streamOpen, writeStreamChunks } from '../test-support/portal.ts';

async function signedIn(): Promise<{ client: PortalClient; link: string }> {
  const link = linkToken('filled');
  const client = new PortalClient({ apiBase: '', mode: 'bearer', onUnauthorized: async () => false });
  await client.exchange(link);
  return { client, link };
}

describe('PortalStream', () => {
  let stream: PortalStream | undefined;
  afterEach(() => stream?.stop());

  it('reads server-sent events with the bearer token and dispatches them by name', async () => {
    const { client, link } = await signedIn();
    stream = new PortalStream(client);
    const received: unknown[] = [];
    stream.on('top_up.updated', (data) => received.push(data));
    stream.start();
    await streamOpen(link);
    await waitUntil(() => stream!.state === 'open');
    await emitStreamEvent(link, 'top_up.updated', { id: 'top_1', status: 'succeeded', asset: 'USD', amount: '25' }, 'ev-1');
    await waitUntil(() => received.length === 1);
    expect(received[0]).to.deep.equal({ id: 'top_1', status: 'succeeded', asset: 'USD', amount: '25' });
    expect(stream.lastEventId).to.equal('ev-1');
  });

  it('reads an event whose lines are split across reads, CRLF included, and data on several lines', async () => {
    const { client, link } = await signedIn();
    stream = new PortalStream(client);
    const received: unknown[] = [];
    stream.on('usage.created', (data) => received.push(data));
    stream.start();
    await streamOpen(link);
    await waitUntil(() => stream!.state === 'open');
    await writeStreamChunks(link, [
      ': heartbeat\r\n\r\nevent: usage.created\r',
      '\nid: ev-9\r\ndata: {"id":',
      '"evt_1",\r\ndata: "n": 2}\r',
      '\n\r\n',
    ]);
    await waitUntil(() => received.length === 1);
    expect(received[0]).to.deep.equal({ id: 'evt_1', n: 2 });
    expect(stream.lastEventId).to.equal('ev-9');
  });

  it('goes offline when the connection drops, reconnects with backoff and resumes from Last-Event-ID', async () => {
    const { client, link } = await signedIn();
    stream = new PortalStream(client, { initialDelay: 50, maxDelay: 200 });
    const states: StreamState[] = [];
    stream.addEventListener('statechange', () => states.push(stream!.state));
    stream.start();
    await streamOpen(link);
    await waitUntil(() => stream!.state === 'open');
    await emitStreamEvent(link, 'usage.created', { id: 'evt_1' }, 'ev-7');
    await waitUntil(() => stream!.lastEventId === 'ev-7');
    await fetch('/__fixture/drop', { method: 'POST', body: JSON.stringify({ link }) });
    await waitUntil(async () => (await fixtureLog(link)).streams.length === 2, 'no reconnect', { timeout: 5000 });
    await waitUntil(() => stream!.state === 'open');
    expect(states).to.include('offline');
    const log = await fixtureLog(link);
    expect(log.streams.map((s) => s.lastEventId)).to.deep.equal([null, 'ev-7']);
  });

  it('stops for good when the session is over (401)', async () => {
    const client = new PortalClient({ apiBase: '', mode: 'bearer', onUnauthorized: async () => false });
    client.accessToken = 'not-a-token';
    stream = new PortalStream(client, { initialDelay: 50 });
    stream.start();
    await waitUntil(() => stream!.state === 'closed');
  });
});
