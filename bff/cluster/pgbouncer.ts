import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitForPort } from './wait.ts';

/** Debian's PgBouncer (`apt-get install pgbouncer`); `.ci/run` installs it. */
export const PGBOUNCER = '/usr/sbin/pgbouncer';
export const havePgBouncer = existsSync(PGBOUNCER);

export interface Bouncer {
  /** `postgres://…` through the pooler, to the same database as `directUrl`. */
  url: string;
  stop(): Promise<void>;
}

/**
 * PgBouncer in transaction pooling (what managed PostgreSQL puts in front) on `port`, for the database of
 * `directUrl`, with trust auth as the machine's PostgreSQL has. Run as the `postgres` user: PgBouncer refuses root.
 */
export async function startPgBouncer(directUrl: string, port: number, poolSize = 10): Promise<Bouncer> {
  const target = new URL(directUrl);
  const database = target.pathname.slice(1);
  const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
  writeFileSync(join(dir, 'users.txt'), `"${target.username || 'postgres'}" ""\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `${database} = host=${target.hostname} port=${target.port || 5432} dbname=${database}`,
      '[pgbouncer]',
      `listen_addr = 127.0.0.1`,
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      `default_pool_size = ${poolSize}`,
      'max_client_conn = 1000',
      'ignore_startup_parameters = extra_float_digits',
      '',
    ].join('\n'),
  );
  const args = [...(process.getuid?.() === 0 ? ['-u', 'postgres'] : []), join(dir, 'pgbouncer.ini')];
  const child: ChildProcess = spawn(PGBOUNCER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  await waitForPort(port, child, 'pgbouncer', () => log);
  const url = new URL(directUrl);
  url.port = String(port);
  return {
    url: url.toString(),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
