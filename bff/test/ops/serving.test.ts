import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { Lifecycle } from '../../src/lifecycle.ts';
import { createTestContext, type TestContext } from '../helpers.ts';
import { createPortalContext, fundedCustomer, signIn, sseReader, unitPrice, type PortalTestContext } from '../portal/helpers.ts';

const dist = loadConfig({}).widgetDist;
const entry = readFileSync(join(dist, 'credyt-billing-portal.js'));
const chunk = readdirSync(dist).find((f) => /^lazy-[\w-]{8}\.js$/.test(f))!;

describe('the widget bundle over the wire', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => ctx.app.request(path, { method, headers });

  it('sends the build’s brotli copy to a browser that accepts it, gzip to one that accepts only gzip, else the file', async () => {
    const br = await get('/widget/credyt-billing-portal.js', { 'accept-encoding': 'gzip, deflate, br, zstd' });
    expect(br.status).toBe(200);
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('content-type')).toMatch(/^text\/javascript|^application\/javascript/);
    expect(br.headers.get('vary')).toMatch(/accept-encoding/i);
    const brBytes = Buffer.from(await br.arrayBuffer());
    expect(brotliDecompressSync(brBytes).equals(entry)).toBe(true);
    expect(brBytes.length).toBeLessThan(entry.length * 0.4);

    const gz = await get('/widget/credyt-billing-portal.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).equals(entry)).toBe(true);

    const plain = await get('/widget/credyt-billing-portal.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toMatch(/accept-encoding/i);
    expect(Buffer.from(await plain.arrayBuffer()).equals(entry)).toBe(true);
    // Each representation has its own validator, so a cache never answers one encoding's 304 for another.
    expect(new Set([br, gz, plain].map((r) => r.headers.get('etag'))).size).toBe(3);
  });

  it('caches hashed chunks for a year as immutable, and the entry for five minutes', async () => {
    const lazy = await get(`/widget/${chunk}`, { 'accept-encoding': 'br' });
    expect(lazy.status).toBe(200);
    expect(lazy.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const main = await get('/widget/credyt-billing-portal.js');
    expect(main.headers.get('cache-control')).toBe('public, max-age=300');
    // Any page may load it as a module script, from any origin.
    expect(main.headers.get('access-control-allow-origin')).toBe('*');
    expect(main.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  });

  it('answers a revalidation of an unchanged file 304 with no body, keeping the validator and the cache policy', async () => {
    const first = await get('/widget/credyt-billing-portal.js', { 'accept-encoding': 'br' });
    const tag = first.headers.get('etag')!;
    expect(tag).toMatch(/^"[\w-]{22}"$/);
    const again = await get('/widget/credyt-billing-portal.js', { 'accept-encoding': 'br', 'if-none-match': tag });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect(again.headers.get('etag')).toBe(tag);
    expect(again.headers.get('cache-control')).toBe('public, max-age=300');
    const other = await get('/widget/credyt-billing-portal.js', { 'accept-encoding': 'br', 'if-none-match': '"stale"' });
    expect(other.status).toBe(200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const head = await get('/widget/credyt-billing-portal.js', { 'accept-encoding': 'br' }, 'HEAD');
    const full = await get('/widget/credyt-billing-portal.js', { 'accept-encoding': 'br' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    for (const name of ['content-length', 'content-encoding', 'etag', 'cache-control', 'content-type']) {
      expect(head.headers.get(name), name).toBe(full.headers.get(name));
    }
    expect(Number(head.headers.get('content-length'))).toBe((await full.arrayBuffer()).byteLength);
  });

  it('404s a file that is not in the bundle, as a problem', async () => {
    const res = await get('/widget/nope.js');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
  });
});

describe('compressed answers', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it('compresses a large JSON answer as the client prefers (brotli, else gzip), and leaves it plain when not asked', async () => {
    const plain = await ctx.app.request('/openapi.json');
    const text = await plain.text();
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(text.length).toBeGreaterThan(10_000);

    const br = await ctx.app.request('/openapi.json', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toMatch(/accept-encoding/i);
    const brBytes = Buffer.from(await br.arrayBuffer());
    expect(brotliDecompressSync(brBytes).toString()).toBe(text);
    expect(brBytes.length).toBeLessThan(text.length / 4);

    const gz = await ctx.app.request('/openapi.json', { headers: { 'accept-encoding': 'gzip;q=1, br;q=0.5' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(text);

    const refused = await ctx.app.request('/openapi.json', { headers: { 'accept-encoding': 'br;q=0, gzip;q=0' } });
    expect(refused.headers.get('content-encoding')).toBeNull();
  });

  it('leaves small answers plain', async () => {
    const res = await ctx.app.request('/healthz', { headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBeNull();
  });
});

describe('draining (what SIGTERM starts)', () => {
  const lifecycle = new Lifecycle();
  let ctx: PortalTestContext;
  beforeAll(async () => {
    ctx = await createPortalContext({ lifecycle });
  });
  afterAll(() => ctx.close());

  it('ends live streams with a reconnect hint, refuses new ones, and reports not ready; liveness stays up', async () => {
    const p = await ctx.newPlatform();
    const c = await fundedCustomer(p, [unitPrice('chat', 'USD', '0.25')], [{ asset: 'USD', amount: 5 }]);
    const { accessToken } = await signIn(ctx.app, p, c.id);
    const headers = { authorization: `Bearer ${accessToken}`, 'accept-encoding': 'gzip, br' };
    const res = await ctx.app.request('/portal/api/stream', { headers });
    expect(res.status).toBe(200);
    // An event stream is never compressed: a compressor would hold the events back.
    expect(res.headers.get('content-encoding')).toBeNull();
    const stream = sseReader(res);
    await expect(stream.next(undefined, 300)).rejects.toThrow(/no event/);
    expect(stream.state.retry).toBe(3000);

    lifecycle.drain();
    await stream.waitForEnd();
    expect(stream.state.comments).toContain('server restarting');
    expect(stream.state.retry).toBeGreaterThanOrEqual(500);
    expect(stream.state.retry).toBeLessThan(1500);

    const refused = await ctx.app.request('/portal/api/stream', { headers });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    const ready = await ctx.app.request('/healthz');
    expect(ready.status).toBe(503);
    expect(ready.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await ctx.app.request('/livez')).status).toBe(200);
  });
});
