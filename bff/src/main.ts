import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { listen, portOf } from './http/server.ts';
import { MissingWidgetError, WIDGET_ENTRY } from './http/widget-assets.ts';
import { Lifecycle } from './lifecycle.ts';
import { collectProcessMetrics } from './metrics.ts';
import { createLogger } from './log.ts';
import { AutoTopUpWorker } from './auto-top-up/service.ts';
import { webhookWorker } from './webhooks/delivery.ts';
import { createStripeClient } from './stripe/client.ts';
import { ensurePlatformWithKey } from './tenancy/platforms.ts';

/** What cannot start the server: one line on stderr, exit 1. */
function refuse(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** `pnpm serve`: the BFF alone, configured by the environment, as a deployment runs it. */
async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) refuse(err.message);
    throw err;
  }
  // Without the bundle the hosted portal and every embed would fail page by page; say so once, at start.
  if (!existsSync(join(config.widgetDist, WIDGET_ENTRY))) refuse(new MissingWidgetError(config.widgetDist).message);
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config.databaseUrl, {
    poolSize: config.pool.size,
    readPoolSize: config.pool.readSize,
    directUrl: config.databaseDirectUrl,
  });
  if (config.bootstrapApiKey) await ensurePlatformWithKey(database.db, config.bootstrapApiKey, 'Bootstrap platform');
  const stripe = createStripeClient(config.stripe);
  const lifecycle = new Lifecycle();
  collectProcessMetrics();
  const app = createApp({ database, config, logger, stripe, lifecycle });
  const worker = new AutoTopUpWorker(database, stripe, logger);
  await worker.start();
  const webhooks = webhookWorker(database, logger, config.webhooks);
  await webhooks.start();
  const server = await listen(app.fetch, config.port, config.host);
  logger.info('listening', { url: config.publicUrl, host: config.host, port: portOf(server), database: database.kind });

  /**
   * SIGTERM (an orchestrator) or SIGINT (Ctrl-C): stop accepting connections, mark the process not ready, end live
   * streams with a reconnect hint, let requests in flight finish (their transactions commit or roll back), stop
   * the auto top-up worker after its current attempt (its claims are row locks, released with its transaction), give
   * back the webhook deliveries in flight (due again at once, for another process), close the
   * pools, exit 0. Past `SHUTDOWN_TIMEOUT_MS` the remaining connections are cut and the exit code is 1. A second
   * signal exits at once.
   */
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info('draining', { signal, timeoutMs: config.shutdownTimeoutMs });
    lifecycle.drain();
    const closed = once(server, 'close');
    server.close();
    server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), config.shutdownTimeoutMs)));
    const cut = await Promise.race([closed.then(() => false), timedOut]);
    clearTimeout(timer);
    if (cut) {
      logger.warn('shutdown timed out: closing the connections still open', { timeoutMs: config.shutdownTimeoutMs });
      server.closeAllConnections();
    }
    try {
      await Promise.all([worker.stop(), webhooks.stop()]);
      await database.close();
    } finally {
      logger.info('stopped', { signal });
      process.exit(cut ? 1 : 0);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

await main();
