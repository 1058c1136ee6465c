/**
 * `pnpm start`: the whole demo in one process. The Stripe emulator, the BFF (embedded PostgreSQL under ./.data/,
 * the auto top-up worker running) and Lumen AI's demo site, seeded through the platform API on first start.
 * Ctrl-C stops everything.
 */
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { createServer as createViteServer, type ViteDevServer } from 'vite';
import { createApp } from '@credyt/bff/src/app.ts';
import { ConfigError, loadConfig, type Config } from '@credyt/bff/src/config.ts';
import { openDatabase, type DatabaseHandle } from '@credyt/bff/src/db/client.ts';
import { createLogger } from '@credyt/bff/src/log.ts';
import { AutoTopUpWorker } from '@credyt/bff/src/payments/auto-top-up.ts';
import { createStripeClient } from '@credyt/bff/src/payments/stripe.ts';
import { ensurePlatformWithKey } from '@credyt/bff/src/platform/platforms.ts';
import { demoSiteConfig } from '../vite.config.ts';
import { DEMO_API_KEY, MAIN_CUSTOMER, PLATFORM_NAME } from './lumen.ts';
import { createPortalSession, customerByExternalId, platformClient } from './platform-client.ts';
import { isSeeded, seedDemo } from './seed.ts';
import { startStripeEmulator, type RunningStripeEmulator } from './stripe-emulator/index.ts';

const BFF_PORT = 8787;
const EMULATOR_PORT = 12_111;
const SITE_PORT = 5173;
const WEBHOOK_SECRET = 'whsec_credyt_demo_local_emulator';

const stoppers: (() => Promise<unknown>)[] = [];
let stopping = false;

function configure(): Config {
  try {
    // The demo's own wiring wins; DATABASE_URL and LOG_LEVEL may still be chosen (e.g. a real PostgreSQL).
    return loadConfig({
      ...process.env,
      PORT: String(BFF_PORT),
      PUBLIC_URL: `http://localhost:${BFF_PORT}`,
      STRIPE_SECRET_KEY: 'sk_test_credyt_demo',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      STRIPE_API_BASE: `http://127.0.0.1:${EMULATOR_PORT}`,
      BOOTSTRAP_API_KEY: DEMO_API_KEY,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

function fail(message: string): never {
  process.stderr.write(`\n✖ ${message}\n`);
  process.exit(1);
}

/** A start failure the user can act on: printed as one line, without a stack. */
class StartError extends Error {}

function inUse(err: unknown, port: number, what: string): never {
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    throw new StartError(`Port ${port} (${what}) is already in use. Is another \`pnpm start\` or \`pnpm serve\` running?`);
  }
  throw err;
}

async function startEmulator(config: Config): Promise<RunningStripeEmulator> {
  const emulator = await startStripeEmulator({
    port: EMULATOR_PORT,
    webhookUrl: `${config.publicUrl}/webhooks/stripe`,
    webhookSecret: config.stripe.webhookSecret,
  }).catch((err: unknown) => inUse(err, EMULATOR_PORT, 'Stripe emulator'));
  stoppers.unshift(() => emulator.close());
  return emulator;
}

async function startBff(config: Config): Promise<DatabaseHandle> {
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config.databaseUrl);
  stoppers.unshift(() => database.close());
  await ensurePlatformWithKey(database.db, DEMO_API_KEY, PLATFORM_NAME);
  const stripe = createStripeClient(config.stripe);
  const worker = new AutoTopUpWorker(database, stripe, logger);
  await worker.start();
  stoppers.unshift(() => worker.stop());
  const app = createApp({ database, config, logger, stripe });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port }, () => resolve(s as Server)) as Server;
    s.once('error', reject);
  }).catch((err: unknown) => inUse(err, config.port, 'BFF'));
  stoppers.unshift(
    () =>
      new Promise<void>((resolve) => {
        // Portal streams stay open forever; close them rather than wait.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return database;
}

async function startSite(apiBase: string): Promise<ViteDevServer> {
  const vite = await createViteServer({ ...demoSiteConfig({ port: SITE_PORT, apiBase, apiKey: DEMO_API_KEY }), configFile: false });
  await vite.listen().catch((err: unknown) => inUse(err, SITE_PORT, 'demo site'));
  stoppers.unshift(() => vite.close());
  return vite;
}

async function stop(code = 0) {
  if (stopping) {
    process.stderr.write('Forcing exit.\n');
    process.exit(1);
  }
  stopping = true;
  process.stdout.write('\nStopping the demo site, the BFF and the Stripe emulator…\n');
  for (const stopper of stoppers) await stopper().catch((err: unknown) => process.stderr.write(`${String(err)}\n`));
  process.exit(code);
}

async function main() {
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  const config = configure();
  const emulator = await startEmulator(config);
  const database = await startBff(config);
  const siteUrl = `http://localhost:${SITE_PORT}`;
  const api = platformClient({ baseUrl: config.publicUrl, apiKey: DEMO_API_KEY });

  if (await isSeeded(api)) {
    process.stdout.write(
      `Using the existing demo data (${database.kind === 'pglite' ? (config.databaseUrl ?? './.data/pglite') : 'DATABASE_URL'}).\n`,
    );
  } else {
    process.stdout.write(`Seeding ${PLATFORM_NAME} through the platform API (first start)…\n`);
    const started = Date.now();
    const seeded = await seedDemo(api, { siteUrl });
    process.stdout.write(
      `Seeded 2 customers, 3 products and ${seeded.events.main + seeded.events.other} usage events in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
    );
  }

  await startSite(config.publicUrl);
  const customer = await customerByExternalId(api, MAIN_CUSTOMER.external_id);
  if (!customer) throw new StartError(`The demo customer ${MAIN_CUSTOMER.external_id} is missing; delete ./.data/ and start again.`);
  const link = await createPortalSession(api, customer.id, siteUrl);

  const row = (label: string, value: string) => `  ${label.padEnd(30)} ${value}\n`;
  process.stdout.write(
    `\n  ${PLATFORM_NAME} × Credyt billing portal: the demo is running\n\n` +
      row('Demo site (Account → Billing)', `${siteUrl}/`) +
      row('Hosted portal link', link.redirect_url) +
      row('', '(fresh, single use, valid 10 minutes; the demo site\'s "Open full-page portal" makes more)') +
      row('BFF (platform + portal API)', `${config.publicUrl}  (OpenAPI: ${config.publicUrl}/openapi.json)`) +
      row('Widget bundle', `${config.publicUrl}/widget/credyt-billing-portal.js`) +
      row('Stripe emulator', `${emulator.publicUrl}  (test card 4242 4242 4242 4242)`) +
      row('Demo API key', DEMO_API_KEY) +
      `\n  Try it:  curl -H 'X-Credyt-Api-Key: ${DEMO_API_KEY}' ${config.publicUrl}/customers/${customer.id}/wallet\n` +
      `  Data lives in ./.data/ (delete it to start over). Ctrl-C stops everything.\n\n`,
  );
}

main().catch((err: unknown) => {
  const reason = err instanceof StartError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`\n✖ The demo failed to start: ${reason}\n`);
  void stop(1);
});
