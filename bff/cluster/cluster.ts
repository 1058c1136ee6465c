import { startNginx, type Proxy } from './nginx.ts';
import { startPgBouncer, type Bouncer } from './pgbouncer.ts';
import { freePort, startServer, type ServerProcess } from './server-process.ts';

export interface ClusterOptions {
  /** PostgreSQL itself; the processes reach it through PgBouncer, and directly for LISTEN and migrations. */
  databaseUrl: string;
  processes?: number;
  /** The proxy's port (a free one when not given). */
  port?: number;
  /** Extra environment for every process (BOOTSTRAP_API_KEY, STRIPE_API_BASE, …). */
  env?: Record<string, string>;
  /** Server connections PgBouncer keeps to PostgreSQL for all the processes together. */
  poolSize?: number;
}

export interface Cluster {
  /** The proxy: what clients use. */
  url: string;
  processes: ServerProcess[];
  bouncer: Bouncer;
  proxy: Proxy;
  stop(): Promise<void>;
}

/**
 * The deployment in miniature: PgBouncer (transaction pooling) in front of PostgreSQL, `processes` BFF processes
 * through it (each with a direct connection for LISTEN), nginx in front of them. The processes start together, so
 * their migrations race (the advisory lock serialises them).
 */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const count = options.processes ?? 3;
  const bouncer = await startPgBouncer(options.databaseUrl, await freePort(), options.poolSize ?? 20);
  const proxyPort = options.port ?? (await freePort());
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const env = {
    DATABASE_URL: bouncer.url,
    DATABASE_DIRECT_URL: options.databaseUrl,
    TRUST_PROXY: '1',
    PUBLIC_URL: `http://127.0.0.1:${proxyPort}`,
    ...options.env,
  };
  const processes = await Promise.all(ports.map((port) => startServer(env, port)));
  const proxy = await startNginx(proxyPort, ports);
  return {
    url: proxy.url,
    processes,
    bouncer,
    proxy,
    async stop() {
      await proxy.stop();
      await Promise.all(
        processes.map((p) => {
          if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
          return p.exited;
        }),
      );
      await bouncer.stop();
    },
  };
}
