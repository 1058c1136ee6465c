/**
 * A real BFF for the browser tests (run with `node --import tsx`, spawned by web-test-runner.config.mjs): the app
 * from bff/src/app.ts on an in-memory PGlite database, the local Stripe emulator, and the auto top-up worker, each
 * on an ephemeral port. A small control server seeds data through the platform API the way a platform would; the
 * test server proxies it at `/__real-bff/*`. Prints one JSON line `{ "control": url, "bff": url }` once ready.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { createApp } from '../../../bff/src/app.ts';
import { loadConfig } from '../../../bff/src/config.ts';
import { openDatabase } from '../../../bff/src/db/client.ts';
import { createLogger } from '../../../bff/src/log.ts';
import { AutoTopUpWorker } from '../../../bff/src/auto-top-up/service.ts';
import { createStripeClient } from '../../../bff/src/stripe/client.ts';
import { ensurePlatformWithKey } from '../../../bff/src/tenancy/platforms.ts';
import { startStripeEmulator } from '../../../demo/src/stripe-emulator/index.ts';

const WEBHOOK_SECRET = 'whsec_widget_real_bff_tests';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const bffServer = createServer();
const bffUrl = await listen(bffServer);
const emulator = await startStripeEmulator({ port: 0, webhookUrl: `${bffUrl}/webhooks/stripe`, webhookSecret: WEBHOOK_SECRET });
const config = loadConfig({
  PUBLIC_URL: bffUrl,
  DATABASE_URL: 'memory:',
  STRIPE_API_BASE: emulator.url,
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  LOG_LEVEL: 'silent',
});
const logger = createLogger('silent');
const database = await openDatabase('memory:');
const stripe = createStripeClient(config.stripe);
// Revocations reach open streams within a second instead of five.
const app = createApp({ database, config, logger, stripe, portal: { sessionCheckMs: 1000 } });
bffServer.on('request', getRequestListener(app.fetch));
const worker = new AutoTopUpWorker(database, stripe, logger);
await worker.start();

/** Calls the platform API with a platform's key; a failure carries the problem body. */
async function platform<T>(key: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${bffUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-credyt-api-key': key },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

const CREDITS = { code: 'CREDITS', name: 'Credits', precision: 0, label: 'credits', rates: [{ source: 'USD', rate: '0.01' }] };
const realTime = { type: 'usage_based', billing_model: { type: 'real_time' } };
const PRODUCT = {
  name: 'Chat completions',
  code: 'chat',
  publish: true,
  prices: [
    {
      ...realTime,
      name: 'Per request',
      description: '$0.50 per request',
      usage_calculation: { event_type: 'chat.request', usage_type: 'unit' },
      pricing: [{ asset: 'USD', values: [{ unit_price: '0.50' }] }],
    },
    {
      ...realTime,
      name: 'Per image',
      usage_calculation: { event_type: 'image.generated', usage_type: 'unit' },
      pricing: [{ asset: 'CREDITS', values: [{ unit_price: 10 }] }],
    },
  ],
};

interface SetupBody {
  /** The test page's origin: the portal's allowed origin. */
  origin: string;
  name?: string;
}

/** A platform of its own per call (tests run in parallel), with one funded customer and a sign-in link. */
async function setup({ origin, name = 'Acme AI' }: SetupBody) {
  const key = `sk_widget_${randomBytes(12).toString('hex')}`;
  await ensurePlatformWithKey(database.db, key, name);
  await platform(key, 'POST', '/assets', CREDITS);
  await platform(key, 'POST', '/products', PRODUCT);
  await platform(key, 'PUT', '/billing-portal/configuration', {
    branding: { name, primary_color: '#0f766e' },
    urls: { support_url: `${origin}/support` },
    allowed_origins: [origin],
    default_locale: 'en',
  });
  const customer = await platform<{ id: string }>(key, 'POST', '/customers', {
    name: 'Ada Lovelace',
    external_id: `ada-${randomBytes(4).toString('hex')}`,
    email: 'ada@example.com',
    subscriptions: [{ products: [{ code: 'chat' }] }],
  });
  const adjustments = [
    { asset: 'USD', amount: '50', reason: 'external_topup', description: 'Welcome top-up' },
    { asset: 'USD', amount: '5', reason: 'gift', description: 'Launch gift' },
    { asset: 'CREDITS', amount: '1000', reason: 'gift', description: 'Free credits' },
  ];
  for (const [i, adjustment] of adjustments.entries()) {
    await platform(key, 'POST', `/customers/${customer.id}/wallet/adjustments`, { ...adjustment, transaction_id: `setup-${i}` });
  }
  const session = await link(key, customer.id, origin);
  return { api_base: bffUrl, key, customer_id: customer.id, ...session };
}

async function link(key: string, customerId: string, origin: string) {
  const session = await platform<{ id: string; token: string }>(key, 'POST', '/billing-portal/sessions', {
    customer_id: customerId,
    return_url: `${origin}/account`,
    failure_url: `${origin}/account?failed=1`,
  });
  return { session_id: session.id, token: session.token };
}

let eventCounter = 0;

/** What the control routes read from their JSON bodies (each route uses some of it). */
interface ControlBody {
  origin: string;
  name?: string;
  key: string;
  customer_id: string;
  session_id: string;
  event_type?: string;
  count?: number;
  redirect_url: string;
  card?: string;
}

const routes: Record<string, (body: ControlBody) => Promise<unknown>> = {
  '/setup': setup,
  '/session': ({ key, customer_id, origin }) => link(key, customer_id, origin),
  '/revoke': ({ key, session_id }) => platform(key, 'POST', `/billing-portal/sessions/${session_id}/revoke`),
  /** Usage through `POST /events`, as the platform's backend reports it. */
  '/usage': ({ key, customer_id, event_type = 'chat.request', count = 1 }) =>
    platform(key, 'POST', '/events', {
      customer_id,
      events: Array.from({ length: count }, () => ({
        id: `evt_${Date.now()}_${(eventCounter += 1)}`,
        event_type,
        occurred_at: new Date().toISOString(),
        subject: 'project-alpha',
        description: 'A chat request',
      })),
    }),
  /** Pays a Checkout session with a test card, as the customer would on its page, and waits for the webhooks. */
  '/complete-checkout': async ({ redirect_url, card }) => {
    const id = new URL(redirect_url).pathname.split('/').pop()!;
    const result = emulator.control.completeCheckout(id, card);
    await emulator.control.flush();
    return { outcome: result.outcome, redirect_to: result.redirectTo };
  },
};

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const control = createServer((req, res) => {
  const route = routes[new URL(req.url ?? '/', 'http://control').pathname];
  if (!route || req.method !== 'POST') return answer(res, 404, { error: `no control route ${req.method} ${req.url}` });
  readBody(req)
    .then((body) => route(body as ControlBody))
    .then(
      (body) => answer(res, 200, body ?? {}),
      (error: unknown) => answer(res, 500, { error: error instanceof Error ? error.message : String(error) }),
    );
});
const controlUrl = await listen(control);

async function stop() {
  control.close();
  bffServer.closeAllConnections();
  bffServer.close();
  await worker.stop();
  await emulator.close();
  await database.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// The test runner owns this process: when it goes away (stdin closes), so does this.
process.stdin.on('end', () => void stop());
process.stdin.resume();

process.stdout.write(`${JSON.stringify({ control: controlUrl, bff: bffUrl })}\n`);
