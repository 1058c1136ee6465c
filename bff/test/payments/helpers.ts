import { serve, type ServerType } from '@hono/node-server';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startStripeEmulator, type RunningStripeEmulator } from '../../../demo/src/stripe-emulator/index.ts';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase, type DatabaseHandle } from '../../src/db/client.ts';
import { createLogger } from '../../src/log.ts';
import { AutoTopUpWorker } from '../../src/auto-top-up/service.ts';
import { createStripeClient } from '../../src/stripe/client.ts';
import { ensurePlatformWithKey } from '../../src/tenancy/platforms.ts';
import { cleanDatabase, parseExact, type TestPlatform } from '../helpers.ts';

export const WEBHOOK_SECRET = 'whsec_payments_test_secret';

export interface PaymentsContext {
  database: DatabaseHandle;
  emulator: RunningStripeEmulator;
  bffUrl: string;
  worker: AutoTopUpWorker;
  newPlatform(): Promise<TestPlatform>;
  /** Calls the portal API over HTTP with a customer's access token. */
  portal(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any; headers: Headers }>;
  /** A fresh portal access token for the customer (link → exchange). */
  accessToken(p: TestPlatform, customerId: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * The BFF served over real HTTP, with the real Stripe SDK pointed at the local emulator, which delivers signed
 * webhooks back to the BFF: the whole payments loop, with nothing mocked.
 */
export async function createPaymentsContext(options: { stripeTimeoutMs?: number } = {}): Promise<PaymentsContext> {
  const emulator = await startStripeEmulator({ port: 0, webhookUrl: '', webhookSecret: WEBHOOK_SECRET });
  // A database of its own: every suite here runs an auto top-up worker, which claims any platform's attempts.
  const clean = await cleanDatabase();
  const database = await openDatabase(clean.url, { poolSize: 20 });
  const config = loadConfig({
    PUBLIC_URL: 'http://localhost:8787',
    STRIPE_API_BASE: emulator.url,
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    // The platform's webhook endpoint in these tests is a local receiver.
    WEBHOOK_ALLOW_INSECURE_URLS: 'true',
  });
  const logger = createLogger(process.env.TEST_LOG_LEVEL === 'debug' ? 'debug' : 'silent');
  const stripe = createStripeClient(config.stripe, {
    timeoutMs: options.stripeTimeoutMs,
    maxNetworkRetries: options.stripeTimeoutMs ? 0 : 2,
  });
  const app = createApp({ database, config, logger, stripe });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const bffUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  emulator.control.configure({ webhookUrl: `${bffUrl}/webhooks/stripe`, retryBaseMs: 50 });
  const worker = new AutoTopUpWorker(database, stripe, logger, { pollMs: 100, staleMs: 60_000 });
  await worker.start();

  const request = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const res = await fetch(`${bffUrl}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? parseExact(text) : null;
    } catch {
      /* keep text */
    }
    return { status: res.status, body: parsed as any, headers: res.headers };
  };

  return {
    database,
    emulator,
    bffUrl,
    worker,
    async newPlatform() {
      const apiKey = `test_${randomBytes(16).toString('hex')}`;
      const platformId = await ensurePlatformWithKey(database.db, apiKey, 'Payments test platform');
      return {
        apiKey,
        platformId,
        call: (method, path, body, headers = {}) => request(method, path, { 'x-credyt-api-key': apiKey, ...headers }, body),
      };
    },
    portal: (token, method, path, body) => request(method, path, { authorization: `Bearer ${token}` }, body),
    async accessToken(p, customerId) {
      const link = await p.call('POST', '/billing-portal/sessions', {
        customer_id: customerId,
        return_url: 'https://platform.example/account',
        failure_url: 'https://platform.example/failed',
      });
      const exchanged = await request('POST', '/portal/api/session', {}, { token: link.body.token });
      if (exchanged.status !== 200 && exchanged.status !== 201) throw new Error(`exchange: ${JSON.stringify(exchanged.body)}`);
      return exchanged.body.access_token as string;
    },
    async close() {
      await worker.stop();
      server.close();
      await emulator.close().catch(() => undefined); // a test may have stopped it already
      await database.close();
      await clean.drop();
    },
  };
}

/** `cs_…` from a Checkout URL the emulator issued. */
export function checkoutSessionId(url: string): string {
  const id = new URL(url).pathname.split('/').pop();
  if (!id) throw new Error(`not a checkout URL: ${url}`);
  return id;
}

export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value)) {
    if (Date.now() > until) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}
