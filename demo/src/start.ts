/**
 * `pnpm start`: the whole demo in one process. The Stripe emulator, the BFF (embedded PostgreSQL under ./.data/,
 * the auto top-up worker running) and Lumen AI's demo site, seeded through the platform API on first start.
 * Ctrl-C stops everything.
 *
 * `startDemo()` starts the same stack from code (the end-to-end tests and the README screenshots do) on chosen
 * ports, database and API key; the CLI below is `startDemo()` with the defaults plus the printed summary.
 */
import { fileURLToPath } from 'node:url';
import { listen } from '@credyt/bff/src/http/server.ts';
import { createServer as createViteServer, type Plugin, type ViteDevServer } from 'vite';
import { createApp } from '@credyt/bff/src/app.ts';
import { ConfigError, loadConfig, type Config } from '@credyt/bff/src/config.ts';
import { openDatabase, type DatabaseHandle } from '@credyt/bff/src/db/client.ts';
import { createLogger, type Level } from '@credyt/bff/src/log.ts';
import { AutoTopUpWorker } from '@credyt/bff/src/auto-top-up/service.ts';
import { webhookWorker } from '@credyt/bff/src/webhooks/delivery.ts';
import { createStripeClient } from '@credyt/bff/src/stripe/client.ts';
import { ensurePlatformWithKey } from '@credyt/bff/src/tenancy/platforms.ts';
import { demoSiteConfig } from '../vite.config.ts';
import { DEMO_API_KEY, MAIN_CUSTOMER, PLATFORM_NAME } from './lumen.ts';
import { createPortalSession, customerByExternalId, platformClient, type PlatformClient } from './platform-client.ts';
import { isSeeded, seedDemo } from './seed.ts';
import { startStripeEmulator, type RunningStripeEmulator } from './stripe-emulator/index.ts';

export const DEFAULT_PORTS = { bff: 8787, emulator: 12_111, site: 5173 } as const;
const WEBHOOK_SECRET = 'whsec_credyt_demo_local_emulator';
/** The BFF origin the demo page's HTML is written against (`demo/site/index.html`). */
const PAGE_API_BASE = `http://localhost:${DEFAULT_PORTS.bff}`;

type Stopper = () => Promise<unknown>;

export interface StartDemoOptions {
  ports?: Partial<{ bff: number; emulator: number; site: number }>;
  /** `postgres://…`, `memory:` or a directory; default `DATABASE_URL`, else the embedded database in ./.data/. */
  databaseUrl?: string;
  /** The platform's key (a platform owning it is created when unknown); default the fixed demo key. */
  apiKey?: string;
  /** Seed Lumen AI when the platform is not seeded yet (default true). */
  seed?: boolean;
  logLevel?: Level;
  /** Progress lines (seeding); the CLI prints them. */
  log?: (text: string) => void;
  /**
   * Where each started part registers how to stop it, newest first (the CLI passes its own list so that Ctrl-C
   * during the start stops what already runs). A failed start stops what it started either way.
   */
  stoppers?: Stopper[];
}

export interface RunningDemo {
  config: Config;
  apiKey: string;
  /** The platform API, with the key (what the platform's server holds). */
  api: PlatformClient;
  urls: { bff: string; site: string; emulator: string };
  emulator: RunningStripeEmulator;
  database: DatabaseHandle;
  /** Stops the site, the BFF (and its worker and database) and the emulator. */
  close(): Promise<void>;
}

function configure(env: NodeJS.ProcessEnv, options: StartDemoOptions, ports: { bff: number; emulator: number }): Config {
  // The demo's own wiring wins; DATABASE_URL and LOG_LEVEL may still be chosen (e.g. a real PostgreSQL).
  return loadConfig({
    ...env,
    ...(options.databaseUrl !== undefined ? { DATABASE_URL: options.databaseUrl } : {}),
    PORT: String(ports.bff),
    PUBLIC_URL: `http://localhost:${ports.bff}`,
    STRIPE_SECRET_KEY: 'sk_test_credyt_demo',
    STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
    STRIPE_API_BASE: `http://127.0.0.1:${ports.emulator}`,
    BOOTSTRAP_API_KEY: options.apiKey ?? DEMO_API_KEY,
    // Lumen's webhook endpoint is on localhost (demo/src/site-api.ts).
    WEBHOOK_ALLOW_INSECURE_URLS: 'true',
    WEBHOOK_RETRY_BASE_MS: '2000',
    LOG_LEVEL: options.logLevel ?? env.LOG_LEVEL ?? 'warn',
  });
}

/** A start failure the user can act on: printed as one line, without a stack. */
export class StartError extends Error {}

function inUse(err: unknown, port: number, what: string): never {
  if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    throw new StartError(`Port ${port} (${what}) is already in use. Is another \`pnpm start\` or \`pnpm serve\` running?`);
  }
  throw err;
}

async function startEmulator(config: Config, port: number, stoppers: Stopper[]): Promise<RunningStripeEmulator> {
  const emulator = await startStripeEmulator({
    port,
    webhookUrl: `${config.publicUrl}/webhooks/stripe`,
    webhookSecret: config.stripe.webhookSecret,
  }).catch((err: unknown) => inUse(err, port, 'Stripe emulator'));
  stoppers.unshift(() => emulator.close());
  return emulator;
}

async function startBff(config: Config, apiKey: string, stoppers: Stopper[]): Promise<DatabaseHandle> {
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config.databaseUrl, { poolSize: config.pool.size, readPoolSize: config.pool.readSize });
  stoppers.unshift(() => database.close());
  await ensurePlatformWithKey(database.db, apiKey, PLATFORM_NAME);
  const stripe = createStripeClient(config.stripe);
  const worker = new AutoTopUpWorker(database, stripe, logger);
  await worker.start();
  stoppers.unshift(() => worker.stop());
  const webhooks = webhookWorker(database, logger, config.webhooks);
  await webhooks.start();
  stoppers.unshift(() => webhooks.stop());
  const app = createApp({ database, config, logger, stripe });
  const server = await listen(app.fetch, config.port, config.host).catch((err: unknown) => inUse(err, config.port, 'BFF'));
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

/** The page is written against the default BFF origin; on other ports it must load the element from this BFF. */
function pageApiBase(apiBase: string): Plugin {
  return {
    name: 'credyt-demo-page-api-base',
    transformIndexHtml: (html) => (apiBase === PAGE_API_BASE ? html : html.replaceAll(PAGE_API_BASE, apiBase)),
  };
}

async function startSite(
  apiBase: string,
  apiKey: string,
  port: number,
  stoppers: Stopper[],
  onWebhook: (line: string) => void,
): Promise<ViteDevServer> {
  const site = demoSiteConfig({ port, apiBase, apiKey, onWebhook });
  const vite = await createViteServer({ ...site, plugins: [...(site.plugins ?? []), pageApiBase(apiBase)], configFile: false });
  await vite.listen().catch((err: unknown) => inUse(err, port, 'demo site'));
  stoppers.unshift(() => vite.close());
  return vite;
}

async function stopAll(stoppers: Stopper[], onError: (err: unknown) => void = () => {}) {
  for (const stopper of stoppers.splice(0)) await stopper().catch(onError);
}

/**
 * Starts the Stripe emulator, the BFF with its auto top-up worker, and the demo site; seeds Lumen AI through the
 * platform API when the platform is new. Throws `ConfigError` or `StartError` (after stopping what it started).
 */
export async function startDemo(options: StartDemoOptions = {}): Promise<RunningDemo> {
  const ports = { ...DEFAULT_PORTS, ...options.ports };
  const apiKey = options.apiKey ?? DEMO_API_KEY;
  const log = options.log ?? (() => {});
  const stoppers = options.stoppers ?? [];
  const config = configure(process.env, options, ports);
  try {
    const emulator = await startEmulator(config, ports.emulator, stoppers);
    const database = await startBff(config, apiKey, stoppers);
    const siteUrl = `http://localhost:${ports.site}`;
    const api = platformClient({ baseUrl: config.publicUrl, apiKey });

    if (await isSeeded(api)) {
      log(`Using the existing demo data (${database.kind === 'pglite' ? (config.databaseUrl ?? './.data/pglite') : 'DATABASE_URL'}).\n`);
    } else if (options.seed ?? true) {
      log(`Seeding ${PLATFORM_NAME} through the platform API (first start)…\n`);
      const started = Date.now();
      const seeded = await seedDemo(api, { siteUrl });
      log(
        `Seeded 2 customers, 3 products and ${seeded.events.main + seeded.events.other} usage events in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
      );
    }

    await startSite(config.publicUrl, apiKey, ports.site, stoppers, (line) => log(`${line}\n`));
    return {
      config,
      apiKey,
      api,
      urls: { bff: config.publicUrl, site: siteUrl, emulator: emulator.publicUrl },
      emulator,
      database,
      close: () => stopAll(stoppers),
    };
  } catch (err) {
    if (!options.stoppers) await stopAll(stoppers);
    throw err;
  }
}

// The CLI: `node --import tsx demo/src/start.ts` (what `pnpm start` runs).

const cliStoppers: Stopper[] = [];
let stopping = false;

function fail(message: string): never {
  process.stderr.write(`\n✖ ${message}\n`);
  process.exit(1);
}

async function stop(code = 0) {
  if (stopping) {
    process.stderr.write('Forcing exit.\n');
    process.exit(1);
  }
  stopping = true;
  process.stdout.write('\nStopping the demo site, the BFF and the Stripe emulator…\n');
  await stopAll(cliStoppers, (err) => process.stderr.write(`${String(err)}\n`));
  process.exit(code);
}

async function main() {
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  let demo: RunningDemo;
  try {
    demo = await startDemo({ stoppers: cliStoppers, log: (text) => process.stdout.write(text) });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
  const { config, api, emulator, urls } = demo;
  const siteUrl = urls.site;
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
      row('Demo API key', demo.apiKey) +
      `\n  Try it:  curl -H 'X-Credyt-Api-Key: ${demo.apiKey}' ${config.publicUrl}/customers/${customer.id}/wallet\n` +
      `  Data lives in ./.data/ (delete it to start over). Ctrl-C stops everything.\n\n`,
  );
}

// Only when run as the script, not when imported (tests, screenshots).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    const reason = err instanceof StartError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`\n✖ The demo failed to start: ${reason}\n`);
    void stop(1);
  });
}
