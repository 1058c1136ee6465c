import { havePgBouncer, PGBOUNCER } from './pgbouncer.ts';
import { haveNginx, NGINX } from './nginx.ts';
import { startCluster } from './cluster.ts';

/**
 * `pnpm cluster`: three BFF processes behind nginx, through PgBouncer, on the PostgreSQL of DATABASE_URL, with the
 * proxy on PORT (8787). The environment reaches every process (BOOTSTRAP_API_KEY, STRIPE_API_BASE, …). Ctrl-C
 * drains and stops them all.
 */
const databaseUrl = process.env.DATABASE_URL ?? '';
const missing = [
  ...(/^postgres(ql)?:\/\//.test(databaseUrl) ? [] : ['DATABASE_URL must be a postgres:// URL (the cluster shares one PostgreSQL)']),
  ...(havePgBouncer ? [] : [`PgBouncer is not installed (${PGBOUNCER}): apt-get install pgbouncer`]),
  ...(haveNginx ? [] : [`nginx is not installed (${NGINX}): apt-get install nginx`]),
];
if (missing.length > 0) {
  process.stderr.write(`${missing.join('\n')}\n`);
  process.exit(1);
}
const { DATABASE_URL: _db, PORT: port, ...env } = process.env as Record<string, string>;
const processes = Number(process.env.CLUSTER_PROCESSES ?? 3);
const cluster = await startCluster({ databaseUrl, processes, port: Number(port ?? 8787), env: { LOG_LEVEL: 'info', ...env } });
process.stdout.write(
  `Cluster up: ${cluster.url} (nginx) → ${cluster.processes.map((p) => p.url).join(', ')} → PgBouncer ${cluster.bouncer.url.replace(/\/\/[^@]*@/, '//')} → PostgreSQL\nCtrl-C stops it.\n`,
);
let stopping = false;
const stop = async () => {
  if (stopping) process.exit(1);
  stopping = true;
  await cluster.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
