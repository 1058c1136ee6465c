import { startCluster } from '../cluster/cluster.ts';
import { haveNginx } from '../cluster/nginx.ts';
import { havePgBouncer } from '../cluster/pgbouncer.ts';
import { accessToken, apiClient, cannon, CHAT_PRODUCT, freshDatabase, line, startBff } from './lib.ts';

const KEY = 'bench_key_cluster_0123456789abcdef';

/** Wallet reads through nginx: one process behind it, then three, on the same machine, database and data. */
export async function benchCluster() {
  console.log('\n# Cluster (nginx → BFF processes → PgBouncer → PostgreSQL; all on this machine)');
  if (!haveNginx || !havePgBouncer) {
    console.log('skipped: needs nginx and PgBouncer (apt-get install nginx pgbouncer)');
    return;
  }
  const url = await freshDatabase('credyt_bench_cluster');
  const results: { processes: number; wallet: number; livez: number; p99: number }[] = [];
  let customerId: string | undefined;
  for (const processes of [1, 3]) {
    const cluster = await startCluster({ databaseUrl: url, processes, env: { BOOTSTRAP_API_KEY: KEY, TRUST_PROXY: '1' } });
    try {
      const proxy = { url: cluster.url };
      const call = apiClient(proxy, KEY);
      if (!customerId) {
        await call('POST', '/products', CHAT_PRODUCT);
        customerId = (
          await call<{ id: string }>('POST', '/customers', {
            name: 'c',
            external_id: 'c',
            subscriptions: [{ products: [{ code: 'chat' }] }],
          })
        ).id;
      }
      const token = await accessToken(proxy, KEY, customerId);
      const auth = { authorization: `Bearer ${token}` };
      await cannon({ url: `${cluster.url}/portal/api/wallet`, headers: auth, connections: 64, duration: 2 });
      const livez = await cannon({ url: `${cluster.url}/livez`, headers: {}, connections: 64, duration: 5 });
      const wallet = await cannon({ url: `${cluster.url}/portal/api/wallet`, headers: auth, connections: 64, duration: 5 });
      if (wallet.non2xx > 0) throw new Error(`wallet answered ${wallet.non2xx} non-2xx`);
      results.push({ processes, wallet: wallet.requests.average, livez: livez.requests.average, p99: wallet.latency.p99 });
    } finally {
      await cluster.stop();
    }
  }
  // The same process alone: no proxy, no pooler (prepared statements, its own connections).
  const alone = await startBff({ DATABASE_URL: url, BOOTSTRAP_API_KEY: KEY, TRUST_PROXY: '2' }, 18790);
  let direct: number;
  let directPooled: number;
  try {
    const auth = { authorization: `Bearer ${await accessToken(alone, KEY, customerId!)}` };
    await cannon({ url: `${alone.url}/portal/api/wallet`, headers: auth, connections: 64, duration: 2 });
    direct = (await cannon({ url: `${alone.url}/portal/api/wallet`, headers: auth, connections: 64, duration: 5 })).requests.average;
  } finally {
    await alone.stop();
  }
  // …and through PgBouncer without nginx, to tell the proxy's share from the pooler's.
  const { startPgBouncer } = await import('../cluster/pgbouncer.ts');
  const bouncer = await startPgBouncer(url, 16432, 20);
  const pooled = await startBff({ DATABASE_URL: bouncer.url, DATABASE_DIRECT_URL: url, BOOTSTRAP_API_KEY: KEY, TRUST_PROXY: '2' }, 18791);
  try {
    const auth = { authorization: `Bearer ${await accessToken(pooled, KEY, customerId!)}` };
    await cannon({ url: `${pooled.url}/portal/api/wallet`, headers: auth, connections: 64, duration: 2 });
    directPooled = (await cannon({ url: `${pooled.url}/portal/api/wallet`, headers: auth, connections: 64, duration: 5 })).requests.average;
  } finally {
    await pooled.stop();
    await bouncer.stop();
  }
  const [one, three] = results as [(typeof results)[number], (typeof results)[number]];
  line('reference: the same wallet read, 1 process alone (no proxy, no pooler)', `${direct.toFixed(0)} req/s`);
  line(
    'reference: 1 process through PgBouncer, no proxy',
    `${directPooled.toFixed(0)} req/s`,
    `${(directPooled / direct).toFixed(2)}× alone`,
  );
  line('baseline: GET /portal/api/wallet through nginx, 1 process, 64 connections', `${one.wallet.toFixed(0)} req/s`, `p99 ${one.p99} ms`);
  line(
    'GET /portal/api/wallet through nginx, 3 processes',
    `${three.wallet.toFixed(0)} req/s`,
    `${(three.wallet / one.wallet).toFixed(2)}× 1 process, p99 ${three.p99} ms (this machine has ${(await import('node:os')).availableParallelism()} cores)`,
  );
  line('reference: GET /livez through nginx, 1 process / 3 processes', `${one.livez.toFixed(0)} / ${three.livez.toFixed(0)} req/s`);
}
