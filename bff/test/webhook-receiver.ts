import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  /** The raw body, as a platform must verify it (before any JSON parse). */
  raw: string;
  body: { id: string; type: string; created: string; live_mode: boolean; data: Record<string, unknown> };
  at: number;
}

/**
 * A platform's webhook endpoint for tests: records every request, answers what `answer` says (200 unless told).
 * `answer` may return a status or a promise of one (a slow endpoint).
 */
export async function startReceiver(answer: (r: Received, n: number) => number | Promise<number> = () => 200) {
  const received: Received[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const r: Received = { headers: req.headers, raw, body: JSON.parse(raw), at: Date.now() };
      received.push(r);
      waiters.splice(0).forEach((w) => w());
      void Promise.resolve(answer(r, received.length)).then(
        (status) => res.writeHead(status).end(),
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/credyt`;
  return {
    url,
    received,
    /** Resolves once `count` requests have arrived (fails after `timeoutMs`). */
    async waitFor(count: number, timeoutMs = 10_000): Promise<Received[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} webhook requests, got ${received.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return received.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Verifies `Credyt-Signature` exactly as Credyt tells platforms to (https://docs.dev.credyt.ai/features/webhooks,
 * "Verifying Webhook Signatures"): header `t=<timestamp>,v0=<signature>`, v0 the hex HMAC-SHA256 of
 * `${timestamp}.${rawBody}` keyed by the destination's secret, compared in constant time; a stale timestamp refused.
 * Written here from the docs, not taken from the server's code.
 */
export function verifyCredytSignature(header: string | undefined, raw: string, secret: string, toleranceSeconds = 300): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const t = parts.t;
  const v0 = parts.v0;
  if (!t || !v0 || !/^\d+$/.test(t) || !/^[0-9a-f]{64}$/.test(v0)) return false;
  if (Math.abs(Date.now() / 1000 - Number(t)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${raw}`).digest();
  return timingSafeEqual(expected, Buffer.from(v0, 'hex'));
}
