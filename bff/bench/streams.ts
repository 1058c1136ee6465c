import { request, type ClientRequest } from 'node:http';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import {
  accessToken,
  apiClient,
  chatCustomers,
  clearRateLimits,
  freshDatabase,
  line,
  openFilesLimit,
  raiseOpenFiles,
  percentile,
  pool,
  startBff,
} from './lib.ts';

const KEY = 'bench_key_streams_0123456789abcdef';
const STREAMS = Number(process.env.BENCH_STREAMS ?? 10_000);
const BASELINE_STREAMS = 20;
/** Customers the streams spread over; each has SESSIONS_PER_CUSTOMER sessions of STREAMS_PER_SESSION streams (the cap). */
const CUSTOMERS = 400;
const STREAMS_PER_SESSION = 5;
const PROBES = 200;
/** Open files the server gets: a socket per stream, and some for the pools, the listener and the bundle. */
const SERVER_OPEN_FILES = 65_536;

type MemoryUsage = NodeJS.MemoryUsage;

/**
 * A server-sent event stream on a socket of its own, as light as a client can be: 10,000 of them share the load
 * generator's CPU with the server. `next(event)` resolves with the `performance.now()` at which that event arrives.
 */
function openStream(base: URL, token: string): Promise<{ next(event: string): Promise<number>; close(): void }> {
  return new Promise((resolve, reject) => {
    const waiters: { marker: string; resolve: (at: number) => void }[] = [];
    let tail = '';
    const req: ClientRequest = request(
      {
        host: base.hostname,
        port: base.port,
        path: '/portal/api/stream',
        agent: false,
        // As a browser's EventSource asks: Accept-Encoding too (the BFF never compresses a stream, but reads it).
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', 'accept-encoding': 'gzip, deflate, br' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          reject(new Error(`stream: ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (waiters.length === 0) return;
          // An event's name line may straddle two reads: keep the end of the last one.
          const text = tail + chunk;
          tail = text.slice(-40);
          const at = performance.now();
          for (const w of waiters.splice(0)) {
            if (text.includes(w.marker)) w.resolve(at);
            else waiters.push(w);
          }
        });
        res.on('error', () => {});
        resolve({
          next: (event) => new Promise<number>((r) => waiters.push({ marker: `event: ${event}\n`, resolve: r })),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** `pnpm bench streams`: STREAMS live streams on one BFF process: memory per stream and push latency with them open. */
export async function benchStreams() {
  // The load generator holds a socket per stream too: below the limit it needs, run again under a raised one.
  if (openFilesLimit() < STREAMS + 1000 && !process.env.BENCH_STREAMS_RAISED) {
    const run = fileURLToPath(new URL('./run.ts', import.meta.url));
    const child = spawn(
      '/bin/sh',
      ['-c', `${raiseOpenFiles(SERVER_OPEN_FILES)} && exec "$0" "$@"`, process.execPath, '--import', 'tsx', run, 'streams'],
      {
        env: { ...process.env, BENCH_STREAMS_RAISED: '1' },
        stdio: 'inherit',
      },
    );
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new Error(`streams bench under a raised ulimit -n exited ${code}`);
    return;
  }
  const url = await freshDatabase('credyt_bench_streams');
  const hook = fileURLToPath(new URL('./memory-hook.ts', import.meta.url));
  const bff = await startBff({ DATABASE_URL: url, BOOTSTRAP_API_KEY: KEY, TRUST_PROXY: '2', MAX_OPEN_STREAMS: String(STREAMS) }, 18792, {
    nodeArgs: ['--expose-gc', '--import', hook],
    openFiles: SERVER_OPEN_FILES,
    ipc: true,
  });
  const limit = openFilesLimit(bff.pid);
  if (limit < STREAMS + 100)
    throw new Error(`the server may open ${limit} files, fewer than ${STREAMS} streams need (raise ulimit -n's hard limit)`);
  const memory = () =>
    new Promise<MemoryUsage>((resolve) => {
      bff.child.once('message', (m) => resolve((m as { memory: MemoryUsage }).memory));
      bff.child.send('memory');
    });
  const snapshot = async (): Promise<string | undefined> => {
    if (!process.env.BENCH_HEAP_SNAPSHOTS) return undefined;
    return new Promise((resolve) => {
      bff.child.once('message', (m) => resolve((m as { snapshot: string }).snapshot));
      bff.child.send('snapshot');
    });
  };
  const call = apiClient(bff, KEY);
  const base = new URL(bff.url);
  const streams: { customer: number; stream: Awaited<ReturnType<typeof openStream>> }[] = [];
  try {
    const customers = await chatCustomers(call, 's', CUSTOMERS);
    // Stream i belongs to customer i % CUSTOMERS, through session ⌊i / CUSTOMERS⌋ % sessions of that customer.
    const sessions = Math.ceil(STREAMS / STREAMS_PER_SESSION);
    const tokens: string[] = [];
    for (let start = 0; start < sessions; start += 500) {
      await clearRateLimits(url);
      await pool(16, Math.min(500, sessions - start), async (i) => {
        tokens[start + i] = await accessToken(bff, KEY, customers[(start + i) % CUSTOMERS]!);
      });
    }
    const tokenOf = (i: number) => tokens[i % sessions]!;
    const open = async (from: number, to: number) => {
      await pool(64, to - from, async (k) => {
        const i = from + k;
        streams[i] = { customer: i % CUSTOMERS, stream: await openStream(base, tokenOf(i)) };
      });
    };
    // Probes the first BASELINE_STREAMS customers in turn: from POST /events answered to wallet.updated on every
    // stream of that customer (the last one to get it counts).
    const probe = async (tag: string) => {
      const latencies: number[] = [];
      for (let i = 0; i < PROBES; i++) {
        const target = i % BASELINE_STREAMS;
        const arrivals = streams.filter((s) => s.customer === target).map((s) => s.stream.next('wallet.updated'));
        await call('POST', '/events', {
          customer_id: customers[target],
          events: [{ id: `${tag}-${i}`, event_type: 'msg', occurred_at: new Date().toISOString() }],
        });
        const returned = performance.now();
        latencies.push(Math.max(0, Math.max(...(await Promise.all(arrivals))) - returned));
        await new Promise((r) => setTimeout(r, 10));
      }
      return latencies.sort((a, b) => a - b);
    };

    // Warm the paths (JIT, pools) with a few streams, then the baseline: BASELINE_STREAMS open, one per customer.
    await open(0, BASELINE_STREAMS);
    await probe('warm');
    const baseLatency = await probe('base');
    const baseMemory = await memory();
    const baseRss = bff.rssMb();
    const baseSnapshot = await snapshot();

    const t0 = performance.now();
    await open(BASELINE_STREAMS, STREAMS);
    const openSeconds = (performance.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    const fullMemory = await memory();
    const fullRss = bff.rssMb();
    const fullSnapshot = await snapshot();
    if (baseSnapshot) console.log(`heap snapshots: ${baseSnapshot} ${fullSnapshot}`);
    const cpu0 = bff.cpuSeconds();
    const fullLatency = await probe('full');
    const probeCpu = bff.cpuSeconds() - cpu0;
    // Idle: only heartbeats (every 15 s per stream) and the session checks (every 5 s, one query for all).
    const idle0 = bff.cpuSeconds();
    await new Promise((r) => setTimeout(r, 15_000));
    const idleCpu = (bff.cpuSeconds() - idle0) / 15;
    const afterMemory = await memory();

    const added = STREAMS - BASELINE_STREAMS;
    const perStream = (a: number, b: number) => `${(((b - a) * 1024 * 1024) / added / 1024).toFixed(1)} KB`;
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
    const kb = (a: number, b: number) => `${((b - a) / added / 1024).toFixed(1)} KB`;
    console.log(
      `\n# Live streams: ${STREAMS.toLocaleString('en')} open on one BFF process (PostgreSQL; ${CUSTOMERS} customers, ${sessions} sessions; server ulimit -n ${limit})`,
    );
    line(`opened ${added.toLocaleString('en')} streams`, `${openSeconds.toFixed(1)} s`, `${(added / openSeconds).toFixed(0)} streams/s`);
    line(
      `server memory per stream (${BASELINE_STREAMS} → ${STREAMS.toLocaleString('en')} open)`,
      `heap ${kb(baseMemory.heapUsed, fullMemory.heapUsed)}`,
      `RSS ${kb(baseMemory.rss, fullMemory.rss)}, external ${kb(baseMemory.external, fullMemory.external)}, after GC (target ≤ 16 KB); RSS ${mb(baseMemory.rss)} → ${mb(fullMemory.rss)} MB (without GC ${perStream(baseRss, fullRss)}); 15 s of heartbeats later heap ${kb(baseMemory.heapUsed, afterMemory.heapUsed)}`,
    );
    line(
      `baseline: push with ${BASELINE_STREAMS} streams open (1 per probed customer)`,
      `p50 ${percentile(baseLatency, 50).toFixed(1)} ms`,
      `p99 ${percentile(baseLatency, 99).toFixed(1)} ms`,
    );
    line(
      `push with ${STREAMS.toLocaleString('en')} open (${STREAMS / CUSTOMERS} per probed customer, the last counts)`,
      `p50 ${percentile(fullLatency, 50).toFixed(1)} ms`,
      `p99 ${percentile(fullLatency, 99).toFixed(1)} ms (target ≤ 50 ms), ${(percentile(fullLatency, 99) / Math.max(0.1, percentile(baseLatency, 99))).toFixed(2)}× baseline p99`,
    );
    line(
      `server CPU with ${STREAMS.toLocaleString('en')} open: idle (heartbeats), during probes`,
      `${(idleCpu * 100).toFixed(1)}%`,
      `${((probeCpu * 1000) / PROBES).toFixed(1)} ms CPU per probe (its event, ${STREAMS / CUSTOMERS} streams × 3 SSE events)`,
    );
  } finally {
    for (const s of streams) s?.stream.close();
    await bff.stop();
  }
}
