import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

/** The benches' product: 0.01 USD per `msg` event, published. */
export const CHAT_PRODUCT = {
  name: 'Chat',
  code: 'chat',
  publish: true,
  prices: [
    {
      name: 'Per message',
      type: 'usage_based',
      billing_model: { type: 'real_time' },
      usage_calculation: { event_type: 'msg', usage_type: 'unit' },
      pricing: [{ asset: 'USD', values: [{ unit_price: '0.01' }] }],
    },
  ],
};

export const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database per run, so every figure starts from the same empty state. */
export async function freshDatabase(name: string): Promise<string> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  return ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
}

export interface BffProcess {
  url: string;
  pid: number;
  rssMb(): number;
  peakRssMb(): number;
  /** CPU seconds the server process has used so far (user + system). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Shell that raises `ulimit -n` to `n`, or to the hard limit when `n` is above it (raising that needs CAP_SYS_RESOURCE). */
export const raiseOpenFiles = (n: number) => `{ ulimit -n ${n} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; }`;

/** The soft `ulimit -n` of a process (`self` or a pid). */
export function openFilesLimit(pid: number | 'self' = 'self'): number {
  const row = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  return Number(row?.split(/\s+/)[3] ?? 0);
}

export interface StartOptions {
  /** The checkout whose `bff/src/main.ts` runs (another worktree, for an A/B); this one when not given. */
  root?: string;
  /** A command the server runs under (`valgrind --tool=callgrind …`). */
  wrapper?: string[];
  /** Node options after tsx's, before the entry (`--expose-gc`, `--import` of a probe or hook). */
  nodeArgs?: string[];
  /** Open files (`ulimit -n`) the server may hold: one per connection, so 10,000 streams need more than 10,000. */
  openFiles?: number;
  /** An IPC channel to the server (`child.send`), for a probe or hook that answers messages. */
  ipc?: boolean;
  /** How long to wait for `/healthz` (a server under valgrind starts ~50× slower). */
  startTimeoutMs?: number;
}

/** Starts the BFF as a deployment runs it (`pnpm serve`), in its own process, so load and server don't share a CPU budget. */
export async function startBff(
  env: Record<string, string>,
  port: number,
  options: StartOptions = {},
): Promise<BffProcess & { child: ChildProcess }> {
  const entry = options.root ? join(options.root, 'bff/src/main.ts') : fileURLToPath(new URL('../src/main.ts', import.meta.url));
  const node = [
    process.execPath,
    ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    '--import',
    'tsx',
    ...(options.nodeArgs ?? []),
    entry,
  ];
  const full = [...(options.wrapper ?? []), ...node];
  // `ulimit -n` in a shell that then becomes the server (exec: same pid, so /proc/<pid> is the server's).
  const [command, argv] =
    options.openFiles === undefined
      ? [full[0]!, full.slice(1)]
      : ['/bin/sh', ['-c', `${raiseOpenFiles(options.openFiles)} && exec "$0" "$@"`, ...full]];
  const child: ChildProcess = spawn(command, argv, {
    // `--import tsx` resolves from the working directory: the tree's own tsx.
    cwd: options.root,
    env: { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit', ...(options.ipc ? (['ipc'] as const) : [])],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const status = (field: string) => {
    const line = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(field));
    return Number(line?.replace(/\D+/g, '') ?? 0) / 1024;
  };
  return {
    child,
    url,
    pid: child.pid ?? 0,
    rssMb: () => status('VmRSS'),
    // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses: utime and stime in clock ticks.
    cpuSeconds: () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8')
        .replace(/^.*\) /, '')
        .split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    peakRssMb: () => status('VmHWM'),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Empties the abuse counters: a bench signs in more customers than a minute's limits allow, as if over a longer time. */
export async function clearRateLimits(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql`delete from rate_limits`;
  await sql.end();
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function pool<T>(width: number, count: number, task: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

export function line(name: string, value: string, ratio?: string) {
  console.log(`${name.padEnd(58)} ${value.padStart(16)}${ratio ? `   ${ratio}` : ''}`);
}

/** Calls the BFF's API as a platform with `key`; a status of 300 or more throws with the body. */
export function apiClient(bff: Pick<BffProcess, 'url'>, key: string) {
  return async <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const res = await fetch(`${bff.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-credyt-api-key': key, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
}

/** The chat product, and `count` customers subscribed to it (external ids `<prefix><i>`), 8 created at a time. */
export async function chatCustomers(call: ReturnType<typeof apiClient>, prefix: string, count: number): Promise<string[]> {
  await call('POST', '/products', CHAT_PRODUCT);
  const ids: string[] = [];
  await pool(8, count, async (i) => {
    const body = { name: `${prefix}${i}`, external_id: `${prefix}${i}`, subscriptions: [{ products: [{ code: 'chat' }] }] };
    ids[i] = (await call<{ id: string }>('POST', '/customers', body)).id;
  });
  return ids;
}

let exchanges = 0;

/** A portal access token for the customer: a link made by the platform, exchanged as the customer's browser would. */
export async function accessToken(bff: Pick<BffProcess, 'url'>, key: string, customerId: string): Promise<string> {
  const api = apiClient(bff, key);
  const link = await api<{ token: string }>('POST', '/billing-portal/sessions', {
    customer_id: customerId,
    return_url: 'https://platform.example/',
    failure_url: 'https://platform.example/',
  });
  const session = await api<{ access_token: string }>(
    'POST',
    '/portal/api/session',
    { token: link.token },
    // Each customer signs in from a browser of their own: one load generator stands for a thousand of them, so the
    // exchange limit per client IP (30 a minute) applies per simulated customer (documentation-range addresses).
    // The BFF must run with TRUST_PROXY=2 for these addresses to count.
    { 'x-credyt-api-key': '', 'x-forwarded-for': `198.51.100.${exchanges++ % 250}, 203.0.113.${Math.floor(exchanges / 250) % 250}` },
  );
  return session.access_token;
}

export function cannon(options: autocannon.Options) {
  return new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(options, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** Opens a portal stream; `next(event)` resolves with the `performance.now()` at which that server-sent event arrives. */
export async function openStream(bff: BffProcess, token: string) {
  const res = await fetch(`${bff.url}/portal/api/stream`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
  if (!res.ok || !res.body) throw new Error(`stream: ${res.status}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const waiters: { event: string; resolve: (at: number) => void }[] = [];
  let buffer = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const name = /^event: (.+)$/m.exec(block)?.[1];
        for (const w of waiters.splice(0)) {
          if (w.event === name) w.resolve(performance.now());
          else waiters.push(w);
        }
      }
    }
  })();
  return {
    next: (event: string) => new Promise<number>((resolve) => waiters.push({ event, resolve })),
    close: () => reader.cancel(),
  };
}
