/**
 * A local stand-in for Stripe: the slice of the `/v1` API the billing portal uses, a hosted Checkout page
 * with Stripe's test cards, signed webhooks, and switches to make all of it misbehave on purpose.
 * Point the official SDK at it with `new Stripe(key, { host, port, protocol: 'http' })`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import Stripe from 'stripe';
import { createApi } from './api.ts';
import { Faults, createControl, createControlRoutes, defaultSwitches, type EmulatorControl } from './control.ts';
import { IdempotencyKeys } from './idempotency.ts';
import { createPages } from './pages.ts';
import { Payments } from './payments.ts';
import { Store } from './store.ts';
import { WebhookSender } from './webhooks.ts';

export type { CheckoutResult, CompleteCheckoutOptions, EmulatorControl, EmulatorSwitches } from './control.ts';
export type { StripeEvent } from './objects.ts';
export type { Delivery } from './webhooks.ts';
export { signWebhookPayload } from './webhooks.ts';

export interface StripeEmulatorOptions {
  /** Where browsers reach the emulator: Checkout `url` and `receipt_url` are built on it. */
  publicUrl: string;
  webhookUrl: string;
  webhookSecret: string;
}

export interface StripeEmulator {
  app: Hono;
  control: EmulatorControl;
}

export interface RunningStripeEmulator {
  /** The API base, for the SDK (`http://127.0.0.1:<port>`). */
  url: string;
  publicUrl: string;
  port: number;
  control: EmulatorControl;
  /** Stops answering (Stripe "down"); pending webhook deliveries are dropped. */
  close(): Promise<void>;
}

function assemble(options: StripeEmulatorOptions) {
  const publicUrl = options.publicUrl.replace(/\/+$/, '');
  const store = new Store();
  const switches = defaultSwitches(options.webhookUrl);
  const webhooks = new WebhookSender(options.webhookSecret, () => switches);
  const payments = new Payments({
    store,
    publicUrl,
    // Events carry the API version the installed SDK speaks, as a webhook endpoint pinned to it would get.
    apiVersion: Stripe.API_VERSION,
    emit: (event) => webhooks.send(event),
    takeAsyncPayment: () => {
      const settlesLater = switches.nextCheckoutAsync;
      switches.nextCheckoutAsync = false;
      return settlesLater;
    },
  });
  const idempotency = new IdempotencyKeys();
  const faults = new Faults(switches);
  const control = createControl({
    store,
    payments,
    webhooks,
    idempotency,
    faults,
    switches,
    defaults: () => defaultSwitches(options.webhookUrl),
  });

  const app = new Hono()
    .use(async function expireDueSessions(_c, next) {
      payments.expireDueSessions();
      await next();
    })
    .route('/v1', createApi({ store, payments, idempotency, faults, apiVersion: Stripe.API_VERSION }))
    .route('/__emulator', createControlRoutes(control))
    .route('/', createPages({ store, payments }))
    .get('/', (c) => c.text('Stripe emulator: point the stripe SDK here; test controls under /__emulator/'));

  const shutdown = () => {
    Object.assign(switches, { hang: false });
    faults.sync();
    webhooks.reset();
  };
  return { app, control, payments, shutdown };
}

export function createStripeEmulator(options: StripeEmulatorOptions): StripeEmulator {
  const { app, control } = assemble(options);
  return { app, control };
}

export async function startStripeEmulator(
  options: Omit<StripeEmulatorOptions, 'publicUrl'> & { publicUrl?: string; port: number; hostname?: string },
): Promise<RunningStripeEmulator> {
  // Session URLs need the real port, so the app is assembled once the server listens (port 0 works).
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.hostname, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const publicUrl = options.publicUrl ?? `http://localhost:${port}`;
  const running = assemble({ ...options, publicUrl });
  server.on('request', getRequestListener(running.app.fetch));
  // Stripe expires sessions on its own clock, whether or not anyone calls the API.
  const sweep = setInterval(() => running.payments.expireDueSessions(), 1_000);
  sweep.unref();

  return {
    url: `http://${options.hostname ?? '127.0.0.1'}:${port}`,
    publicUrl,
    port,
    control: running.control,
    async close() {
      clearInterval(sweep);
      running.shutdown();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
