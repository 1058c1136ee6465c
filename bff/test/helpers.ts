import { randomBytes } from 'node:crypto';
import { parse } from 'lossless-json';
import { createApp } from '../src/app.ts';
import type { Clock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase, type DatabaseHandle } from '../src/db/client.ts';
import type { Lifecycle } from '../src/lifecycle.ts';
import { createLogger, type Logger } from '../src/log.ts';
import { ensurePlatformWithKey } from '../src/tenancy/platforms.ts';
import type { PortalOptions } from '../src/portal-api.ts';

/** The database tests run on: the real PostgreSQL when DATABASE_URL says so (CI), else in-memory PGlite. */
export const TEST_DATABASE_URL = process.env.DATABASE_URL || 'memory:';
export const onPostgres = /^postgres(ql)?:\/\//.test(TEST_DATABASE_URL);

export interface TestPlatform {
  apiKey: string;
  platformId: string;
  /** Calls the app in-process with this platform's key; JSON in, parsed JSON out. */
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
}

/**
 * JSON with its numbers as JS numbers where a double writes them back digit for digit; any other number
 * (`0.1234567890123456789`, `9007199254740993`, `0.000000000000000001`) keeps its exact text, as a string, so a test
 * can still check every digit the server wrote.
 */
export const parseExact = (text: string): unknown => parse(text, null, (n) => (String(Number(n)) === n ? Number(n) : n));

export interface TestContext {
  database: DatabaseHandle;
  app: ReturnType<typeof createApp>;
  newPlatform(name?: string): Promise<TestPlatform>;
  close(): Promise<void>;
}

export interface TestContextOptions {
  clock?: Clock;
  env?: Record<string, string>;
  /** Portal stream timings (heartbeat, session checks). */
  portal?: Partial<PortalOptions>;
  databaseUrl?: string;
  /** Serving or draining: a test drains it to see what SIGTERM does. */
  lifecycle?: Lifecycle;
  /** The server's logger (silent by default); the hostile suite keeps its errors for the failure report. */
  logger?: Logger;
}

export async function createTestContext(options: TestContextOptions = {}): Promise<TestContext> {
  const database = await openDatabase(options.databaseUrl ?? TEST_DATABASE_URL, { poolSize: 10 });
  const config = loadConfig({ PUBLIC_URL: 'http://localhost:8787', ...options.env });
  const app = createApp({
    database,
    config,
    logger: options.logger ?? createLogger('silent'),
    clock: options.clock,
    portal: options.portal,
    lifecycle: options.lifecycle,
  });
  return {
    database,
    app,
    async newPlatform(name = 'Test platform') {
      const apiKey = `test_${randomBytes(16).toString('hex')}`;
      const platformId = await ensurePlatformWithKey(database.db, apiKey, name);
      return {
        apiKey,
        platformId,
        async call(method, path, body, headers = {}) {
          const res = await app.request(path, {
            method,
            headers: { 'x-credyt-api-key': apiKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
            body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
          });
          const text = await res.text();
          let parsed: unknown = text;
          try {
            parsed = text ? parseExact(text) : null;
          } catch {
            /* not JSON: keep the text */
          }
          return { status: res.status, body: parsed, headers: res.headers };
        },
      };
    },
    close: () => database.close(),
  };
}

export const unitPrice = (eventType: string, asset: string, unit_price: number | string, extra: Record<string, unknown> = {}) => ({
  name: `${eventType} price`,
  type: 'usage_based',
  billing_model: { type: 'real_time' },
  usage_calculation: { event_type: eventType, usage_type: 'unit' },
  pricing: [{ asset, values: [{ unit_price }] }],
  ...extra,
});

export const volumePrice = (eventType: string, asset: string, field: string, volume_rate: number | string, package_size?: number) => ({
  name: `${eventType} volume`,
  type: 'usage_based',
  billing_model: { type: 'real_time' },
  usage_calculation: { event_type: eventType, usage_type: 'volume', volume_field: field },
  pricing: [{ asset, values: [{ volume_rate, ...(package_size ? { package_size } : {}) }] }],
});

/** A customer subscribed to one product with the given prices, funded by a gift. */
export async function fundedCustomer(p: TestPlatform, prices: unknown[], fund: { asset: string; amount: string | number }[] = []) {
  const code = `prod_${randomBytes(4).toString('hex')}`;
  const product = await p.call('POST', '/products', { name: 'Product', code, prices, publish: true });
  if (product.status !== 201) throw new Error(`product: ${JSON.stringify(product.body)}`);
  const customer = await p.call('POST', '/customers', {
    name: 'Customer',
    external_id: `ext_${randomBytes(6).toString('hex')}`,
    subscriptions: [{ products: [{ code }] }],
  });
  if (customer.status !== 201) throw new Error(`customer: ${JSON.stringify(customer.body)}`);
  const id = customer.body.id as string;
  for (const [i, f] of fund.entries()) {
    const r = await p.call('POST', `/customers/${id}/wallet/adjustments`, {
      transaction_id: `fund-${id}-${i}`,
      asset: f.asset,
      amount: f.amount,
      reason: 'gift',
    });
    if (r.status !== 201) throw new Error(`fund: ${JSON.stringify(r.body)}`);
  }
  return { id, code };
}

/** The account's available balance as decimal text (the platform API writes it as a JSON number). */
export async function balanceOf(p: TestPlatform, customerId: string, asset: string): Promise<string> {
  const wallet = await p.call('GET', `/customers/${customerId}/wallet`);
  return String((wallet.body.accounts as { asset: string; available: number | string }[]).find((a) => a.asset === asset)?.available ?? '0');
}

export interface CleanDatabase {
  url: string;
  describe: string;
  drop(): Promise<void>;
}

/**
 * A clean database: an in-memory PGlite unless `DATABASE_URL` is a `postgres://` URL; then a new database on that
 * server (dropped afterwards), so no other suite's auto top-up worker can claim this suite's attempts. Without
 * the right to create one, the given database itself, where a new platform of the suite's own is clean.
 */
export async function cleanDatabase(): Promise<CleanDatabase> {
  const given = process.env.DATABASE_URL ?? '';
  if (!/^postgres(ql)?:\/\//.test(given)) return { url: 'memory:', describe: 'in-memory PGlite', drop: async () => {} };
  const name = `credyt_t_${randomBytes(6).toString('hex')}`;
  const admin = await openDatabase(given, { poolSize: 1 });
  try {
    await admin.db.execute(`create database ${name}`);
  } catch (err) {
    await admin.close();
    return { url: given, describe: `DATABASE_URL itself (cannot create a database: ${(err as Error).message})`, drop: async () => {} };
  }
  const url = new URL(given);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    describe: `PostgreSQL database ${name}`,
    async drop() {
      try {
        await admin.db.execute(`drop database if exists ${name} with (force)`);
      } finally {
        await admin.close();
      }
    },
  };
}
