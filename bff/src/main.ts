import { createApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { listen, portOf } from './http/server.ts';
import { createLogger } from './log.ts';
import { AutoTopUpWorker } from './auto-top-up/service.ts';
import { createStripeClient } from './stripe/client.ts';
import { ensurePlatformWithKey } from './tenancy/platforms.ts';

/** `pnpm serve`: the BFF alone, configured by the environment, as a deployment runs it. */
async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  const database = await openDatabase(config.databaseUrl, { poolSize: config.pool.size, readPoolSize: config.pool.readSize });
  if (config.bootstrapApiKey) await ensurePlatformWithKey(database.db, config.bootstrapApiKey, 'Bootstrap platform');
  const stripe = createStripeClient(config.stripe);
  const app = createApp({ database, config, logger, stripe });
  const worker = new AutoTopUpWorker(database, stripe, logger);
  await worker.start();
  const server = await listen(app.fetch, config.port, config.host);
  logger.info('listening', { url: config.publicUrl, host: config.host, port: portOf(server), database: database.kind });
  const stop = () => {
    server.close();
    void worker
      .stop()
      .then(() => database.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
